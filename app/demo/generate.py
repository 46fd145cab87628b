"""Build demo data for a city of districts (中原区, 二七区): grids, staff and reports, all from one seed.

Pure (no database): :func:`generate` returns plain Python data that the
loader hands to the project's own import services, so the demo goes through
the same validation as a planner's file would.

The hierarchy is cut from the real district outline (GCJ-02 in the shipped
file, converted to WGS-84 first): subdistricts grow from where the real ones
are, then each level is :func:`geo.tiling.partition`-ed, so children tile
their parent exactly. Sizes follow a population density peaking in the old
urban core (east) and thinning towards the western townships, so grids are
small where people are many, as in practice (grids are balanced by
households, not area).

The demo is made inside the planners' default targets (geo.validation.Thresholds:
communities of 1,000-6,000 households, grids of 150-300, micro-grids of
20-100, people in proportion) and staffed as a district is on a good day,
every micro-grid with its worker and a couple of grid-worker posts vacant.
So the editor opens a draft of it with a handful of warnings that point at
something, and every warning an edit adds is the planner's to weigh.

At ``scale=1`` Zhongyuan gets ~14 subdistricts, ~100 communities, ~1,000
grids, ~5,000 micro-grids, ~30 dedicated grids and ~5,000 reports; smaller
scales shrink every level (tests use 0.02). Every other district is cut the
same way at the same density per km² (二七区, 157 km² against Zhongyuan's
196: ~800 grids), with its own real subdistricts and its own peak of
population (:class:`app.demo.names.DistrictNames`). Each district's tree is
generated from its own outline and random stream, so adding a district to the
city leaves the others as they were; the district root's code is the district
code and every code below starts with it (codes are unique city-wide).
"""
from __future__ import annotations

import json
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Iterable

import numpy as np
import shapely
from shapely import affinity
from shapely.ops import nearest_points
from shapely.geometry import MultiPolygon, Polygon

from app.demo import names as N
from app.demo.addresses import address_count, build_addresses
from geo.crs import from_wgs84, geometry_to_wgs84
from geo.tiling import partition, reading_order, sample_points

DATA_DIR = Path(__file__).parent / "data"
OUTLINE_FILE = DATA_DIR / N.ZHONGYUAN.outline_file
OUTLINE_CRS = "gcj02"
CHINA_TZ = timezone(timedelta(hours=8))

# Full-scale sizes (of Zhongyuan: other districts in proportion to their area, REFERENCE_KM2).
REFERENCE_KM2 = 195.6
SUBDISTRICTS = 14
COMMUNITIES = 100
GRIDS = 1000
REPORTS = 5000
MICRO_PER_GRID = (3, 7)          # inclusive range; mean 5
HOUSEHOLDS_PER_GRID = (150, 300)
MICRO_HOUSEHOLDS = (20, 75)       # at least, and on average at most, per micro-grid
MICRO_MAX_HOUSEHOLDS = 100        # the micro-grid target's top (geo.validation.Thresholds)
COMMUNITY_HOUSEHOLDS = (1050, 5900)  # inside the community target (1,000-6,000), with a margin
GRIDS_PER_COMMUNITY = 4          # at least: 4 grids of up to 300 households reach the community minimum
PEOPLE_PER_HOUSEHOLD = (2.1, 2.5)
DEDICATED_SHARE = 0.3            # dedicated grids per community
UNSTAFFED_GRIDS = 2              # grid-worker posts vacant on purpose (the coverage map shows them)
MICRO_STAFFED_SHARE = 1.0
OUTSIDE_SHARE = 0.015            # reports outside the district
DEDICATED_REPORT_SHARE = 0.02    # reports placed inside dedicated grids
DAYS = 60

Progress = Callable[..., Iterable]


def _no_progress(iterable, label=None, total=None):
    return iterable


