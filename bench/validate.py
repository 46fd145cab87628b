"""Benchmark: validate and preview a draft of the demo district, against anchors in the same run.

Run ``.venv/bin/python bench/validate.py [--scale 1.0] [--repeat 3]`` from the project root. It creates
its own throwaway database (``gridmap_bench_<pid>``, dropped at the end, on an error and on Ctrl-C),
loads the full demo district (~1,000 grids, ~5,000 micro-grids, staff, ~5,000 reports), opens a draft,
makes three edits through the real edit path (move a micro-grid to the neighbouring grid, split a grid,
merge two grids) and times, best of ``--repeat``:

* **validate**: ``app.plan.checks.run`` on the draft -- loading every grid of the draft (copy-on-write
  scope) with its staff, and every check of ``geo.validation`` (coverage gaps/overlaps per parent,
  containment, validity, multipart, balance, compactness, worker load);
* **impact**: ``app.plan.impact.compare`` (published -> draft: grids, reports whose grid changes,
  households, workers) and the diff GeoJSON;

and two anchors over the same micro-grids of the draft, in the same run:

* ``ST_Union`` of them in PostGIS (one aggregate, no checks);
* Shapely's own coverage validation of them (``shapely.coverage_invalid_edges``), loaded the same way.

Ratios are printed against both: they travel between machines, the seconds do not.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import shapely  # noqa: E402
from sqlalchemy import text  # noqa: E402

from bench._db import ThrowawayDatabase, install_sigterm, log, run, migrated_app  # noqa: E402


def best(fn, repeat: int):
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return min(times), result


def load_demo(seed: int, scale: float) -> dict:
    from app.demo.generate import generate
    from app.demo.loader import load

    t = time.perf_counter()
    data = generate(seed, scale)
    result = load(data)
    log(f"demo district loaded in {time.perf_counter() - t:.1f} s: {result.grids}, {result.reports} reports")
    return result.grids


def make_draft():
    """A draft with three real edits: a micro-grid moved next door, a grid split, two grids merged."""
    from app.extensions import db
    from app.plan import drafts, edits

    draft = drafts.open_draft({"note": "bench", "effective_date": "2026-07-01"})
    rows = db.session.execute(text("""
        SELECT a.code AS a, b.code AS b, a.parent_code AS community
        FROM grid_current a JOIN grid_current b ON a.parent_code = b.parent_code AND a.code < b.code
        WHERE a.level = 'grid' AND b.level = 'grid' AND a.kind = 'regular' AND b.kind = 'regular'
          AND ST_Length(ST_Intersection(ST_Boundary(a.geom), ST_Boundary(b.geom))) > 0.001
        ORDER BY a.code LIMIT 40""")).all()
    communities = {}
    for r in rows:
        communities.setdefault(r.community, []).append(r)
    pairs = [v[0] for v in communities.values()]
    micro = first = None
    for pair in pairs:
        # A micro-grid of b on the border with a (their vertices need not match: touching is enough).
        micro = db.session.execute(text("""
            SELECT m.code FROM grid_current m JOIN grid_current a ON a.code = :a
            WHERE m.parent_code = :b
              AND ST_DWithin(m.geom, a.geom, 1e-7)
              AND (SELECT count(*) FROM grid_current s WHERE s.parent_code = :b) > 1
            ORDER BY ST_Length(ST_Intersection(ST_Boundary(m.geom), ST_Buffer(a.geom, 1e-7))) DESC, m.code
            LIMIT 1"""), {"a": pair.a, "b": pair.b}).scalar()
        if micro:
            first = pair
            break
    rest = [p for p in pairs if p is not first]
    second, third = rest[0], rest[1]
    timings = {}
    t = time.perf_counter()
    draft, *_ = edits.move_grids(draft.id, {"row_version": draft.row_version, "codes": [micro], "target": first.a})
    timings["move"] = time.perf_counter() - t
    minx, miny, maxx, maxy = db.session.execute(text(
        "SELECT ST_XMin(geom), ST_YMin(geom), ST_XMax(geom), ST_YMax(geom) FROM grid_current WHERE code = :c"),
        {"c": second.a}).one()
    y = (miny + maxy) / 2
    t = time.perf_counter()
    draft, *_ = edits.split_grid(draft.id, {"row_version": draft.row_version, "code": second.a, "line": {
        "type": "LineString", "coordinates": [[minx - 0.001, y], [maxx + 0.001, y]]}})
    timings["split"] = time.perf_counter() - t
    t = time.perf_counter()
    draft, *_ = edits.merge_grids(draft.id, {"row_version": draft.row_version, "codes": [third.a, third.b]})
    timings["merge"] = time.perf_counter() - t
    return draft, timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=20261121)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    install_sigterm()

    with ThrowawayDatabase() as url:
        from app.extensions import db

        app = migrated_app(url)
        with app.app_context():
            counts = load_demo(args.seed, args.scale)
            draft, edit_times = make_draft()
            log("edits: " + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in edit_times.items()))

            from app.grids.versions import published_version, scope_of
            from app.plan import checks, impact

            draft_scope = scope_of(draft)
            base_scope = scope_of(published_version())
            t_validate, result = best(lambda: checks.run(draft_scope), args.repeat)
            db.session.rollback()
            t_impact, preview = best(lambda: (impact.compare(base_scope, draft_scope),
                                              impact.diff_geojson(base_scope, draft_scope)), args.repeat)
            db.session.rollback()

            scope_sql = ("grid_in_version(g.draft_id, g.generation_low, g.generation_high, g.ended_in_drafts, "
                         ":generation, :draft_id) AND g.level = 'micro' AND g.kind = 'regular'")
            t_union, _ = best(lambda: db.session.execute(text(
                f"SELECT ST_Area(ST_Union(g.geom)) FROM grid g WHERE {scope_sql}"), draft_scope.params).scalar(),
                args.repeat)

            def shapely_coverage():
                wkbs = db.session.execute(text(f"SELECT ST_AsBinary(g.geom) FROM grid g WHERE {scope_sql}"),
                                          draft_scope.params).scalars().all()
                geoms = shapely.from_wkb([bytes(w) for w in wkbs])
                return int((~shapely.is_empty(shapely.coverage_invalid_edges(geoms))).sum()), len(geoms)

            t_coverage, (bad_edges, n_micro) = best(shapely_coverage, args.repeat)
            db.session.rollback()
            cmp, _diff = preview

    print()
    print(f"Demo district: {counts}; draft with {sum(1 for _ in edit_times)} edits "
          f"({cmp['summary']['grids_changed']} grids changed)")
    print(f"Validation: {len(result.errors)} errors, {len(result.warnings)} warnings over "
          f"{sum(s.get('grids', 0) for k, s in result.stats.items() if k != 'workers')} grids; "
          f"impact: {cmp['summary']['reports_moved']} reports and ~{cmp['summary']['households_moved']} households "
          f"would change grid")
    print()
    print(f"{'step':<46}{'seconds':>10}{'x ST_Union':>12}{'x coverage':>12}")
    rows = [("validate draft (load + all checks)", t_validate), ("impact preview + diff GeoJSON", t_impact),
            ("validate + preview", t_validate + t_impact),
            (f"anchor: ST_Union of {n_micro:,} micro-grids", t_union),
            (f"anchor: shapely.coverage_invalid_edges ({bad_edges} bad)", t_coverage)]
    for name, secs in rows:
        print(f"{name:<46}{secs:>10.3f}{secs / t_union:>12.2f}{secs / t_coverage:>12.2f}")
    return 0


if __name__ == "__main__":
    run(main, "")
