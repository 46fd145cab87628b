"""A live server with the committed sample district and a planner's API token, for OGC API clients."""
from __future__ import annotations


import pytest


@pytest.fixture
def ogc_server(live_server, committed_db):
    """(landing URL, planner token) with tests/samples.py committed; ``committed_db`` empties it afterwards."""
    from tests.samples import load_sample_for_client

    token = load_sample_for_client("ogc-planner", "planner", "规划员", "QGIS")
    return f"{live_server}/ogc", token


@pytest.fixture
def owslib_headers():
    """OWSLib 0.35 keeps the headers of every client in one module-level dict
    (owslib.ogcapi.REQUEST_HEADERS, updated in place): drop the token before
    and after, so a token given to one client never reaches the next."""
    from owslib import ogcapi

    ogcapi.REQUEST_HEADERS.pop("Authorization", None)
    yield ogcapi.REQUEST_HEADERS
    ogcapi.REQUEST_HEADERS.pop("Authorization", None)