def urban_density(lon, lat, centre=N.ZHONGYUAN.centre, spread_km=N.ZHONGYUAN.spread_km):
    """Relative population density in [0.1, 1]: peak in the old town, thin towards the edge.

    >>> float(urban_density(113.615, 34.752)) > 0.99, float(urban_density(113.47, 34.78)) < 0.2
    (True, True)
    """
    dx = (np.asarray(lon) - centre[0]) * 91.4   # km per degree of longitude at 34.75N
    dy = (np.asarray(lat) - centre[1]) * 110.9
    d2 = dx * dx + dy * dy
    return 0.1 + 0.9 * np.exp(-d2 / (2 * spread_km ** 2))


def density_of(district: N.DistrictNames):
    """The district's :func:`urban_density` (its own old town and spread)."""
    return lambda lon, lat: urban_density(lon, lat, district.centre, district.spread_km)


def district_rng(seed: int, district: N.DistrictNames, *stream: int) -> np.random.Generator:
    """The random stream of one district: Zhongyuan keeps the single-district demo's streams."""
    key = [seed] if district.code == N.DISTRICT_CODE else [seed, int(district.code)]
    return np.random.default_rng(key + list(stream))


def load_outline(district: N.DistrictNames | None = None) -> Polygon | MultiPolygon:
    """The district outline in WGS-84 (the shipped file is GCJ-02); Zhongyuan by default."""
    path = DATA_DIR / district.outline_file if district else OUTLINE_FILE
    data = json.loads(path.read_text(encoding="utf-8"))
    geom = data["geometry"] if data.get("type") == "Feature" else data
    outline = geometry_to_wgs84(shapely.from_geojson(json.dumps(geom)), OUTLINE_CRS)
    return outline if outline.is_valid else shapely.make_valid(outline)


@dataclass
class Unit:
    """One generated grid of any level (geometry in WGS-84)."""

    code: str
    name: str
    level: str
    parent_code: str | None
    geom: object
    kind: str = "regular"
    households: int | None = None
    population: int | None = None
    road: str | None = None              # for addresses (communities and below)
    urban: bool = True
    children: list = field(default_factory=list)


@dataclass
class DemoData:
    """One district's demo data."""

    collection: dict                     # GeoJSON FeatureCollection, WGS-84
    staff: list[dict]                    # name, phone, employment, district_code
    assignments: list[tuple[int, str, str]]  # (index into staff, grid_code, role)
    reports: list[dict]                  # inside the district
    counts: dict
    unstaffed_grids: list[str]
    addresses: list[dict] = field(default_factory=list)   # standard addresses (app.demo.addresses)
    district: N.DistrictNames = N.ZHONGYUAN
    #: Reports just outside the city (neighbouring districts): no district's grid takes them.
    outside_reports: list[dict] = field(default_factory=list)


@dataclass
class CityDemo:
    """The demo city: one :class:`DemoData` per district, loaded in this order."""

    districts: list[DemoData]

    @property
    def counts(self) -> dict:
        total: dict[str, int] = {}
        for d in self.districts:
            for k, v in d.counts.items():
                total[k] = total.get(k, 0) + v
        return total

    @property
    def unstaffed_grids(self) -> list[str]:
        return [code for d in self.districts for code in d.unstaffed_grids]

    @property
    def reports(self) -> list[dict]:
        return [r for d in self.districts for r in d.reports + d.outside_reports]

    @property
    def addresses(self) -> list[dict]:
        return [a for d in self.districts for a in d.addresses]

    def district(self, code: str) -> DemoData:
        return next(d for d in self.districts if d.district.code == code)


def _allocate(total: int, weights, minimum: int, rng: np.random.Generator) -> np.ndarray:
    """Split ``total`` into integers proportional to ``weights`` (largest remainder), each >= minimum."""
    w = np.asarray(weights, dtype=float)
    k = len(w)
    total = max(total, minimum * k)
    share = (total - minimum * k) * w / w.sum()
    out = np.floor(share).astype(int)
    rest = total - minimum * k - out.sum()
    if rest:
        # Ties broken at random so equal weights do not always favour the first.
        frac = share - out + rng.random(k) * 1e-9
        out[np.argsort(-frac)[:rest]] += 1
    return out + minimum


def _weight(geom, rng, density=urban_density) -> float:
    pts = sample_points(geom, 200, rng)
    return geom.area * float(density(pts[:, 0], pts[:, 1]).mean())


