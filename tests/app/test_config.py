"""Settings from the environment get the type of their default; unusable ones stop start-up."""
from __future__ import annotations

import pytest

from app.config import ConfigError, check, from_environment


def test_environment_values_are_typed(monkeypatch):
    monkeypatch.setenv("GRIDMAP_MAX_IMPORT_ROWS", "1000")
    monkeypatch.setenv("GRIDMAP_TILES", "osm")
    cfg = from_environment()
    assert cfg["MAX_IMPORT_ROWS"] == 1000 and cfg["TILES"] == "osm"


def test_bad_numbers_name_the_variable(monkeypatch):
    monkeypatch.setenv("GRIDMAP_MAX_IMPORT_ROWS", "lots")
    with pytest.raises(ConfigError, match="GRIDMAP_MAX_IMPORT_ROWS"):
        from_environment()


@pytest.mark.parametrize("cfg,needle", [({"TILES": "google"}, "GRIDMAP_TILES"),
                                        ({"TILES": "tianditu", "TIANDITU_KEY": ""}, "TIANDITU_KEY")])
def test_unusable_tiles_refuse_to_start(cfg, needle):
    with pytest.raises(ConfigError, match=needle):
        check(cfg)
