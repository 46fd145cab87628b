"""Rebase: a stale draft's applied edits replayed on the version published since, through HTTP."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.models import AuditEntry, Report
from tests.plan.conftest import EAST, WEST, box, grids, post

# Community 410102002001 is lon 113.62-113.64, lat 34.75-34.76; its grids split at lon 113.63.
C2W, C2E = "410102002001001", "410102002001002"
C2 = "410102002001"
ACROSS_C2W = {"type": "LineString", "coordinates": [[113.619, 34.7565], [113.631, 34.7565]]}
ACROSS_C2E = {"type": "LineString", "coordinates": [[113.629, 34.7565], [113.641, 34.7565]]}
ACROSS_WEST = {"type": "LineString", "coordinates": [[113.599, 34.7565], [113.611, 34.7565]]}


def _open(client, note):
    res = client.post("/api/v1/drafts", json={"note": note, "effective_date": "2026-07-01"})
    assert res.status_code == 201, res.get_json()
    return res.get_json()


def _publish(client, d, status=200):
    res = client.post(f"/api/v1/drafts/{d['id']}/publish", json={"row_version": d["row_version"]})
    assert res.status_code == status, res.get_json()
    return res.get_json()


def _rebase(client, d, status=200, row_version=None):
    res = client.post(f"/api/v1/drafts/{d['id']}/rebase",
                      json={"row_version": d["row_version"] if row_version is None else row_version})
    assert res.status_code == status, res.get_json()
    return res.get_json()


def _min_x(feature):
    return min(x for poly in ([feature["geometry"]["coordinates"]] if feature["geometry"]["type"] == "Polygon"
                              else feature["geometry"]["coordinates"]) for ring in poly for x, _ in ring)


def _max_x(feature):
    return max(x for poly in ([feature["geometry"]["coordinates"]] if feature["geometry"]["type"] == "Polygon"
                              else feature["geometry"]["coordinates"]) for ring in poly for x, _ in ring)


def test_rebase_replays_edits_and_the_draft_can_be_published(client, sample, db):
    a, b = _open(client, "A"), _open(client, "B")
    # B splits a grid of the second community, then reshapes a piece the split made (a code B was given).
    b = post(client, b, "split", {"code": C2W, "line": ACROSS_C2W})["draft"]
    north = C2 + "003"
    assert north in grids(client, b["id"], level="grid")
    b = post(client, b, "reshape", {"code": north, "geometry": box(113.62, 34.7565, 113.632, 34.76),
                                    "leftover": "neighbours"})["draft"]
    a = post(client, a, "reshape", {"code": WEST, "geometry": box(113.60, 34.75, 113.614, 34.76)})["draft"]
    _publish(client, a)
    ticket = client.post("/api/v1/reports", json={"category": "0402", "description": "违停", "lon": 113.631,
                                                  "lat": 34.758}).get_json()["ticket"]
    assert client.get(f"/api/v1/drafts/{b['id']}").get_json()["stale"]
    assert _publish(client, b, 409)["error"]["details"]["reason"] == "stale"

    out = _rebase(client, b)
    d = out["draft"]
    assert d["id"] == b["id"] and d["note"] == "B" and d["effective_date"] == "2026-07-01"
    assert not d["stale"] and d["row_version"] == b["row_version"] + 1 and d["operations"] == 2
    assert out["skipped"] == []
    assert [(x["operation"]["seq"], x["operation"]["kind"], x["seq"]) for x in out["applied"]] == [
        (1, "split", 1), (2, "reshape", 2)]
    # The split got the same codes again: nobody else took them.
    assert out["applied"][0]["codes"] == {}
    # Both the other publication (WEST reshaped) and B's edits are in the rebased draft.
    g = grids(client, d["id"], level="grid")
    assert _min_x(g[EAST]) == pytest.approx(113.614) and C2W not in g
    assert _max_x(g[north]) == pytest.approx(113.632, abs=1e-6)
    ops = client.get(f"/api/v1/drafts/{d['id']}/operations").get_json()["operations"]
    assert [(o["seq"], o["kind"], o["state"]) for o in ops] == [(1, "split", "done"), (2, "reshape", "done")]

    published = _publish(client, d)
    assert published["version"]["status"] == "published" and published["open_reports_reassigned"] >= 1
    report = db.session.scalars(select(Report).where(Report.ticket == ticket)).one()
    db.session.refresh(report)
    assert report.current_generation == published["generation"]
    code = client.get("/api/v1/lookup?lon=113.631&lat=34.758").get_json()["grid"]["code"]
    assert code.startswith(north)
    assert client.get("/api/v1/lookup?lon=113.612&lat=34.757").get_json()["grid"]["code"] == WEST + "01"

    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "draft.rebase")).one()
    assert entry.entity_id == str(d["id"]) and entry.after["applied"] == [1, 2] and entry.after["skipped"] == []
    assert entry.before["base_generation"] == 1 and entry.after["base_generation"] == 2


def test_conflicting_edit_is_skipped_with_its_reason(client, sample):
    a, b = _open(client, "A"), _open(client, "B")
    b = post(client, b, "reshape", {"code": WEST, "geometry": box(113.60, 34.75, 113.614, 34.76)})["draft"]
    b = post(client, b, "reshape", {"code": C2W, "geometry": box(113.62, 34.75, 113.632, 34.76)})["draft"]
    a = post(client, a, "split", {"code": WEST, "line": ACROSS_WEST})["draft"]
    _publish(client, a)

    out = _rebase(client, b)
    (skip,) = out["skipped"]
    assert skip["operation"]["seq"] == 1 and skip["operation"]["kind"] == "reshape"
    assert skip["reason"] == "unknown_grid" and WEST in skip["message"]
    assert [x["operation"]["seq"] for x in out["applied"]] == [2]
    d = out["draft"]
    assert not d["stale"] and d["operations"] == 1
    g = grids(client, d["id"], level="grid")
    assert WEST not in g and _min_x(g[C2E]) == pytest.approx(113.632, abs=1e-6)
    _publish(client, d)


def test_codes_given_by_a_replayed_split_follow_into_later_edits(client, sample):
    # Codes are never reused while any version or draft holds them, and the replay allots them afresh:
    # here B's split got 005/006 because draft X held 003/004; X is gone by the rebase, so the replayed
    # split gets 003/004 and B's later reshape of "005" must follow to 003.
    x, b = _open(client, "X"), _open(client, "B")
    x = post(client, x, "split", {"code": C2W, "line": ACROSS_C2W})["draft"]
    b = post(client, b, "split", {"code": C2E, "line": ACROSS_C2E})["draft"]
    b_north = C2 + "005"
    assert b_north in grids(client, b["id"], level="grid")
    b = post(client, b, "reshape", {"code": b_north, "geometry": box(113.628, 34.7565, 113.64, 34.76),
                                    "leftover": "neighbours"})["draft"]
    assert client.delete(f"/api/v1/drafts/{x['id']}?row_version={x['row_version']}").status_code == 200
    a = _open(client, "A")
    a = post(client, a, "reshape", {"code": WEST, "geometry": box(113.60, 34.75, 113.614, 34.76)})["draft"]
    _publish(client, a)

    out = _rebase(client, b)
    assert out["skipped"] == []
    split, reshape = out["applied"]
    # The pieces and the micro-grids refitted into them all follow.
    assert {C2 + "005": C2 + "003", C2 + "006": C2 + "004"}.items() <= split["codes"].items()
    assert all(new.startswith((C2 + "003", C2 + "004")) for new in split["codes"].values())
    assert reshape["params"]["code"] == C2 + "003" and reshape["operation"]["params"]["code"] == b_north
    g = grids(client, out["draft"]["id"], level="grid")
    assert _min_x(g[C2 + "003"]) == pytest.approx(113.628, abs=1e-6)
    assert C2 + "005" not in g and C2 + "004" in g and _max_x(g[C2W]) == pytest.approx(113.63)
    _publish(client, out["draft"])


def test_edit_on_a_grid_made_by_a_skipped_edit_is_skipped(client, sample):
    a, b = _open(client, "A"), _open(client, "B")
    b = post(client, b, "split", {"code": WEST, "line": ACROSS_WEST})["draft"]
    piece = WEST[:12] + "003"
    b = post(client, b, "reshape", {"code": piece, "geometry": box(113.60, 34.7565, 113.612, 34.76),
                                    "leftover": "neighbours"})["draft"]
    # A splits WEST too (taking 003/004 itself): B's split is refused, and B's 003 is not A's 003.
    a = post(client, a, "split", {"code": WEST, "line": ACROSS_WEST})["draft"]
    _publish(client, a)
    out = _rebase(client, b)
    assert out["applied"] == []
    assert [(s["operation"]["seq"], s["reason"]) for s in out["skipped"]] == [
        (1, "unknown_grid"), (2, "depends_on_skipped")]
    assert not out["draft"]["stale"] and out["draft"]["operations"] == 0


def test_undone_edits_are_not_replayed(client, sample):
    a, b = _open(client, "A"), _open(client, "B")
    b = post(client, b, "reshape", {"code": C2W, "geometry": box(113.62, 34.75, 113.632, 34.76)})["draft"]
    b = post(client, b, "split", {"code": C2E, "line": ACROSS_C2E})["draft"]
    b = post(client, b, "undo", {})["draft"]
    assert b["can_redo"]
    a = post(client, a, "reshape", {"code": WEST, "geometry": box(113.60, 34.75, 113.614, 34.76)})["draft"]
    _publish(client, a)
    out = _rebase(client, b)
    assert [x["operation"]["kind"] for x in out["applied"]] == ["reshape"] and out["skipped"] == []
    d = out["draft"]
    assert d["operations"] == 1 and not d["can_redo"] and d["can_undo"]
    assert C2E in grids(client, d["id"], level="grid")
    # Undo works on the rebased draft: the replayed reshape is undone, A's publication stays.
    d = post(client, d, "undo", {})["draft"]
    g = grids(client, d["id"], level="grid")
    assert _min_x(g[C2E]) == pytest.approx(113.63) and _min_x(g[EAST]) == pytest.approx(113.614)


def test_refusals(client, sample, client_as):
    b = _open(client, "B")
    res = _rebase(client, b, 409)
    assert res["error"]["details"]["reason"] == "not_stale"
    a = _open(client, "A")
    a = post(client, a, "reshape", {"code": WEST, "geometry": box(113.60, 34.75, 113.614, 34.76)})["draft"]
    _publish(client, a)
    assert _rebase(client, b, 409, row_version=b["row_version"] + 5)["error"]["details"]["field"] == "row_version"
    assert _rebase(client, b, 422, row_version="x")["error"]["details"]["field"] == "row_version"
    res = client.post(f"/api/v1/drafts/{b['id']}/rebase", data="nope", content_type="application/json")
    assert res.status_code == 422
    assert client.post("/api/v1/drafts/999999/rebase", json={"row_version": 1}).status_code == 404
    for role in ("dispatcher", "viewer", "worker"):
        c = client_as(role, areas=["410102001"] if role == "worker" else ())
        assert c.post(f"/api/v1/drafts/{b['id']}/rebase", json={"row_version": b["row_version"]}).status_code == 403
    planner = client_as("planner")
    out = _rebase(planner, b)
    assert out["applied"] == [] and not out["draft"]["stale"]
    # A published draft is not a draft any more.
    assert _rebase(client, a, 409, row_version=a["row_version"] + 1)["error"]["details"]["field"] == "draft_id"


def test_rebase_responses_match_the_document(client, sample):
    import json

    from tests.api.helpers import SPEC_PATH, check

    spec = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    path = "/api/v1/drafts/{draft_id}/rebase"
    a, b = _open(client, "A"), _open(client, "B")
    check(spec, client.post(f"/api/v1/drafts/{b['id']}/rebase", json={"row_version": 1}), path, "post")  # 409
    check(spec, client.post(f"/api/v1/drafts/{b['id']}/rebase", json={"row_version": "x"}), path, "post")  # 422
    b = post(client, b, "reshape", {"code": WEST, "geometry": box(113.60, 34.75, 113.614, 34.76)})["draft"]
    b = post(client, b, "split", {"code": C2W, "line": ACROSS_C2W})["draft"]
    a = post(client, a, "split", {"code": WEST, "line": ACROSS_WEST})["draft"]
    _publish(client, a)
    out = check(spec, client.post(f"/api/v1/drafts/{b['id']}/rebase", json={"row_version": b["row_version"]}),
                path, "post")
    assert len(out["applied"]) == 1 and len(out["skipped"]) == 1


def test_pages_offer_the_rebase_button_on_stale_drafts_only(client, sample):
    a, b = _open(client, "A"), _open(client, "B")
    html = client.get("/plan").get_data(as_text=True)
    assert "plan-rebase" not in html.split('id="plan-rebase-result"', 1)[1]
    assert 'id="plan-rebase"' not in client.get(f"/plan/drafts/{b['id']}").get_data(as_text=True)
    a = post(client, a, "reshape", {"code": WEST, "geometry": box(113.60, 34.75, 113.614, 34.76)})["draft"]
    _publish(client, a)
    html = client.get("/plan").get_data(as_text=True)
    assert f'class="btn btn-sm btn-warning plan-rebase" data-id="{b["id"]}" data-row-version="{b["row_version"]}"' \
        in html
    editor = client.get(f"/plan/drafts/{b['id']}").get_data(as_text=True)
    assert 'id="plan-rebase"' in editor and 'id="plan-rebase-result"' in editor


def _import_c2(client, b):
    import json

    from tests.plan.helpers import import_file

    fc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": C2W, "name": "西", "level": "grid", "parent_code": C2},
         "geometry": box(113.62, 34.75, 113.632, 34.76)},
        {"type": "Feature", "properties": {"code": C2E, "name": "东", "level": "grid", "parent_code": C2},
         "geometry": box(113.632, 34.75, 113.64, 34.76)}]}
    status, body = import_file(client, b["id"], json.dumps(fc).encode(), "c2.geojson", row_version=b["row_version"],
                               level="grid", parent=C2)
    assert status == 200, body
    return body["draft"]


def test_an_import_is_replayed_from_the_features_it_read(client, sample, db):
    a, b = _open(client, "A"), _open(client, "B")
    b = _import_c2(client, b)
    b = post(client, b, "reshape", {"code": C2W, "geometry": box(113.62, 34.75, 113.634, 34.76)})["draft"]
    a = post(client, a, "reshape", {"code": WEST, "geometry": box(113.60, 34.75, 113.614, 34.76)})["draft"]
    _publish(client, a)
    out = _rebase(client, b)
    assert out["skipped"] == []
    assert [x["operation"]["kind"] for x in out["applied"]] == ["import", "reshape"]
    level = grids(client, b["id"], level="grid")
    # The import's border (113.632) moved on by the reshape after it (113.634); A's published edit is kept.
    assert _max_x(level[C2W]) == pytest.approx(113.634) and _min_x(level[C2E]) == pytest.approx(113.634)
    assert _max_x(level[WEST]) == pytest.approx(113.614)
    # The replayed import keeps its features for the next rebase; the log's params stay small.
    from app.models import DraftOperation

    (op,) = db.session.scalars(select(DraftOperation).where(DraftOperation.draft_id == b["id"],
                                                            DraftOperation.kind == "import")).all()
    assert len(op.source["features"]) == 2 and "features" not in op.params
    assert _publish(client, out["draft"])["version"]["generation"]


def test_an_import_logged_without_its_features_is_reported_not_replayable(client, sample, db):
    from sqlalchemy import update

    from app.models import DraftOperation

    a, b = _open(client, "A"), _open(client, "B")
    b = _import_c2(client, b)
    b = post(client, b, "reshape", {"code": C2W, "geometry": box(113.62, 34.75, 113.634, 34.76)})["draft"]
    # As an import logged before migration 0016 kept the features.
    db.session.execute(update(DraftOperation).where(DraftOperation.draft_id == b["id"]).values(source=None))
    db.session.commit()
    a = post(client, a, "reshape", {"code": WEST, "geometry": box(113.60, 34.75, 113.614, 34.76)})["draft"]
    _publish(client, a)
    out = _rebase(client, b)
    assert [(s["operation"]["kind"], s["reason"]) for s in out["skipped"]] == [("import", "not_replayable")]
    assert out["skipped"][0]["message"]
    assert [x["operation"]["kind"] for x in out["applied"]] == ["reshape"]