def _spread_order(points: np.ndarray) -> list[int]:
    """Farthest-point order: the first k indices are well spread for any k."""
    order = [0]
    d = np.hypot(*(points - points[0]).T)
    for _ in range(len(points) - 1):
        i = int(d.argmax())
        order.append(i)
        d = np.minimum(d, np.hypot(*(points - points[i]).T))
    return order


def _level_sizes(scale: float, district: N.DistrictNames = N.ZHONGYUAN,
                 proportion: float = 1.0) -> tuple[int, int, int]:
    # Each of the three upper levels shrinks by the cube root so that a small
    # scale keeps a real hierarchy (a few subdistricts with a few communities)
    # instead of one subdistrict holding everything. ``proportion``: the
    # district's area against Zhongyuan's (the same number of grids per km²).
    f = scale ** (1 / 3)
    subs = int(min(len(district.subdistricts), max(2, round(district.full_subdistricts * f))))
    comms = max(subs, int(round(COMMUNITIES * proportion * f * f)))
    grids = max(GRIDS_PER_COMMUNITY * comms, int(round(GRIDS * proportion * scale)))
    return subs, comms, grids


def _area_km2(geom) -> float:
    """Area in km² in the lon/lat plane scaled at the geometry's latitude (enough for proportions)."""
    lat = (geom.bounds[1] + geom.bounds[3]) / 2
    return geom.area * 111.32 * np.cos(np.radians(lat)) * 110.9


def _inside(point, outline) -> tuple[float, float]:
    """``point`` if it lies well inside ``outline``, else the nearest point a little inside it."""
    p = shapely.Point(point)
    inner = outline.buffer(-0.002)
    if inner.contains(p):
        return tuple(point)
    q = nearest_points(inner if not inner.is_empty else outline, p)[0]
    return (q.x, q.y)


def build_hierarchy(seed: int = 2024, scale: float = 1.0, progress: Progress = _no_progress,
                    district: N.DistrictNames | None = None) -> list[Unit]:
    """All regular and dedicated grids of one district (Zhongyuan by default), parents before children."""
    dn = district or N.ZHONGYUAN
    rng = district_rng(seed, dn)
    density = density_of(dn)
    outline = load_outline(dn)
    proportion = 1.0 if dn.code == N.DISTRICT_CODE else _area_km2(outline) / REFERENCE_KM2
    n_sub, n_comm, n_grid = _level_sizes(scale, dn, proportion)

    anchors = np.array([_inside(c, outline) for _, c, _ in dn.subdistricts])
    # Zhongyuan's list ends with 沟赵乡 (administered by the high-tech zone today),
    # so a full-size demo keeps the 14 first; smaller ones keep a spread subset.
    chosen = list(range(n_sub)) if n_sub >= dn.full_subdistricts else sorted(_spread_order(anchors)[:n_sub])
    district_unit = Unit(dn.code, dn.name, "district", None, outline)
    units = [district_unit]
    sub_geoms = partition(outline, n_sub, rng, relax=6, density=density, seeds=anchors[chosen])
    subs = []
    for idx, geom in zip(chosen, sub_geoms):
        name, _, urban = dn.subdistricts[idx]
        subs.append(Unit(f"{dn.code}{idx + 1:03d}", name, "subdistrict", district_unit.code, geom,
                         urban=urban))
    units += subs

    comm_counts = _allocate(n_comm, [_weight(s.geom, rng, density) for s in subs], 1, rng)
    used_names: set[str] = set()
    urban_pool = N.community_name_pool(rng, rural=False, district=dn)
    rural_pool = N.community_name_pool(rng, rural=True, district=dn)
    communities = []
    for sub, k in zip(subs, comm_counts):
        parts = partition(sub.geom, int(k), rng, relax=6, density=density)
        order = reading_order(parts)
        wanted = [n for n in dn.seed_communities.get(sub.name, []) if n not in used_names][:int(k)]
        while len(wanted) < k:
            pool = urban_pool if (sub.urban or rng.random() < 0.4) else rural_pool
            name = pool.pop()
            if name not in used_names and name not in wanted:
                wanted.append(name)
        rng.shuffle(wanted)
        for number, (i, name) in enumerate(zip(order, wanted), start=1):
            used_names.add(name)
            communities.append(Unit(f"{sub.code}{number:03d}", name, "community", sub.code, parts[i],
                                    road=N.community_road(name, rng, dn)))
    units += communities

    grid_counts = _allocate(n_grid, [_weight(c.geom, rng, density) for c in communities], GRIDS_PER_COMMUNITY, rng)
    grids: list[Unit] = []
    micros: list[Unit] = []
    for comm, k in progress(list(zip(communities, grid_counts)), f"cutting grids ({dn.name})"):
        parts = partition(comm.geom, int(k), rng, relax=6, density=density)
        households = _grid_households(int(k), rng)
        for number, i in enumerate(reading_order(parts), start=1):
            grid = Unit(f"{comm.code}{number:03d}", f"第{number}网格", "grid", comm.code, parts[i], road=comm.road)
            grids.append(grid)
            micros += _cut_micros(grid, int(households[number - 1]), rng)
    units += grids + micros
    _roll_up(units)
    units += _dedicated(communities, rng, dn)
    return units


