"""Run the doctest examples in every geo module (no --doctest-modules needed)."""
import doctest
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MODULES = sorted(".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
                 for p in (ROOT / "geo").rglob("*.py") if p.relative_to(ROOT).parts != ("geo", "__init__.py"))


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0


def test_main_functions_have_examples():
    from geo import assign, crs, features, gcj
    for func in (crs.parse_crs, crs.to_wgs84, crs.from_wgs84, crs.geodesic_area_m2, crs.distance_m,
                 gcj.gcj02_to_wgs84, assign.choose_grid):
        assert ">>>" in (func.__doc__ or ""), func.__name__
    assert ">>>" in features.__doc__
