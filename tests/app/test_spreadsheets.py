"""Excel workbooks (.xlsx and .xls) for reports, addresses and key places, through the API and the CLI, with the
same per-row errors as the same table in CSV (app.spreadsheet; issue 17). The files are written here by openpyxl
(.xlsx) and xlwt (.xls), the way Excel and WPS save them: a 12345 export's codes typed as text, coordinates as
numbers, the time as a date cell."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from sqlalchemy import select, text

from app.models import Report
from app.spreadsheet import OLE2, kind_of
from tests.addresses import helpers as lib
from tests.events.helpers import BAD, HEADER, ROWS, check_stored_12345 as _check_stored, export

openpyxl = pytest.importorskip("openpyxl")
xlwt = pytest.importorskip("xlwt")


def typed(row: list[str]) -> list:
    """A row as Excel keeps it: numbers as numbers, the time as a date cell, codes as text."""
    out = []
    for header, value in zip(HEADER, row):
        if header in ("经度", "纬度"):
            try:
                value = float(value)
            except ValueError:
                pass
        elif header == "受理时间":
            value = dt.datetime.strptime(value, "%Y-%m-%d %H:%M")
        out.append(value)
    return out


def xlsx(header, rows, *, blank_rows: bool = True) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for i, row in enumerate(rows):
        sheet.append(row)
        if blank_rows and i == 1:
            sheet.append([])   # a blank line left in the middle, as people do
    book.create_sheet("说明").append(["这一页不导入"])
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def xls(header, rows) -> bytes:
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("工单")
    date_style = xlwt.easyxf(num_format_str="yyyy-mm-dd hh:mm")
    for j, value in enumerate(header):
        sheet.write(0, j, value)
    for i, row in enumerate(rows, start=1):
        for j, value in enumerate(row):
            sheet.write(i, j, value, date_style if isinstance(value, dt.datetime) else xlwt.Style.default_style)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


WORKBOOKS = {"xlsx": lambda: xlsx(HEADER, [typed(r) for r in ROWS]),
             "xls": lambda: xls(HEADER, [typed(r) for r in ROWS])}


def test_known_by_their_bytes():
    assert kind_of(WORKBOOKS["xlsx"]()) == "xlsx" and kind_of(WORKBOOKS["xls"]()).startswith("xls")
    assert WORKBOOKS["xls"]().startswith(OLE2)
    assert kind_of(export()) is None


def _errors(found) -> dict[int, set]:
    out: dict[int, set] = {}
    for e in found:
        out.setdefault(e["row"], set()).add(e["field"])
    return out


@pytest.mark.parametrize("kind", ["xlsx", "xls"])
def test_a_12345_workbook_through_the_api_gives_the_rows_and_errors_of_its_csv(client_as, db, sample, kind):
    dispatcher = client_as("dispatcher")
    # Named .dat: what the file is comes from its bytes.
    res = dispatcher.post("/api/v1/reports/import", data={"file": (io.BytesIO(WORKBOOKS[kind]()), "导出.dat")},
                          content_type="multipart/form-data")
    assert res.status_code == 201, res.get_json()
    result = res.get_json()["import"]
    assert (result["received"], result["stored"], result["rejected"]) == (9, 3, 6)
    assert _errors(result["errors"]) == BAD
    _check_stored(db)
    # The same table as CSV answers the same errors, row for row.
    db.session.execute(text("DELETE FROM report_transition; DELETE FROM report"))
    as_csv = dispatcher.post("/api/v1/reports/import", data={"file": (io.BytesIO(export()), "12345.csv")},
                             content_type="multipart/form-data").get_json()["import"]["errors"]
    assert [(e["row"], e["field"], e["message"]) for e in result["errors"]] == \
        [(e["row"], e["field"], e["message"]) for e in as_csv]


def test_a_12345_workbook_through_the_cli(cli, db, sample, tmp_path):
    path = tmp_path / "12345工单导出.xlsx"
    path.write_bytes(WORKBOOKS["xlsx"]())
    out = cli.invoke(args=["reports", "import", str(path)])
    assert out.exit_code == 0, out.output
    assert "Stored 3 of 9 reports" in out.output and "6 rejected" in out.output
    assert "row 3: category" in out.output
    assert db.session.scalar(select(Report.created_at).order_by(Report.id)).isoformat().startswith(
        "2026-11-20T01:12:00")   # the date cell, read as Beijing time


def test_an_address_register_in_excel(client, cli, db, sample, tmp_path):
    headers = ["道路", "门牌号", "小区", "楼栋", "单元", "地址", "小区别名", "经度", "纬度"]
    rows = [[row.get(h, "") for h in headers] for row in lib.rows()]
    res = client.post("/api/v1/addresses/import", data={"file": (io.BytesIO(xlsx(headers, rows)), "register.xlsx")},
                      content_type="multipart/form-data")
    body = res.get_json()
    assert res.status_code == 201, body
    assert body["import"]["created"] == len(lib.ROWS) and body["import"]["out_of_coverage"] == 1
    # A bad row is named as in CSV, through the CLI this time.
    path = tmp_path / "register.xls"
    path.write_bytes(xls(["道路", "门牌号", "经度", "纬度"], [["建设路", "43", 200.0, 34.75]]))
    out = cli.invoke(args=["addresses", "import", str(path)])
    assert "row 1: lon" in out.output


def test_key_places_in_excel(cli, db, sample, tmp_path):
    path = tmp_path / "places.xlsx"
    path.write_bytes(xlsx(["编码", "名称", "类型", "经度", "纬度", "坐标系", "半径", "每周巡查次数"],
                          [["P1", "样例小学", "学校", 113.604, 34.754, None, 80, 5],
                           ["P3", "坏行", "飞船", "abc", 34.75, None, None, None]], blank_rows=False))
    result = cli.invoke(args=["patrols", "places", str(path)])
    assert result.exit_code == 0, result.output
    assert "1 of 2 key places stored" in result.output and "row 2" in result.output
    assert db.session.execute(text("SELECT radius_m, visits_per_week FROM patrol_place WHERE code = 'P1'")).one() \
        == (80.0, 5.0)


@pytest.mark.parametrize("data,needle", [
    (b"PK\x03\x04" + b"\xff\xfe" * 100, "neither UTF-8 nor GB18030 text, nor an Excel workbook"),
    (OLE2 + b"\x00" * 600, "Excel file cannot be read"),
])
def test_a_broken_workbook_says_what_to_do(client, db, sample, data, needle):
    res = client.post("/api/v1/reports/import?lang=en", data={"file": (io.BytesIO(data), "x.xlsx")},
                      content_type="multipart/form-data")
    assert res.status_code == 422
    assert needle in res.get_json()["error"]["message"]


def test_an_empty_first_sheet_is_named(client, db, sample):
    book = openpyxl.Workbook()
    book.create_sheet("第二页").append(["类别"])
    buf = io.BytesIO()
    book.save(buf)
    res = client.post("/api/v1/reports/import?lang=en", data={"file": (io.BytesIO(buf.getvalue()), "x.xlsx")},
                      content_type="multipart/form-data")
    assert res.status_code == 422 and "first sheet" in res.get_json()["error"]["message"]
