"""What the ``ioc`` commands share, the core's and the features' alike."""
from __future__ import annotations

from typing import Any

import click
from pydantic import ValidationError

from server.core.settings import Settings


def cli_settings(**overrides: Any) -> Settings:
    """Return Settings from the environment with the CLI's overrides (``None`` ones left out);
    raise click.UsageError with a clear message when they are invalid."""
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        raise click.UsageError(f"invalid settings: {exc}") from None
