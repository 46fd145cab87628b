"""A client generated from openapi.json by openapi-python-client works against a live server.

This is what an integrator does: generate a typed client from the served
document, then call the API through it. The generator must take the whole
document (every JSON operation generated, nothing dropped for a schema it
cannot read), and the generated models must parse real answers -- a null
deadline_state, an address without a level, a grid chain -- without raising.
"""
from __future__ import annotations

import importlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.api.conformance import SPEC_PATH

pytest.importorskip("openapi_python_client")
pytest.importorskip("httpx")

IN_GRID = (113.603, 34.753)
#: Request bodies the generator cannot type (it says "Unsupported content type"); the operations
#: themselves are still generated with their JSON and multipart bodies.
NOT_TYPED = ("Unsupported content type text/csv", "Unsupported content type image/jpeg",
             "Unsupported content_type image/jpeg")


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """The generated package, imported, and the generator's log."""
    out = tmp_path_factory.mktemp("client")
    bin_dir = Path(sys.executable).parent
    generator = shutil.which("openapi-python-client", path=str(bin_dir)) or "openapi-python-client"
    # ruff formats the generated code; it comes with the generator, in the same bin directory.
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(out)}
    run = subprocess.run([generator, "generate", "--path", str(SPEC_PATH), "--meta", "none",
                          "--output-path", str(out / "gridmap_client")],
                         capture_output=True, text=True, timeout=300, env=env)
    log = run.stdout + run.stderr
    assert run.returncode == 0, log[-3000:]
    sys.path.insert(0, str(out))
    try:
        yield importlib.import_module("gridmap_client"), log
    finally:
        sys.path.remove(str(out))
        for name in [m for m in sys.modules if m == "gridmap_client" or m.startswith("gridmap_client.")]:
            del sys.modules[name]


def test_every_operation_is_generated(generated):
    _, log = generated
    assert "will not be generated" not in log, log
    assert "Unable to process schema" not in log, log
    warnings = [block for block in log.split("WARNING parsing")[1:]]
    for block in warnings:
        assert any(reason in block for reason in NOT_TYPED), block[:800]
    assert "ruff is not in PATH" not in log


@pytest.fixture
def live_api(live_server, committed_db):
    """(base URL, admin token, tickets) with the sample district and three reports committed."""
    import requests

    from tests.samples import load_sample_for_client

    token = load_sample_for_client("client-admin", "admin", "Client", "generated client")
    tickets = []
    for lon, category in ((IN_GRID[0], "0402"), (IN_GRID[0], "0102"), (113.7, "0101")):
        res = requests.post(f"{live_server}/api/v1/reports", headers={"Authorization": f"Bearer {token}"},
                            json={"category": category, "description": "生成客户端", "lon": lon,
                                  "lat": IN_GRID[1]}, timeout=30)
        assert res.status_code == 201, res.text
        tickets.append(res.json()["ticket"])
    return live_server, token, tickets


def test_lookup_grids_reports_and_versions_through_the_client(generated, live_api):
    package, _ = generated
    base, token, tickets = live_api
    from gridmap_client import AuthenticatedClient
    from gridmap_client.api.grids import get_grid, list_grids, list_versions
    from gridmap_client.api.lookup import lookup
    from gridmap_client.api.reports import get_report, list_reports
    from gridmap_client.models import ListGridsLevel, LookupResult, ReportList

    client = AuthenticatedClient(base_url=base, token=token, raise_on_unexpected_status=True)

    found = lookup.sync(client=client, lon=IN_GRID[0], lat=IN_GRID[1])
    assert isinstance(found, LookupResult), found
    assert found.grid.level.value == "micro" and found.grid.code.startswith("410102")

    versions = list_versions.sync(client=client)
    assert [v.status.value for v in versions.versions if v.status.value == "published"] == ["published"]

    grids = list_grids.sync(client=client, level=ListGridsLevel.MICRO)
    assert len(grids.features) >= 4 and {f.properties.level.value for f in grids.features} == {"micro"}
    one = get_grid.sync(client=client, code=found.grid.code)
    assert one.properties.code == found.grid.code

    # The list holds reports whose deadline_state, suspended state and grid are null: this raised before.
    listed = list_reports.sync(client=client, limit=10)
    assert isinstance(listed, ReportList), listed
    assert sorted(r.ticket for r in listed.reports) == sorted(tickets)
    assert {r.deadline_state for r in listed.reports} == {None}
    outside = next(r for r in listed.reports if r.ticket == tickets[2])
    assert outside.out_of_coverage and outside.grid_code is None

    detail = get_report.sync(client=client, ticket=tickets[0])
    assert detail.ticket == tickets[0] and detail.category == "0402"
    assert detail.deadline_state is None and detail.suspended_from is None
    assert [g.level.value for g in detail.grid_chain][-1] == "micro"

    # An unknown ticket answers the documented 404, parsed as the document's Error.
    from gridmap_client.models import Error

    client = AuthenticatedClient(base_url=base, token=token)
    missing = get_report.sync(client=client, ticket="GM000")
    assert isinstance(missing, Error) and missing.error.code == "not_found"
