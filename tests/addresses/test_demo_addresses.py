"""Demo standard addresses: plausible, inside the grids, deterministic, loaded by `flask demo load`."""
from __future__ import annotations

from collections import Counter

import numpy as np
import shapely
from sqlalchemy import text

from app.addresses.validation import compose
from app.demo import addresses as A
from app.demo.generate import build_hierarchy, generate
from geo.address import get_normaliser


def test_generated_addresses_are_plausible_and_inside_their_micro_grid():
    units = build_hierarchy(7, 0.02)
    rows = A.build_addresses(units, 400, np.random.default_rng(1))
    assert len(rows) >= 400
    micros = [u for u in units if u.level == "micro"]
    tree = shapely.STRtree([u.geom for u in micros])
    inside = tree.query(shapely.points([(r["lon"], r["lat"]) for r in rows]), predicate="intersects")
    assert len(set(inside[0])) == len(rows)                # every point lies in a micro-grid
    roads = Counter(r["road"] for r in rows)
    assert set(roads) & set(A.ROADS) and all(r.endswith(("路", "街", "道", "巷")) for r in roads)
    buildings = [int(r["building"]) for r in rows if r["building"]]
    units_ = [int(r["unit"]) for r in rows if r["unit"]]
    assert buildings and 1 <= min(buildings) and max(buildings) <= 20
    assert units_ and set(units_) <= {1, 2, 3, 4}
    normaliser = get_normaliser(aliases={v: k for k, v in A.ALIASES.items()})
    keys = [normaliser.parse(compose(r["road"], r["number"], r["compound"], r["building"], r["unit"])).key()
            for r in rows]
    assert len(set(keys)) == len(keys)                     # one place per key
    estate = [r for r in rows if r["compound"] and not r["building"]]
    doors = [r for r in rows if not r["compound"]]
    assert estate and doors and all(r["community"] and r["subdistrict"] for r in rows)


def test_generation_is_deterministic_and_scales():
    a = generate(11, 0.02)
    b = generate(11, 0.02)
    assert a.addresses == b.addresses and a.counts["addresses"] == len(a.addresses) >= A.MIN_ADDRESSES
    assert generate(12, 0.02).addresses != a.addresses
    assert A.address_count(1.0) == 3000 and A.address_count(0.001) == A.MIN_ADDRESSES


def test_demo_load_fills_the_library(cli, db):
    result = cli.invoke(args=["demo", "load", "--scale", "0.02", "--seed", "5"])
    assert result.exit_code == 0, result.output + repr(result.exception)
    expected = len(generate(5, 0.02).addresses)
    assert f"{expected:,} standard addresses" in result.output
    total, assigned, demo = db.session.execute(text(
        "SELECT count(*), count(grid_id), count(*) FILTER (WHERE source = 'demo') FROM standard_address")).one()
    assert total == assigned == demo == expected
    # Each address lies in a micro-grid (they are placed inside them).
    levels = db.session.execute(text(
        "SELECT DISTINCT g.level FROM standard_address a JOIN grid g ON g.id = a.grid_id")).scalars().all()
    assert levels == ["micro"]
    # Aliases come with their estates (the 小区别名 column of the import) and name one that exists.
    orphans = db.session.execute(text("SELECT count(*) FROM address_alias a WHERE NOT EXISTS "
                                      "(SELECT 1 FROM standard_address s WHERE s.compound = a.canonical)")).scalar()
    assert orphans == 0
    # And --force clears it with the rest.
    again = cli.invoke(args=["demo", "load", "--scale", "0.02", "--seed", "5", "--force"])
    assert again.exit_code == 0, again.output
    assert db.session.execute(text("SELECT count(*) FROM standard_address")).scalar() == expected
