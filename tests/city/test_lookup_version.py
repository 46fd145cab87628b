"""Issue 19: a point lookup answers with the published version of the point's own district (each
district publishes its own versions), not the deployment's default district's."""
from __future__ import annotations

from sqlalchemy import text

from tests.city import helpers as city


def test_the_lookup_names_the_version_of_the_points_district(two_districts, db):
    db.session.execute(text(
        "INSERT INTO boundary_version (name, status, generation, district_code, published_at) "
        "VALUES ('二七区初始边界', 'published', 1, :d, now())"), {"d": city.ERQI})
    db.session.flush()
    c = two_districts.clients["city"]
    lon, lat = city.IN_ERQI
    erqi = c.get("/api/v1/lookup", query_string={"lon": lon, "lat": lat}).get_json()
    assert erqi["grid"]["code"] == city.ERQI_WEST_GRID
    assert erqi["version"]["district_code"] == city.ERQI and erqi["version"]["name"] == "二七区初始边界"
    lon, lat = city.IN_ZHONGYUAN
    zhongyuan = c.get("/api/v1/lookup", query_string={"lon": lon, "lat": lat}).get_json()
    assert zhongyuan["version"]["district_code"] == city.ZHONGYUAN
    # Outside every district: 404 with the nearest grid, as before.
    lon, lat = city.OUTSIDE
    assert c.get("/api/v1/lookup", query_string={"lon": lon, "lat": lat}).status_code == 404
