"""What every benchmark shares: its own throwaway database, logging, and Ctrl-C / SIGTERM clean-up.

A benchmark creates ``<prefix>_<pid>`` in the embedded cluster (``instance/``),
or on the server of ``DATABASE_URL`` when set, and drops it at the end, on an
error and on Ctrl-C or SIGTERM (:func:`install_sigterm` turns SIGTERM into the
same ``KeyboardInterrupt`` path)::

    install_sigterm()
    with ThrowawayDatabase("gridmap_bench") as url:
        app = migrated_app(url)
        ...
"""
from __future__ import annotations

import os
import random
import signal
import sys
import time

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, Engine, make_url
from tqdm import tqdm

#: Over the view grid_current (migration 0023): the current leaf grids, the ones a lookup or a
#: report ends in (the rows of the partial index ix_grid_current_leaf_geom).
LEAF_FILTER = "kind = 'regular' AND is_leaf"


def log(msg: str) -> None:
    """A timestamped line on stderr that does not break tqdm's progress bars."""
    tqdm.write(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr)


def run(main, interrupted: str = "interrupted; the throwaway database was dropped") -> None:
    """Run a benchmark's ``main()`` as the script's exit code; Ctrl-C (and SIGTERM, see
    install_sigterm) ends it with 130 after its clean-up ran in ``main``'s finally blocks."""
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        if interrupted:
            log(interrupted)
        sys.exit(130)


def _sigterm(signum, frame):  # SIGTERM takes the same clean-up path as Ctrl-C
    raise KeyboardInterrupt


def install_sigterm() -> None:
    signal.signal(signal.SIGTERM, _sigterm)


def server_url() -> URL:
    """The PostgreSQL server to create the throwaway database on."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return make_url(url.replace("postgres://", "postgresql://", 1))
    from app import pgcluster

    return make_url(pgcluster.start())


class ThrowawayDatabase:
    """CREATE DATABASE on enter, DROP ... WITH (FORCE) on exit, whatever happened.

    FORCE because a server the benchmark started (gunicorn workers) may still
    hold connections if it was killed rather than stopped.
    """

    def __init__(self, prefix: str = "gridmap_bench") -> None:
        self.server = server_url()
        self.name = f"{prefix}_{os.getpid()}"
        self.admin = create_engine(self.server.set(database="postgres"), isolation_level="AUTOCOMMIT")

    def __enter__(self) -> str:
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}"'))
            conn.execute(text(f'CREATE DATABASE "{self.name}"'))
        log(f"database {self.name} created")
        return self.server.set(database=self.name).render_as_string(hide_password=False)

    def __exit__(self, *exc) -> bool:
        try:
            with self.admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
            log(f"dropped database {self.name}")
        finally:
            self.admin.dispose()
        return False


def migrated_app(url: str, **config):
    """The app on the throwaway database, migrated to every head.

    "heads": sibling migrations of parallel features may exist until they are
    chained (as in tests/conftest.py).
    """
    from flask_migrate import upgrade

    from app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, **config})
    with app.app_context():
        upgrade(revision="heads")
    log("migrations applied")
    return app


def settle(engine: Engine, tables=("report",)) -> None:
    """VACUUM ANALYZE and CHECKPOINT so every timed run starts from the same state."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for t in tables:
            conn.execute(text(f"VACUUM ANALYZE {t}"))
        try:
            conn.execute(text("CHECKPOINT"))
        except Exception:  # CHECKPOINT needs superuser/pg_checkpoint on a foreign server; not essential
            pass


def sample_points(engine: Engine, n: int, seed: int) -> list[tuple[float, float]]:
    """``n`` random points covered by a current leaf grid, so every lookup is a 200.

    Uniform over the leaves' bounding box, then kept only where PostGIS says a
    leaf covers the point (the outline is irregular, and a 404 for a point
    outside coverage counts as an error).
    """
    rng = random.Random(seed)
    with engine.connect() as conn:
        x0, y0, x1, y1 = conn.execute(text(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) "
            f"FROM (SELECT ST_Extent(geom) AS e FROM grid_current WHERE {LEAF_FILTER}) s")).one()
        if x0 is None:
            raise RuntimeError("no leaf grids in the database: the demo did not load")
        points: list[tuple[float, float]] = []
        while len(points) < n:
            lon = [rng.uniform(x0, x1) for _ in range(2 * n)]
            lat = [rng.uniform(y0, y1) for _ in range(2 * n)]
            points += conn.execute(text(
                "SELECT c.lon, c.lat FROM unnest(CAST(:lon AS float8[]), CAST(:lat AS float8[])) "
                "WITH ORDINALITY AS c(lon, lat, i) "
                "WHERE EXISTS (SELECT 1 FROM grid_current g WHERE " + LEAF_FILTER
                + " AND ST_Covers(g.geom, ST_SetSRID(ST_MakePoint(c.lon, c.lat), 4326))) ORDER BY c.i"),
                {"lon": lon, "lat": lat}).all()
    return [(float(a), float(b)) for a, b in points[:n]]
