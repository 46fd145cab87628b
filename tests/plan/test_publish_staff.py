"""Publishing carries staff assignments and worker areas to split and merged grids (issue 4)."""
from __future__ import annotations

from sqlalchemy import select

from app.models import AuditEntry, Staff, StaffAssignment, UserArea
from tests.plan.conftest import EAST, WEST, box, post

NORTH, SOUTH = "410102001001003", "410102001001004"   # the halves of the west grid after a split
MERGED = "410102001001003"                             # the west and east grids merged
SPLIT_LINE = {"type": "LineString", "coordinates": [[113.599, 34.7565], [113.611, 34.7565]]}
IN_NORTH, IN_SOUTH = (113.605, 34.758), (113.608, 34.751)


def _assignments(db, *codes) -> set[tuple[int, str, str]]:
    rows = db.session.execute(select(StaffAssignment.staff_id, StaffAssignment.grid_code, StaffAssignment.role)
                              .where(StaffAssignment.grid_code.in_(codes))).all()
    return {tuple(r) for r in rows}


def _publish(client, d) -> dict:
    res = client.post(f"/api/v1/drafts/{d['id']}/publish", json={"row_version": d["row_version"]})
    assert res.status_code == 200, res.get_json()
    return res.get_json()


def _carry_entries(db, action="staff.carry"):
    db.session.expire_all()
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()


def _split(client, draft):
    return post(client, draft, "split", {"code": WEST, "line": SPLIT_LINE})["draft"]


def test_split_grid_keeps_its_worker_in_both_halves(client, sample, draft, db):
    (worker,) = {s for s, _, _ in _assignments(db, WEST)}
    d = _split(client, draft)
    # The preview says what publish will do: the worker loses the west grid and gets both halves.
    impact = client.get(f"/api/v1/versions/{d['id']}/impact").get_json()
    (w,) = [w for w in impact["workers"] if w["staff_id"] == worker]
    assert w["loses"] == [WEST] and {NORTH, SOUTH} <= set(w["suggested"])

    body = _publish(client, d)
    db.session.expire_all()
    assert _assignments(db, WEST) == set()
    assert _assignments(db, NORTH, SOUTH) == {(worker, NORTH, "grid_worker"), (worker, SOUTH, "grid_worker")}
    # Nothing is lost: the removed assignment is in the audit entry beside the copies.
    (entry,) = _carry_entries(db)
    assert entry.entity_type == "draft" and entry.entity_id == str(d["id"])
    assert {(e["staff_id"], e["grid_code"], e["role"]) for e in entry.before["ended"]} >= {
        (worker, WEST, "grid_worker")}
    carried = {(c["staff_id"], c["grid_code"]): c["from"] for c in entry.after["carried"]}
    assert carried[(worker, NORTH)] == [WEST] and carried[(worker, SOUTH)] == [WEST]
    # The answer counts what happened (micro-grids of the split grid are recoded and follow too).
    assert body["staff_carried"] == len(entry.after["carried"]) >= 2
    assert body["staff_ended"] == len(entry.before["ended"]) >= 1
    # Every new staffed code in the preview got exactly the people the preview named.
    preview = {(w["staff_id"], c) for w in impact["workers"] for c in w["suggested"]}
    assert preview == set(carried)


def test_merged_grid_keeps_all_workers(client, sample, draft, db):
    west = {s for s, _, _ in _assignments(db, WEST)}
    east = {s for s, _, _ in _assignments(db, EAST)}
    assert west and east and west != east
    d = post(client, draft, "merge", {"codes": [WEST, EAST], "name": "合并网格"})["draft"]
    body = _publish(client, d)
    db.session.expire_all()
    assert {s for s, _, _ in _assignments(db, MERGED)} == west | east
    assert _assignments(db, WEST, EAST) == set()
    assert body["staff_carried"] >= 2 and body["staff_ended"] >= 2


