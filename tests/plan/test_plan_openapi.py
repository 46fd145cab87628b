"""Every planning response is what app/api/openapi.json says it is (strict: no undocumented field)."""
from __future__ import annotations

import io
import json

import pytest

from tests.api.helpers import SPEC_PATH, check
from tests.plan.conftest import COMMUNITY, EAST, WEST, box
from tests.plan.helpers import checked_import


@pytest.fixture(scope="module")
def spec() -> dict:
    return json.loads(SPEC_PATH.read_text(encoding="utf-8"))


def test_draft_lifecycle_matches_the_document(spec, client, sample):
    d = check(spec, client.post("/api/v1/drafts", json={"note": "n", "effective_date": "2026-07-01"}),
              "/api/v1/drafts", "post")
    check(spec, client.post("/api/v1/drafts", json={"note": ""}), "/api/v1/drafts", "post")
    check(spec, client.get("/api/v1/drafts"), "/api/v1/drafts")
    path = "/api/v1/drafts/{draft_id}"
    check(spec, client.get(f"/api/v1/drafts/{d['id']}"), path)
    check(spec, client.get("/api/v1/drafts/999999"), path)
    d = check(spec, client.patch(f"/api/v1/drafts/{d['id']}", json={"row_version": 1, "name": "新名"}), path, "patch")
    check(spec, client.patch(f"/api/v1/drafts/{d['id']}", json={"row_version": 1, "name": "x"}), path, "patch")

    rv = d["row_version"]
    out = check(spec, client.post(f"/api/v1/drafts/{d['id']}/reshape", json={
        "row_version": rv, "code": WEST, "geometry": box(113.60, 34.75, 113.614, 34.76)}),
        "/api/v1/drafts/{draft_id}/reshape", "post")
    rv = out["draft"]["row_version"]
    check(spec, client.post(f"/api/v1/drafts/{d['id']}/reshape", json={
        "row_version": rv, "code": WEST, "geometry": box(113.60, 34.75, 113.606, 34.76)}),
        "/api/v1/drafts/{draft_id}/reshape", "post")
    out = check(spec, client.post(f"/api/v1/drafts/{d['id']}/split", json={
        "row_version": rv, "code": EAST, "line": {"type": "LineString",
                                                  "coordinates": [[113.613, 34.7565], [113.621, 34.7565]]}}),
        "/api/v1/drafts/{draft_id}/split", "post")
    rv = out["draft"]["row_version"]
    new = sorted(c for c in out["operation"]["summary"]["created"] if len(c) == 15)
    out = check(spec, client.post(f"/api/v1/drafts/{d['id']}/merge", json={"row_version": rv, "codes": new}),
                "/api/v1/drafts/{draft_id}/merge", "post")
    rv = out["draft"]["row_version"]
    out = check(spec, client.post(f"/api/v1/drafts/{d['id']}/move", json={
        "row_version": rv, "codes": [WEST + "01"], "target": out["operation"]["summary"]["created"][0]
        if out["operation"]["summary"]["created"] else EAST}), "/api/v1/drafts/{draft_id}/move", "post")
    rv = out["draft"]["row_version"]
    out = check(spec, client.post(f"/api/v1/drafts/{d['id']}/undo", json={"row_version": rv}),
                "/api/v1/drafts/{draft_id}/undo", "post")
    rv = out["draft"]["row_version"]
    out = check(spec, client.post(f"/api/v1/drafts/{d['id']}/redo", json={"row_version": rv}),
                "/api/v1/drafts/{draft_id}/redo", "post")
    rv = out["draft"]["row_version"]
    check(spec, client.post(f"/api/v1/drafts/{d['id']}/redo", json={"row_version": rv}),
          "/api/v1/drafts/{draft_id}/redo", "post")
    check(spec, client.post(f"/api/v1/drafts/{d['id']}/undo", json={"row_version": 1}),
          "/api/v1/drafts/{draft_id}/undo", "post")
    check(spec, client.get(f"/api/v1/drafts/{d['id']}/operations"), "/api/v1/drafts/{draft_id}/operations")

    fc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": "410102002001001", "name": "西", "level": "grid",
                                           "parent_code": "410102002001"},
         "geometry": box(113.62, 34.75, 113.63, 34.76)},
        {"type": "Feature", "properties": {"code": "410102002001002", "name": "东", "level": "grid",
                                           "parent_code": "410102002001"},
         "geometry": box(113.63, 34.75, 113.64, 34.76)}]}
    status, out = checked_import(spec, client, client.post(
        f"/api/v1/drafts/{d['id']}/import", content_type="multipart/form-data", data={
            "file": (io.BytesIO(json.dumps(fc).encode()), "c.geojson"), "row_version": str(rv), "level": "grid",
            "parent": "410102002001"}))
    assert status == 200, out
    rv = out["draft"]["row_version"]
    # Refused in the job (the file holds no FeatureCollection), and before it (no such format).
    status, out = checked_import(spec, client, client.post(
        f"/api/v1/drafts/{d['id']}/import", content_type="multipart/form-data", data={
            "file": (io.BytesIO(b"{}"), "c.geojson"), "row_version": str(rv), "level": "grid"}))
    assert status == 422 and out["error"]["details"]["field"] == "file"
    status, _out = checked_import(spec, client, client.post(
        f"/api/v1/drafts/{d['id']}/import", content_type="multipart/form-data", data={
            "file": (io.BytesIO(b"<OGRVRTDataSource/>"), "c.geojson"), "row_version": str(rv), "level": "grid"}))
    assert status == 422
    check(spec, client.get("/api/v1/jobs/999999"), "/api/v1/jobs/{job_id}")

    vpath = "/api/v1/versions/{version_id}"
    check(spec, client.get(f"/api/v1/versions/{d['id']}/validation"), vpath + "/validation")
    check(spec, client.get(f"/api/v1/versions/{d['id']}/validation?format=geojson"), vpath + "/validation")
    check(spec, client.get(f"/api/v1/versions/{d['id']}/validation?households_grid=x"), vpath + "/validation")
    check(spec, client.get(f"/api/v1/versions/{d['id']}/impact"), vpath + "/impact")
    check(spec, client.get(f"/api/v1/versions/{d['id']}/impact?format=geojson"), vpath + "/impact")
    check(spec, client.get(f"/api/v1/versions/{d['id']}/impact?against=999999"), vpath + "/impact")
    check(spec, client.get(f"/api/v1/versions/{d['id']}/export"), vpath + "/export")
    check(spec, client.get(f"/api/v1/versions/{d['id']}/export?format=x"), vpath + "/export")

    check(spec, client.post(f"/api/v1/drafts/{d['id']}/publish", json={"row_version": 1}),
          "/api/v1/drafts/{draft_id}/publish", "post")
    published = check(spec, client.post(f"/api/v1/drafts/{d['id']}/publish", json={"row_version": rv}),
                      "/api/v1/drafts/{draft_id}/publish", "post")
    assert published["generation"] == 2, published
    other = client.post("/api/v1/drafts", json={"note": "n", "effective_date": "2026-07-01"}).get_json()
    check(spec, client.delete(f"/api/v1/drafts/{other['id']}?row_version=1"), path, "delete")
    check(spec, client.delete(f"/api/v1/drafts/{other['id']}"), path, "delete")