def _grid_households(k: int, rng: np.random.Generator) -> np.ndarray:
    """Households of a community's ``k`` grids: each in the grid range, together in the community range."""
    lo = max(HOUSEHOLDS_PER_GRID[0], -(-COMMUNITY_HOUSEHOLDS[0] // k))
    hi = min(HOUSEHOLDS_PER_GRID[1], COMMUNITY_HOUSEHOLDS[1] // k)
    return rng.integers(lo, max(lo, hi) + 1, size=k)


def _cap(values: np.ndarray, hi: int) -> np.ndarray:
    """``values`` with none above ``hi``: the excess goes to the smallest ones (the total is kept).

    >>> _cap(np.array([130, 20, 40]), 100).tolist()
    [100, 50, 40]
    """
    out = values.copy()
    while out.max() > hi:
        i, j = int(out.argmax()), int(out.argmin())
        move = min(out[i] - hi, hi - out[j])
        out[i] -= move
        out[j] += move
    return out


def _cut_micros(grid: Unit, households: int, rng: np.random.Generator) -> list[Unit]:
    m = int(rng.integers(MICRO_PER_GRID[0], MICRO_PER_GRID[1] + 1))
    # Within the planners' default micro-grid range (geo.validation, 20-100 households) as
    # real ones are, so the editor's balance warnings point at something.
    m = max(m, -(-households // MICRO_HOUSEHOLDS[1]))
    parts = partition(grid.geom, m, rng, relax=6)
    areas = np.array([p.area for p in parts])
    split = _cap(_allocate(households, areas * rng.uniform(0.6, 1.4, len(parts)), MICRO_HOUSEHOLDS[0], rng),
                 MICRO_MAX_HOUSEHOLDS)
    out = []
    for number, i in enumerate(reading_order(parts), start=1):
        h = int(split[i])
        pop = int(round(h * rng.uniform(*PEOPLE_PER_HOUSEHOLD)))
        out.append(Unit(f"{grid.code}{number:02d}", f"{number}号微网格", "micro", grid.code, parts[i],
                        households=h, population=pop, road=grid.road))
    grid.households = sum(u.households for u in out)
    grid.population = sum(u.population for u in out)
    return out


def _roll_up(units: list[Unit]) -> None:
    """Households and population of upper levels are the sums of their grids."""
    by_code = {u.code: u for u in units}
    for level in ("grid", "community", "subdistrict"):
        totals: dict[str, list[int]] = {}
        for u in units:
            if u.level == level and u.parent_code:
                t = totals.setdefault(u.parent_code, [0, 0])
                t[0] += u.households or 0
                t[1] += u.population or 0
        for code, (h, p) in totals.items():
            by_code[code].households, by_code[code].population = h, p


def _dedicated(communities: list[Unit], rng: np.random.Generator,
               district: N.DistrictNames = N.ZHONGYUAN) -> list[Unit]:
    """Small rotated rectangles (a school, a hospital, a park) inside some communities."""
    k = min(len(communities), max(2, int(round(DEDICATED_SHARE * len(communities)))))
    hosts = sorted(rng.choice(len(communities), size=k, replace=False))
    out = []
    for ci in hosts:
        comm = communities[int(ci)]
        centre = sample_points(comm.geom, 1, rng)[0]
        half_w, half_h = rng.uniform(60, 160), rng.uniform(50, 120)  # metres
        kx = 111320.0 * np.cos(np.radians(centre[1]))
        box = shapely.box(centre[0] - half_w / kx, centre[1] - half_h / 110540.0,
                          centre[0] + half_w / kx, centre[1] + half_h / 110540.0)
        shape = affinity.rotate(box, float(rng.uniform(-30, 30)), origin=tuple(centre))
        # Clipped half a metre inside the community: an intersection along the community's own edge
        # may end a floating-point hair outside it, and a dedicated grid must lie within its parent.
        inner = comm.geom.buffer(-0.000005)
        clipped = shape.intersection(inner if not inner.is_empty else comm.geom)
        pieces = [p for p in shapely.get_parts(clipped) if p.geom_type == "Polygon"]
        if not pieces:
            continue
        geom = max(pieces, key=lambda p: p.area)
        template = N.DEDICATED_TEMPLATES[int(rng.integers(len(N.DEDICATED_TEMPLATES)))]
        place = district.places[int(rng.integers(len(district.places)))]
        name = template.format(road=comm.road, place=place, district=district.name)
        out.append(Unit(f"{comm.code}901", name, "grid", comm.code, geom, kind="dedicated", road=comm.road))
    return out


def feature_collection(units: list[Unit]) -> dict:
    """GeoJSON FeatureCollection in the import format (properties as ``geo.features`` reads them)."""
    geojson = shapely.to_geojson(np.array([u.geom for u in units], dtype=object))
    features = []
    for u, g in zip(units, geojson):
        features.append({
            "type": "Feature",
            "properties": {"code": u.code, "name": u.name, "level": u.level, "parent_code": u.parent_code,
                           "kind": u.kind, "households": u.households, "population": u.population},
            "geometry": json.loads(g),
        })
    return {"type": "FeatureCollection", "features": features}


def build_staff(units: list[Unit], rng: np.random.Generator, district_code: str = N.DISTRICT_CODE):
    """Staff and their assignments; a couple of grid-worker posts are vacant, on purpose (their micro-grids
    keep their workers: micro-grid workers are residents of the buildings, not the grid's staff)."""
    communities = [u for u in units if u.level == "community"]
    grids = [u for u in units if u.level == "grid" and u.kind == "regular"]
    dedicated = [u for u in units if u.level == "grid" and u.kind == "dedicated"]
    micros_by_grid: dict[str, list[Unit]] = {}
    for u in units:
        if u.level == "micro":
            micros_by_grid.setdefault(u.parent_code, []).append(u)

    n_unstaffed = min(len(grids) - 1, UNSTAFFED_GRIDS)
    unstaffed = {grids[int(i)].code for i in rng.choice(len(grids), size=n_unstaffed, replace=False)}
    plan: list[tuple[str, str, str]] = []  # (grid_code, role, employment)
    for c in communities:
        plan.append((c.code, "grid_chief", "full_time"))
    for g in grids:
        if g.code not in unstaffed:
            plan.append((g.code, "grid_worker", "full_time" if rng.random() < 0.8 else "part_time"))
            if rng.random() < 0.15:  # 下沉网格员: police or law enforcement sunk into the grid
                plan.append((g.code, "sunk_worker", "part_time"))
        for m in micros_by_grid.get(g.code, []):
            if rng.random() < MICRO_STAFFED_SHARE:
                plan.append((m.code, "micro_grid_worker", "part_time"))
        first = micros_by_grid.get(g.code, [])
        if first and rng.random() < 0.3:
            plan.append((first[0].code, "micro_grid_chief", "part_time"))
    for d in dedicated:
        plan.append((d.code, "grid_worker", "part_time"))

    people = N.person_names(rng, len(plan))
    phones = N.phone_numbers(rng, len(plan))
    staff = [{"name": n, "phone": p, "employment": e, "district_code": district_code}
             for n, p, (_, _, e) in zip(people, phones, plan)]
    assignments = [(i, code, role) for i, (code, role, _) in enumerate(plan)]
    return staff, assignments, sorted(unstaffed)


# Category code -> (relative frequency, description templates). {addr} is the address.
REPORT_TEMPLATES: dict[str, tuple[float, list[str]]] = {
    "0101": (4, ["{addr}楼顶有人私自搭建彩钢板房", "{addr}一楼住户私搭乱建占用公共绿地"]),
    "0102": (12, ["{addr}门口生活垃圾堆放未及时清运", "{addr}路边垃圾桶满溢，异味较大"]),
    "0103": (4, ["{addr}附近渣土车沿途抛洒", "{addr}路边有建筑垃圾乱堆乱放"]),
    "0104": (6, ["{addr}垃圾分类投放点混投混放", "{addr}厨余垃圾桶破损需更换"]),
    "0201": (7, ["{addr}楼道内小广告乱贴乱画", "{addr}电线杆上张贴大量小广告"]),
    "0202": (3, ["{addr}公益广告牌褪色破损", "{addr}宣传栏玻璃破碎存在安全隐患"]),
    "0301": (4, ["{addr}工地夜间施工噪声扰民", "{addr}附近工地22点后仍在施工"]),
    "0302": (3, ["{addr}工地未覆盖防尘网扬尘严重", "{addr}拆除作业未采取降尘措施"]),
    "0303": (3, ["{addr}施工围挡占用人行道", "{addr}商户占道堆放建材"]),
    "0401": (7, ["{addr}路口流动摊贩占道经营", "{addr}早市摊点占道影响通行"]),
    "0402": (12, ["{addr}车辆乱停乱放堵塞消防通道", "{addr}机动车占用盲道停放"]),
    "0403": (6, ["{addr}共享单车乱停乱放", "{addr}非机动车停放无序"]),
    "0501": (2, ["{addr}地下供水管道爆裂路面积水", "{addr}暖气管道漏水"]),
    "0502": (1, ["{addr}路面塌陷出现坑洞", "{addr}人行道地砖下陷"]),
    "0503": (2, ["{addr}雨后路面积水严重", "{addr}地下车库入口积水倒灌"]),
    "0601": (8, ["{addr}楼道内电动车充电存在火灾隐患", "{addr}安全出口被杂物堵塞", "{addr}楼道电线私拉乱接"]),
    "0602": (4, ["{addr}餐饮门店燃气软管老化", "{addr}门店未安装燃气报警器"]),
    "0701": (4, ["{addr}体育场活动噪声扰民", "{addr}广场舞音响声音过大"]),
    "0702": (3, ["{addr}邻里因楼上漏水产生纠纷", "{addr}邻居占用楼道公共空间引发矛盾"]),
    "0703": (3, ["{addr}独居老人需要帮助购买生活用品", "{addr}高龄老人需上门办理社保认证"]),
    "0704": (2, ["{addr}企业反映用工招聘困难请求协调", "{addr}企业门前道路破损影响经营"]),
}
CHANNEL_WEIGHTS = {"worker_app": 40, "resident_app": 14, "photo": 10, "hotline_12345": 20,
                   "city_management": 9, "walk_in": 3, "phone": 4}
# Channels whose apps report in GCJ-02 (WeChat mini-program, 郑好拍).
GCJ_CHANNELS = {"resident_app", "photo"}
OUTSIDE_ROADS = ["科学大道", "莲花街", "长椿路", "京广路", "大学南路", "南三环", "连霍高速辅路", "索凌路"]


def _statuses(age_days: np.ndarray, rng: np.random.Generator) -> list[str]:
    """Older reports are mostly closed; new ones still open."""
    open_ = ["reported", "accepted", "dispatched", "in_progress", "handled", "verified"]
    out = []
    for age, r in zip(age_days, rng.random(len(age_days))):
        if age < 0.5:
            p = [("reported", .45), ("accepted", .3), ("dispatched", .2), ("cancelled", .05)]
        elif age < 3:
            p = [("accepted", .1), ("dispatched", .2), ("in_progress", .25), ("handled", .15), ("verified", .1),
                 ("closed", .15), ("cancelled", .05)]
        elif age < 10:
            p = [("dispatched", .05), ("in_progress", .1), ("handled", .08), ("verified", .07), ("closed", .66),
                 ("cancelled", .04)]
        else:
            p = [("in_progress", .02), ("verified", .02), ("closed", .92), ("cancelled", .04)]
        acc = 0.0
        for status, w in p:
            acc += w
            if r < acc:
                break
        out.append(status)
    assert set(out) <= set(open_) | {"closed", "cancelled"}
    return out


def build_reports(units: list[Unit], staff: list[dict], assignments, n: int, rng: np.random.Generator,
                  now: datetime, *, city=None, split: bool = False):
    """``n`` reports: most inside micro-grids (weighted by population), some in dedicated grids, a few outside.

    ``city``: the outline of the whole demo city; the reports outside the district lie outside it too
    (beside a neighbouring demo district they would be inside). ``split``: return (inside, outside).
    """
    micros = [u for u in units if u.level == "micro"]
    dedicated = [u for u in units if u.kind == "dedicated"]
    outline = units[0].geom
    worker = {code: i for i, code, role in assignments if role in ("grid_worker", "micro_grid_worker")}

    n_out = max(1, int(round(n * OUTSIDE_SHARE)))
    n_ded = min(n - n_out, max(len(dedicated), int(round(n * DEDICATED_REPORT_SHARE))) if dedicated else 0)
    n_in = n - n_out - n_ded

    pop = np.array([u.population for u in micros], dtype=float)
    per_micro = np.bincount(rng.choice(len(micros), size=n_in, p=pop / pop.sum()), minlength=len(micros))
    points, owners = [], []
    for i in np.flatnonzero(per_micro):
        points.append(sample_points(micros[i].geom, int(per_micro[i]), rng))
        owners += [micros[i]] * int(per_micro[i])
    if n_ded:
        per_ded = np.bincount(rng.integers(0, len(dedicated), n_ded), minlength=len(dedicated))
        for i in np.flatnonzero(per_ded):
            points.append(sample_points(dedicated[i].geom, int(per_ded[i]), rng))
            owners += [dedicated[i]] * int(per_ded[i])
    # Outside: a band 200 m - 3 km beyond the district edge (neighbouring districts).
    ring = outline.buffer(0.03).difference((city if city is not None else outline).buffer(0.002))
    points.append(sample_points(ring, n_out, rng))
    owners += [None] * n_out
    xy = np.concatenate(points)

    codes = list(REPORT_TEMPLATES)
    cw = np.array([REPORT_TEMPLATES[c][0] for c in codes], dtype=float)
    categories = rng.choice(len(codes), size=n, p=cw / cw.sum())
    channels = list(CHANNEL_WEIGHTS)
    chw = np.array(list(CHANNEL_WEIGHTS.values()), dtype=float)
    chans = rng.choice(len(channels), size=n, p=chw / chw.sum())
    # Ages skew recent (the live map is about now); hours follow the working day.
    age_days = rng.exponential(12.0, n).clip(0, DAYS)
    created = [now - timedelta(days=float(a)) for a in age_days]
    created = [c.replace(hour=int(h), minute=int(m)) if c.date() < now.date() else c
               for c, h, m in zip(created, rng.normal(13, 3.5, n).clip(6, 22), rng.integers(0, 60, n))]
    statuses = _statuses(age_days, rng)
    residents = N.person_names(rng, n)
    resident_phones = N.phone_numbers(rng, n)
    numbers = rng.integers(1, 220, n)
    buildings = rng.integers(1, 30, n)

    order = rng.permutation(n)  # mix inside/outside rows as a real feed would
    rows, outside = [], []
    for j in order:
        owner = owners[j]
        code = codes[categories[j]]
        channel = channels[chans[j]]
        if owner is None:
            addr = f"{OUTSIDE_ROADS[int(numbers[j]) % len(OUTSIDE_ROADS)]}{numbers[j]}号附近"
        else:
            addr = f"{owner.road}{numbers[j]}号院{buildings[j]}号楼"
        templates = REPORT_TEMPLATES[code][1]
        text = templates[int(numbers[j]) % len(templates)].format(addr=addr)
        if channel == "hotline_12345":
            text = "市民来电反映：" + text
        name, phone = residents[j], resident_phones[j]
        if channel == "worker_app" and owner is not None:
            staff_i = worker.get(owner.code, worker.get(owner.parent_code))
            if staff_i is not None:
                name, phone = staff[staff_i]["name"], staff[staff_i]["phone"]
        lon, lat = float(xy[j, 0]), float(xy[j, 1])
        crs = None
        if channel in GCJ_CHANNELS:
            glon, glat = from_wgs84(lon, lat, "gcj02")
            lon, lat, crs = float(glon), float(glat), "gcj02"
        (outside if split and owner is None else rows).append({
            "category": code, "channel": channel, "description": text, "lon": lon, "lat": lat, "crs": crs,
            "address": addr, "reporter_name": name, "reporter_phone": phone, "status": statuses[j],
            "created_at": created[j].isoformat(timespec="seconds"),
        })
    return (rows, outside) if split else rows


def generate_district(district: N.DistrictNames, seed: int = 2024, scale: float = 1.0, *, now: datetime,
                      progress: Progress = _no_progress, city=None) -> DemoData:
    """One district's grids, staff, reports and addresses (``city``: the demo city's outline, WGS-84)."""
    units = build_hierarchy(seed, scale, progress, district)
    staff, assignments, unstaffed = build_staff(units, district_rng(seed, district, 1), district.code)
    proportion = 1.0 if district.code == N.DISTRICT_CODE else _area_km2(units[0].geom) / REFERENCE_KM2
    n_reports = max(20, int(round(REPORTS * proportion * scale)))
    reports, outside = build_reports(units, staff, assignments, n_reports, district_rng(seed, district, 2), now,
                                     city=city, split=True)
    addresses = build_addresses(units, address_count(scale * proportion), district_rng(seed, district, 3),
                                district)
    counts: dict[str, int] = {}
    for u in units:
        key = "dedicated" if u.kind == "dedicated" else u.level
        counts[key] = counts.get(key, 0) + 1
    counts.update(staff=len(staff), reports=len(reports) + len(outside), addresses=len(addresses))
    return DemoData(feature_collection(units), staff, assignments, reports, counts, unstaffed, addresses,
                    district, outside)


def city_outline(districts) -> Polygon | MultiPolygon:
    """The union of the districts' outlines (WGS-84)."""
    return shapely.union_all([load_outline(d) for d in districts])


def generate(seed: int = 2024, scale: float = 1.0, *, now: datetime | None = None,
             progress: Progress = _no_progress, districts=N.DEMO_CITY) -> CityDemo:
    """Everything the demo loads, deterministic for ``(seed, scale, now)``: one :class:`DemoData` per
    district code of ``districts`` (default the demo city, :data:`app.demo.names.DEMO_CITY`).

    ``now`` anchors report timestamps (default: the current hour, China time).
    """
    if not 0 < scale <= 2:
        # Above 2 the name lists (real subdistricts, road-based communities) run out.
        raise ValueError("scale must be in (0, 2]")
    if now is None:
        now = datetime.now(CHINA_TZ).replace(minute=0, second=0, microsecond=0)
    chosen = [N.DISTRICTS[code] for code in districts]
    city = city_outline(chosen)
    # The districts are independent (each its own outline and random streams): the others are cut in
    # worker processes while this one cuts the first (the first `make run` has a time budget).
    workers = min(len(chosen) - 1, (os.cpu_count() or 1) - 1)
    if workers < 1:
        return CityDemo([generate_district(d, seed, scale, now=now, progress=progress, city=city) for d in chosen])
    # fork: the children only compute (no database, no Flask) and hand back plain data.
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        others = [pool.submit(generate_district, d, seed, scale, now=now, city=city) for d in chosen[1:]]
        first = generate_district(chosen[0], seed, scale, now=now, progress=progress, city=city)
        return CityDemo([first] + [f.result() for f in others])
