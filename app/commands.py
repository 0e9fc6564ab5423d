"""`flask --app run gems ...`: bootstrap roles and permissions, load demo data, verify the audit chain."""
from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup

gems = AppGroup("gems", help="GEMS administration commands.")


@gems.command("bootstrap")
def bootstrap() -> None:
    """Create FAB permissions for every view and give each built-in role exactly its grants (idempotent)."""
    from app.services.bootstrap import sync_permissions_and_roles

    summary = sync_permissions_and_roles()
    click.echo(f"roles synced: {summary}")


@gems.command("demo")
@click.option("--graduates", type=int, default=None, help="How many graduates to generate.")
def demo(graduates: int | None) -> None:
    """Load a realistic demo school once (refused when GEMS_ENV=production)."""
    from app.services.demo import DemoRefused, load_demo

    try:
        report = load_demo(graduates or current_app.config["GEMS_DEMO_GRADUATES"])
    except DemoRefused as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    click.echo(report)


@gems.command("audit-verify")
def audit_verify() -> None:
    """Check the audit chain; exit status 1 if any entry was edited, deleted, reordered or truncated."""
    from app.services.audit import verify

    result = verify()
    for problem in result.problems:
        click.echo(problem, err=True)
    click.echo(f"checked {result.checked} entries: {'OK' if result.ok else 'TAMPERED'}")
    sys.exit(0 if result.ok else 1)


def register_commands(app: Flask) -> None:
    app.cli.add_command(gems)
