"""Benchmark: geocoding rate and top-1 accuracy on noisy variants of the demo addresses, and lookup
latency over HTTP against /healthz in the same run.

Run ``.venv/bin/python bench/geocode.py [--variants 3000] [--requests 1000]`` from the project root.
It creates its own throwaway database (``gridmap_geocode_<pid>``) in the embedded cluster, or on the
server of ``DATABASE_URL`` when set, loads the demo district's grids, staff and standard addresses
(``--scale``, default 1.0: ~3,000 addresses), then:

1. generates ``--variants`` noisy spellings of randomly drawn library addresses (Chinese numerals,
   号楼/栋/幢/座/#, admin prefixes, spaces and full-width digits, the road and door left out, a
   wrong or missing character in the estate name, 号院, locative noise), each with the id it must
   find, deterministic for ``--seed``;
2. geocodes them in process through ``app.addresses.geocoding.geocode`` (the service path: one
   version check per call) and through the index alone, and an anchor: rapidfuzz ``extractOne``
   over every library text (the brute-force fuzzy search the index replaces) on a subset;
   prints rate and top-1 accuracy (matched to the right address), wrong matches (matched to another
   address: the costly error) and the share left for a person (ambiguous/unmatched);
3. serves the database with gunicorn on 127.0.0.1 and sends, closed loop and interleaved,
   ``--requests`` each of ``GET /api/v1/lookup?address=<variant>``,
   ``GET /api/v1/addresses/suggest?q=<prefix>`` and the anchor ``GET /healthz``; prints p50/p99
   and their ratios to the anchor;
4. stops gunicorn and drops the database (also on Ctrl-C or an error).

A benchmark, not a test: absolute numbers depend on the machine; ratios travel between machines.
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tqdm import tqdm  # noqa: E402

from bench._db import ThrowawayDatabase, install_sigterm, log, run  # noqa: E402
from bench._http import Gunicorn, loopback_session  # noqa: E402

CN_DIGITS = "零一二三四五六七八九"
BUILDING_SUFFIXES = ["号楼", "栋", "幢", "号栋", "#楼", "#"]
PREFIXES = ["河南省郑州市中原区", "郑州市中原区", "郑州市", "中原区", "郑州", "河南郑州"]
NOISE = ["门口", "附近", "东门", "楼下"]
# Characters a caller plausibly hears or types instead (同音/形近); never direction or numeral characters,
# which name other places (中原路/中原西路).
TYPOS = {"城": "成", "园": "圆", "苑": "院", "花": "华", "新": "欣", "家": "佳", "阳": "杨", "光": "广",
         "锦": "金", "绿": "录", "百": "白", "合": "和", "华": "花", "嵩": "松", "桐": "同", "棉": "绵",
         "碧": "璧", "沙": "纱", "岗": "冈", "秦": "琴", "岭": "领", "陇": "龙", "汝": "如", "航": "行"}


def _chinese(n: int) -> str:
    """32 -> 三十二, 105 -> 一百零五, 7 -> 七 (how callers say door numbers)."""
    if n < 10:
        return CN_DIGITS[n]
    if n < 20:
        return "十" + (CN_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return CN_DIGITS[n // 10] + "十" + (CN_DIGITS[n % 10] if n % 10 else "")
    if n < 1000:
        rest = n % 100
        tail = "" if rest == 0 else ("零" + CN_DIGITS[rest] if rest < 10 else _chinese(rest) if rest >= 20
                                     else "一" + _chinese(rest))
        return CN_DIGITS[n // 100] + "百" + tail
    return str(n)


def _num(value: str, rng: random.Random) -> str:
    if value.isdigit() and rng.random() < 0.4:
        return _chinese(int(value))
    if value.isdigit() and rng.random() < 0.2:
        return value.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    return value


def variant(row: dict, rng: random.Random) -> str:
    """One noisy spelling of a library row (parts as stored)."""
    road, number, compound = row["road"], row["number"], row["compound"]
    building, unit = row["building"], row["unit"]
    parts: list[str] = []
    if rng.random() < 0.35:
        parts.append(rng.choice(PREFIXES))
        if rng.random() < 0.3 and row["subdistrict"]:
            parts.append(row["subdistrict"])
    drop_door = compound and rng.random() < 0.3
    if road and not drop_door:
        parts.append(road)
        if number:
            door = _num(number, rng) + ("号院" if not compound and rng.random() < 0.3 else "号")
            parts.append(door)
    if compound:
        name = compound
        roll = rng.random()
        if roll < 0.15 and len(name) >= 3:
            chars = [i for i, c in enumerate(name) if c in TYPOS]
            if chars:
                i = rng.choice(chars)
                name = name[:i] + TYPOS[name[i]] + name[i + 1:]
        elif roll < 0.25 and name.endswith(("小区", "花园")) and len(name) > 4:
            name = name[:-2]                              # 兴华小区 -> 兴华, 碧沙岗花园 -> 碧沙岗
        parts.append(name)
    if building:
        suffix = rng.choice(BUILDING_SUFFIXES) if building.isdigit() else rng.choice(["座", "栋"])
        spelled = _num(building, rng) if "#" not in suffix else building   # nobody writes 十五#
        parts.append(spelled + suffix)
    if unit:
        parts.append(_num(unit, rng) + "单元")
        if rng.random() < 0.3:
            parts.append(f"{rng.randint(1, 18)}0{rng.randint(1, 4)}室")
    if rng.random() < 0.1:
        parts.append(rng.choice(NOISE))
    sep = " " if rng.random() < 0.2 else ""
    return sep.join(parts)


@dataclass
class Outcome:
    rate: float
    top1: float
    wrong: float
    person: float
    n: int


WRONG_EXAMPLES: list[tuple[str, int, int]] = []


def run_geocoder(queries, expected, fn, desc: str, keep_wrong: bool = False) -> Outcome:
    ok = wrong = person = 0
    start = time.perf_counter()
    for q, want in tqdm(list(zip(queries, expected)), desc=desc, leave=False, unit="q", disable=None):
        status, got = fn(q)
        if status == "matched":
            ok += got == want
            wrong += got != want
            if keep_wrong and got != want:
                WRONG_EXAMPLES.append((q, want, got))
        else:
            person += 1
    elapsed = time.perf_counter() - start
    n = len(queries)
    return Outcome(n / elapsed, ok / n, wrong / n, person / n, n)


def prepare(url: str, seed: int, scale: float) -> dict:
    from flask_migrate import upgrade

    from app import create_app
    from app.demo import loader
    from app.demo.generate import generate
    from app.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        # "heads": sibling migrations may exist until the lead chains them (as in tests/conftest.py).
        upgrade(revision="heads")
        t = time.perf_counter()
        data = generate(seed, scale)
        loader.load_grids(data)
        loader.load_staff(data)
        t_addresses = time.perf_counter()
        n = loader.load_addresses(data)
        db.session.commit()
        log(f"demo grids, staff and {n:,} addresses loaded in {time.perf_counter() - t:.1f} s "
            f"(the addresses: {time.perf_counter() - t_addresses:.1f} s)")
        db.session.remove()
        db.engine.dispose()
    return data.counts


def measure_in_process(url: str, n_variants: int, anchor_n: int, seed: int):
    from rapidfuzz import fuzz, process
    from sqlalchemy import text

    from app import create_app
    from app.addresses import geocoding
    from app.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        rows = [dict(r) for r in db.session.execute(text(
            "SELECT id, road, number, compound, building, unit, subdistrict, full_text FROM standard_address "
            "ORDER BY id")).mappings()]
        rng = random.Random(seed)
        drawn = [rng.choice(rows) for _ in range(n_variants)]
        queries = [variant(r, rng) for r in drawn]
        expected = [r["id"] for r in drawn]

        t = time.perf_counter()
        library = geocoding.current_library()
        build_s = time.perf_counter() - t

        def service(q):
            found = geocoding.geocode(q)
            return found.status, found.address_id

        def index_only(q):
            r = library.index.match(q)
            return r.status, r.best.id if r.best else None

        texts = [r["full_text"] for r in rows]
        ids = [r["id"] for r in rows]

        def brute(q):
            # The anchor: no parsing, no narrowing, one fuzzy pass over the whole library.
            hit = process.extractOne(q, texts, scorer=fuzz.WRatio)
            return "matched", ids[hit[2]]

        results = {
            "geocode() (service, version check per call)": run_geocoder(queries, expected, service, "geocode()"),
            "AddressIndex.match (in memory)": run_geocoder(queries, expected, index_only, "index", keep_wrong=True),
            "anchor: rapidfuzz extractOne over all texts": run_geocoder(queries[:anchor_n], expected[:anchor_n],
                                                                        brute, "anchor"),
        }
    return rows, queries, build_s, results


def closed_loop(base: str, requests_n: int, queries: list[str], prefixes: list[str], seed: int) -> dict:
    """Interleaved sequential requests; latency per kind in ms."""
    rng = random.Random(seed + 7)
    kinds = {
        "lookup?address": lambda i: ("/api/v1/lookup", {"address": queries[i % len(queries)]}),
        "addresses/suggest": lambda i: ("/api/v1/addresses/suggest", {"q": prefixes[i % len(prefixes)]}),
        "healthz (anchor)": lambda i: ("/healthz", {}),
    }
    # Warm every gunicorn worker (each builds its own index on first use).
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: loopback_session().get(base + "/api/v1/lookup",
                                                       params={"address": queries[i % len(queries)]}, timeout=60),
                      range(32)))
    lat: dict[str, list[float]] = {k: [] for k in kinds}
    statuses: dict[str, dict[int, int]] = {k: {} for k in kinds}
    order = [(k, i) for i in range(requests_n) for k in kinds]
    rng.shuffle(order)
    with loopback_session() as s:
        for kind, i in tqdm(order, desc="HTTP", leave=False, unit="req", disable=None):
            path, params = kinds[kind](i)
            t = time.perf_counter()
            r = s.get(base + path, params=params, timeout=30)
            lat[kind].append((time.perf_counter() - t) * 1000)
            statuses[kind][r.status_code] = statuses[kind].get(r.status_code, 0) + 1
    return {k: (np.percentile(v, 50), np.percentile(v, 99), statuses[k]) for k, v in lat.items()}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--variants", type=int, default=3000, help="noisy queries (default 3000)")
    ap.add_argument("--anchor", type=int, default=300, help="queries for the brute-force anchor (default 300)")
    ap.add_argument("--requests", type=int, default=1000, help="HTTP requests per endpoint (default 1000)")
    ap.add_argument("--scale", type=float, default=1.0, help="demo size (1.0: ~3,000 addresses)")
    ap.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--show-wrong", type=int, default=0, metavar="N",
                    help="print N wrong matches (query, expected text, matched text)")
    args = ap.parse_args(argv)
    install_sigterm()
    started = time.perf_counter()

    with ThrowawayDatabase("gridmap_geocode") as url:
        counts = prepare(url, args.seed, args.scale)
        rows, queries, build_s, results = measure_in_process(url, args.variants, args.anchor, args.seed)
        rng = random.Random(args.seed + 3)
        prefixes = [r["full_text"][: rng.randint(2, 6)] for r in (rng.choice(rows) for _ in range(500))]
        with Gunicorn(url, args.workers) as server:
            log(f"gunicorn: {args.workers} workers on {server.base}")
            http = closed_loop(server.base, args.requests, queries, prefixes, args.seed)

    anchor_rate = results["anchor: rapidfuzz extractOne over all texts"].rate
    lines = ["", f"GridMap geocoding benchmark: demo scale {args.scale:g}, {len(rows):,} standard addresses "
             f"({counts.get('micro', 0):,} micro-grids); {len(queries):,} noisy variants (seed {args.seed}); "
             f"index built in {build_s * 1000:.0f} ms", "",
             f"{'geocoder':<46}{'queries':>8}{'q/s':>9}{'top-1':>8}{'wrong':>8}{'person':>8}{'rate/anchor':>13}"]
    lines.append("-" * len(lines[-1]))
    for name, o in results.items():
        lines.append(f"{name:<46}{o.n:>8,}{o.rate:>9.0f}{o.top1:>8.1%}{o.wrong:>8.1%}{o.person:>8.1%}"
                     f"{o.rate / anchor_rate:>13.1f}")
    lines += ["top-1: matched to the address the variant was made from; wrong: matched to another one;",
              "person: ambiguous or unmatched (a report would wait for a person: needs_placement)", "",
              f"{'HTTP, closed loop, interleaved':<32}{'p50 ms':>9}{'p99 ms':>9}{'p50/anchor':>12}{'p99/anchor':>12}"
              f"  statuses"]
    lines.append("-" * 90)
    a50, a99, _ = http["healthz (anchor)"]
    for name, (p50, p99, st) in http.items():
        lines.append(f"GET {name:<28}{p50:>9.2f}{p99:>9.2f}{p50 / a50:>12.1f}{p99 / a99:>12.1f}  {st}")
    if args.show_wrong:
        text_of = {r["id"]: r["full_text"] for r in rows}
        lines.append("wrong matches (query -> expected | matched):")
        lines += [f"  {q} -> {text_of[w]} | {text_of[g]}" for q, w, g in WRONG_EXAMPLES[:args.show_wrong]]
    lines.append(f"(total wall time {time.perf_counter() - started:.0f} s)")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    run(main, "interrupted; gunicorn was stopped and the throwaway database dropped")
