"""Helpers for driving events through the HTTP API (fixtures are in conftest.py)."""
from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.models import Report, ReportTransition

BEIJING = ZoneInfo("Asia/Shanghai")
#: Monday 23 November 2026, 09:00 in Beijing: a working day, in working hours.
MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=BEIJING)

GRID = "410102001001001"
#: Inside GRID (north micro-grid 01), outside the school's dedicated grid.
IN_GRID = (113.607, 34.758)
#: In subdistrict 002: no worker of GRID sees it.
ELSEWHERE = (113.63, 34.745)
OTHER_GRID = "410102002002001"
#: The password tests/conftest.py gives every test user.
PASSWORD = "correct-horse-battery"


def report(client, point=IN_GRID, category="0402", description="小区门口机动车违停", **extra):
    """POST a report; return the response body (asserting it was stored)."""
    res = client.post("/api/v1/reports", json={"category": category, "description": description,
                                               "lon": point[0], "lat": point[1], **extra})
    assert res.status_code == 201, res.get_json()
    return res.get_json()


def act(client, ticket, action, expected, **fields):
    """POST a transition; return the response (not asserted)."""
    return client.post(f"/api/v1/reports/{ticket}/transitions",
                       json={"action": action, "expected_state": expected, **fields})


def ok(res) -> dict:
    assert res.status_code == 200, res.get_json()
    return res.get_json()


# --- a 12345 hotline export (Chinese headers, bad rows): the CLI, the API and the spreadsheet tests ---

HEADER = ["工单编号", "受理时间", "来源渠道", "问题类别", "诉求内容", "事发地址", "经度", "纬度", "坐标系", "反映人",
          "联系电话"]
# GCJ-02 coordinates, as the hotline's map (AMap) gives them. Rows 3-8 have one problem each.
ROWS = [
    ["12345-20261120-0001", "2026-11-20 09:12", "12345热线", "0402", "建设西路12号门口车辆长期占道", "中原区建设西路12号",
     "113.6126", "34.7566", "gcj02", "张先生", "13800000001"],
    ["12345-20261120-0002", "2026-11-20 10:40", "12345热线", "0601", "楼道内电动车充电，飞线", "中原区伊河路148号院3号楼",
     "113.6176", "34.7516", "gcj02", "李女士", "0371-67881234"],
    ["12345-20261120-0003", "2026-11-20 11:05", "12345热线", "9999", "不知道归哪类", "中原区某路", "113.61", "34.75",
     "gcj02", "王", "13800000003"],
    ["12345-20261120-0004", "2026-11-20 11:30", "12345热线", "0102", "垃圾堆放", "中原区前进路32号楼", "abc", "34.75",
     "gcj02", "", ""],
    ["12345-20261120-0005", "2026-11-20 12:00", "12345热线", "0701", "", "中原区汝河路", "113.61", "34.75", "gcj02",
     "", ""],
    ["12345-20261120-0006", "2026-11-20 13:15", "12345热线", "0701", "夜间广场舞噪音", "中原区汝河路", "113.61", "34.75",
     "gcj02", "赵", "打电话"],
    ["12345-20261120-0007", "2099-01-01 10:00", "12345热线", "0702", "邻里漏水纠纷", "中原区工人路", "113.61", "34.75",
     "gcj02", "", ""],
    ["12345-20261120-0008", "2026-11-20 14:00", "传真", "0702", "邻里漏水纠纷", "中原区工人路", "113.61", "34.75",
     "mars", "", ""],
    ["12345-20261120-0009", "2026-11-20 15:20", "数字城管", "0303", "店外占道经营", "中原区桐柏路", "113.6326",
     "34.7436", "gcj02", "", ""],
]
BAD = {3: {"category"}, 4: {"lon"}, 5: {"description"}, 6: {"reporter_phone"}, 7: {"created_at"},
       8: {"channel", "crs"}}


def export(encoding="utf-8-sig") -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(HEADER)
    writer.writerows(ROWS)
    return buf.getvalue().encode(encoding)


def check_stored_12345(db):
    """The three good rows of ROWS, stored, assigned, with their rules and first step."""
    stored = db.session.scalars(select(Report).order_by(Report.id)).all()
    assert [r.description for r in stored] == [ROWS[0][4], ROWS[1][4], ROWS[8][4]]
    assert [r.channel for r in stored] == ["hotline_12345", "hotline_12345", "city_management"]
    # Assigned to grids, with the category's rules copied on.
    assert all(r.grid_id is not None and not r.out_of_coverage for r in stored)
    assert [(r.category, r.handling_level, float(r.time_limit), r.time_unit) for r in stored] == [
        ("0402", "grid", 2.0, "hours"), ("0601", "grid", 4.0, "hours"), ("0303", "community", 1.0, "days")]
    assert stored[0].created_at.isoformat().startswith("2026-11-20T01:12:00")  # 09:12 Beijing
    first_steps = db.session.scalars(select(ReportTransition).order_by(ReportTransition.report_id)).all()
    assert [(s.report_id, s.action, s.to_state) for s in first_steps] == [(r.id, "report", "reported")
                                                                          for r in stored]
    assert first_steps[0].at == stored[0].created_at
