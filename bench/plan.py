"""Benchmark: the planner's edits of a draft of the demo district against bare PostGIS doing the same
geometry work, in the same run.

Run ``.venv/bin/python bench/plan.py [--scale 1.0] [--repeat 5]`` from the project root. It creates its
own throwaway database (``gridmap_plan_<pid>``, dropped at the end, on an error and on Ctrl-C), loads
the demo district, opens a draft and validates it once (as the editor does on opening: the draft keeps
its validation), then times each edit through the real edit path (``app.plan.edits``: lock, load,
``geo.planning``, copy-on-write write-back and normalisation, edit log, check again of what it touched,
audit, commit), best of ``--repeat``, undoing it between runs. Each figure has its anchor, bare PostGIS
on the same grids in the same run:

* **split** a grid along a line across it: ``ST_Split`` of the grid, and ``ST_Intersection`` of each of
  its micro-grids with the parts (the refit of the children);
* **merge** two adjacent grids of one community: ``ST_Union`` of the two;
* **move** a micro-grid into the neighbouring grid: ``ST_Union`` of the target's micro-grids with it and
  of the source's other micro-grids (the two parents, made again from their children);
* **level import** of the district's micro-grids as a job against ``COPY`` + ``INSERT ... SELECT`` of the
  same features (``bench/_plan_import.py``; its own database, its ratio the other way round: anchor / import).

Each figure is printed as seconds, the ratio to its anchor and the ratio's target: the ratios travel
between machines, the seconds do not. The targets keep an edit of the full district near 0.1 s where
its anchor takes about a millisecond (so the planner does not wait); checking again every worker's load
after each edit (0.4 s) missed all three. One function per figure (``figure_*``), each returning a
:class:`Figure`; ``FIGURES`` lists them in the order printed.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from bench import _plan_import as plan_import  # noqa: E402
from bench._db import ThrowawayDatabase, install_sigterm, log, migrated_app, run  # noqa: E402


@dataclass
class Figure:
    name: str
    seconds: float
    anchor: str
    anchor_seconds: float
    target: float              # the ratio to the anchor it should stay under
    note: str = ""

    @property
    def ratio(self) -> float:
        return self.seconds / self.anchor_seconds if self.anchor_seconds else float("inf")


def best(fn: Callable[[], object], repeat: int, between: Callable[[], object] | None = None) -> float:
    """The fastest of ``repeat`` runs of ``fn`` (``between`` runs untimed after each, e.g. an undo)."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
        if between:
            between()
    return min(times)


class Context:
    """The draft being edited and what every figure needs."""

    def __init__(self, repeat: int):
        from app.extensions import db
        from app.plan import checks, drafts

        self.db = db
        self.repeat = repeat
        self.draft = drafts.open_draft({"note": "bench", "effective_date": "2026-07-01"})
        t = time.perf_counter()
        checks.current(self.draft)
        db.session.commit()
        log(f"draft {self.draft.id} opened and validated in {time.perf_counter() - t:.2f} s")

    @property
    def row_version(self) -> int:
        from app.models import BoundaryVersion

        self.db.session.expire_all()
        return self.db.session.get(BoundaryVersion, self.draft.id).row_version

    def edit(self, fn, body: dict):
        return fn(self.draft.id, {"row_version": self.row_version, **body})

    def undo(self):
        from app.plan import edits

        edits.undo(self.draft.id, {"row_version": self.row_version})

    def scalar(self, sql: str, **params):
        out = self.db.session.execute(text(sql), params).scalar()
        self.db.session.rollback()
        return out

    def adjacent_grids(self, limit: int = 60):
        """Pairs of regular grids of one community with a border of tens of metres between them."""
        return self.db.session.execute(text("""
            SELECT a.code AS a, b.code AS b
            FROM grid_current a JOIN grid_current b ON a.parent_code = b.parent_code AND a.code < b.code
             AND a.geom && b.geom
            WHERE a.level = 'grid' AND b.level = 'grid' AND a.kind = 'regular' AND b.kind = 'regular'
              AND ST_Length(CAST(ST_Intersection(ST_Boundary(a.geom), ST_Boundary(b.geom)) AS geography)) > 50
            ORDER BY a.code, b.code LIMIT :limit"""), {"limit": limit}).all()


def figure_split(ctx: Context) -> Figure:
    """Split a grid in two along a line across its middle."""
    from app.plan import edits

    code = ctx.adjacent_grids(1)[0].a
    minx, miny, maxx, maxy = ctx.db.session.execute(text(
        "SELECT ST_XMin(geom), ST_YMin(geom), ST_XMax(geom), ST_YMax(geom) FROM grid_current WHERE code = :c"),
        {"c": code}).one()
    y = (miny + maxy) / 2
    line = [[minx - 0.001, y], [maxx + 0.001, y]]
    seconds = best(lambda: ctx.edit(edits.split_grid, {"code": code, "line": {"type": "LineString",
                                                                               "coordinates": line}}),
                   ctx.repeat, ctx.undo)
    wkt = f"LINESTRING({line[0][0]} {y}, {line[1][0]} {y})"
    anchor = best(lambda: ctx.scalar("""
        WITH parts AS (
          SELECT (ST_Dump(ST_Split(g.geom, ST_GeomFromText(:line, 4326)))).geom AS part
          FROM grid_current g WHERE g.code = :code)
        SELECT count(*) FROM parts p JOIN grid_current m ON m.parent_code = :code AND m.geom && p.part
        WHERE NOT ST_IsEmpty(ST_Intersection(m.geom, p.part))""", code=code, line=wkt), ctx.repeat)
    return Figure("split a grid along a line", seconds, "ST_Split + ST_Intersection of its micro-grids",
                  anchor, target=100.0, note=code)


