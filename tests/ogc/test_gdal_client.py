"""GDAL's OAPIF driver (pyogrio's GDAL, in a process of its own: tests/ogc/gdal_read.py) against a live
server: HTTP Basic with a password or an API token, the page size, Part 2 CRS (crs, bbox-crs, axis
order) and queryables (issue 17).

Every request GDAL makes is recorded by a WSGI wrapper, so the tests see what it sent, not only what
it read.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs

import pyproj
import pytest

from tests.conftest import PASSWORD
from tests.live import serving

pyogrio = pytest.importorskip("pyogrio")
if "OAPIF" not in pyogrio.list_drivers():
    pytest.skip("this GDAL has no OAPIF driver", allow_module_level=True)

ROOT = Path(__file__).resolve().parents[2]

EPSG = "http://www.opengis.net/def/crs/EPSG/0/"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
#: Grid 410102001002001 of tests/samples.py: lon 113.60–113.61, lat 34.74–34.75, two micro-grids.
GRID = "410102001002001"


class Recorder:
    """WSGI middleware keeping (path, query, authorization scheme) of every request."""

    def __init__(self, app):
        self.app, self.seen = app, []

    def __call__(self, environ, start_response):
        scheme = environ.get("HTTP_AUTHORIZATION", "").split(" ", 1)[0]
        self.seen.append((environ["PATH_INFO"], parse_qs(environ.get("QUERY_STRING", "")), scheme))
        return self.app(environ, start_response)

    def items_requests(self):
        """The page requests (GDAL's first look at a layer, for its schema, names no crs)."""
        return [q for path, q, _ in self.seen if path.endswith("/items") and "crs" in q]


@pytest.fixture
def gdal_server(app, committed_db):
    """(OAPIF connection string, recorder, planner token) on a live server with the sample committed."""
    from app.auth import basic, users
    from tests.samples import load_sample

    basic.forget_all()
    load_sample()
    planner = users.create("gdal-planner", PASSWORD, "planner")
    _, token = users.issue_token(planner, "GDAL")
    committed_db.session.commit()
    recorder = Recorder(app)
    with serving(recorder) as url:
        yield f"OAPIF:{url}/ogc", recorder, token


def read(url: str, layer: str, *, bbox=None, where=None, config=None, **options) -> dict:
    spec = {"url": url, "layer": layer, "bbox": bbox, "where": where, "config": config, "options": options}
    done = subprocess.run([sys.executable, "-m", "tests.ogc.gdal_read", json.dumps(spec)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _codes(result: dict) -> list[str]:
    assert "error" not in result, result["error"]
    return sorted(result["features"])


def test_gdal_reads_every_grid_with_a_basic_password_in_one_page(gdal_server):
    url, recorder, _ = gdal_server
    result = read(url, layer="grids-micro", USERPWD=f"gdal-planner:{PASSWORD}")
    codes = _codes(result)
    assert len(codes) == 16 and codes[0] == "41010200100100101"
    assert {scheme for _, _, scheme in recorder.seen} == {"Basic"}  # sent on every request, unasked
    # The API declares limit default 1000 / maximum 10000: GDAL asks for 1000 a page, so one page holds them.
    assert [q["limit"] for q in recorder.items_requests()] == [["1000"]]
    boxes = list(result["features"].values())
    bounds = [min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes)]
    assert bounds == pytest.approx([113.60, 34.74, 113.64, 34.76])


def test_gdal_takes_an_api_token_as_the_password_and_pages_by_page_size(gdal_server):
    url, recorder, token = gdal_server
    codes = _codes(read(url, layer="grids-micro", USERPWD=f"gdal-planner:{token}", PAGE_SIZE="5"))
    assert len(codes) == 16 == len(set(codes))
    offsets = sorted(int(q.get("offset", ["0"])[0]) for q in recorder.items_requests())
    assert offsets == [0, 5, 10, 15]


def test_a_wrong_password_stops_gdal_with_the_servers_answer(gdal_server):
    url, _, _ = gdal_server
    result = read(url, layer="grids-micro", USERPWD="gdal-planner:not-the-password")
    assert "401" in result["error"]


def test_gdal_asks_for_the_storage_crs_and_filters_by_bbox_in_it(gdal_server):
    url, recorder, token = gdal_server
    result = read(url, layer="grids-grid", USERPWD=f"gdal-planner:{token}", bbox=(113.602, 34.741, 113.604, 34.744))
    assert _codes(result) == [GRID]
    assert pyproj.CRS(result["crs"]) == pyproj.CRS("OGC:CRS84")
    sent = [q for q in recorder.items_requests() if "bbox" in q]
    assert sent and all(q["crs"] == [CRS84] and q["bbox-crs"] == [CRS84] for q in sent)


def test_gdal_in_epsg_4547_gets_coordinates_where_they_belong(gdal_server):
    url, recorder, token = gdal_server
    result = read(url, layer="grids-grid", USERPWD=f"gdal-planner:{token}", CRS="EPSG:4547")
    assert pyproj.CRS(result["crs"]).to_epsg() == 4547
    assert all(q["crs"] == [EPSG + "4547"] for q in recorder.items_requests())
    grid_bounds = result["features"][GRID]
    # GDAL gives x = easting, y = northing; they must be PROJ's image of the grid's corners.
    to_gk = pyproj.Transformer.from_crs("OGC:CRS84", "EPSG:4547", always_xy=True)
    xs, ys = to_gk.transform([113.60, 113.61, 113.61, 113.60], [34.74, 34.74, 34.75, 34.75])
    assert grid_bounds == pytest.approx([min(xs), min(ys), max(xs), max(ys)], abs=0.01)
    # A box in EPSG:4547 (x/y for GDAL) goes out as bbox-crs 4547 in northing, easting order.
    inside = [*to_gk.transform(113.602, 34.741), *to_gk.transform(113.604, 34.744)]
    recorder.seen.clear()
    boxed = read(url, layer="grids-grid", USERPWD=f"gdal-planner:{token}", CRS="EPSG:4547", bbox=tuple(inside))
    assert _codes(boxed) == [GRID]
    [sent] = [q for q in recorder.items_requests() if "bbox" in q][:1]
    north_first = [float(v) for v in sent["bbox"][0].split(",")]
    assert sent["bbox-crs"] == [EPSG + "4547"]
    assert north_first == pytest.approx([inside[1], inside[0], inside[3], inside[2]], abs=1e-3)


def test_gdal_pushes_a_filter_on_a_queryable_to_the_server(gdal_server):
    url, recorder, token = gdal_server
    result = read(url, layer="grids-micro", USERPWD=f"gdal-planner:{token}", where=f"parent_code = '{GRID}'")
    assert _codes(result) == [GRID + "01", GRID + "02"]
    assert any(q.get("parent_code") == [GRID] for q in recorder.items_requests())


def test_gdal_with_a_bearer_token_still_works(gdal_server):
    # GDAL 3.6 takes --config GDAL_HTTP_HEADERS "Authorization: Bearer ..."; newer OAPIF drivers send their
    # own Accept header in its place, and take the token as GDAL_HTTP_AUTH=BEARER instead.
    url, recorder, token = gdal_server
    config = {"GDAL_HTTP_AUTH": "BEARER", "GDAL_HTTP_BEARER": token}
    assert len(_codes(read(url, layer="grids-dedicated", config=config))) == 1
    assert {scheme for _, _, scheme in recorder.seen} == {"Bearer"}
