"""What the ``ioc`` commands share, the core's and the features' alike."""
from __future__ import annotations

from typing import Any, TypeVar

import click
from pydantic import ValidationError
from pydantic_settings import BaseSettings

S = TypeVar("S", bound=BaseSettings)


def cli_settings(settings_class: type[S], **overrides: Any) -> S:
    """Return ``settings_class`` read from the environment with the CLI's overrides (``None``
    ones left out); raise click.UsageError with a clear message when they are invalid."""
    try:
        return settings_class(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        raise click.UsageError(f"invalid settings: {exc}") from None
