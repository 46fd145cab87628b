"""GeoReport v2 documents as JSON or XML, and errors in the GeoReport format.

JSON is what the data is; XML mirrors it element for element, as the
GeoReport v2 examples do: a list becomes its container element holding one
child element per item (``<services><service>``), ``None`` an empty element,
``True``/``False`` the words ``true``/``false``.
"""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

from flask import Response

FORMATS = ("json", "xml")
JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "text/xml; charset=utf-8"

# Characters XML 1.0 cannot carry at all, even escaped (control characters a
# client may have typed into a description): dropped rather than an invalid document.
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _fill(parent: ET.Element, value, item_tag: str | None = None) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            child = ET.SubElement(parent, key)
            _fill(child, inner, item_tag=_ITEM_TAGS.get(key))
    elif isinstance(value, list):
        for inner in value:
            child = ET.SubElement(parent, item_tag or "item")
            _fill(child, inner)
    else:
        parent.text = _text(value)


#: The element of one item in each list the GeoReport v2 XML examples show.
_ITEM_TAGS = {
    "service_requests": "request", "services": "service", "endpoints": "endpoint", "formats": "format",
    "errors": "error", "attributes": "attribute", "values": "value",
}


def to_xml(root: str, value) -> str:
    """``value`` under the element ``root``, with the XML declaration GeoReport asks for.

    >>> to_xml("services", [{"service_code": "0102", "metadata": False, "group": "A & B"}])
    '<?xml version="1.0" encoding="UTF-8"?>\\n<services><service><service_code>0102</service_code><metadata>false</metadata><group>A &amp; B</group></service></services>'
    """
    element = ET.Element(root)
    _fill(element, value, item_tag=_ITEM_TAGS.get(root))
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(element, encoding="unicode")


def respond(fmt: str, root: str, value, status: int = 200) -> Response:
    """``value`` as JSON, or as XML under ``root``."""
    if fmt == "xml":
        return Response(to_xml(root, value), status=status, content_type=XML_TYPE)
    return Response(json.dumps(value, ensure_ascii=False), status=status, content_type=JSON_TYPE)


def errors(fmt: str, status: int, descriptions: list[str]) -> Response:
    """GeoReport errors: ``[{"code", "description"}]`` or ``<errors><error>...``."""
    return respond(fmt, "errors", [{"code": status, "description": d} for d in descriptions], status)
