"""Publishing on the effective date: scheduled at 00:00 Beijing time (cron command and a check on
requests), or now; lookups with at= before and after; the numbers the preview and the publication give.
The clock is app.events.deadlines.now, moved by the test."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text

from app.models import AuditEntry, BoundaryVersion
from tests.plan.conftest import EAST, WEST, box, post

BEIJING = ZoneInfo("Asia/Shanghai")
EVE = datetime(2026, 12, 31, 22, 0, tzinfo=BEIJING)
MOVING = (113.612, 34.757)        # in the east grid's north micro-grid; the reshape gives it to the west


class Clock:
    def __init__(self, now):
        self.now = now

    def advance(self, **delta):
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    from app.events import deadlines

    c = Clock(EVE)
    monkeypatch.setattr(deadlines, "now", lambda: c.now)
    return c


def _draft(client, effective: str) -> dict:
    d = client.post("/api/v1/drafts", json={"note": "年度调整", "effective_date": effective}).get_json()
    return post(client, d, "reshape", {"code": WEST, "geometry": box(113.60, 34.75, 113.614, 34.76)})["draft"]


def _grid_at(anon, query: str = "") -> str:
    return anon.get(f"/api/v1/lookup?lon={MOVING[0]}&lat={MOVING[1]}{query}").get_json()["grid"]["code"]


def _status(db, version_id: int) -> str:
    db.session.expire_all()
    return db.session.get(BoundaryVersion, version_id).status


def test_a_future_effective_date_is_scheduled_and_takes_effect_at_midnight(client, anon, sample, db, clock):
    old = sample["result"].version_id
    d = _draft(client, "2027-01-01")
    res = client.post(f"/api/v1/drafts/{d['id']}/publish", json={"row_version": d["row_version"]})
    assert res.status_code == 200, res.get_json()
    body = res.get_json()
    assert body["scheduled"] is True and body["effective_at"] == "2027-01-01T00:00:00+08:00"
    assert body["draft"]["status"] == "scheduled" and body["draft"]["scheduled_by"] == "test-admin"
    # Read-only until then.
    res = client.post(f"/api/v1/drafts/{d['id']}/merge", json={"row_version": body["draft"]["row_version"],
                                                               "codes": [WEST, EAST]})
    assert res.status_code == 409 and res.get_json()["error"]["details"]["reason"] == "scheduled"
    # Before midnight: the old boundaries, and at= answers for each day.
    clock.advance(hours=1, minutes=59)                                   # 23:59
    assert _grid_at(anon) == EAST + "01"
    assert _grid_at(anon, "&at=2026-12-31") == EAST + "01"
    assert _grid_at(anon, "&at=2027-01-01") == WEST + "01"            # already decided
    assert _status(db, d["id"]) == "scheduled"
    # Past midnight the first request, whatever it is, finds the new boundaries in force.
    clock.advance(minutes=1, seconds=1)                                  # 00:00:01
    assert _grid_at(anon) == WEST + "01"
    assert _status(db, d["id"]) == "published" and _status(db, old) == "retired"
    assert _grid_at(anon, "&at=2026-12-31") == EAST + "01" and _grid_at(anon, "&at=2027-01-02") == WEST + "01"
    version = db.session.get(BoundaryVersion, d["id"])
    assert version.generation == 2 and version.effective_date.isoformat() == "2027-01-01"
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "draft.publish")).one()
    assert entry.actor == "system" and entry.entity_id == str(d["id"])


def test_publish_now_instead_and_what_the_dialog_is_told(client, anon, sample, db, clock):
    d = _draft(client, "2027-03-01")
    assert client.get(f"/api/v1/drafts/{d['id']}").get_json()["effective_at"] == "2027-03-01T00:00:00+08:00"
    res = client.post(f"/api/v1/drafts/{d['id']}/publish", json={"row_version": d["row_version"], "when": "now"})
    body = res.get_json()
    assert res.status_code == 200 and body["scheduled"] is False and body["generation"] == 2
    # In force from today (Beijing), so at= tells the truth about yesterday and today.
    assert body["version"]["effective_date"] == "2026-12-31"
    assert _grid_at(anon) == WEST + "01" and _grid_at(anon, "&at=2026-12-31") == WEST + "01"
    assert _grid_at(anon, "&at=2026-12-30") == EAST + "01"


def test_what_cannot_be_scheduled(client, sample, db, clock):
    past = _draft(client, "2026-07-01")
    res = client.post(f"/api/v1/drafts/{past['id']}/publish", json={"row_version": past["row_version"],
                                                                    "when": "scheduled"})
    assert res.status_code == 422 and res.get_json()["error"]["details"]["reason"] == "not_in_future"
    res = client.post(f"/api/v1/drafts/{past['id']}/publish", json={"row_version": past["row_version"],
                                                                    "when": "soon"})
    assert res.status_code == 422 and res.get_json()["error"]["details"]["field"] == "when"
    future = _draft(client, "2027-02-01")
    scheduled = client.post(f"/api/v1/drafts/{future['id']}/publish",
                            json={"row_version": future["row_version"]}).get_json()["draft"]
    # While one is scheduled, nothing else is published or scheduled.
    res = client.post(f"/api/v1/drafts/{past['id']}/publish", json={"row_version": past["row_version"]})
    assert res.status_code == 409 and res.get_json()["error"]["details"]["reason"] == "scheduled_pending"
    # Cancelled: an editable draft again, and the other one may go.
    res = client.post(f"/api/v1/drafts/{future['id']}/unschedule", json={"row_version": scheduled["row_version"]})
    assert res.status_code == 200 and res.get_json()["status"] == "draft"
    res = client.post(f"/api/v1/drafts/{future['id']}/unschedule", json={"row_version": res.get_json()["row_version"]})
    assert res.status_code == 409
    assert client.post(f"/api/v1/drafts/{past['id']}/publish",
                       json={"row_version": past["row_version"]}).get_json()["scheduled"] is False


def test_cron_publishes_what_is_due(cli, client, sample, db, clock):
    d = _draft(client, "2027-01-01")
    client.post(f"/api/v1/drafts/{d['id']}/publish", json={"row_version": d["row_version"]})
    out = cli.invoke(args=["plan", "publish-due", "--now", "2026-12-31T23:59:00+08:00"])
    assert out.exit_code == 0 and "No scheduled boundary version is due" in out.output
    out = cli.invoke(args=["plan", "publish-due", "--now", "2027-01-01T00:01:00"])   # Beijing time
    assert out.exit_code == 0, out.output
    assert f"Version {d['id']} published as generation 2" in out.output
    assert _status(db, d["id"]) == "published"


def test_a_due_version_that_can_no_longer_be_published_is_a_draft_again(cli, client, sample, db, clock):
    d = _draft(client, "2027-01-01")
    client.post(f"/api/v1/drafts/{d['id']}/publish", json={"row_version": d["row_version"]})
    # Its micro-grid row is lost meanwhile (say, by hand in the database): a gap, an error.
    db.session.execute(text("DELETE FROM grid WHERE draft_id = :id AND code = :code"),
                       {"id": d["id"], "code": WEST + "02"})
    db.session.commit()
    out = cli.invoke(args=["plan", "publish-due", "--now", "2027-01-01T00:01:00+08:00"])
    assert out.exit_code == 1 and "It is a draft again" in out.output
    version = db.session.get(BoundaryVersion, d["id"])
    db.session.refresh(version)
    assert version.status == "draft" and "error" in version.schedule_error
    assert client.get(f"/api/v1/drafts/{d['id']}").get_json()["schedule_error"] == version.schedule_error


def _report(client, lon, lat, close_it=False, db=None):
    ticket = client.post("/api/v1/reports", json={"category": "0402", "description": "违停", "lon": lon,
                                                  "lat": lat}).get_json()["ticket"]
    if close_it:
        db.session.execute(text("UPDATE report SET status = 'closed', closed_at = now() WHERE ticket = :t"),
                           {"t": ticket})
        db.session.commit()
    return ticket


def test_the_preview_and_the_publication_give_the_same_numbers(client, sample, db, clock):
    for _ in range(3):
        _report(client, *MOVING)                                  # open, changing grid
    _report(client, *MOVING, close_it=True, db=db)                # closed: not re-assigned
    for lon, lat in ((113.618, 34.757), (113.605, 34.745), (113.63, 34.755)):
        _report(client, lon, lat)                                 # open, staying where they are
    d = _draft(client, "2026-07-01")
    impact = client.get(f"/api/v1/versions/{d['id']}/impact").get_json()["summary"]
    assert impact["open_reports_moved"] == 3 and impact["reports_moved"] == 4
    body = client.post(f"/api/v1/drafts/{d['id']}/publish", json={"row_version": d["row_version"]}).get_json()
    assert body["open_reports_reassigned"] == impact["open_reports_moved"]
    assert body["open_reports_checked"] == 6
