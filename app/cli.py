"""Registers every feature's command group on ``flask``."""
from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from app.grids.cli import grids_cli
    from app.reports.cli import reports_cli
    from app.demo.cli import demo_cli
    from app.backup_cli import backup_cli
    from app.auth.cli import users_cli
    from app.addresses.cli import addresses_cli
    from app.events.cli import events_cli

    app.cli.add_command(grids_cli)
    app.cli.add_command(reports_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(backup_cli)
    app.cli.add_command(users_cli)
    from app.patrols.cli import patrols_cli
    app.cli.add_command(patrols_cli)
    app.cli.add_command(addresses_cli)
    app.cli.add_command(events_cli)
    from app.plan.cli import plan_cli
    app.cli.add_command(plan_cli)
