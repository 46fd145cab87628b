"""The bulk CSV readers give what the one-by-one parsers give."""
from __future__ import annotations

import io

import numpy as np
import pytest

from app.patrols.ingest import parse_time, times_to_us, to_us
from app.patrols.service import _floats, csv_chunks

TIMES = ["2026-05-12T09:00:00+08:00", "2026-05-12 09:00:00.25", "2026-05-12T01:00:00Z", "2026-05-12T09:00",
         "2026-05-11T20:00:00-05:00", " 2026-05-12T09:00:01+08:00 "]


@pytest.mark.parametrize("values", [TIMES, TIMES[:1] * 3, ["2026/05/12 09:00:00", "yesterday", "", "2026-13-01"]
                                    + TIMES])
def test_times_to_us_matches_parse_time(values):
    t_us, ok = times_to_us(values)
    for v, us, good in zip(values, t_us.tolist(), ok.tolist()):
        expected = parse_time(v)
        assert good == (expected is not None), v
        if good:
            assert us == to_us(expected), v


def test_floats_from_text():
    values, empty, bad = _floats(["1.5", "", "abc", " 2 ", "nan"])
    assert empty.tolist() == [False, True, False, False, False]
    assert bad.tolist() == [False, False, True, False, False]
    assert values[0] == 1.5 and values[3] == 2.0 and np.isnan(values[4])


def test_plain_and_csv_module_chunks_agree():
    body = "".join(f"w{i},2026-05-12T09:00:{i:02d}+08:00,113.6{i},34.7{i},5\n" for i in range(10))
    plain = list(csv_chunks(io.StringIO("worker,time,lon,lat,accuracy\n" + body), 4))
    quoted = list(csv_chunks(io.StringIO("worker,time,lon,lat,accuracy\n" + body.replace("w", '"w').replace(
        ",2026", '",2026')), 4))
    assert [n for n, _ in plain] == [n for n, _ in quoted] == [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10]]
    for (_, a), (_, b) in zip(plain, quoted):
        assert {k: list(map(str, v)) for k, v in a.items()} == {k: list(v) for k, v in b.items()}


@pytest.mark.parametrize("values", [
    ["2026-05-12T09:00:00+08:00", "2026-05-12T23:59:59-05:30", "2026-05-12 00:00:00+00:00"],
    ["2026-05-12T09:00:00Z", "2026-05-12T09:00:01z"],
    ["2026-05-12T09:00:00", "2026-05-12 09:00:01"],
    ["2026-05-12T09:00:00", "2026-13-12 09:00:01"],          # one bad month: every value judged alone
    ["2026-05-12T09:00:00+08:00", "2026-05-12T09:00:00+0800"],  # mixed widths
])
def test_whole_column_times_match_parse_time(values):
    t_us, ok = times_to_us(np.array(values))
    for v, us, good in zip(values, t_us.tolist(), ok.tolist()):
        expected = parse_time(v)
        assert good == (expected is not None), v
        if good:
            assert us == to_us(expected), v


@pytest.mark.parametrize("values", [["0001-01-01T00:00:00", "2026-05-12T09:00:00"],
                                    ["9999-12-31T23:59:59+08:00", "2026-05-12T09:00:00+08:00"]])
def test_years_out_of_range_are_no_time(values):
    for given in (values, np.array(values)):
        t_us, ok = times_to_us(given)
        assert ok.tolist() == [False, True]
