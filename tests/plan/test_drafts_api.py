"""Drafts through HTTP: open, list, read, change, discard; row_version; access; audit; copy-on-write."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.models import AuditEntry, Grid
from tests.plan.conftest import COMMUNITY, EAST, WEST, box, grids, post


def test_open_list_get_patch(client, sample, draft):
    assert draft["status"] == "draft" and draft["base_generation"] == 1 and draft["row_version"] == 1
    assert draft["author"] == "test-admin" and draft["note"] == "测试草稿" and draft["effective_date"] == "2026-07-01"
    assert draft["own_rows"] == 0 and draft["ended_rows"] == 0 and not draft["stale"]
    # A draft is a copy of the published boundaries without copying a single row.
    assert len(grids(client, draft["id"])) == len(sample["codes"])
    second = client.post("/api/v1/drafts", json={"note": "另一个", "effective_date": "2026-09-01", "name": "B"})
    assert second.status_code == 201 and second.headers["Location"].endswith(str(second.get_json()["id"]))
    listed = client.get("/api/v1/drafts").get_json()["drafts"]
    assert [d["id"] for d in listed] == [draft["id"], second.get_json()["id"]]
    assert client.get(f"/api/v1/drafts/{draft['id']}").get_json()["id"] == draft["id"]

    res = client.patch(f"/api/v1/drafts/{draft['id']}", json={"row_version": 1, "note": "改过"})
    assert res.status_code == 200 and res.get_json()["note"] == "改过" and res.get_json()["row_version"] == 2


@pytest.mark.parametrize("body,field", [
    ({"effective_date": "2026-07-01"}, "note"),
    ({"note": "x"}, "effective_date"),
    ({"note": "x", "effective_date": "July"}, "effective_date"),
    ({"note": 5, "effective_date": "2026-07-01"}, "note"),
    ([], "body"),
])
def test_open_refuses_bad_input(client, sample, body, field):
    res = client.post("/api/v1/drafts", json=body)
    assert res.status_code == 422 and res.get_json()["error"]["details"]["field"] == field


@pytest.mark.parametrize("body,label", [
    ({"note": "x"}, "生效日期"),
    ({"note": "x", "effective_date": "July"}, "生效日期"),
    ({"effective_date": "2026-07-01"}, "说明"),
])
def test_a_refused_field_is_named_as_the_page_labels_it(client, sample, body, label):
    """The planners' pages show the API's message: it names the field by its label, never its JSON key
    (which stays in details.field for programs)."""
    error = client.post("/api/v1/drafts", json=body).get_json()["error"]
    assert label in error["message"], error
    assert "effective_date" not in error["message"] and "note" not in error["message"]
    assert client.post("/api/v1/drafts?lang=en", json={"note": "x"}).get_json()["error"]["message"] \
        .startswith("Fill in the Effective date")


def test_concurrent_edits_one_wins_the_other_409(client, sample, draft):
    shape = box(113.60, 34.75, 113.614, 34.76)
    first = post(client, draft, "reshape", {"code": WEST, "geometry": shape})
    assert first["draft"]["row_version"] == 2
    # The second planner still holds row_version 1.
    res = client.post(f"/api/v1/drafts/{draft['id']}/reshape",
                      json={"row_version": 1, "code": WEST, "geometry": box(113.60, 34.75, 113.612, 34.76)})
    assert res.status_code == 409
    err = res.get_json()["error"]
    assert err["details"]["field"] == "row_version" and err["details"]["current"] == 2
    assert err["details"]["draft"]["row_version"] == 2
    # The draft holds the first edit only: the east grid starts at 113.614.
    east = grids(client, draft["id"])[EAST]["geometry"]["coordinates"]
    assert min(x for poly in east for ring in poly for x, _ in ring) == pytest.approx(113.614)
    res = client.post(f"/api/v1/drafts/{draft['id']}/reshape", json={"code": WEST, "geometry": shape})
    assert res.status_code == 422 and res.get_json()["error"]["details"]["field"] == "row_version"


def test_concurrent_requests_really_serialise(app, committed_db):
    """Two connections: the second edit waits for the first's lock, then sees a new row_version (409)."""
    import threading

    from tests.auth_helpers import make_admin_token
    from tests.samples import load_sample

    load_sample()
    token = make_admin_token()
    headers = {"Authorization": f"Bearer {token}"}
    c = app.test_client()
    d = c.post("/api/v1/drafts", json={"note": "n", "effective_date": "2026-07-01"}, headers=headers).get_json()
    results = []

    def edit(x):
        cc = app.test_client()
        r = cc.post(f"/api/v1/drafts/{d['id']}/reshape", headers=headers, json={
            "row_version": 1, "code": WEST, "geometry": box(113.60, 34.75, x, 34.76)})
        results.append(r.status_code)

    threads = [threading.Thread(target=edit, args=(x,)) for x in (113.612, 113.614)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [200, 409]


def test_discard_shares_rows_again(client, sample, draft, db):
    post(client, draft, "reshape", {"code": WEST, "geometry": box(113.60, 34.75, 113.614, 34.76)})
    assert db.session.scalar(select(func.count()).where(Grid.ended_in_drafts.contains([draft["id"]]))) > 0
    res = client.delete(f"/api/v1/drafts/{draft['id']}?row_version=1")
    assert res.status_code == 409
    res = client.delete(f"/api/v1/drafts/{draft['id']}?row_version=2")
    assert res.status_code == 200 and res.get_json() == {"discarded": draft["id"]}
    assert db.session.scalar(select(func.count()).where(Grid.draft_id == draft["id"])) == 0
    assert db.session.scalar(select(func.count()).where(Grid.ended_in_drafts.contains([draft["id"]]))) == 0
    assert client.get(f"/api/v1/drafts/{draft['id']}").status_code == 404
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.entity_type == "draft",
                                                                 AuditEntry.entity_id == str(draft["id"]))
                                 .order_by(AuditEntry.id)).all()
    assert actions == ["draft.open", "draft.reshape", "draft.discard"]


