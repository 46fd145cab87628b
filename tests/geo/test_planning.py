"""Draft edits on a small district that tiles exactly (geo.planning; no database)."""
from __future__ import annotations

import pytest
import shapely
from shapely import box, LineString

from geo.crs import geodesic_area_m2
from geo.planning import (Family, Node, PlanError, allow_exclave, merge, move, move_plots, replace_level, reshape,
                          split)
from geo.validation import GridRecord, Thresholds, revalidate, sort_issues, validate, worker_issues

DISTRICT = (113.60, 34.74, 113.64, 34.76)


def _halves(b, vertical):
    x0, y0, x1, y1 = b
    if vertical:
        xm = round((x0 + x1) / 2, 6)
        return [(x0, y0, xm, y1), (xm, y0, x1, y1)]
    ym = round((y0 + y1) / 2, 6)
    return [(x0, ym, x1, y1), (x0, y0, x1, ym)]


def sample_nodes() -> list[Node]:
    """District 410102 split in halves at each level (as tests/samples.py), 100 households per micro-grid."""
    nodes = [Node("410102", "中原区", "district", "regular", None, box(*DISTRICT), 1600, 3840)]
    for si, sb in enumerate(_halves(DISTRICT, True), 1):
        sc = f"410102{si:03d}"
        nodes.append(Node(sc, f"S{si}", "subdistrict", "regular", "410102", box(*sb), 800, 1920))
        for ci, cb in enumerate(_halves(sb, False), 1):
            cc = f"{sc}{ci:03d}"
            nodes.append(Node(cc, f"C{ci}", "community", "regular", sc, box(*cb), 400, 960))
            for gi, gb in enumerate(_halves(cb, True), 1):
                gc = f"{cc}{gi:03d}"
                nodes.append(Node(gc, f"第{gi}网格", "grid", "regular", cc, box(*gb), 200, 480))
                for mi, mb in enumerate(_halves(gb, False), 1):
                    nodes.append(Node(f"{gc}{mi:02d}", f"{mi}号微网格", "micro", "regular", gc, box(*mb), 100, 240))
    nodes.append(Node("410102001001901", "学校", "grid", "dedicated", "410102001001",
                      box(113.602, 34.752, 113.606, 34.756)))
    return nodes


@pytest.fixture
def family():
    return Family(sample_nodes())


def apply(nodes: list[Node], edit) -> list[Node]:
    by_code = {n.code: n for n in nodes}
    for code in edit.remove:
        by_code.pop(code, None)
    by_code.update(edit.upsert)
    return list(by_code.values())


def assert_tiles(nodes, exclaves: bool = False):
    result = validate([GridRecord(n.code, n.level, n.kind, n.parent_code, n.geometry, n.households, n.population,
                                  exclave=exclaves and n.exclave) for n in nodes])
    assert result.errors == [], [(i.rule, i.code, i.area_m2) for i in result.errors]
    return result


# Community 410102001001 is lon 113.60-113.62, lat 34.75-34.76; its grids split at lon 113.61,
# its micro-grids at lat 34.755 (01 north, 02 south).
COMMUNITY = "410102001001"
WEST, EAST = "410102001001001", "410102001001002"


def test_sample_is_valid(family):
    assert_tiles(list(family.nodes.values()))


def test_reshape_takes_area_from_the_sibling_and_its_micro_grids(family):
    edit = reshape(family, WEST, box(113.60, 34.75, 113.614, 34.76))
    assert {WEST, EAST} <= set(edit.upsert) and not edit.remove and not edit.created
    assert edit.upsert[EAST].geometry.bounds[0] == pytest.approx(113.614)
    nodes = apply(list(family.nodes.values()), edit)
    assert_tiles(nodes)
    # The strip taken from the east grid's micro-grids went to the west grid's micro-grids.
    west_micro = {n.code: n for n in nodes if n.parent_code == WEST}
    assert shapely.get_coordinates(west_micro[WEST + "01"].geometry)[:, 0].max() == pytest.approx(113.614)
    # Households follow the area: 200 x 0.4 moved; the community total is unchanged.
    assert edit.upsert[WEST].households == 280 and edit.upsert[EAST].households == 120
    assert sum(n.households for n in nodes if n.parent_code == COMMUNITY and n.kind == "regular") == 400
    assert COMMUNITY not in edit.upsert


