"""Helpers for the planning tests: open a draft over the sample district and edit it through HTTP."""
from __future__ import annotations

import pytest


# Community 410102001001 (tests/samples.py) is lon 113.60-113.62, lat 34.75-34.76. Its grids split
# at lon 113.61 (WEST, EAST); each grid's micro-grids at lat 34.755 (01 north, 02 south).
COMMUNITY = "410102001001"
WEST, EAST = "410102001001001", "410102001001002"


def box(x0, y0, x1, y1):
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


@pytest.fixture
def draft(client, sample):
    """A fresh draft (as admin) over the sample district."""
    res = client.post("/api/v1/drafts", json={"note": "测试草稿", "effective_date": "2026-07-01"})
    assert res.status_code == 201, res.get_json()
    return res.get_json()


def post(client, draft: dict, action: str, body: dict, status: int = 200):
    res = client.post(f"/api/v1/drafts/{draft['id']}/{action}", json={"row_version": draft["row_version"], **body})
    assert res.status_code == status, res.get_json()
    return res.get_json()


def grids(client, draft_id, **query):
    q = "&".join(f"{k}={v}" for k, v in query.items())
    feats = client.get(f"/api/v1/grids?version={draft_id}&{q}").get_json()["features"]
    return {f["properties"]["code"]: f for f in feats}
