"""Grid files out of the API and the CLI: GeoPackage 1.2 (what GDAL 3.6 and QGIS 3.22 read without a warning),
the field names import reads back, the CLI's formats and coordinate systems as the API's, staff phones only
when asked (issue 17)."""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pyogrio
import pytest
import shapely

from geo.features import ExistingGrid, parse_grid_collection

#: The GeoPackage's SQLite header: application_id "GPKG", user_version 10200 for version 1.2.
GPKG_APPLICATION_ID = 0x47504B47


def gpkg_version(path) -> tuple[int, int]:
    """(application_id, user_version) from the file's own 100-byte header (SQLite file format:
    user_version at offset 60, application_id at 68, both 4-byte big-endian)."""
    head = Path(path).read_bytes()[:100]
    return int.from_bytes(head[68:72], "big"), int.from_bytes(head[60:64], "big")


def test_the_api_writes_geopackage_1_2(client, sample, tmp_path):
    vid = sample["result"].version_id
    res = client.get(f"/api/v1/versions/{vid}/export?format=gpkg&level=grid")
    assert res.status_code == 200
    path = tmp_path / "grids.gpkg"
    path.write_bytes(res.data)
    assert gpkg_version(path) == (GPKG_APPLICATION_ID, 10200)
    meta, _, _, _ = pyogrio.raw.read(path)
    assert list(meta["fields"])[:5] == ["code", "name", "level", "kind", "parent_code"]


def test_what_is_exported_imports_with_the_same_field_names(client, sample, tmp_path):
    from app.grids import files

    vid = sample["result"].version_id
    parents = {c: ExistingGrid(c, "community", "regular", None) for c in
               ("410102001001", "410102001002", "410102002001", "410102002002")}
    for fmt in ("geojson", "gpkg", "shp"):
        data = client.get(f"/api/v1/versions/{vid}/export?format={fmt}&level=grid&crs=4547").data
        read = files.read(data, f"grids.{fmt}")
        assert read.crs == "EPSG:4547"
        props = read.collection["features"][0]["properties"]
        assert props["parent_code"] == "410102001001", (fmt, props)
        # Codes already stored are refused as duplicates: everything else about the file is right.
        parsed = parse_grid_collection(read.collection, read.crs, parents)
        assert {e.reason for e in parsed.errors} <= {"duplicate_code"}, [e.message for e in parsed.errors]
        assert not [e for e in parsed.errors if e.reason != "duplicate_code"]


def test_cli_export_formats_and_crs_as_the_api(cli, client, sample, tmp_path):
    vid = sample["result"].version_id
    for fmt, name in (("gpkg", "g.gpkg"), ("shp", "g.zip"), ("geojson", "g.geojson")):
        out = tmp_path / name
        res = cli.invoke(args=["grids", "export", "--level", "micro", "--crs", "4547", "-o", str(out)])
        assert res.exit_code == 0, res.output
        assert f"Wrote 16 grids to {out}" in res.output
        api = client.get(f"/api/v1/versions/{vid}/export?format={fmt}&level=micro&crs=4547").data
        if fmt == "shp":
            with zipfile.ZipFile(out) as got, zipfile.ZipFile(__import__("io").BytesIO(api)) as want:
                assert sorted(got.namelist()) == sorted(want.namelist())
                got.extractall(tmp_path / "shp")
            out = next((tmp_path / "shp").glob("*.shp"))
        if fmt == "gpkg":
            assert gpkg_version(out) == (GPKG_APPLICATION_ID, 10200)
        meta, _, geometry, fields = pyogrio.raw.read(out)
        assert meta["crs"] == "EPSG:4547" and len(geometry) == 16
        assert shapely.from_wkb(geometry[0]).bounds[0] > 100_000  # metres, not degrees
        assert "phones" not in meta["fields"] and "staff" not in meta["fields"]


def test_cli_geojson_to_standard_output_has_no_staff_unless_asked(cli, sample):
    res = cli.invoke(args=["grids", "export", "--level", "grid"])
    assert res.exit_code == 0, res.output
    body = json.loads(res.stdout)
    assert len(body["features"]) == 9
    assert not any("phone" in key for f in body["features"] for key in f["properties"])
    res = cli.invoke(args=["grids", "export", "--level", "grid", "--with-staff"])
    staffed = [f["properties"] for f in json.loads(res.stdout)["features"] if f["properties"]["staff"]]
    assert staffed and all(p["phones"] for p in staffed)


def test_cli_import_reads_a_geopackage_it_exported(cli, client, sample, db, tmp_path):
    from sqlalchemy import select

    from app.models import Grid

    out = tmp_path / "micro.gpkg"
    assert cli.invoke(args=["grids", "export", "--level", "micro", "-o", str(out)]).exit_code == 0
    # A new draft is the usual destination; here the codes are taken already, which the import says row by row.
    res = cli.invoke(args=["grids", "import", str(out)])
    assert res.exit_code == 1
    assert "already used" in res.output or "more than once" in res.output
    assert db.session.scalar(select(Grid.id).where(Grid.code == "41010200100100101")) is not None


@pytest.mark.parametrize("output", ["-"])
def test_a_binary_format_needs_a_file(cli, sample, output):
    res = cli.invoke(args=["grids", "export", "--format", "gpkg", "-o", output])
    assert res.exit_code == 1
    assert res.output.strip().count("\n") == 0 and "-o FILE" in res.output