def test_reshape_that_leaves_a_gap_is_refused_with_the_gap(family):
    with pytest.raises(PlanError) as err:
        reshape(family, WEST, box(113.60, 34.75, 113.606, 34.76))
    assert err.value.reason == "leaves_gap"
    assert err.value.params["area_m2"] == pytest.approx(geodesic_area_m2(box(113.606, 34.75, 113.61, 34.76)), rel=1e-6)
    assert err.value.geometry.bounds == pytest.approx((113.606, 34.75, 113.61, 34.76))


def test_reshape_leftover_to_neighbours(family):
    edit = reshape(family, WEST, box(113.60, 34.75, 113.606, 34.76), leftover="neighbours")
    assert edit.upsert[EAST].geometry.bounds[0] == pytest.approx(113.606)
    assert_tiles(apply(list(family.nodes.values()), edit))


@pytest.mark.parametrize("shape,reason", [
    (box(113.60, 34.75, 113.63, 34.76), "outside_parent"),       # into the next subdistrict
    (box(113.60, 34.75, 113.62, 34.76), "swallows_sibling"),     # the whole community
    (box(113.70, 34.75, 113.71, 34.76), "outside_parent"),
])
def test_bad_reshapes(family, shape, reason):
    with pytest.raises(PlanError) as err:
        reshape(family, WEST, shape)
    assert err.value.reason == reason


def test_reshape_snaps_a_sliver_overhang(family):
    # 3 cm over the community border: clipped, not refused.
    edit = reshape(family, WEST, box(113.5999997, 34.75, 113.614, 34.76))
    assert edit.upsert[WEST].geometry.bounds[0] == pytest.approx(113.60)


def test_split_by_a_line_gives_new_codes_and_predecessors(family):
    edit = split(family, WEST, LineString([(113.599, 34.7565), (113.611, 34.7565)]), names=["北", "南"])
    assert WEST in edit.remove
    new = sorted(c for c in edit.created if len(c) == 15)
    assert new == ["410102001001003", "410102001001004"]
    north, south = edit.upsert[new[0]], edit.upsert[new[1]]
    assert (north.name, south.name) == ("北", "南") and north.predecessors == (WEST,)
    assert north.geometry.bounds[1] == pytest.approx(34.7565)
    # Micro-grid 01 (34.755-34.76) is cut: most of it stays in the north piece, its south strip joins 02.
    nodes = apply(list(family.nodes.values()), edit)
    assert_tiles(nodes)
    micro = {n.code: n for n in nodes if n.level == "micro" and n.parent_code in new}
    # Each new grid numbers its micro-grids afresh: 1号微网格 in both, not an 02 left without an 01.
    assert set(micro) == {new[0] + "01", new[1] + "01"}
    assert micro[new[0] + "01"].predecessors == (WEST + "01",)
    assert micro[new[1] + "01"].predecessors == (WEST + "02",)
    assert {m.name for m in micro.values()} == {"1号微网格"}
    assert north.households + south.households == 200


@pytest.mark.parametrize("line", [
    LineString([(113.601, 34.7575), (113.603, 34.7575)]),        # ends inside
    LineString([(113.70, 34.70), (113.71, 34.71)]),                # misses
    LineString([(113.60, 34.75), (113.61, 34.75)]),               # along the border
])
def test_split_line_must_cross(family, line):
    with pytest.raises(PlanError) as err:
        split(family, WEST, line)
    assert err.value.reason == "line_not_crossing"


def test_merge_adjacent(family):
    edit = merge(family, [WEST, EAST], name="合并网格")
    assert edit.remove >= {WEST, EAST}
    merged = edit.upsert["410102001001003"]
    assert merged.households == 400 and merged.predecessors == (WEST, EAST)
    assert merged.geometry.bounds == pytest.approx((113.60, 34.75, 113.62, 34.76))
    children = [n for n in edit.upsert.values() if n.parent_code == merged.code]
    assert sorted(c.code for c in children) == [merged.code + s for s in ("01", "02", "03", "04")] or \
        len(children) == 4
    # The school (dedicated) hangs under the community, untouched.
    assert "410102001001901" not in edit.touched
    assert_tiles(apply(list(family.nodes.values()), edit))


