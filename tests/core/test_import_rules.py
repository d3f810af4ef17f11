"""The import rules of the packages, checked on the source (every import statement, also those
inside functions): ``geo`` ← ``layers`` ← ``server.core`` ← ``server.features`` ← ``server.web``;
Tornado only in ``server.web`` and the features' handler modules; ``server`` never imports
``scenarios`` or ``vision``. See docs/ARCHITECTURE.md."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.helpers.server import ROOT


def imports_of(path: Path) -> list[str]:
    """Return the absolute module names imported by one file."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names += [node.module] + [f"{node.module}.{a.name}" for a in node.names]
    return names


def module_of(path: Path) -> str:
    """Return the dotted module name of a file under the repository."""
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def is_handler_module(module: str) -> bool:
    """Return True for a feature's Tornado handler module (``handlers`` or ``*_handlers``)."""
    return module.startswith("server.features.") and module.rsplit(".", 1)[1].endswith("handlers")


def within(name: str, packages: tuple[str, ...]) -> bool:
    """Return True when module ``name`` is one of ``packages`` or inside one."""
    return any(name == p or name.startswith(p + ".") for p in packages)


def forbidden(module: str) -> tuple[str, ...]:
    """Return the packages ``module`` must not import."""
    never_server = ("scenarios", "vision")
    if within(module, ("geo",)):
        return ("layers", "server", *never_server, "tornado")
    if within(module, ("layers",)):
        return ("server", *never_server, "tornado")
    if within(module, ("server.core", "server.store")):
        return ("server.features", "server.web", "server.cli", *never_server, "tornado")
    if within(module, ("server.features",)):
        web = ("server.web.app", "server.web.api", "server.web.pages", "server.web.ws",
               "server.web.admin", "server.web.areas", "server.web.openapi")
        if is_handler_module(module):
            return (*web, "server.cli", *never_server)
        return ("server.web", "server.cli", *never_server, "tornado")
    if within(module, ("server",)):
        return (*never_server,) if within(module, ("server.web",)) else (*never_server, "tornado")
    return ()


SOURCES = sorted(p for top in ("geo", "layers", "server") for p in (ROOT / top).rglob("*.py"))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_follow_the_layers(path: Path) -> None:
    """Each module imports only what its layer may import."""
    module = module_of(path)
    bad = [name for name in imports_of(path) if within(name, forbidden(module))]
    assert not bad, f"{module} imports {bad}: against the rules in docs/ARCHITECTURE.md"


def test_the_rules_catch_a_bad_import(tmp_path: Path) -> None:
    """The scan sees imports inside functions too, and the rules refuse what they should."""
    src = tmp_path / "x.py"
    src.write_text("def f():\n"
                   "    from server.features.reports import desk\n"
                   "    import tornado.web\n")
    assert imports_of(src) == ["server.features.reports", "server.features.reports.desk",
                               "tornado.web"]
    assert within("server.features.reports.desk", forbidden("server.core.service"))
    assert within("tornado.web", forbidden("server.features.reports.desk"))
    assert not within("tornado.web", forbidden("server.features.reports.handlers"))
    assert within("scenarios.player", forbidden("server.cli"))
    assert within("server.web.pages", forbidden("server.features.reports.public_handlers"))
    assert within("server", forbidden("layers.base"))
