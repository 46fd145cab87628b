"""A small committed data set for the browser tests, loaded through the API.

The browser runs in another thread (and process), so it cannot see a test's
rolled-back transaction: these rows go in through ``POST /api/v1/grids/import``
and ``POST /api/v1/reports`` on the live server and are committed. Codes use
a district code of its own (410199) so they never collide with other tests.

1 district → 2 subdistricts → 1 community each → 2 grids each → 2 micro-grids
each, plus one dedicated grid; 5 reports inside, 1 outside every grid.
"""
from __future__ import annotations

import json
import urllib.error
import urllib.request

DISTRICT = "410199"
X0, Y0 = 113.60, 34.74  # south-west corner (WGS-84)
DX, DY = 0.02, 0.015    # one grid
#: The one grid the fixture gives a worker; every other grid has none.
STAFFED_GRID = f"{DISTRICT}001001001"

#: (category, lon, lat) — the last one lies outside every grid.
REPORTS = [
    ("0102", X0 + 0.005, Y0 + 0.005),
    ("0102", X0 + 0.025, Y0 + 0.006),
    ("0402", X0 + 0.045, Y0 + 0.007),
    ("0402", X0 + 0.065, Y0 + 0.008),
    ("0601", X0 + 0.011, Y0 + 0.004),
    ("0601", X0 + 0.200, Y0 + 0.200),
]


def _box(x0, y0, x1, y1):
    ring = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
    return {"type": "Polygon", "coordinates": [[[round(x, 6), round(y, 6)] for x, y in ring]]}


def _feature(level, code, parent, name, box, kind="regular"):
    return {"type": "Feature", "geometry": _box(*box), "properties": {
        "code": code, "level": level, "kind": kind, "parent_code": parent, "name": name,
        "households": 200, "population": 500,
    }}


def grid_collection() -> dict:
    feats = [_feature("district", DISTRICT, None, "测试区", (X0, Y0, X0 + 4 * DX, Y0 + DY))]
    for s in range(2):
        sx = X0 + 2 * s * DX
        sub = f"{DISTRICT}{s + 1:03d}"
        com = f"{sub}001"
        feats.append(_feature("subdistrict", sub, DISTRICT, f"测试街道{s + 1}", (sx, Y0, sx + 2 * DX, Y0 + DY)))
        feats.append(_feature("community", com, sub, f"测试社区{s + 1}", (sx, Y0, sx + 2 * DX, Y0 + DY)))
        for g in range(2):
            gx = sx + g * DX
            grid = f"{com}{g + 1:03d}"
            feats.append(_feature("grid", grid, com, f"第{s * 2 + g + 1}网格", (gx, Y0, gx + DX, Y0 + DY)))
            for m in range(2):
                feats.append(_feature("micro", f"{grid}{m + 1:02d}", grid, f"微网格{m + 1}",
                                      (gx + m * DX / 2, Y0, gx + (m + 1) * DX / 2, Y0 + DY)))
    feats.append(_feature("grid", f"{DISTRICT}001001901", f"{DISTRICT}001001", "测试学校专属网格",
                          (X0 + 0.004, Y0 + 0.003, X0 + 0.008, Y0 + 0.007), kind="dedicated"))
    return {"type": "FeatureCollection", "features": feats}


def _call(method: str, url: str, body=None, token: str | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def ensure_loaded(base_url: str, token: str) -> None:
    """Load the sample once per database (idempotent: checks for the district first).

    ``token`` is an administrator's API token: importing grids needs a planner or administrator.
    """
    status, body = _call("GET", f"{base_url}/api/v1/grids?level=district", token=token)
    codes = {f["properties"]["code"] for f in body.get("features", [])} if status == 200 else set()
    if DISTRICT in codes:
        return
    status, body = _call("POST", f"{base_url}/api/v1/grids/import", grid_collection(), token=token)
    assert status == 201, f"grid import failed: {status} {body}"
    for i, (category, lon, lat) in enumerate(REPORTS):
        status, body = _call("POST", f"{base_url}/api/v1/reports", {
            "category": category, "channel": "hotline_12345", "description": f"测试事件 {i}",
            "lon": lon, "lat": lat,
        })
        assert status == 201, f"report {i} failed: {status} {body}"


# --- base-map tiles in a browser (test_gcj_tiles, test_tiles_own_server) ---

#: Where the tile holding the GCJ-02 image of the view's centre was drawn, against
#: where that image belongs (the centre's WGS-84 pixel), and what an unshifted layer does.
PLACEMENT_JS = """() => {
  const m = window[document.querySelector('.folium-map').id];
  const c = m.getCenter(), z = m.getZoom();
  const g = GridMap.wgsToGcj(c.lng, c.lat);
  const p = m.project(L.latLng(g[1], g[0]), z);
  const tx = Math.floor(p.x / 256), ty = Math.floor(p.y / 256);
  const img = [...document.querySelectorAll('img.leaflet-tile')]
    .find(i => i.src.includes(`x=${tx}&y=${ty}&z=${z}`));
  if (!img) return null;
  const r = img.getBoundingClientRect(), box = m.getContainer().getBoundingClientRect();
  const want = m.latLngToContainerPoint(c);
  const naive = m.latLngToContainerPoint(L.latLng(g[1], g[0]));
  const corners = [[1, 1], [box.width - 2, 1], [1, box.height - 2], [box.width - 2, box.height - 2]];
  const covered = corners.every(([x, y]) => [...document.querySelectorAll('img.leaflet-tile')].some(i => {
    const t = i.getBoundingClientRect();
    return t.left <= box.left + x && box.left + x <= t.right && t.top <= box.top + y && box.top + y <= t.bottom;
  }));
  return {dx: r.left - box.left + (p.x - tx * 256) - want.x, dy: r.top - box.top + (p.y - ty * 256) - want.y,
          naive: Math.hypot(naive.x - want.x, naive.y - want.y), covered: covered};
}"""


def tile_placement(page, lat: float, lon: float, zoom: int) -> dict:
    # The lookup page shows its map with the first answer; show it straight away here.
    page.evaluate("""([lat, lon, z]) => {
      document.getElementById('lookup-map').hidden = false;
      const m = window[document.querySelector('.folium-map').id];
      m.invalidateSize();
      m.setView([lat, lon], z, {animate: false});
    }""", [lat, lon, zoom])
    page.wait_for_function("() => [...document.querySelectorAll('img.leaflet-tile')]"
                           ".every(i => i.complete) && document.querySelectorAll('img.leaflet-tile-loaded').length > 0")
    return page.evaluate(PLACEMENT_JS)
