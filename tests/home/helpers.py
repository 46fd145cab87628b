"""Reading the home page's cards and the desk lists they open (the overdue and today's-reports tests)."""
from __future__ import annotations

import json
import re


def card(html: str, ident: str) -> tuple[int, str]:
    """The number on the home card ``ident`` and the address it links to."""
    found = re.search(rf'id="{ident}">(\d+)</div>\s*<a class="small" href="([^"]+)"', html)
    return int(found.group(1)), found.group(2).replace("&amp;", "&")


def desk_list(client, href: str) -> list[str]:
    """The tickets of the desk page at ``href``, as its first feed answer lists them."""
    html = client.get(href).get_data(as_text=True)
    settings = json.loads(re.search(r"GridMapDispatch\.init\(\s*\w+,\s*(\{.*?\})\s*\);", html, re.S).group(1))
    f = settings["filters"]
    query = {k: v for k, v in f.items() if v and k not in ("ticket",)}
    if query.get("status") == "all":
        del query["status"]
    body = client.get("/api/v1/reports/changes", query_string=query).get_json()
    return [feature["id"] for feature in body["features"]]
