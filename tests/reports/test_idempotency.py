"""A report POSTed with an Idempotency-Key and retried is stored exactly once."""
from __future__ import annotations

from sqlalchemy import func, select

from app.models import Report

BODY = {"category": "0402", "description": "占道停车", "lon": 113.615, "lat": 34.7525}


def count(db):
    return db.session.scalar(select(func.count()).select_from(Report))


def test_retry_returns_the_stored_report(client, db, sample):
    first = client.post("/api/v1/reports", json=BODY, headers={"Idempotency-Key": "app-42-0001"})
    assert first.status_code == 201
    again = client.post("/api/v1/reports", json=BODY, headers={"Idempotency-Key": "app-42-0001"})
    assert again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["ticket"] == first.get_json()["ticket"]
    assert count(db) == 1
    # Without a key, or with another key, a second report is filed.
    assert client.post("/api/v1/reports", json=BODY).status_code == 201
    assert client.post("/api/v1/reports", json=BODY, headers={"Idempotency-Key": "app-42-0002"}).status_code == 201
    assert count(db) == 3


def test_key_reused_for_another_report_is_refused(client, db, sample):
    client.post("/api/v1/reports", json=BODY, headers={"Idempotency-Key": "k1"})
    res = client.post("/api/v1/reports", json={**BODY, "description": "别的事"}, headers={"Idempotency-Key": "k1"})
    assert res.status_code == 422
    assert res.get_json()["error"]["code"] == "idempotency_key_reused"
    assert count(db) == 1


def test_bad_keys(client, db, sample):
    assert client.post("/api/v1/reports", json=BODY, headers={"Idempotency-Key": "x" * 200}).status_code == 422
    assert count(db) == 0
