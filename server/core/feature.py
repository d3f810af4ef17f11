"""The feature contract: a ``Feature`` declares everything it brings to the core, and the
``FeatureRegistry`` builds the features in dependency order (``requires``), never URL order.

A feature is one folder under ``server/features/``; ``server.features.FEATURES`` lists them (one
line each). The registry is the only way one feature reaches another (``needs`` at install time)
and the CLI reaches a feature (``registry.get("reports")``) without building HTTP.
"""
from __future__ import annotations

import abc
from typing import TYPE_CHECKING, Any, ClassVar, Iterable, Iterator, Mapping, TypeVar, overload

if TYPE_CHECKING:
    import click
    from pydantic_settings import BaseSettings

    from layers.base import Layer
    from server.core.kinds import Kind
    from server.core.policy import Permission

#: A Tornado route: ``(pattern, handler class, handler kwargs)``.
Route = tuple[str, type, dict[str, Any]]
F = TypeVar("F", bound="Feature")


class Feature(abc.ABC):
    """One capability of the command center (reports, dispatch, warnings, …).

    Subclasses set ``name`` (and ``requires``, ``optional``, ``settings`` when they have them)
    and override the hooks they need. The hooks are called in this order: ``kinds`` and
    ``layers`` (before the core exists: the core is built with the kinds), ``install`` (once,
    with the core), then ``routes``, ``openapi`` and ``commands``, which only describe what
    ``install`` built.
    """

    #: The feature's name, as ``registry.get`` takes it.
    name: ClassVar[str]
    #: Features that must be installed first; ``install`` gets them in ``needs``.
    requires: ClassVar[tuple[str, ...]] = ()
    #: Features used when present (installed first if they are), e.g. warnings post danger
    #: zones to the vessels when vessels are on.
    optional: ClassVar[tuple[str, ...]] = ()
    #: The feature's own settings class (its ``IOC_*`` fields); the server's ``Settings`` is
    #: composed of the core's and every feature's (``server.features.Settings``).
    settings: ClassVar[type["BaseSettings"] | None] = None

    def kinds(self) -> list["Kind"]:
        """Return the event kinds this feature brings (its ``kinds.py``): props schema,
        statuses, private props, public view."""
        return []

    def layers(self) -> list["Layer"]:
        """Return the wall layers this feature's events are drawn in (``layers/``)."""
        return []

    def actions(self) -> list["Permission"]:
        """Return the named actions this feature checks (its ``actions.py``), so that the
        policy's users (the role matrix test, the docs) see every one."""
        return []

    def install(self, core: Any, needs: Mapping[str, "Feature"]) -> None:
        """Build the feature's objects on ``core`` (an ``EventService``) and hook them in: intake
        stages, background tasks, bus listeners and KPI providers are added here and nowhere
        else. ``needs`` holds the installed features named in ``requires`` and ``optional``."""

    def routes(self, base: dict[str, Any]) -> list[Route]:
        """Return the feature's HTTP routes (pure: build nothing). ``base`` is the handler
        kwargs every route takes (``{"core", "ref"}``)."""
        return []

    def openapi(self) -> dict[str, list[Any]]:
        """Return the feature's part of the OpenAPI document: ``{path: [Op]}``
        (``server.core.openapi``)."""
        return {}

    def commands(self, cli: "click.Group") -> None:
        """Add the feature's ``ioc`` subcommands to ``cli``."""


class FeatureRegistry:
    """The features of one server, in build order: each after what it requires (and what it
    uses optionally, when present); otherwise in the order given."""

    def __init__(self, features: Iterable[Feature]):
        given = {f.name: f for f in features}
        self._order: list[Feature] = []
        self._installed = False
        for name in given:
            self._visit(name, given, [])

    def _visit(self, name: str, given: dict[str, Feature], path: list[str]) -> None:
        feature = given[name]
        if feature in self._order:
            return
        if name in path:
            raise ValueError(f"features require each other in a loop: {' → '.join(path + [name])}")
        for dep in feature.requires:
            if dep not in given:
                raise ValueError(f"feature {name!r} requires {dep!r}, which is not registered")
            self._visit(dep, given, path + [name])
        for dep in feature.optional:
            if dep in given:
                self._visit(dep, given, path + [name])
        self._order.append(feature)

    def __iter__(self) -> Iterator[Feature]:
        return iter(self._order)

    def __contains__(self, name: str) -> bool:
        return any(f.name == name for f in self._order)

    @property
    def names(self) -> list[str]:
        """Return the feature names in build order."""
        return [f.name for f in self._order]

    @overload
    def get(self, key: type[F]) -> F: ...

    @overload
    def get(self, key: str) -> Feature: ...

    def get(self, key: str | type[F]) -> Feature:
        """Return the feature named ``key`` (or of class ``key``); raise KeyError."""
        for feature in self._order:
            if feature.name == key or (isinstance(key, type) and isinstance(feature, key)):
                return feature
        raise KeyError(f"no feature {key!r} (registered: {', '.join(self.names)})")

    def kinds(self) -> list["Kind"]:
        """Return every feature's event kinds, in build order."""
        return [kind for f in self._order for kind in f.kinds()]

    def layers(self) -> list["Layer"]:
        """Return every feature's layers, in build order."""
        return [layer for f in self._order for layer in f.layers()]

    def actions(self) -> list["Permission"]:
        """Return every feature's named actions; raise ValueError if two share a name."""
        out: dict[str, "Permission"] = {}
        for feature in self._order:
            for action in feature.actions():
                if action.name in out:
                    raise ValueError(f"two features declare the action {action.name!r}")
                out[action.name] = action
        return list(out.values())

    def install(self, core: Any) -> None:
        """Install every feature on ``core`` in build order (once)."""
        if self._installed:
            raise RuntimeError("the features are already installed")
        done: dict[str, Feature] = {}
        for feature in self._order:
            wanted = feature.requires + tuple(n for n in feature.optional if n in done)
            feature.install(core, {n: done[n] for n in wanted})
            done[feature.name] = feature
        self._installed = True

    def routes(self, base: dict[str, Any]) -> list[Route]:
        """Return every feature's routes, in build order."""
        return [route for f in self._order for route in f.routes(base)]

    def openapi(self) -> dict[str, list[Any]]:
        """Return every feature's OpenAPI operations, merged by path."""
        out: dict[str, list[Any]] = {}
        for feature in self._order:
            for path, ops in feature.openapi().items():
                out.setdefault(path, []).extend(ops)
        return out

    def commands(self, cli: "click.Group") -> None:
        """Let every feature add its commands to ``cli``."""
        for feature in self._order:
            feature.commands(cli)


def settings_bases(core: type["BaseSettings"],
                   features: Iterable[type[Feature]]) -> tuple[type["BaseSettings"], ...]:
    """Return the bases of the server's settings class: every feature's ``settings`` class (the
    last given first), then ``core``. ``class Settings(*settings_bases(...))`` then has all their
    fields, validators and properties, with their own env names and defaults; its fields list
    the core's first, then each feature's in the order given. Raise ValueError when two of them
    declare the same field."""
    parts = [f.settings for f in features if f.settings is not None]
    owner: dict[str, str] = {}
    for part in (core, *parts):
        for field in part.model_fields:
            if field in owner:
                raise ValueError(f"setting {field!r} is declared by {owner[field]} and "
                                 f"{part.__name__}")
            owner[field] = part.__name__
    return (*reversed(parts), core)