def test_merge_refuses_non_adjacent_and_other_parents(family):
    with pytest.raises(PlanError) as err:
        merge(family, [WEST + "01", "41010200100100202"])   # diagonal: share a corner only
    assert err.value.reason == "different_parents"
    with pytest.raises(PlanError) as err:
        merge(family, ["41010200100200101", "41010200100200202"])  # not the same parent either
    assert err.value.reason == "different_parents"
    # Two grids of one community that only touch at a corner:
    nodes = [n for n in sample_nodes()]
    fam = Family(nodes + [Node("410102001001003", "角", "grid", "regular", COMMUNITY,
                               box(113.62, 34.76, 113.63, 34.77))])
    with pytest.raises(PlanError) as err:
        merge(fam, [EAST, "410102001001003"])
    assert err.value.reason in ("not_adjacent",)


def test_move_micro_grids_recomputes_parents(family):
    micro = "41010200100100201"   # the north micro-grid of the east grid
    edit = move(family, [micro], WEST)
    assert micro in edit.remove
    assert edit.created == []
    new_code = edit.recoded[micro]
    assert new_code.startswith(WEST) and edit.upsert[new_code].predecessors == (micro,)
    west = edit.upsert[WEST]
    assert west.households == 300 and edit.upsert[EAST].households == 100
    assert west.geometry.area == pytest.approx(box(113.60, 34.75, 113.61, 34.76).area
                                               + box(113.61, 34.755, 113.62, 34.76).area)
    assert COMMUNITY not in edit.upsert   # both grids in one community: its outline is unchanged
    nodes = apply(list(family.nodes.values()), edit)
    result = assert_tiles(nodes)
    assert not [i for i in result.issues if i.rule == "multipart"]


def test_move_across_subdistricts_changes_the_chain(family):
    micro = "41010200100100202"   # south-east micro of the first community
    target = "410102002001001"    # west grid of the first community of subdistrict 2
    edit = move(family, [micro], target)
    assert {"410102001", "410102002", "410102001001", "410102002001"} <= set(edit.upsert)
    assert "410102" not in edit.upsert
    assert_tiles(apply(list(family.nodes.values()), edit))


def test_move_refusals(family):
    with pytest.raises(PlanError) as err:
        move(family, [WEST + "01"], WEST)
    assert err.value.reason == "already_in_target"
    with pytest.raises(PlanError) as err:
        move(family, [WEST + "01", WEST + "02"], EAST)
    assert err.value.reason == "would_empty"
    with pytest.raises(PlanError) as err:
        move(family, [WEST + "01"], COMMUNITY)
    assert err.value.reason == "wrong_level"


def test_replace_level_keeps_identity_and_refits_children(family):
    # A new layout of the first community: one grid kept (reshaped), one new, the east grid dropped.
    feats = [Node(WEST, "西", "grid", "regular", COMMUNITY, box(113.60, 34.75, 113.612, 34.76), 240),
             Node("410102001001005", "东", "grid", "regular", COMMUNITY, box(113.612, 34.75, 113.62, 34.76), 160)]
    edit = replace_level(family, feats, level="grid", scope=COMMUNITY)
    assert EAST in edit.remove and edit.upsert[WEST].households == 240
    assert "410102001001005" in edit.created
    nodes = apply(list(family.nodes.values()), edit)
    assert_tiles(nodes)
    assert all(n.code.startswith(n.parent_code) for n in nodes if n.parent_code)


def test_replace_level_refuses_wrong_parent(family):
    feats = [Node("410102002001001", "x", "grid", "regular", "410102002001", box(113.62, 34.75, 113.63, 34.76))]
    with pytest.raises(PlanError) as err:
        replace_level(family, feats, level="grid", scope=COMMUNITY)
    assert err.value.reason == "outside_scope"


