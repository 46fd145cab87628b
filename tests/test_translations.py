"""The Simplified Chinese catalogue: complete, up to date, and what the app serves by default.

The compiled ``.mo`` files are not in git (``make`` compiles them); the
session fixture below compiles them when missing or older than the ``.po``.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "app" / "translations"
PO_FILES = sorted(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"))
ZH_PO = TRANSLATIONS / "zh" / "LC_MESSAGES" / "messages.po"

#: The gettext functions the app uses (``pybabel extract -k _l -k lazy_gettext`` adds the last two).
KEYWORDS = {**DEFAULT_KEYWORDS, "_": None, "gettext": None, "ngettext": (1, 2),
            "lazy_gettext": None, "_l": None}

#: ``%(name)s``, ``%s``/``%d``, ``%%`` and ``{0}``/``{name}`` placeholders.
PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGc]|%[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGc]|%%"
                         r"|\{[0-9]*\}|\{\w+(?:[.!:][^{}]*)?\}")


def placeholders(text: str) -> Counter:
    return Counter(PLACEHOLDER.findall(text))


def _read(path: Path):
    with path.open("rb") as f:
        return read_po(f)


def _msgids(message) -> tuple[str, ...]:
    return message.id if isinstance(message.id, tuple) else (message.id,)


def _strings(message) -> tuple[str, ...]:
    return message.string if isinstance(message.string, tuple) else (message.string,)


@pytest.fixture(scope="session")
def compiled_catalogs():
    """Compile ``.po`` to ``.mo`` when a ``.mo`` is missing or older than its ``.po``."""
    stale = [po for po in PO_FILES
             if not po.with_suffix(".mo").exists() or po.with_suffix(".mo").stat().st_mtime < po.stat().st_mtime]
    if stale:
        proc = subprocess.run(
            [sys.executable, "-c", "import sys; from babel.messages.frontend import main; sys.exit(main())",
             "compile", "-d", str(TRANSLATIONS)],
            capture_output=True, text=True, cwd=ROOT)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    return stale


@pytest.fixture
def zh_client(app, client, compiled_catalogs):
    _forget_loaded_catalogues()
    return client


def _get(client, url):
    """GET ``url`` as a fresh visitor would get it.

    The ``db`` fixture keeps one app context pushed for the whole test, so every
    request shares ``g``, where Flask-Babel caches the locale it selected; a
    real request has its own app context. Drop the cached choice first.
    """
    from flask_babel import refresh

    refresh()
    return client.get(url)


def _in_page(text: str, html: str) -> bool:
    """``text`` appears in the page as is, or JSON-escaped inside a script."""
    return text in html or json.dumps(text)[1:-1] in html


def _forget_loaded_catalogues():
    """Flask-Babel caches loaded catalogues per locale; drop any loaded before the .mo existed."""
    from app.extensions import babel

    babel.domain_instance.cache.clear()


# --- (a) complete and well-formed -------------------------------------------------------------

def test_chinese_catalogue_exists():
    assert ZH_PO.exists(), "run: pybabel init -i app/translations/messages.pot -d app/translations -l zh"
    assert str(_read(ZH_PO).locale) == "zh"


@pytest.mark.parametrize("po", PO_FILES, ids=lambda p: p.parent.parent.name)
def test_every_message_is_translated_and_not_fuzzy(po):
    catalog = _read(po)
    assert not catalog.fuzzy, f"{po}: the header is marked fuzzy"
    problems = []
    for message in catalog:
        if not message.id:
            continue
        if message.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
        if not all(s.strip() for s in _strings(message)):
            problems.append(f"untranslated: {message.id!r}")
    assert len(catalog) > 0
    assert problems == []


@pytest.mark.parametrize("po", PO_FILES, ids=lambda p: p.parent.parent.name)
def test_placeholders_are_kept(po):
    catalog = _read(po)
    problems = []
    for message in catalog:
        if not message.id or not all(_strings(message)):
            continue
        ids = _msgids(message)
        if len(ids) == 1:
            expected = placeholders(ids[0])
            for s in _strings(message):
                if placeholders(s) != expected:
                    problems.append(f"{ids[0]!r} -> {s!r}")
        else:
            # Plural forms: each form uses the placeholders of the singular or the plural msgid.
            allowed = set(placeholders(ids[0])) | set(placeholders(ids[1]))
            for s in _strings(message):
                if not set(placeholders(s)) <= allowed or (
                        set(placeholders(ids[1])) - set(placeholders(ids[0])) - set(placeholders(s))):
                    problems.append(f"{ids!r} -> {s!r}")
    assert problems == []
    # Babel's own checks (python-format consistency), the ones `pybabel compile` reports.
    errors = [(m.id, [str(e) for e in errs]) for m, errs in catalog.check()]
    assert errors == []


def test_obsolete_entries_are_not_kept():
    assert _read(ZH_PO).obsolete == {}, "drop the #~ entries left by pybabel update"


# --- (b) up to date with the sources ---------------------------------------------------------

def _extracted_msgids() -> set[str]:
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS, strip_comment_tags=True):
        msgid = message[0] if isinstance(message, (tuple, list)) else message
        if msgid:
            found.add(msgid)
    return found


def test_catalogue_covers_every_string_in_the_sources():
    extracted = _extracted_msgids()
    # Spot checks that extraction saw every kind of source.
    for expected in ("Could not load %(name)s: %(error)s",       # app/maps/texts.py (gettext)
                     "Dedicated grid",                           # app/labels.py (lazy_gettext)
                     "Enterprise request",                       # app/reports/categories.py (_l)
                     "Too many features in one import; split the file.",  # app/grids/messages.py
                     "%(field)s must be a number.",              # app/api/params.py
                     "Staffed share"):                           # app/templates/home.html
        assert expected in extracted
    for po in PO_FILES:
        catalog = _read(po)
        in_po = {_msgids(m)[0] for m in catalog if m.id}
        missing = sorted(extracted - in_po)
        assert missing == [], (
            f"{po.relative_to(ROOT)} is missing {len(missing)} message(s); re-extract and update "
            f"(see app/translations/README.md): {missing[:10]}")


# --- (c) what the app serves -----------------------------------------------------------------

def test_home_page_is_chinese_by_default_and_english_on_request(zh_client):
    html = _get(zh_client, "/").get_data(as_text=True)
    assert "网格" in html and "首页" in html and "未办结事件" in html
    assert 'lang="zh-CN"' in html
    assert "Grid coverage" not in html

    html = _get(zh_client, "/?lang=en").get_data(as_text=True)
    assert "Grid coverage" in html and "Open events" in html
    assert "网格覆盖" not in html and "首页" not in html
    # The choice is remembered in a cookie.
    html = _get(zh_client, "/").get_data(as_text=True)
    assert "Grid coverage" in html and "首页" not in html


def test_coverage_map_is_chinese_by_default_and_english_on_request(zh_client):
    resp = _get(zh_client, "/maps/coverage")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "网格覆盖" in html and "加载中" in html
    assert _in_page("专属网格", html)  # a layer name, handed to the map script

    html = _get(zh_client, "/maps/coverage?lang=en").get_data(as_text=True)
    assert "Grid coverage" in html and "Loading…" in html and _in_page("Dedicated grids", html)
    assert not _in_page("网格覆盖", html) and not _in_page("专属网格", html)


def test_api_validation_message_is_chinese_by_default(zh_client):
    resp = _get(zh_client, "/api/v1/lookup?lon=abc&lat=1")
    assert resp.status_code == 422
    error = resp.get_json()["error"]
    assert error["message"] == "lon 必须是数字。"
    assert error["details"]["field"] == "lon"

    resp = _get(zh_client, "/api/v1/lookup?lon=abc&lat=1&lang=en")
    assert resp.status_code == 422
    assert resp.get_json()["error"]["message"] == "lon must be a number."


def test_labels_outside_a_request_default_to_chinese(app, compiled_catalogs, monkeypatch):
    """CLI output (no request) is Chinese too, unless GRIDMAP_LANG says otherwise."""
    monkeypatch.delenv("GRIDMAP_LANG", raising=False)
    from flask_babel import force_locale

    from app.reports.categories import label

    with app.app_context():
        _forget_loaded_catalogues()
        assert label("0704") == "企业诉求(万人助万企)"
        with force_locale("en"):
            assert label("0704") == "Enterprise request"
