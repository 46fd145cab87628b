"""A second district beside the sample's (tests/samples.py: 410102, lon 113.60-113.64, lat 34.74-34.76).

District 410103 (二七区) is the box just south of it, lon 113.60-113.64, lat 34.72-34.74: one
subdistrict, one community, two grids split at lon 113.62 (west 001, east 002).
"""
from __future__ import annotations

from sqlalchemy import text

from tests.samples import box, feature

SECOND = "410103"
SECOND_BOX = (113.60, 34.72, 113.64, 34.74)
SECOND_WEST, SECOND_EAST = "410103001001001", "410103001001002"
#: A point in each district's west half, and one outside both.
IN_FIRST = (113.605, 34.757)
IN_SECOND = (113.605, 34.73)
OUTSIDE = (113.70, 34.80)


def second_collection(code: str = SECOND) -> dict:
    x0, y0, x1, y1 = SECOND_BOX
    sub, com = f"{code}001", f"{code}001001"
    return {"type": "FeatureCollection", "features": [
        feature(code, "二七区", "district", box(*SECOND_BOX)),
        feature(sub, "样例街道", "subdistrict", box(*SECOND_BOX), code),
        feature(com, "样例社区", "community", box(*SECOND_BOX), sub),
        feature(f"{com}001", "第1网格", "grid", box(x0, y0, 113.62, y1), com, households=100),
        feature(f"{com}002", "第2网格", "grid", box(113.62, y0, x1, y1), com, households=100),
    ]}


def add_district(db, code: str = SECOND, name: str = "二七区") -> None:
    db.session.execute(text("INSERT INTO district (code, name, city_code) VALUES (:c, :n, '410100') "
                            "ON CONFLICT DO NOTHING"), {"c": code, "n": name})


def load_second_district(db, code: str = SECOND):
    """The district row and its grids, imported (and published) through the import service."""
    from app.grids.service import import_grids

    add_district(db, code)
    result = import_grids(second_collection(code), district_code=code)
    db.session.commit()
    return result
