"""`flask --app run gems snapshot-stats`: today's per-department counts for the rate chart, and fresh rollups for
large cohorts (the queue issue schedules it daily, or every minute to keep large cohorts' figures fresh)."""
from __future__ import annotations

import datetime

import click

from app.commands import gems


@gems.command("snapshot-stats")
@click.option("--day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The day to record (default: today in Asia/Shanghai); an existing day is replaced.")
def snapshot_stats(day: datetime.datetime | None) -> None:
    """Record one snapshot row per cohort and department for the day and rebuild large cohorts' rollups."""
    from app.services.statistics_charts import snapshot

    written = snapshot(day.date() if day else None)
    click.echo(f"snapshot rows written: {written}")