def figure_merge(ctx: Context) -> Figure:
    """Merge two adjacent grids of one community."""
    from app.plan import edits

    pair = ctx.adjacent_grids(2)[1]
    seconds = best(lambda: ctx.edit(edits.merge_grids, {"codes": [pair.a, pair.b]}), ctx.repeat, ctx.undo)
    anchor = best(lambda: ctx.scalar(
        "SELECT ST_Area(ST_Union(geom)) FROM grid_current WHERE code IN (:a, :b)", a=pair.a, b=pair.b),
        ctx.repeat)
    return Figure("merge two adjacent grids", seconds, "ST_Union of the two", anchor, target=250.0,
                  note=f"{pair.a} + {pair.b}")


def _movable(ctx: Context):
    """A micro-grid sharing a long border with the neighbouring grid, whose own grid stays whole without it."""
    from app.plan import edits

    for pair in ctx.adjacent_grids():
        rows = ctx.db.session.execute(text("""
            SELECT m.code FROM grid_current m JOIN grid_current a ON a.code = :a
            WHERE m.parent_code = :b AND m.geom && a.geom
              AND ST_Length(CAST(ST_Intersection(ST_Boundary(m.geom), ST_Boundary(a.geom)) AS geography)) > 50
            ORDER BY m.code"""), {"a": pair.a, "b": pair.b}).scalars().all()
        for micro in rows:
            answer = edits.preview(ctx.draft.id, {"action": "move", "codes": [micro], "target": pair.a})
            ctx.db.session.rollback()
            if answer["refused"] is None:
                return micro, pair.a, pair.b
    raise RuntimeError("no micro-grid can move next door in this district")


def figure_move(ctx: Context) -> Figure:
    """Move a micro-grid into the neighbouring grid."""
    from app.plan import edits

    micro, target, source = _movable(ctx)
    seconds = best(lambda: ctx.edit(edits.move_grids, {"codes": [micro], "target": target}), ctx.repeat, ctx.undo)
    anchor = best(lambda: ctx.scalar("""
        SELECT ST_Area(ST_Union(geom) FILTER (WHERE parent_code = :target OR code = :micro))
             + ST_Area(ST_Union(geom) FILTER (WHERE parent_code = :source AND code <> :micro))
        FROM grid_current WHERE parent_code IN (:target, :source)""", micro=micro, target=target, source=source),
        ctx.repeat)
    return Figure("move a micro-grid next door", seconds, "ST_Union of both grids' micro-grids", anchor,
                  target=100.0, note=f"{micro} → {target}")


FIGURES = (figure_split, figure_merge, figure_move)


def load_demo(seed: int, scale: float) -> None:
    from app.demo.generate import generate
    from app.demo.loader import load

    t = time.perf_counter()
    result = load(generate(seed, scale))
    log(f"demo district loaded in {time.perf_counter() - t:.1f} s: {result.grids}")


def report(figures: list[Figure]) -> bool:
    print()
    print(f"{'edit (through app.plan.edits, best run)':<34}{'seconds':>9}  {'anchor (bare PostGIS)':<46}"
          f"{'seconds':>9}{'ratio':>8}{'target':>8}")
    ok = True
    for f in figures:
        met = f.ratio <= f.target
        ok &= met
        print(f"{f.name:<34}{f.seconds:>9.3f}  {f.anchor:<46}{f.anchor_seconds:>9.4f}{f.ratio:>8.1f}"
              f"{'<=' + format(f.target, 'g'):>8}{'' if met else '  MISSED'}")
    for f in figures:
        if f.note:
            print(f"  {f.name}: {f.note}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--import-repeat", type=int, default=3, help="runs of the level import, best kept")
    parser.add_argument("--sql", action="store_true", help="print the import's slowest statements even on a pass")
    args = parser.parse_args()
    install_sigterm()
    with ThrowawayDatabase("gridmap_plan") as url:
        app = migrated_app(url)
        with app.app_context():
            load_demo(args.seed, args.scale)
            ctx = Context(args.repeat)
            figures = []
            for figure in FIGURES:
                figures.append(figure(ctx))
                log(f"{figures[-1].name}: {figures[-1].seconds * 1000:.0f} ms")
    imported = plan_import.measure(args.seed, args.scale, args.import_repeat, args.sql)
    print(f"\nload average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (seconds grow with it; ratios less)")
    edits_ok = report(figures)
    import_ok = plan_import.report(imported)
    return 0 if edits_ok and import_ok else 1


if __name__ == "__main__":
    run(main)
