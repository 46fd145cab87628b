"""Reading JSON that clients send: limits that keep a hostile document a 4xx, never a 500.

Python's json module parses nesting by recursion (a body of 100,000 ``[``
raises RecursionError) and turns any run of digits into an int (a 400-digit
"longitude" then fails ``float()`` with OverflowError). Every JSON text a
client sends is read here: request bodies (``JSONProvider``, so
``request.get_json`` everywhere) and uploaded files (the grid, report and
address imports). It refuses, as a ``json.JSONDecodeError`` that every
caller already turns into a 422:

- nesting deeper than ``MAX_DEPTH`` (a GeoJSON FeatureCollection of
  MultiPolygons needs 8);
- a whole number of more than ``MAX_INT_DIGITS`` digits (beyond 64 bits: no
  id, count or coordinate of GridMap's is that long).

``NaN``, ``Infinity`` and ``1e400`` still parse (to non-finite floats), as
before: every number field is checked for finiteness where it is read, which
names the field.
"""
from __future__ import annotations

import json
import re

import numpy as np
from flask.json.provider import DefaultJSONProvider
from flask_babel import gettext as _

MAX_DEPTH = 64
MAX_INT_DIGITS = 19

# A JSON string (unrolled, possessive: linear, no backtracking), and the bytes that are not brackets.
_STRING = re.compile(rb'"[^"\\]*+(?:\\.[^"\\]*+)*+"', re.S)
_NOT_BRACKETS = bytes(c for c in range(256) if c not in b"[]{}")
_CHUNK = 1 << 22


class JSONLimitError(json.JSONDecodeError):
    """A JSON text over one of the limits; ``reason`` is ``too_deep`` or ``number_too_long``."""

    def __init__(self, reason: str, message: str):
        ValueError.__init__(self, message)
        self.reason, self.msg, self.doc, self.pos, self.lineno, self.colno = reason, message, "", 0, 1, 1

    def __reduce__(self):
        return type(self), (self.reason, self.msg)


def _too_deep() -> JSONLimitError:
    return JSONLimitError("too_deep", _("The JSON nests deeper than %(n)s levels.", n=MAX_DEPTH))


def nests_deeper_than(text: bytes, limit: int = MAX_DEPTH) -> bool:
    r"""Whether the brackets of ``text`` (UTF-8, outside strings) nest deeper than ``limit``.

    Linear in the text: the brackets alone, as +1 (``[``, ``{``) and -1
    (``]``, ``}``), summed up in chunks (numpy), so a hostile 64 MB body costs
    no more than reading it. Unbalanced brackets are left to the parser,
    which reports them (and stops on RecursionError).

    >>> nests_deeper_than(b'{"a": [[1, 2], {"b": "[[[[\\\\"}]}', 3)
    False
    >>> nests_deeper_than(b'[[[[1]]]]', 3)
    True
    """
    brackets = _STRING.sub(b"", text).translate(None, _NOT_BRACKETS)
    level = 0
    for start in range(0, len(brackets), _CHUNK):
        chunk = np.frombuffer(brackets, np.uint8, count=min(_CHUNK, len(brackets) - start), offset=start)
        # "[" 0x5B and "{" 0x7B have bit 1 set, "]" 0x5D and "}" 0x7D do not.
        levels = np.cumsum((chunk & 2).astype(np.int32) - 1) + level
        if levels.max() > limit:
            return True
        level = int(levels[-1])
    return False


def _whole_number(digits: str) -> int:
    if len(digits) - digits.startswith("-") > MAX_INT_DIGITS:
        raise JSONLimitError("number_too_long", _("A whole number in the JSON has more than %(n)s digits.",
                                                  n=MAX_INT_DIGITS))
    return int(digits)


def loads(data: str | bytes | bytearray, **kwargs):
    """``json.loads`` within the limits above; raises ``json.JSONDecodeError`` (or UnicodeDecodeError)."""
    if isinstance(data, str):
        text, utf8 = data, data.encode("utf-8", "surrogatepass")
    else:  # decoded as json.loads does: UTF-8, -16 or -32, told apart by the first bytes
        encoding = json.detect_encoding(data)
        text = bytes(data).decode(encoding, "surrogatepass")
        utf8 = bytes(data) if encoding == "utf-8" else text.encode("utf-8", "surrogatepass")
    if nests_deeper_than(utf8):
        raise _too_deep()
    try:
        return json.loads(text, parse_int=_whole_number, **kwargs)
    except RecursionError:  # unbalanced brackets the pre-check left to the parser
        raise _too_deep() from None


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, reading request bodies through ``loads`` above."""

    def loads(self, s, **kwargs):
        return loads(s, **kwargs)
