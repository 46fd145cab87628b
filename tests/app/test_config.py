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


def test_an_unknown_patrol_refresh_mode_refuses_to_start():
    with pytest.raises(ConfigError, match="GRIDMAP_PATROL_FIGURES_REFRESH='lazy': use background or inline"):
        check({"TILES": "none", "PATROL_FIGURES_REFRESH": "lazy"})


# -- the secret key (app/secret_key.py; the forged-cookie test is tests/security/test_secret_key_forgery.py)

def _create_key(path: str) -> str:
    from pathlib import Path

    from app.secret_key import load_or_create

    return load_or_create(Path(path))


def test_an_unset_key_is_generated_once_and_reused(tmp_path, monkeypatch):
    import stat

    from app.secret_key import resolve

    monkeypatch.setenv("GRIDMAP_INSTANCE_DIR", str(tmp_path / "instance"))
    first = resolve({"SECRET_KEY": None})
    key_file = tmp_path / "instance" / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600 and len(first) >= 32
    assert resolve({}) == first == key_file.read_text().strip()


def test_workers_starting_together_all_get_the_same_key(tmp_path):
    """gunicorn's workers each build the app at the same moment: exactly one key wins."""
    from concurrent.futures import ProcessPoolExecutor

    path = str(tmp_path / "secret_key")
    with ProcessPoolExecutor(8) as pool:
        keys = set(pool.map(_create_key, [path] * 32))
    assert len(keys) == 1 and keys == {(tmp_path / "secret_key").read_text().strip()}
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]


def test_a_key_file_with_loose_permissions_is_tightened(tmp_path):
    import secrets
    import stat

    from app.secret_key import load_or_create

    key_file = tmp_path / "secret_key"
    key_file.write_text(secrets.token_urlsafe(48))
    key_file.chmod(0o644)
    load_or_create(key_file)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_a_weak_key_in_the_key_file_is_refused(tmp_path):
    from app.secret_key import load_or_create

    (tmp_path / "secret_key").write_text("change-me\n")
    with pytest.raises(ConfigError, match="Delete the file"):
        load_or_create(tmp_path / "secret_key")


@pytest.mark.parametrize("key,problem", [
    ("dev-only-change-me", "published"), ("Change-Me", "published"), ("gridmap-demo", "published"),
    ("a" * 64, "repetitive"), ("0123456789abcdef", "shorter than 32"),
])
def test_known_short_or_repetitive_keys_are_refused_in_production(key, problem):
    from app.secret_key import resolve

    with pytest.raises(ConfigError, match=f"GRIDMAP_SECRET_KEY is .*{problem}"):
        resolve({"SECRET_KEY": key})


@pytest.mark.parametrize("flags", [{"TESTING": True}, {"DEBUG": True}])
def test_tests_and_debug_may_use_any_key(flags):
    from app.secret_key import resolve

    assert resolve({"SECRET_KEY": "test", **flags}) == "test"


def test_a_long_random_key_is_used_as_given():
    import secrets

    from app.secret_key import resolve

    key = secrets.token_hex(32)
    assert resolve({"SECRET_KEY": key}) == key


def test_serving_variables_are_not_app_settings(monkeypatch):
    monkeypatch.setenv("GRIDMAP_SERVE_READ_TIMEOUT", "5")
    monkeypatch.setenv("GRIDMAP_SECRET_KEY", "k" * 40)
    cfg = from_environment()
    assert "SERVE_READ_TIMEOUT" not in cfg and cfg["SECRET_KEY"] == "k" * 40


def test_secret_key_doctests():
    import doctest

    from app import secret_key

    assert doctest.testmod(secret_key).failed == 0


def test_an_unreadable_key_file_names_the_file_and_the_fix(tmp_path, monkeypatch):
    """A key file made by root (a first `flask` command run as root) and a server run as another user."""
    import pathlib
    import secrets

    from app.secret_key import load_or_create

    key_file = tmp_path / "secret_key"
    key_file.write_text(secrets.token_urlsafe(48))
    key_file.chmod(0o600)

    def unreadable(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(pathlib.Path, "read_text", unreadable)
    with pytest.raises(ConfigError, match=f"{key_file}.*chown.*GRIDMAP_SECRET_KEY"):
        load_or_create(key_file)
