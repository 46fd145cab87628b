"""The standard address library (标准地址) and geocoding against it.

``service``: import, aliases, grid assignment (``reassign_addresses``), lists;
``geocoding``: the per-process in-memory index, ``geocode`` and suggestions;
``external``: optional geopy geocoders; ``intake``: reports with an address
and no point; ``api`` and ``cli``: the entry points.
"""
from app.addresses.api import api_bp  # noqa: F401
