"""The two ways accepted fixes reach patrol_fix: the binary COPY straight in (new fixes) and the
staging table with ON CONFLICT (a batch overlapping stored fixes, or one that lost a race).

Both must store the same values and answer the same verdicts.
"""
from __future__ import annotations

import os
import re
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
from sqlalchemy import text

from app.bulk import PG_EPOCH_US, ewkb_points
from app.patrols import ingest
from tests.patrols.helpers import at

URL = "/api/v1/patrols/fixes"
NOW = datetime.now(timezone.utc).replace(microsecond=0)


def fix(seconds_ago: float, east_m: float = 0.0, **extra) -> dict:
    lon, lat = at(east_m)
    return {"time": (NOW - timedelta(seconds=seconds_ago)).isoformat(), "lon": lon, "lat": lat, **extra}


def stored(db, worker_id: int) -> list[tuple]:
    return [tuple(r) for r in db.session.execute(text(
        "SELECT district_code, time, ST_AsEWKT(geom), accuracy FROM patrol_fix WHERE worker_id = :w "
        "ORDER BY time"), {"w": worker_id})]


@pytest.fixture
def two_workers(client_as, sample):
    return (client_as("worker", areas=["410102001001001"], username="copy-w1"),
            client_as("worker", areas=["410102001001001"], username="copy-w2"))


def batch() -> list[dict]:
    # Accuracy sent, sent as a fraction of a metre, and not sent (NULL); microseconds in a time.
    odd = (NOW - timedelta(seconds=275, microseconds=123_456)).isoformat()
    return [fix(300, accuracy=8), fix(290, 10, accuracy=12.3), fix(280, 20),
            {"time": odd, "lon": at(25)[0], "lat": at(25)[1], "accuracy": 3}]


def test_direct_copy_and_staged_insert_store_the_same_values(two_workers, db, monkeypatch):
    direct, staged = two_workers
    copies: list[int] = []
    real_copy = ingest._copy_fixes
    monkeypatch.setattr(ingest, "_copy_fixes", lambda *a: (copies.append(len(a[0])), real_copy(*a)))
    assert direct.post(URL, json={"fixes": batch()}).get_json()["stored"] == 4
    assert copies == [4]  # new fixes: straight in
    monkeypatch.setattr(ingest, "_overlaps_stored", lambda workers, t_us, districts: True)  # the staging path
    assert staged.post(URL, json={"fixes": batch()}).get_json()["stored"] == 4
    assert copies == [4]
    a, b = stored(db, direct.user.id), stored(db, staged.user.id)
    assert a == b
    assert [r[3] for r in a] == [8.0, pytest.approx(12.3), None, 3.0]
    assert a[0][0] == "410102" and a[0][2].startswith("SRID=4326;POINT(")
    assert a[3][1] == NOW - timedelta(seconds=275, microseconds=123_456)


def test_a_batch_overlapping_stored_fixes_stores_only_the_new_ones(two_workers, db):
    worker, _ = two_workers
    assert worker.post(URL, json={"fixes": [fix(300), fix(290, 10)]}).get_json()["stored"] == 2
    body = worker.post(URL, json={"fixes": [fix(295, 5), fix(290, 10), fix(285, 15)]}).get_json()
    assert [v["code"] for v in body["verdicts"]] == ["stored", "already_stored", "stored"]
    assert (body["stored"], body["already_stored"]) == (2, 1)
    assert len(stored(db, worker.user.id)) == 4


def test_a_batch_that_loses_the_race_falls_back_to_the_idempotent_insert(two_workers, db, monkeypatch):
    worker, _ = two_workers
    fixes = {"fixes": [fix(300), fix(290, 10), fix(280, 20, accuracy=99.0)]}
    assert worker.post(URL, json=fixes).get_json()["stored"] == 2
    # As if a concurrent request committed the same fixes between the probe and the COPY.
    monkeypatch.setattr(ingest, "_overlaps_stored", lambda workers, t_us, districts: False)
    resp = worker.post(URL, json=fixes)
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert [v["code"] for v in body["verdicts"]] == ["already_stored", "already_stored", "poor_accuracy"]
    assert len(stored(db, worker.user.id)) == 2
    # The transaction went on after the failed COPY: the rejected fix is kept once.
    assert db.session.execute(text("SELECT count(*) FROM patrol_fix_rejected WHERE worker_id = :w"),
                              {"w": worker.user.id}).scalar() == 1