def test_a_role_already_held_on_the_new_grid_is_not_carried(client, sample, draft, db):
    (worker,) = {s for s, _, _ in _assignments(db, WEST)}
    d = _split(client, draft)
    # Someone was assigned to the new north half ahead of publication.
    (ahead,) = db.session.scalars(select(Staff.id).where(Staff.id != worker).limit(1)).all()
    db.session.add(StaffAssignment(staff_id=ahead, grid_code=NORTH, role="grid_worker"))
    db.session.commit()
    impact = client.get(f"/api/v1/versions/{d['id']}/impact").get_json()
    (w,) = [w for w in impact["workers"] if w["staff_id"] == worker]
    assert SOUTH in w["suggested"] and NORTH not in w["suggested"]
    _publish(client, d)
    db.session.expire_all()
    assert _assignments(db, NORTH) == {(ahead, NORTH, "grid_worker")}
    assert _assignments(db, SOUTH) == {(worker, SOUTH, "grid_worker")}


def test_worker_account_area_follows_a_split(client, client_as, sample, draft, db):
    worker = client_as("worker", areas=[WEST])
    before = {client.post("/api/v1/reports", json={"category": "0402", "description": "违停", "lon": lon,
                                                   "lat": lat}).get_json()["ticket"] for lon, lat in (IN_NORTH, IN_SOUTH)}
    _publish(client, _split(client, draft))
    db.session.expire_all()
    areas = set(db.session.scalars(select(UserArea.grid_code).where(UserArea.user_id == worker.user.id)))
    assert areas == {WEST, NORTH, SOUTH}
    (entry,) = _carry_entries(db, "user.area_carry")
    assert {(a["user_id"], a["grid_code"]) for a in entry.after["areas"]} == {
        (worker.user.id, NORTH), (worker.user.id, SOUTH)}
    after = client.post("/api/v1/reports", json={"category": "0402", "description": "x", "lon": IN_SOUTH[0],
                                                 "lat": IN_SOUTH[1]}).get_json()
    assert after["grid"]["code"].startswith(SOUTH)
    # The worker sees the open events moved to both halves and new ones there.
    res = worker.get("/api/v1/reports")
    assert res.status_code == 200, res.get_json()
    seen = {r["ticket"] for r in res.get_json()["reports"]}
    assert seen == before | {after["ticket"]}
    # A worker of another grid still sees none of them.
    other = client_as("worker", areas=[EAST])
    assert not {r["ticket"] for r in other.get("/api/v1/reports").get_json()["reports"]} & seen


def test_reshape_keeps_codes_and_staff(client, sample, draft, db):
    snapshot = set(db.session.execute(select(StaffAssignment.id, StaffAssignment.staff_id, StaffAssignment.grid_code,
                                             StaffAssignment.role)).all())
    areas = set(db.session.execute(select(UserArea.user_id, UserArea.grid_code)).all())
    d = post(client, draft, "reshape", {"code": WEST, "geometry": box(113.60, 34.75, 113.614, 34.76)})["draft"]
    body = _publish(client, d)
    assert body["staff_carried"] == 0 and body["staff_ended"] == 0
    db.session.expire_all()
    assert set(db.session.execute(select(StaffAssignment.id, StaffAssignment.staff_id, StaffAssignment.grid_code,
                                         StaffAssignment.role)).all()) == snapshot
    assert set(db.session.execute(select(UserArea.user_id, UserArea.grid_code)).all()) == areas
    assert _carry_entries(db) == [] and _carry_entries(db, "user.area_carry") == []


def test_a_half_split_again_in_the_same_draft_still_gets_the_worker(client, sample, draft, db):
    """The grids of the second split never existed in a published version before: their
    predecessors are traced back to the published west grid, so its worker follows them too."""
    (worker,) = {s for s, _, _ in _assignments(db, WEST)}
    d = _split(client, draft)
    # The north half (34.7565-34.76) split again along a meridian.
    line = {"type": "LineString", "coordinates": [[113.606, 34.7560], [113.606, 34.7605]]}
    d = post(client, d, "split", {"code": NORTH, "line": line})["draft"]
    grids = {f["properties"]["code"]: f["properties"] for f in
             client.get(f"/api/v1/grids?version={d['id']}&level=grid&kind=regular").get_json()["features"]}
    final = sorted(c for c in grids if c.startswith("410102001001") and c not in (EAST, NORTH))
    assert len(final) == 3 and WEST not in final
    impact = client.get(f"/api/v1/versions/{d['id']}/impact").get_json()
    added = {g["code"]: g["predecessors"] for g in impact["grids"] if g["change"] == "added" and g["level"] == "grid"}
    assert added == {code: [WEST] for code in final}
    _publish(client, d)
    db.session.expire_all()
    assert _assignments(db, *final) == {(worker, code, "grid_worker") for code in final}
