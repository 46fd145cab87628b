"""``flask demo load``: fill an empty database with a plausible Zhongyuan district.

Registered by ``app/cli.py`` as ``from app.demo.cli import demo_cli``.
"""
from __future__ import annotations

import time

import click
from flask.cli import AppGroup
from tqdm import tqdm

demo_cli = AppGroup("demo", help="Demo data: Zhengzhou Zhongyuan district (中原区) grids, staff and reports.")


def _progress(iterable, label=None, total=None):
    # disable=None: a bar on a terminal, silence in logs and test runners.
    return tqdm(iterable, desc=label, total=total, unit="community", leave=False, disable=None)


@demo_cli.command("load")
@click.option("--seed", type=int, default=2024, show_default=True,
              help="Random seed: the same seed and scale give the same data.")
@click.option("--scale", type=click.FloatRange(min=0.001, max=2.0), default=1.0, show_default=True,
              help="Size factor: 1.0 is ~1,000 grids, ~5,000 micro-grids and ~5,000 reports; 0.02 makes ~20 grids.")
@click.option("--force", is_flag=True,
              help="Replace existing data: deletes ALL grids, boundary versions, staff and reports first.")
@click.option("--if-empty", "if_empty", is_flag=True,
              help="Do nothing (exit 0) when grids already exist; for `make run`.")
def load_command(seed: int, scale: float, force: bool, if_empty: bool) -> None:
    """Generate the demo district inside the real 中原区 outline and load it."""
    from app.demo import loader
    from app.demo.generate import generate

    existing = loader.grid_count()
    if existing:
        if if_empty and not force:
            click.echo(f"Demo data not loaded: the database already holds {existing:,} grids.")
            return
        if not force:
            raise click.ClickException(
                f"The database already holds {existing:,} grids. Use --force to delete all grids, versions, "
                "staff and reports and load the demo again, or --if-empty to skip quietly.")

    started = time.perf_counter()
    click.echo(f"Generating demo data (seed {seed}, scale {scale:g}) ...")
    data = generate(seed, scale, progress=_progress)
    if existing and force:
        click.echo(f"Deleting {existing:,} existing grids and everything attached to them ...")
        loader.clear()
    click.echo(f"  generated in {time.perf_counter() - started:.1f} s")
    result = loader.load(data, step=lambda label: click.echo(f"  {label} ({time.perf_counter() - started:.1f} s) ..."))
    c = data.counts
    click.echo(
        f"Loaded 中原区 demo in {time.perf_counter() - started:.1f} s: "
        f"{c.get('subdistrict', 0)} subdistricts, {c.get('community', 0)} communities, "
        f"{c.get('grid', 0):,} grids, {c.get('micro', 0):,} micro-grids, {c.get('dedicated', 0)} dedicated grids; "
        f"{result.staff:,} staff ({len(data.unstaffed_grids)} grids left without a worker); "
        f"{result.reports:,} reports ({result.assigned:,} assigned, {result.out_of_coverage:,} outside coverage)."
    )
