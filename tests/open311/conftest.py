"""Helpers for the Open311 GeoReport v2 tests: posting forms, reading both formats."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

#: Inside micro-grid 41010200100100202 of the sample district (tests/samples.py).
IN_GRID = (113.6150, 34.7525)
MICRO = "41010200100100202"
V2 = "/open311/v2"


def xml_items(res, item: str) -> list[dict]:
    """The ``<item>`` children of an XML answer as dicts of element text ('' for empty)."""
    assert res.content_type.startswith("text/xml"), res.content_type
    body = res.get_data(as_text=True)
    assert body.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(res.get_data())
    return [{child.tag: (child.text or "") for child in el} for el in root.findall(item)]


def json_errors(res, status: int) -> list[dict]:
    """The GeoReport error list of a JSON answer, checked for shape and status."""
    assert res.status_code == status, res.get_data(as_text=True)
    assert res.content_type.startswith("application/json")
    body = res.get_json()
    assert isinstance(body, list) and body and all(set(e) == {"code", "description"} for e in body)
    assert all(e["code"] == status for e in body)
    return body


@pytest.fixture(autouse=True)
def published_events(app, monkeypatch):
    """Read requests as the public does where the district publishes its events
    (GRIDMAP_OPEN311_PUBLIC_READ is off by default: tests/security/test_masking_free_text.py)."""
    monkeypatch.setitem(app.config, "OPEN311_PUBLIC_READ", True)


@pytest.fixture
def api_key(client_as):
    """The API token (gm_...) of a dispatcher account, for posting requests."""
    c = client_as("dispatcher", username="open311-bridge")
    return c.environ_base["HTTP_AUTHORIZATION"].removeprefix("Bearer ")


@pytest.fixture
def post_request(anon, api_key):
    """``post_request(fmt="json", **form)``: a form-encoded GeoReport POST with a good api_key by default."""
    def post(fmt: str = "json", **form):
        form.setdefault("api_key", api_key)
        form = {k: v for k, v in form.items() if v is not None}
        return anon.post(f"{V2}/requests.{fmt}", data=form)
    return post
