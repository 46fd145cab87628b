"""Take the README screenshots of the map pages with headless chromium.

Run once against a database holding the demo data (``flask demo load``):

    .venv/bin/python docs/make_screenshot.py            # docs/img/coverage.png, docs/img/issues.png
    .venv/bin/python docs/make_screenshot.py --lang en  # English labels

Uses the app's own settings (``DATABASE_URL`` or the embedded cluster) and
Debian's /usr/bin/chromium through the playwright package; nothing is fetched
from the internet.
"""
from __future__ import annotations

import argparse
import logging
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
LOADED = """keys => keys.every(k => window.gridmapLayers[k]
    && (window.gridmapLayers[k].loaded || window.gridmapLayers[k].error))"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", default="zh", choices=("zh", "en"))
    parser.add_argument("--out", default=str(ROOT / "docs" / "img"))
    parser.add_argument("--size", default="1280x800", help="viewport WIDTHxHEIGHT")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))

    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    from app import create_app

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = make_server("127.0.0.1", 0, create_app(), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": width, "height": height})
            page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(base) else r.abort())
            for name, keys in (("coverage", ["district", "subdistrict", "community", "grid", "dedicated"]),
                               ("issues", ["communities", "reports"])):
                page.goto(f"{base}/maps/{name}?lang={args.lang}")
                page.wait_for_function(LOADED, arg=keys, timeout=60_000)
                page.wait_for_timeout(800)  # let the cluster animation settle
                errors = page.evaluate("keys => keys.map(k => window.gridmapLayers[k].error).filter(Boolean)", keys)
                if errors:
                    print(f"{name}: layer errors {errors}", file=sys.stderr)
                    return 1
                target = out / f"{name}.png"
                page.screenshot(path=str(target))
                print(f"wrote {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")
            browser.close()
    finally:
        server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
