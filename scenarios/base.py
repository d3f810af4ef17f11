"""The scenario contract: a seeded, ordered stream of events with their offsets in time."""
from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import Any, ClassVar, Iterator


@dataclass(frozen=True)
class Timed:
    """One scenario event: seconds after the scenario start, and the event (API input form)."""

    offset_s: float
    event: dict[str, Any]


class Scenario(abc.ABC):
    """A named scenario. ``events(seed)`` must give the same stream for the same seed."""

    name: ClassVar[str]
    title_vi: ClassVar[str]
    title_en: ClassVar[str]
    #: True: the player stamps ``observed_at`` with the wall-clock time of sending (synthetic
    #: scenarios shown "live"). False: events keep their own (historical) ``observed_at``.
    live_clock: ClassVar[bool] = True

    @abc.abstractmethod
    def events(self, seed: int) -> Iterator[Timed]:
        """Yield Timed events in ascending ``offset_s``."""

    @abc.abstractmethod
    def duration_s(self) -> float:
        """Return the scenario length in scenario seconds."""

    def count(self, seed: int) -> int:
        """Return how many events ``events(seed)`` yields."""
        return sum(1 for _ in self.events(seed))