def test_drafts_never_affect_lookup(client, anon, sample, draft):
    post(client, draft, "reshape", {"code": WEST, "geometry": box(113.60, 34.75, 113.614, 34.76)})
    # 113.612 now lies in the west grid of the draft, still in the east grid as published.
    published = anon.get("/api/v1/lookup?lon=113.612&lat=34.757").get_json()
    assert published["grid"]["code"].startswith(EAST)
    in_draft = client.get(f"/api/v1/lookup?lon=113.612&lat=34.757&version={draft['id']}").get_json()
    assert in_draft["grid"]["code"].startswith(WEST)
    report = client.post("/api/v1/reports", json={"category": "0402", "description": "违停", "lon": 113.612,
                                                  "lat": 34.757}).get_json()
    assert report["grid"]["code"].startswith(EAST)


@pytest.mark.parametrize("role,status", [("planner", 201), ("admin", 201), ("dispatcher", 403), ("worker", 403),
                                         ("viewer", 403)])
def test_roles(client_as, sample, role, status):
    c = client_as(role, areas=["410102001"] if role == "worker" else ())
    res = c.post("/api/v1/drafts", json={"note": "n", "effective_date": "2026-07-01"})
    assert res.status_code == status
    if status == 403:
        assert res.get_json()["error"]["details"]["permission"] == "grids:edit"
        assert c.get("/api/v1/drafts").status_code == 403
    else:
        d = res.get_json()
        assert post(c, d, "reshape", {"code": WEST, "geometry": box(113.60, 34.75, 113.614, 34.76)})


def test_anonymous_401_and_drafts_hidden_from_readers(client, client_as, anon, sample, draft):
    for method, url in (("post", "/api/v1/drafts"), ("get", "/api/v1/drafts"),
                        ("post", f"/api/v1/drafts/{draft['id']}/merge"),
                        ("post", f"/api/v1/drafts/{draft['id']}/publish")):
        res = getattr(anon, method)(url, json={})
        assert res.status_code == 401, url
    viewer = client_as("viewer")
    assert viewer.get(f"/api/v1/grids?version={draft['id']}").status_code == 403
    assert viewer.get(f"/api/v1/versions/{draft['id']}/validation").status_code == 403
    assert viewer.get(f"/api/v1/versions/{sample['result'].version_id}/validation").status_code == 200
    assert anon.get(f"/api/v1/lookup?lon=113.605&lat=34.757&version={draft['id']}").status_code == 401
    assert client_as("planner").get(f"/api/v1/grids?version={draft['id']}").status_code == 200


def test_copy_on_write_costs_only_the_changed_rows(client, sample, draft, db):
    before = db.session.scalar(select(func.count()).select_from(Grid))
    post(client, draft, "reshape", {"code": WEST, "geometry": box(113.60, 34.75, 113.614, 34.76)})
    d = client.get(f"/api/v1/drafts/{draft['id']}").get_json()
    # West and east grids, their four micro-grids: six draft rows, the community and the rest stay shared.
    assert d["own_rows"] == 6 and d["ended_rows"] == 6
    assert db.session.scalar(select(func.count()).select_from(Grid)) == before + 6
    rows = db.session.execute(select(Grid.code, Grid.lineage, Grid.parent_id, Grid.is_leaf)
                              .where(Grid.draft_id == draft["id"]).order_by(Grid.code)).all()
    community_id = db.session.scalar(select(Grid.id).where(Grid.code == COMMUNITY))
    by_code = {r.code: r for r in rows}
    assert by_code[WEST].parent_id == community_id and by_code[WEST].lineage[-2] == community_id
    assert by_code[WEST + "01"].parent_id == next(r for r in rows if r.code == WEST).lineage[-1]
    assert not by_code[WEST].is_leaf and by_code[WEST + "01"].is_leaf