def test_a_family_loaded_from_one_subtree_leaves_its_top_alone():
    # The app loads only the parent's subtree: the parent's own parent is not there.
    nodes = [n for n in sample_nodes() if n.code.startswith(COMMUNITY)]
    edit = reshape(Family(nodes), WEST, box(113.60, 34.75, 113.614, 34.76))
    assert COMMUNITY not in edit.touched
    assert all(n.parent_code and n.code.startswith(n.parent_code) for n in edit.upsert.values())


def test_codes_never_reuse_taken_numbers(family):
    fam = Family(list(family.nodes.values()), taken_codes=["410102001001003", "410102001001004"])
    edit = merge(fam, [WEST, EAST])
    assert edit.created == ["410102001001005"]


# ----------------------------------------------------------------------------- contiguity, names, exclaves

FAR_MICRO = "41010200100200102"   # south community, west grid, south half: nowhere near WEST


def test_a_move_that_leaves_the_target_in_pieces_is_refused_with_the_detached_piece(family):
    with pytest.raises(PlanError) as err:
        move(family, [FAR_MICRO], WEST)
    e = err.value
    assert e.reason == "not_contiguous"
    # The community is named first (the coarsest grid in pieces); the grid is listed too.
    assert e.params["code"] == COMMUNITY and e.params["parts"] == 2
    assert set(e.params["codes"]) == {COMMUNITY, WEST}
    assert e.geometry.bounds == pytest.approx(box(113.60, 34.74, 113.61, 34.745).bounds)


def test_an_allowed_exclave_may_take_the_piece_and_validation_lists_it(family):
    for code in (COMMUNITY, WEST):
        family = Family(apply(list(family.nodes.values()), allow_exclave(family, code)))
    assert family.nodes[WEST].exclave and family.nodes[COMMUNITY].exclave
    edit = move(family, [FAR_MICRO], WEST)
    west = edit.upsert[WEST]
    assert west.exclave and shapely.get_num_geometries(west.geometry) == 2
    result = assert_tiles(apply(list(family.nodes.values()), edit), exclaves=True)
    listed = {(i.rule, i.severity, i.code, i.params["parts"]) for i in result.issues if i.rule == "exclave"}
    assert listed == {("exclave", "notice", WEST, 2), ("exclave", "notice", COMMUNITY, 2)}
    # The grid the unit left is whole again, and nothing warns about the allowed pieces.
    assert not [i for i in result.issues if i.rule == "multipart"]


def test_an_exclave_allowance_is_for_regular_grids_below_the_district(family):
    for code, reason in (("410102", "district_fixed"), ("410102001001901", "wrong_kind")):
        with pytest.raises(PlanError) as err:
            allow_exclave(family, code)
        assert err.value.reason == reason
    withdrawn = allow_exclave(Family(apply(list(family.nodes.values()), allow_exclave(family, WEST))), WEST, False)
    assert withdrawn.upsert[WEST].exclave is False and set(withdrawn.upsert) == {WEST}


def test_a_reshape_into_two_pieces_is_refused_but_a_grid_already_in_pieces_may_change():
    nodes = sample_nodes()
    fam = Family(nodes)
    two = shapely.MultiPolygon([box(113.60, 34.75, 113.606, 34.76), box(113.612, 34.75, 113.62, 34.76)])
    with pytest.raises(PlanError) as err:
        reshape(fam, WEST, two, leftover="neighbours")
    assert err.value.reason == "not_contiguous" and err.value.params["code"] == WEST
    # Imported in two pieces already: an edit that keeps two pieces is not refused.
    split_west = Node(WEST, "第1网格", "grid", "regular", COMMUNITY,
                      shapely.MultiPolygon([box(113.60, 34.75, 113.605, 34.76), box(113.606, 34.75, 113.61, 34.76)]))
    east = Node(EAST, "第2网格", "grid", "regular", COMMUNITY,
                shapely.union_all([box(113.61, 34.75, 113.62, 34.76), box(113.605, 34.75, 113.606, 34.76)]))
    fam = Family([n for n in nodes if n.code.startswith(COMMUNITY) and len(n.code) <= 15
                  and n.code not in (WEST, EAST)] + [split_west, east])
    edit = reshape(fam, WEST, shapely.MultiPolygon([box(113.60, 34.75, 113.605, 34.76),
                                                    box(113.606, 34.75, 113.611, 34.76)]))
    assert shapely.get_num_geometries(edit.upsert[WEST].geometry) == 2


