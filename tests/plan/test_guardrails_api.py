"""Safe drafts and validation a planner can act on, through HTTP: a move that would leave a grid in
pieces is refused unless it is an allowed exclave; validation is grouped, kept, and checked again only
where an edit touched; previews give the households and people an edit would move; the edit log
names what moved, from where, to where; merges and splits number and name what they make."""
from __future__ import annotations

from sqlalchemy import select

from app.models import BoundaryVersion
from app.plan import checks
from app.grids.versions import scope_of
from tests.plan.conftest import COMMUNITY, EAST, WEST, grids, post

FAR = "41010200100200102"       # the south community's west grid, south half: nowhere near WEST
SOUTH_COMMUNITY = "410102001002"


def validation(client, draft_id, query: str = "") -> dict:
    res = client.get(f"/api/v1/versions/{draft_id}/validation{query}")
    assert res.status_code == 200, res.get_json()
    return res.get_json()


def operations(client, draft_id) -> list[dict]:
    return client.get(f"/api/v1/drafts/{draft_id}/operations").get_json()["operations"]


def test_a_move_that_leaves_a_grid_in_pieces_is_refused_and_changes_nothing(client, draft):
    before = grids(client, draft["id"])
    res = client.post(f"/api/v1/drafts/{draft['id']}/move",
                      json={"row_version": draft["row_version"], "codes": [FAR], "target": WEST})
    assert res.status_code == 422
    err = res.get_json()["error"]
    assert err["code"] == "invalid_edit" and err["details"]["reason"] == "not_contiguous"
    assert err["details"]["params"]["code"] == COMMUNITY and err["details"]["params"]["parts"] == 2
    assert WEST in err["details"]["params"]["codes"]
    # It says which grid and how to go on, and points at the piece that would be cut off.
    assert COMMUNITY in err["message"] and err["details"]["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert client.get(f"/api/v1/drafts/{draft['id']}").get_json()["row_version"] == draft["row_version"]
    assert grids(client, draft["id"]) == before and operations(client, draft["id"]) == []


def test_an_allowed_exclave_takes_the_unit_and_validation_lists_it(client, draft):
    d = post(client, draft, "exclave", {"code": COMMUNITY})["draft"]
    d = post(client, d, "exclave", {"code": WEST})["draft"]
    out = post(client, d, "move", {"codes": [FAR], "target": WEST})
    body = validation(client, draft["id"])
    assert body["publishable"] and body["summary"]["notices"] == 2
    listed = {(i["code"], i["params"]["parts"]) for i in body["issues"] if i["rule"] == "exclave"}
    assert listed == {(COMMUNITY, 2), (WEST, 2)}
    assert not [i for i in body["issues"] if i["rule"] == "multipart"]
    notices = [g for g in body["groups"] if g["rule"] == "exclave"]
    assert {(g["severity"], g["level"], g["count"]) for g in notices} == {("notice", "community", 1),
                                                                          ("notice", "grid", 1)}
    assert body["groups"][-1]["severity"] == "notice"  # after the warnings
    # The allowance is an edit like the others: logged, and undone.
    kinds = [op["kind"] for op in operations(client, draft["id"])]
    assert kinds == ["exclave", "exclave", "move"]
    d = post(client, out["draft"], "undo", {})["draft"]
    d = post(client, d, "undo", {})["draft"]
    res = client.post(f"/api/v1/drafts/{draft['id']}/redo", json={"row_version": d["row_version"]})
    assert res.status_code == 200
    bad = client.post(f"/api/v1/drafts/{draft['id']}/exclave", json={"row_version": d["row_version"] + 1,
                                                                     "code": WEST, "allowed": "yes"})
    assert bad.status_code == 422 and bad.get_json()["error"]["details"]["field"] == "allowed"


def test_the_edit_log_names_what_moved_from_where_to_where(client, draft):
    out = post(client, draft, "move", {"codes": [EAST + "01"], "target": WEST})
    new_code = out["operation"]["summary"]["recoded"][EAST + "01"]
    line = out["operation"]["description"]
    # 1号微网格 of the east grid, now 3号微网格 of the west grid (its number there), from where, to where.
    assert line == (f"将 1号微网格（{EAST}01）（现为 3号微网格（{new_code}）） 从 第2网格（{EAST}） "
                    f"移至 第1网格（{WEST}）")
    assert operations(client, draft["id"])[0]["description"] == line
    en = client.get(f"/api/v1/drafts/{draft['id']}/operations?lang=en").get_json()["operations"][0]["description"]
    assert en == f"Moved 1号微网格（{EAST}01）（now 3号微网格（{new_code}）） from 第2网格（{EAST}） to 第1网格（{WEST}）"


def test_merge_numbers_the_micro_grids_again_and_split_names_its_parts(client, draft):
    out = post(client, draft, "merge", {"codes": [WEST, EAST]})
    merged = next(c for c in out["operation"]["summary"]["created"] if len(c) == 15)
    feats = grids(client, draft["id"], level="micro")
    kids = sorted((c, f["properties"]["name"]) for c, f in feats.items() if c.startswith(merged))
    assert kids == [(merged + f"{n:02d}", f"{n}号微网格") for n in range(1, 5)]
    assert grids(client, draft["id"], level="grid")[merged]["properties"]["name"] == f"第{int(merged[-3:])}网格"
    out = post(client, out["draft"], "split", {"code": merged, "line": {
        "type": "LineString", "coordinates": [[113.599, 34.7565], [113.621, 34.7565]]}})
    parts = [c for c in out["operation"]["summary"]["created"] if len(c) == 15]
    names = {c: grids(client, draft["id"], level="grid")[c]["properties"]["name"] for c in parts}
    assert names == {c: f"第{int(c[-3:])}网格" for c in parts}


def test_validation_is_grouped_kept_and_checked_again_where_an_edit_touched(client, draft, db):
    body = validation(client, draft["id"])
    groups = {(g["severity"], g["rule"], g["level"]): g for g in body["groups"]}
    assert groups[("warning", "unstaffed", "micro")]["count"] == 2
    assert groups[("warning", "unstaffed", "micro")]["label"] == "没有网格员：2 个微网格"
    kept = db.session.get(BoundaryVersion, draft["id"])
    db.session.refresh(kept)
    assert kept.validation_row_version == draft["row_version"] and kept.validation["issues"]

    # Merging the west and east grids makes one of 400 households: above the grid target.
    out = post(client, draft, "merge", {"codes": [WEST, EAST]})
    changes = out["validation"]
    assert changes is not None and changes["checked"] < 20
    added = {(i["rule"], i["code"]) for i in changes["added"]}
    merged = next(c for c in out["operation"]["summary"]["created"] if len(c) == 15)
    assert ("households_high", merged) in added and changes["added_count"] == len(changes["added"])
    assert changes["summary"]["warnings"] == validation(client, draft["id"])["summary"]["warnings"]
    # What was checked again agrees with checking everything.
    draft_row = db.session.get(BoundaryVersion, draft["id"])
    db.session.refresh(draft_row)
    full = checks.run(scope_of(draft_row))
    key = lambda i: (i["rule"], i["code"], tuple(i["codes"]))  # noqa: E731
    assert sorted(map(key, validation(client, draft["id"])["issues"])) == \
        sorted(key(checks.issue_dict(i)) for i in full.issues)
    # Undone: the warning is resolved, and the answer says so.
    undone = post(client, out["draft"], "undo", {})
    assert ("households_high", merged) in {(i["rule"], i["code"]) for i in undone["validation"]["resolved"]}


def test_previews_give_the_households_and_people_an_edit_would_move(client, draft):
    url = f"/api/v1/drafts/{draft['id']}/preview"
    # Choosing units, no target yet: what their grid loses.
    p = client.post(url, json={"action": "move", "codes": [EAST + "01"]}).get_json()
    assert p["refused"] is None
    assert [(g["code"], g["before"]["households"], g["after"]["households"]) for g in p["grids"]] == [(EAST, 200, 100)]
    # With the target: the edit's own figures, for both grids and the unit under its new code.
    p = client.post(url, json={"action": "move", "codes": [EAST + "01"], "target": WEST}).get_json()
    by_code = {g["code"]: g for g in p["grids"]}
    assert (by_code[WEST]["before"]["households"], by_code[WEST]["after"]["households"]) == (200, 300)
    assert (by_code[EAST]["before"]["population"], by_code[EAST]["after"]["population"]) == (480, 240)
    assert p["moves"][0]["from"] == EAST and p["moves"][0]["to"] == WEST
    # A line across the west grid: the two parts with their names and figures.
    line = {"type": "LineString", "coordinates": [[113.599, 34.7565], [113.611, 34.7565]]}
    p = client.post(url, json={"action": "split", "code": WEST, "line": line, "names": ["北片"]}).get_json()
    parts = {c["code"]: c["name"] for c in p["created"] if len(c["code"]) == 15}
    assert sorted(parts.values()) == ["北片", "第4网格"]
    after = [g["after"]["households"] for g in p["grids"] if g["code"] in parts]
    assert sum(after) == 200 and all(0 < h < 200 for h in after)
    # An edit that would be refused says so, without an error status.
    p = client.post(url, json={"action": "move", "codes": [FAR], "target": WEST}).get_json()
    assert p["refused"]["details"]["reason"] == "not_contiguous"
    # Nothing was written.
    assert client.get(f"/api/v1/drafts/{draft['id']}").get_json()["row_version"] == draft["row_version"]
    bad = client.post(url, json={"action": "reshape"})
    assert bad.status_code == 422 and bad.get_json()["error"]["details"]["field"] == "action"


def test_staff_of_a_split_grid_count_for_its_parts_before_publishing(client, draft):
    out = post(client, draft, "split", {"code": WEST, "line": {
        "type": "LineString", "coordinates": [[113.599, 34.7565], [113.611, 34.7565]]}})
    parts = [c for c in out["operation"]["summary"]["created"] if len(c) == 15]
    body = validation(client, draft["id"])
    # The parts will get the west grid's worker on publishing: they are not reported unstaffed meanwhile.
    assert not [i for i in body["issues"] if i["rule"] == "unstaffed" and i["code"] in parts]


def test_a_published_drafts_log_stays_readable(client, draft, db):
    out = post(client, draft, "move", {"codes": [EAST + "01"], "target": WEST})
    d = out["draft"]
    assert client.post(f"/api/v1/drafts/{d['id']}/publish", json={"row_version": d["row_version"]}).status_code == 200
    ops = operations(client, d["id"])
    assert [op["kind"] for op in ops] == ["move"] and ops[0]["description"]
    assert db.session.scalars(select(BoundaryVersion.status).where(BoundaryVersion.id == d["id"])).one() == "published"
