"""Dedicated grids (专属网格) under a district, subdistrict or community, through the import API and the CLI,
then found by the lookup and the intake in addition to the regular grid; every import message in both
languages (issue 17)."""
from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from app.models import Grid, Report
from geo.features import REASONS
from tests.samples import box, feature

#: Across the two communities of subdistrict 410102001 (their edge is lat 34.75), and across its two grids.
PARK = box(113.605, 34.745, 113.615, 34.755)
#: Across the two subdistricts (their edge is lon 113.62).
RIVERSIDE = box(113.615, 34.742, 113.625, 34.748)
IN_PARK = (113.607, 34.7475)


def collection(*features):
    return {"type": "FeatureCollection", "features": list(features)}


def given_as_level(code, name, level, geometry, parent=None):
    """A feature as other systems write a dedicated grid: "dedicated" as its level, no kind."""
    made = feature(code, name, level, geometry, parent)
    del made["properties"]["kind"]
    return made


def test_a_park_across_two_communities_hangs_under_the_subdistrict(client, sample, db):
    res = client.post("/api/v1/grids/import", json=collection(
        feature("410102001901", "科技园区", "community", PARK, "410102001", kind="dedicated")))
    assert res.status_code == 201, res.get_json()
    assert res.get_json()["imported"]["by_level"] == {"community": 1}
    park = db.session.scalars(select(Grid).where(Grid.code == "410102001901")).one()
    assert (park.kind, park.level, park.is_leaf) == ("dedicated", "community", False)

    # The lookup answers the regular micro-grid, and the park in addition.
    body = client.get(f"/api/v1/lookup?lon={IN_PARK[0]}&lat={IN_PARK[1]}").get_json()
    assert body["grid"]["code"] == "41010200100200101" and body["grid"]["level"] == "micro"
    assert [g["code"] for g in body["dedicated"]] == ["410102001901"]
    # So does the intake: the report's grid is regular, the park is among its dedicated grids.
    ticket = client.post("/api/v1/reports", json={"category": "0402", "description": "园区内违停",
                                                  "lon": IN_PARK[0], "lat": IN_PARK[1]}).get_json()["ticket"]
    report = db.session.scalars(select(Report).where(Report.ticket == ticket)).one()
    assert db.session.get(Grid, report.grid_id).code == "41010200100200101"
    assert report.dedicated_grid_ids == [park.id]


def test_level_dedicated_under_the_district_is_read_as_the_kind(client, sample, db):
    res = client.post("/api/v1/grids/import", json=collection(
        given_as_level("410102901", "滨河景区", "dedicated", RIVERSIDE, "410102"),
        given_as_level("410102001902", "老年公寓", "专属网格", box(113.603, 34.741, 113.604, 34.742), "410102001")))
    assert res.status_code == 201, res.get_json()
    stored = dict(db.session.execute(select(Grid.code, Grid.level).where(Grid.kind == "dedicated")).all())
    assert stored["410102901"] == "subdistrict" and stored["410102001902"] == "community"
    body = client.get("/api/v1/lookup?lon=113.62&lat=34.745").get_json()
    assert "410102901" in [g["code"] for g in body["dedicated"]]


def test_the_cli_imports_it_too(cli, sample, db, tmp_path):
    path = tmp_path / "park.geojson"
    path.write_text(json.dumps(collection(given_as_level("410102901", "滨河景区", "dedicated", RIVERSIDE, "410102")),
                               ensure_ascii=False), encoding="utf-8")
    result = cli.invoke(args=["grids", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "subdistrict: 1" in result.output
    assert db.session.scalar(select(Grid.kind).where(Grid.code == "410102901")) == "dedicated"


#: One feature per reason an import can meet with the sample district stored, each bad in one way.
BAD = [
    feature("410103", "二七区", "district", PARK, kind="dedicated"),                       # bad_kind:dedicated
    given_as_level("410102001903", "x", "dedicated", PARK),                               # missing parent_code
    given_as_level("4101020019", "x", "dedicated", PARK),                                 # dedicated_level
    feature("410102001001904", "x", "grid", PARK, "410102", kind="dedicated"),            # parent_level:dedicated
    feature("410102001904", "x", "block", PARK, "410102001"),                              # bad_level
    feature("41010200190A", "x", "community", PARK, "410102001", kind="dedicated"),        # bad_code
    feature("41010200190", "x", "level?", PARK, "410102001"),                              # bad_level, bad_code:nolevel
    feature("410102001905", "x", "community", PARK, "410102001", kind="special"),          # bad_kind
    feature("410102002906", "x", "community", PARK, "410102001", kind="dedicated"),        # code_parent_mismatch
    feature("410102001907", "x", "community", box(113.63, 34.741, 113.635, 34.742), "410102001",
            kind="dedicated"),                                                             # outside_parent
]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_message_reads_as_a_sentence_in_both_languages(client, sample, lang):
    res = client.post(f"/api/v1/grids/import?lang={lang}", json=collection(*BAD))
    assert res.status_code == 422
    errors = res.get_json()["error"]["details"]["errors"]
    assert {e["index"] for e in errors} == set(range(len(BAD)))
    for e in errors:
        message = e["message"]
        # No placeholder left, no Python None or list, no raw level id where a label belongs.
        assert "None" not in message and "%(" not in message and "[" not in message, e
        if lang == "zh":
            assert re.search(r"[\u4e00-\u9fff]", message), e
            # A level id appears only as a value to write, glossed in Chinese: district（区）.
            assert not re.search(r"\b(district|subdistrict|community|micro)\b(?!（)", message), e
    by_index = {}
    for e in errors:
        by_index[e["index"]] = by_index.get(e["index"], "") + e["message"]
    if lang == "en":
        assert "A District cannot be a dedicated grid" in by_index[0]
        assert "give the code of its parent" in by_index[2]
        assert "a dedicated grid under it is at the level Subdistrict" in by_index[3]
    else:
        assert "街道" in by_index[3]


def test_every_reason_has_a_message_in_the_app(app):
    from app.grids.messages import MESSAGES
    from geo.messages import TEMPLATES

    assert set(REASONS) | {k for k in TEMPLATES if ":" in k} <= set(MESSAGES)