def test_merge_numbers_the_micro_grids_of_the_merged_grid_afresh(family):
    edit = merge(family, [WEST, EAST])
    merged = edit.upsert["410102001001003"]
    # Named after the first grid, with its new number; no name given.
    assert merged.name == "第3网格"
    kids = sorted((n for n in edit.upsert.values() if n.parent_code == merged.code), key=lambda n: n.code)
    assert [n.code[-2:] for n in kids] == ["01", "02", "03", "04"]
    assert [n.name for n in kids] == ["1号微网格", "2号微网格", "3号微网格", "4号微网格"]
    # Reading order: west to east, then north to south (rows of the 2 x 2 block).
    xs = [(round(n.geometry.bounds[0], 3), round(n.geometry.bounds[1], 3)) for n in kids]
    assert xs == [(113.60, 34.755), (113.61, 34.755), (113.60, 34.75), (113.61, 34.75)]
    assert_tiles(apply(list(family.nodes.values()), edit))


def test_split_names_its_parts_after_their_numbers_unless_named(family):
    edit = split(family, WEST, LineString([(113.599, 34.7565), (113.611, 34.7565)]))
    assert {edit.upsert[c].name for c in ("410102001001003", "410102001001004")} == {"第3网格", "第4网格"}
    named = split(family, WEST, LineString([(113.599, 34.7565), (113.611, 34.7565)]), names=["北片"])
    assert named.upsert["410102001001003"].name == "北片"
    # The second part has no name given: it follows its number.
    assert named.upsert["410102001001004"].name == "第4网格"


def test_a_moved_micro_grid_takes_the_name_of_its_new_number(family):
    edit = move(family, ["41010200100100201"], WEST)
    new = edit.upsert[edit.recoded["41010200100100201"]]
    assert new.code == WEST + "03" and new.name == "3号微网格"


def test_buildings_take_their_people_along(family):
    plot = box(113.608, 34.756, 113.61, 34.758)   # in WEST's north micro-grid, on the border with EAST
    edit = move_plots(family, [(WEST + "01", plot, 10)], EAST + "01")
    src, dst = edit.upsert[WEST + "01"], edit.upsert[EAST + "01"]
    assert (src.households, dst.households) == (90, 110)
    assert (src.population, dst.population) == (216, 264)   # 2.4 people per household moved with them
    assert edit.upsert[WEST].population + edit.upsert[EAST].population == 960


def test_revalidating_the_touched_grids_gives_what_a_full_validation_gives(family):
    before = list(family.nodes.values())
    old = validate([record(n) for n in before], Thresholds())
    edit = reshape(family, WEST, box(113.60, 34.75, 113.603, 34.76), leftover="neighbours")
    after = apply(before, edit)
    full = validate([record(n) for n in after], Thresholds())
    owners = set(edit.touched) | {n.parent_code for n in after if n.code in edit.touched and n.parent_code}
    by_code = {n.code: n for n in after}
    wanted = {c for c in owners if c in by_code}
    subset = [n for n in after if n.code in wanted or n.parent_code in wanted
              or any(by_code[w].parent_code == n.code for w in wanted)]
    fresh = revalidate([record(n) for n in subset], owners, Thresholds())
    kept = [i for i in old.issues if i.owner not in owners and i.rule != "worker_overload"]
    merged = sort_issues(kept + fresh + worker_issues([record(n) for n in after]))
    key = lambda i: (i.rule, i.severity, i.code, i.owner, round(i.area_m2 or 0, 3))  # noqa: E731
    assert [key(i) for i in merged] == [key(i) for i in full.issues]
    assert any(i.rule == "households_low" and i.code == WEST for i in fresh)


def record(n: Node) -> GridRecord:
    return GridRecord(n.code, n.level, n.kind, n.parent_code, n.geometry, n.households, n.population,
                      exclave=n.exclave)
