"""A level import through the API as a client makes it: POST the file (202 and a job), then GET the job."""
from __future__ import annotations

import io
import time

UNFINISHED = ("queued", "running")


def follow(client, res, timeout: float = 60.0, check=None):
    """(status, body) of an import answer: a 202's job followed to its end (:func:`outcome`), anything else
    as it came. ``check(response)`` sees every answer about the job (the OpenAPI tests validate them)."""
    if res.status_code != 202:
        return res.status_code, res.get_json()
    url = res.headers["Location"]
    assert url == res.get_json()["job"]["url"]
    return outcome(client, url, timeout, check)


def outcome(client, url: str, timeout: float = 60.0, check=None):
    """Poll the job at ``url`` until it ends: (200, its result) when done, (its error's status,
    {"error": its error}) when failed."""
    deadline = time.monotonic() + timeout
    while True:
        got = client.get(url)
        if check is not None:
            check(got)
        assert got.status_code == 200, got.get_json()
        job = got.get_json()["job"]
        if job["state"] not in UNFINISHED:
            break
        assert time.monotonic() < deadline, job
        time.sleep(0.05)
    if job["state"] == "done":
        return 200, job["result"]
    return job["error"]["status"], {"error": job["error"]}


def import_file(client, draft_id: int, data: bytes, filename: str, **form):
    """POST ``data`` as the file of a level import of draft ``draft_id``; (status, body) as :func:`follow`."""
    res = client.post(f"/api/v1/drafts/{draft_id}/import", content_type="multipart/form-data",
                      data={"file": (io.BytesIO(data), filename), **{k: str(v) for k, v in form.items()}})
    return follow(client, res)


def checked_import(spec, client, res, path: str = "/api/v1/drafts/{draft_id}/import", result_schema: str =
                   "DraftImportResult"):
    """:func:`follow` with the POST, every GET of the job and the job's result checked against the OpenAPI
    document (strict, as tests/api/helpers.check does)."""
    import jsonschema

    from tests.api.helpers import check, json_schema as _json_schema

    check(spec, res, path, "post")
    status, body = follow(client, res, check=lambda got: check(spec, got, "/api/v1/jobs/{job_id}"))
    if res.status_code == 202 and status == 200:
        validator = jsonschema.Draft7Validator(_json_schema({"$ref": f"#/components/schemas/{result_schema}"}, spec))
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(body)]
        assert not errors, errors[:10]
    return status, body