def test_invalid_draft_publish_matches_the_document(spec, client, sample):
    d = client.post("/api/v1/drafts", json={"note": "n", "effective_date": "2026-07-01"}).get_json()
    fc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": WEST, "name": "西", "level": "grid", "parent_code": COMMUNITY},
         "geometry": box(113.60, 34.75, 113.605, 34.76)}]}
    client.post(f"/api/v1/drafts/{d['id']}/import", content_type="multipart/form-data", data={
        "file": (io.BytesIO(json.dumps(fc).encode()), "c.geojson"), "row_version": "1", "level": "grid",
        "parent": COMMUNITY})
    res = client.post(f"/api/v1/drafts/{d['id']}/publish", json={"row_version": 2})
    body = check(spec, res, "/api/v1/drafts/{draft_id}/publish", "post")
    assert body["error"]["code"] == "draft_invalid"


def test_lookup_and_grids_at(spec, client, anon, sample):
    check(spec, anon.get("/api/v1/lookup?lon=113.603&lat=34.753&at=2999-01-01"), "/api/v1/lookup")
    check(spec, anon.get("/api/v1/lookup?lon=113.603&lat=34.753&at=1999-01-01"), "/api/v1/lookup")
    check(spec, client.get("/api/v1/grids?level=grid&at=2999-01-01"), "/api/v1/grids")
    check(spec, client.get(f"/api/v1/grids/{WEST}?at=bad"), "/api/v1/grids/{code}")
    d = client.post("/api/v1/drafts", json={"note": "n", "effective_date": "2026-07-01"}).get_json()
    check(spec, anon.get(f"/api/v1/lookup?lon=113.603&lat=34.753&version={d['id']}"), "/api/v1/lookup")
