"""Shared sample geometries: a tiny district that tiles exactly at every level.

District 410102 is the box lon 113.60–113.64, lat 34.74–34.76, split in
halves at every level (subdistricts west/east, communities north/south,
grids west/east, micro-grids north/south), so every boundary is a round
number and points on shared edges and vertices are easy to name. A dedicated
grid (a school) overlays grid 410102001001001. Grid 410102002002002 and its
micro-grids have no staff on purpose.
"""
from __future__ import annotations

from sqlalchemy import insert

DISTRICT = (113.60, 34.74, 113.64, 34.76)
UNSTAFFED = "410102002002002"
SCHOOL = "410102001001901"
SCHOOL_BOX = (113.602, 34.752, 113.606, 34.756)


def box(x0, y0, x1, y1):
    r = lambda v: round(v, 6)  # noqa: E731 - keep shared edges exactly equal
    return {"type": "Polygon",
            "coordinates": [[[r(x0), r(y0)], [r(x1), r(y0)], [r(x1), r(y1)], [r(x0), r(y1)], [r(x0), r(y0)]]]}


def _halves(bbox, vertical: bool):
    x0, y0, x1, y1 = bbox
    if vertical:  # west, east
        xm = (x0 + x1) / 2
        return [(x0, y0, xm, y1), (xm, y0, x1, y1)]
    ym = (y0 + y1) / 2  # north, south (numbered north first)
    return [(x0, ym, x1, y1), (x0, y0, x1, ym)]


def feature(code, name, level, geometry, parent=None, kind="regular", households=None):
    props = {"code": code, "name": name, "level": level, "kind": kind}
    if parent:
        props["parent_code"] = parent
    if households is not None:
        props["households"] = households
        props["population"] = int(households * 2.4)
    return {"type": "Feature", "properties": props, "geometry": geometry}


def sample_collection() -> dict:
    feats = [feature("410102", "中原区", "district", box(*DISTRICT))]
    for si, sb in enumerate(_halves(DISTRICT, True), start=1):
        sc = f"410102{si:03d}"
        feats.append(feature(sc, f"样例{si}街道", "subdistrict", box(*sb), "410102"))
        for ci, cb in enumerate(_halves(sb, False), start=1):
            cc = f"{sc}{ci:03d}"
            feats.append(feature(cc, f"样例{si}-{ci}社区", "community", box(*cb), sc))
            for gi, gb in enumerate(_halves(cb, True), start=1):
                gc = f"{cc}{gi:03d}"
                feats.append(feature(gc, f"第{gi}网格", "grid", box(*gb), cc, households=200))
                for mi, mb in enumerate(_halves(gb, False), start=1):
                    feats.append(feature(f"{gc}{mi:02d}", f"{mi}号微网格", "micro", box(*mb), gc,
                                         households=100))
    feats.append(feature(SCHOOL, "样例小学", "grid", box(*SCHOOL_BOX), "410102001001", kind="dedicated"))
    return {"type": "FeatureCollection", "features": feats}


def load_sample() -> dict:
    """Import the sample grids and staff; return a few handy facts."""
    from app.extensions import db
    from app.grids.service import import_grids
    from app.models import Staff, StaffAssignment

    collection = sample_collection()
    result = import_grids(collection)
    codes = [f["properties"]["code"] for f in collection["features"]]
    staffed = [c for c in codes if len(c) >= 15 and not c.startswith(UNSTAFFED)]
    staff_ids = db.session.execute(
        insert(Staff).returning(Staff.id),
        [{"name": f"员工{i}", "phone": f"1380371{i:04d}", "district_code": "410102"} for i in range(len(staffed))],
    ).scalars().all()
    db.session.execute(insert(StaffAssignment), [
        {"staff_id": sid, "grid_code": code, "role": "grid_worker" if len(code) == 15 else "micro_grid_worker"}
        for sid, code in zip(staff_ids, staffed)
    ])
    db.session.commit()
    return {"result": result, "codes": codes, "staffed": staffed}


def load_sample_for_client(username: str, role: str, display_name: str, token_name: str) -> str:
    """The sample committed, plus a ``role`` account with an API token for an outside client (QGIS,
    an Open311 bridge, a generated client); returns the token. Pair it with ``committed_db``, which
    empties the tables afterwards."""
    from app.auth import users
    from app.extensions import db

    load_sample()
    account = users.create(username, "correct-horse-battery", role, display_name=display_name)
    _, token = users.issue_token(account, token_name)
    db.session.commit()
    return token
