"""Standard addresses for the demo district: doors, estates, buildings and units inside the grids.

Pure (no database), deterministic for a seed. Each address *door* (road +
door number) is placed in one micro-grid, chosen by population; its road is
usually the one its community is named after, otherwise one of the
district's real roads. Door numbers count up along each road, so a road +
number names one place in the whole district, as in a real library. Most
doors are estates (小区/家属院 ...) with buildings 1–20 and units 1–4, listed
at every precision a register keeps (the estate, each building, each unit);
the rest are single doors (shops, offices). Buildings lie within ~120 m of
their estate's door point and inside the same micro-grid; units sit a few
metres apart in their building.

Estate names are plausible, not real; some come with an alias (绿城百合 for
绿城百合花园), which the importer stores in the alias table.
"""
from __future__ import annotations

import numpy as np
import shapely

from app.demo import names as N
from geo.address import ROAD_SUFFIXES
from geo.tiling import sample_points

#: Addresses at scale 1 (a few thousand); smaller scales shrink it, never below MIN_ADDRESSES.
ADDRESSES = 3000
MIN_ADDRESSES = 60
ESTATE_SHARE = 0.7
BUILDINGS = (1, 20)          # inclusive
UNITS = (1, 4)
BUILDING_RADIUS_M = 120.0
UNIT_SPACING_M = 6.0

#: Real roads of 中原区 (the brief of the address library); community roads are added to these.
ROADS = ["建设路", "中原路", "桐柏路", "伊河路", "前进路", "棉纺路", "嵩山路", "工人路", "秦岭路", "淮河路",
         "汝河路", "航海路", "华山路", "陇海路", "互助路", "百花路", "友爱路", "协作路", "伏牛路", "颍河路"]

#: Estate names in the district's style (invented, but of the kinds found there).
ESTATES = [
    "绿城百合花园", "锦艺城", "国棉三厂家属院", "国棉四厂家属院", "国棉五厂家属院", "国棉六厂家属院", "兴华小区",
    "阳光新城", "碧沙岗花园", "桂园小区", "正商城", "美景天城", "誉峰小区", "心语家园", "郑州日报社家属院",
    "电缆厂家属院", "煤机厂家属院", "郑工小区", "纺机家属院", "锦绣城", "风和日丽", "晶华城", "茜城花园",
    "绿都城", "阳光花苑", "花语里", "帝湖花园", "百花小区", "友爱小区", "工人新村", "化工小区", "西站小区",
    "秦岭小区", "陇西小区", "绿云小区", "冉屯小区", "测绘局家属院", "市政家属院", "电业局家属院", "铁路家属院",
]
ESTATE_SUFFIXES = ["花园", "小区", "家园", "苑", "新村", "公寓", "家属院", "雅居"]
#: Name heads for more estates (each gets one suffix), after the district's place names.
ESTATE_HEADS = ["金色港湾", "建业", "永威", "鑫苑", "康桥", "名门", "亚星", "升龙", "瀚海", "英协", "福华",
                "丰乐", "天伦", "盛世", "御景", "和谐", "幸福", "安居", "锦华", "翠竹", "紫荆", "梧桐",
                "银河", "春晖", "嘉园", "润和", "宏达", "兴隆", "长城", "泰和", "恒大", "万科", "融创",
                "绿地", "美盛", "宝龙", "华府", "东方", "凯旋", "星河", "德润", "祥和", "书香", "丽景"]
#: Demo aliases: a short name people use -> the estate's standard name.
ALIASES = {"绿城百合花园": "绿城百合", "国棉三厂家属院": "棉纺三厂家属院", "郑州日报社家属院": "日报社家属院",
           "碧沙岗花园": "碧沙岗小区"}


def _is_road(name: str) -> bool:
    return name.endswith(ROAD_SUFFIXES)


def estate_names(rng: np.random.Generator, district: "N.DistrictNames | None" = None) -> list[str]:
    """Distinct estate names, the listed ones first, then place + suffix combinations, shuffled within each."""
    district = district or N.ZHONGYUAN
    listed = list(ESTATES if district.code == N.DISTRICT_CODE else district.estates)
    rng.shuffle(listed)
    # One estate per name head: 大岗刘花园 and 大岗刘小区 side by side would share the name a
    # caller says (大岗刘), which no library should ask a geocoder to tell apart.
    stems = {_stem(name) for name in listed}
    heads = [h for h in district.places + ESTATE_HEADS if h not in stems]
    extra = [h + ESTATE_SUFFIXES[int(rng.integers(len(ESTATE_SUFFIXES)))] for h in dict.fromkeys(heads)]
    rng.shuffle(extra)
    # A road suffix inside an estate name would read as a road (建设路小区 = 建设路 + 小区).
    return [name for name in listed + extra if not any(c in name for c in "路街巷")]


