"""How the ``ioc`` command is put together: the core's commands, each feature's own
(``Feature.commands``) and the plugins' (entry points; that ``server`` imports neither
``scenarios`` nor ``vision`` is one of the rules of tests/core/test_import_rules.py)."""
from __future__ import annotations

import configparser
from importlib.metadata import entry_points

import click
from click.testing import CliRunner

from server.cli import DEMO_PLAYERS, PLUGINS, main
from server.features import default_features
from tests.helpers.server import ROOT


def test_the_declared_plugins_are_installed():
    """setup.cfg's entry points are what ``importlib.metadata`` finds (else: pip install -e .)."""
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg", encoding="utf-8")
    for group in (PLUGINS, DEMO_PLAYERS):
        declared = dict(line.replace(" ", "").split("=") for line in
                        cfg["options.entry_points"][group].strip().splitlines())
        installed = {ep.name: ep.value for ep in entry_points(group=group)}
        assert installed == declared, f"reinstall the package (pip install -e .) for {group}"


def test_features_add_their_commands_without_a_server():
    cli = click.Group("ioc")
    default_features().commands(cli)
    assert sorted(cli.commands) == ["ais", "report", "users"]
    assert sorted(cli.commands["report"].commands) == ["monthly"]
    assert sorted(cli.commands["ais"].commands) == ["replay"]


def test_ioc_lists_core_feature_and_plugin_commands():
    ctx = click.Context(main)
    assert main.list_commands(ctx) == ["ais", "areas", "audit", "db", "export", "replay",
                                       "report", "serve", "token", "users", "vision"]
    out = CliRunner().invoke(main, ["--help"])
    assert out.exit_code == 0 and "Play SCENARIO into a running server" in out.output
