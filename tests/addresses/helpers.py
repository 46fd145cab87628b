"""A small standard address library on the sample district of tests/samples.py.

District 410102 is the box lon 113.60–113.64, lat 34.74–34.76, halved at every
level; the points below sit in known micro-grids, one on a shared vertex, one
on a shared edge and one outside every grid.
"""
from __future__ import annotations

# (id-like name, parts, lon, lat): names are for the tests only, not stored.
ROWS = [
    ("lb", {"道路": "建设路", "门牌号": "32号", "小区": "绿城百合花园", "小区别名": "绿城百合"}, 113.603, 34.757),
    ("lb-1", {"道路": "建设路", "门牌号": "32", "小区": "绿城百合花园", "楼栋": "1号楼"}, 113.6032, 34.7572),
    ("lb-2", {"道路": "建设路", "门牌号": "32", "小区": "绿城百合花园", "楼栋": "2"}, 113.6034, 34.7574),
    ("lb-3-1", {"道路": "建设路", "门牌号": "32", "小区": "绿城百合花园", "楼栋": "3", "单元": "1单元"},
     113.6036, 34.7576),
    ("lb-3-2", {"道路": "建设路", "门牌号": "32", "小区": "绿城百合花园", "楼栋": "3", "单元": "2"},
     113.6037, 34.7576),
    ("jy-a", {"道路": "中原路", "门牌号": "208", "小区": "锦艺城", "楼栋": "A座"}, 113.615, 34.757),
    ("jy-b", {"道路": "中原路", "门牌号": "208", "小区": "锦艺城", "楼栋": "B"}, 113.6152, 34.757),
    ("gm3", {"道路": "棉纺路", "门牌号": "16", "小区": "国棉三厂家属院"}, 113.625, 34.745),   # on a micro edge
    ("qj32", {"地址": "前进路32号"}, 113.635, 34.758),
    ("yh148", {"地址": "伊河路148号院"}, 113.61, 34.75),                                      # a shared vertex
    ("tb1", {"地址": "桐柏路1号"}, 113.70, 34.75),                                            # outside
]

#: Where each lands (the assignment rule: finest covering grid, lowest code on shared edges/vertices).
EXPECTED_GRID = {
    "lb": "41010200100100101", "jy-a": "41010200100100201", "gm3": "41010200200200101",
    "qj32": "41010200200100201", "yh148": "41010200100100102", "tb1": None,
}


def rows() -> list[dict]:
    out = []
    for _, parts, lon, lat in ROWS:
        out.append({**parts, "经度": lon, "纬度": lat})
    return out


def csv_text() -> str:
    headers = ["道路", "门牌号", "小区", "楼栋", "单元", "地址", "小区别名", "经度", "纬度"]
    lines = [",".join(headers)]
    for row in rows():
        lines.append(",".join(str(row.get(h, "")) for h in headers))
    return "\n".join(lines) + "\n"


def load(db) -> dict[str, int]:
    """Import the library through the service; returns test name -> stored id."""
    from sqlalchemy import text

    from app.addresses.service import import_addresses

    result = import_addresses(rows(), source="test")
    assert not result.errors, result.errors
    ids = {}
    for name, _parts, lon, lat in ROWS:
        ids[name] = db.session.execute(text(
            "SELECT id FROM standard_address WHERE ST_X(location) = :x AND ST_Y(location) = :y ORDER BY id LIMIT 1"),
            {"x": lon, "y": lat}).scalar_one()
    return ids
