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


def announce_revoked() -> None:
    """Tell the running nodes on a Redis bus that tokens were revoked, so that they drop their
    auth caches and close those tokens' websockets now (otherwise each notices within
    ``ws_token_check_s``). Settings from the environment."""
    from server.core.bus import announce_control
    from server.core.sessions import TOKENS_REVOKED
    from server.core.settings import CoreSettings
    settings = cli_settings(CoreSettings)
    if settings.bus == "memory":
        return
    try:
        announce_control(settings.bus, settings.bus_stream, [{"op": TOKENS_REVOKED}])
    except Exception as exc:  # noqa: BLE001 - the revocation is stored; servers re-check
        click.echo(f"bus not reached ({exc}); servers notice within "
                   f"{settings.ws_token_check_s:g} s", err=True)
