"""The scenarios in the ``ioc`` command: ``ioc replay`` and the player of ``ioc serve --demo``.

They plug in through entry points (setup.cfg): ``register`` (group ``ioc.plugins``) adds
``replay``; ``demo`` (group ``ioc.demo``) gives ``serve --demo`` its player. This module stays
light (click only): the scenarios are imported when a command needs them.
"""
from __future__ import annotations

import asyncio
import logging
import sys
from typing import Any

import click

log = logging.getLogger("ioc")


def register(cli: click.Group) -> None:
    """Add the scenario commands (``replay``) to ``cli``."""
    cli.add_command(replay)


@click.command()
@click.argument("scenario")
@click.option("--speed", type=float, default=60.0, show_default=True,
              help="Scenario seconds per real second (0 = as fast as possible).")
@click.option("--url", default="http://127.0.0.1:8888", show_default=True,
              help="Server to post to.")
@click.option("--token", envvar="IOC_TOKEN", required=True,
              help="Operator or admin token (or IOC_TOKEN).")
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--limit", type=int, default=None, help="Stop after this many events.")
def replay(scenario: str, speed: float, url: str, token: str, seed: int, limit: int | None) -> None:
    """Play SCENARIO into a running server, with a progress bar."""
    from scenarios.player import http_sink, play
    from scenarios.registry import get_scenario
    try:
        sc = get_scenario(scenario)
    except KeyError as exc:
        raise click.BadParameter(str(exc.args[0]), param_hint="SCENARIO") from None
    try:
        n = asyncio.run(play(sc, http_sink(url, token), speed=speed, seed=seed, limit=limit))
    except RuntimeError as exc:
        click.echo(f"Lỗi / error: {exc}", err=True)
        sys.exit(1)
    click.echo(f"Đã gửi {n} sự kiện / sent {n} events")


def demo(name: str | None, speed: float) -> "DemoPlayer":
    """Return the player of scenario ``name`` (None: the default one) for ``ioc serve --demo``;
    raise click.BadParameter (on ``--scenario``) when there is no such scenario."""
    from scenarios.registry import DEFAULT_SCENARIO, get_scenario
    try:
        return DemoPlayer(get_scenario(name or DEFAULT_SCENARIO), speed)
    except KeyError as exc:
        raise click.BadParameter(str(exc.args[0]), param_hint="--scenario") from None


class DemoPlayer:
    """A scenario played into a started server, over and over, at ``speed`` scenario seconds
    per real second."""

    def __init__(self, scenario: Any, speed: float):
        self.scenario = scenario
        self.speed = speed

    @property
    def scenario_time(self) -> bool:
        """Return whether the server must run on scenario time (a ``ScaledClock`` at
        ``speed``): a scenario with case plans, so that deadlines pass too."""
        return hasattr(self.scenario, "cases")

    async def play(self, server: Any) -> None:
        """Play the scenario into ``server`` (``server.web.app.start_server``'s) until cancelled."""
        if self.scenario_time:
            await self._play_cases(server)
        else:
            await self._play_events(server.core)

    async def _play_events(self, core: Any) -> None:
        """Ingest the scenario's events as an operator would, again each time it ends."""
        from scenarios.player import play
        from server.core.auth import Principal
        principal = Principal("demo-player", "operator")

        async def sink(batch, key):  # noqa: ANN001
            await core.ingest({"events": batch}, principal, key)

        while True:
            await play(self.scenario, sink, speed=self.speed, progress=False)
            log.info("scenario %s finished; playing it again", self.scenario.name)

    async def _play_cases(self, server: Any) -> None:
        """Play a scenario with case plans on scenario time, month after month."""
        import time

        from scenarios.month_driver import MonthDriver
        core, desk = server.core, server.features.get("reports").desk
        poll_s = max(0.02, min(0.25, 60.0 / getattr(core.clock, "speed", 1.0)))  # ≤ 1 scenario min
        run = 0
        while True:
            run += 1
            driver = MonthDriver(desk, self.scenario, run, core.clock.now(),
                                 f"{int(time.time())}-{run}")
            while driver.pending():
                await driver.run_until(core.clock.now())
                await asyncio.sleep(poll_s)
            log.info("scenario %s run %d finished: %s", self.scenario.name, run,
                     dict(driver.stats))