def _stem(name: str) -> str:
    for suffix in sorted(ESTATE_SUFFIXES + ["城"], key=len, reverse=True):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def _metres_to_degrees(lat: float) -> tuple[float, float]:
    return 1 / (111_320.0 * np.cos(np.radians(lat))), 1 / 110_540.0


def _near(point: np.ndarray, geom, radius_m: float, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` points within ``radius_m`` of ``point`` and inside ``geom`` (falls back to ``geom``)."""
    kx, ky = _metres_to_degrees(float(point[1]))
    disk = shapely.Point(point).buffer(radius_m * max(kx, ky))
    area = disk.intersection(geom)
    if area.is_empty or area.area == 0:
        area = geom
    return sample_points(area, n, rng)


def _chain(units) -> dict[str, dict]:
    """Micro-grid code -> its community and subdistrict names (for the address parts)."""
    by_code = {u.code: u for u in units}
    out = {}
    for u in units:
        if u.level != "micro":
            continue
        grid = by_code[u.parent_code]
        community = by_code[grid.parent_code]
        subdistrict = by_code[community.parent_code]
        out[u.code] = {"community": community.name, "subdistrict": subdistrict.name}
    return out


def build_addresses(units, n: int, rng: np.random.Generator, district: "N.DistrictNames | None" = None) -> list[dict]:
    """About ``n`` address rows of one district (Zhongyuan by default) in the import format (English keys,
    WGS-84 points)."""
    district = district or N.ZHONGYUAN
    micros = [u for u in units if u.level == "micro" and u.kind == "regular"]
    if not micros or n <= 0:
        return []
    chain = _chain(units)
    pop = np.array([u.population or 1 for u in micros], dtype=float)
    own_roads = ROADS if district.code == N.DISTRICT_CODE else district.roads[:20]
    roads = list(dict.fromkeys(own_roads + [u.road for u in micros if u.road and _is_road(u.road)]))
    next_number = {road: int(rng.integers(1, 9)) for road in roads}
    estates = estate_names(rng, district)
    rows: list[dict] = []

    def row(micro, road, number, lon, lat, compound=None, building=None, unit=None, aliases=None) -> dict:
        return {"district": district.name, **chain[micro.code], "road": road, "number": str(number),
                "compound": compound, "building": None if building is None else str(building),
                "unit": None if unit is None else str(unit), "lon": round(float(lon), 7),
                "lat": round(float(lat), 7), "aliases": aliases}

    while len(rows) < n:
        micro = micros[int(rng.choice(len(micros), p=pop / pop.sum()))]
        road = micro.road if micro.road and _is_road(micro.road) and rng.random() < 0.6 else \
            roads[int(rng.integers(len(roads)))]
        number = next_number[road]
        next_number[road] += int(rng.integers(1, 7))
        door = sample_points(micro.geom, 1, rng)[0]
        if not estates or rng.random() >= ESTATE_SHARE:
            rows.append(row(micro, road, number, door[0], door[1]))
            continue
        estate = estates.pop(0)
        rows.append(row(micro, road, number, door[0], door[1], compound=estate, aliases=ALIASES.get(estate)))
        k = int(rng.integers(BUILDINGS[0], BUILDINGS[1] + 1))
        spots = _near(door, micro.geom, BUILDING_RADIUS_M, k, rng)
        for b, spot in enumerate(spots, start=1):
            rows.append(row(micro, road, number, spot[0], spot[1], compound=estate, building=b))
            kx, _ = _metres_to_degrees(float(spot[1]))
            for u in range(1, int(rng.integers(UNITS[0], UNITS[1] + 1)) + 1):
                x = spot[0] + (u - 1) * UNIT_SPACING_M * kx
                inside = micro.geom.covers(shapely.Point(x, spot[1]))
                rows.append(row(micro, road, number, x if inside else spot[0], spot[1], compound=estate,
                                building=b, unit=u))
    return rows


def address_count(scale: float) -> int:
    return max(MIN_ADDRESSES, int(round(ADDRESSES * scale)))