def test_overlap_probe_looks_at_each_workers_own_span(two_workers, db, app):
    worker, other = two_workers
    assert worker.post(URL, json={"fixes": [fix(300), fix(200, 10)]}).get_json()["stored"] == 2
    us = lambda s: int((NOW - timedelta(seconds=s)).timestamp()) * 10**6  # noqa: E731
    with app.test_request_context():
        w, o = worker.user.id, other.user.id
        districts = ingest.worker_districts(np.array([w, o]))
        assert ingest._overlaps_stored(np.array([w, w]), np.array([us(250), us(150)]), districts)
        assert not ingest._overlaps_stored(np.array([w]), np.array([us(190)]), districts)     # after the worker's
        assert not ingest._overlaps_stored(np.array([o, o]), np.array([us(250), us(150)]), districts)  # another's
        assert ingest._overlaps_stored(np.array([o, w]), np.array([us(250), us(300)]), districts)


def test_ewkb_points_and_the_binary_time_origin():
    wkb = ewkb_points(np.array([113.6, 1.5]), np.array([34.7, -2.0]))
    assert wkb.dtype.itemsize == 25 and len(wkb) == 2
    import shapely

    pts = shapely.from_wkb([bytes(v) for v in wkb])
    assert [(p.x, p.y) for p in pts] == [(113.6, 34.7), (1.5, -2.0)]
    assert shapely.get_srid(pts[0]) == 4326
    assert PG_EPOCH_US == int(datetime(2000, 1, 1, tzinfo=timezone.utc).timestamp()) * 10**6


@pytest.mark.skipif(os.environ.get("GRIDMAP_TEST_CITUS") == "1",
                    reason="plain PostgreSQL only: on Citus the coordinator's EXPLAIN shows its own scan")
def test_a_batch_reads_its_own_workers_fixes_by_key_not_the_whole_day(two_workers, db, app):
    """The speed check's previous fix and the retry probe are ranges of patrol_fix's key (district_code,
    worker_id, time): without the district (the key's first column) every fix of the day was read for
    every batch, a cost that grew with the whole district's patrols."""
    worker, _ = two_workers
    assert worker.post(URL, json={"fixes": [fix(300), fix(200, 10)]}).get_json()["stored"] == 2
    from app.sqlfiles import sql

    w = worker.user.id
    districts = "ARRAY[(SELECT district_code FROM app_user WHERE id = %d)]::varchar[]" % w
    first, last = f"ARRAY[TIMESTAMPTZ '{NOW.isoformat()}']", f"ARRAY[TIMESTAMPTZ '{(NOW + timedelta(seconds=20)).isoformat()}']"
    literal = {":workers": f"ARRAY[{w}]", ":districts": districts, ":firsts": first, ":lasts": last,
               ":lookback_s": "86400", ":t_from": f"TIMESTAMPTZ '{(NOW - timedelta(days=1)).isoformat()}'",
               ":t_to": f"TIMESTAMPTZ '{NOW.isoformat()}'", ":t_min": f"TIMESTAMPTZ '{NOW.isoformat()}'",
               ":t_max": f"TIMESTAMPTZ '{(NOW + timedelta(seconds=20)).isoformat()}'"}
    db.session.execute(text("SET LOCAL enable_seqscan = off"))
    for name in ("patrols/previous_fixes", "patrols/overlaps_stored"):
        query = sql(name).text
        for param in sorted(literal, key=len, reverse=True):
            query = query.replace(f"CAST({param} AS", f"CAST({literal[param]} AS").replace(param, literal[param])
        plan = "\n".join(db.session.execute(text("EXPLAIN " + query)).scalars())
        assert "Bitmap Heap Scan on patrol_fix" not in plan and "Seq Scan on patrol_fix" not in plan, plan
        assert re.search(r"Index (Only )?Scan using patrol_fix_p\d+_pkey", plan), plan
        assert re.search(r"district_code = \(?w\.district_code\)?(::text)?\) AND \(worker_id = w\.worker_id\)", plan), plan
