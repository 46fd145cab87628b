"""Optional external geocoders (geopy), asked only when the standard library has no confident answer.

Off unless ``GRIDMAP_GEOCODER`` is set:

============  ======================  ==========================  ===============================
setting       geopy class             answers in (GEOCODER_CRS)   accepted as a placement when
============  ======================  ==========================  ===============================
``baidu``     ``BaiduV3`` (AK in      BD-09                       ``precise == 1`` and
              ``GEOCODER_KEY``)                                   ``confidence >= 80`` (< 100 m)
``nominatim`` ``Nominatim``           WGS-84                      ``place_rank >= 28`` (building
              (``GEOCODER_DOMAIN``)                               or house number)
============  ======================  ==========================  ===============================

Coordinates are converted to WGS-84 with ``geo.crs.to_wgs84``; set
``GEOCODER_CRS=gcj02`` for a service that answers in GCJ-02 (a Nominatim
mirror over AMap data, a proxy). Anything less precise than the table says
is no answer: the report is then placed by a person. A network error or
timeout is logged and treated as no answer, never as a failed request.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from geo.crs import to_wgs84

#: Provider -> (geopy class name, coordinate system it answers in).
PROVIDERS = {"baidu": ("BaiduV3", "bd09"), "nominatim": ("Nominatim", "4326")}
CHOICES = ("off", *PROVIDERS)
BAIDU_MIN_CONFIDENCE = 80
NOMINATIM_MIN_RANK = 28


@dataclass(frozen=True)
class ExternalHit:
    provider: str
    address: str
    lon: float          # WGS-84
    lat: float
    confidence: float   # 0..1


def geocoder_class(provider: str):
    """The geopy class for ``provider`` (tests replace this with a fake)."""
    from geopy import geocoders

    return getattr(geocoders, PROVIDERS[provider][0])


def _make(provider: str, cfg):
    cls = geocoder_class(provider)
    timeout = float(cfg.get("GEOCODER_TIMEOUT", 3.0))
    agent = cfg.get("GEOCODER_USER_AGENT") or "gridmap"
    if provider == "baidu":
        return cls(api_key=cfg.get("GEOCODER_KEY", ""), timeout=timeout, user_agent=agent)
    kwargs = {"timeout": timeout, "user_agent": agent}
    if cfg.get("GEOCODER_DOMAIN"):
        kwargs["domain"] = cfg["GEOCODER_DOMAIN"]
    return cls(**kwargs)


def _confidence(provider: str, raw: dict) -> float | None:
    """The provider's own precision as 0..1, or None when too coarse to place a report."""
    if provider == "baidu":
        try:
            precise, confidence = int(raw.get("precise", 0)), float(raw.get("confidence", 0))
        except (TypeError, ValueError):
            return None
        return confidence / 100 if precise == 1 and confidence >= BAIDU_MIN_CONFIDENCE else None
    try:
        rank = int(raw.get("place_rank", 0))
    except (TypeError, ValueError):
        return None
    if rank < NOMINATIM_MIN_RANK:
        return None
    return 0.9 if rank >= 30 else 0.8


def geocode(query: str) -> ExternalHit | None:
    """Ask the configured geocoder; None when off, not precise enough, or unreachable."""
    cfg = current_app.config
    provider = (cfg.get("GEOCODER") or "off").lower()
    if provider not in PROVIDERS or not (query or "").strip():
        return None
    prefix = cfg.get("GEOCODER_QUERY_PREFIX", "")
    full = query if query.startswith(prefix) else prefix + query
    try:
        location = _make(provider, cfg).geocode(full, exactly_one=True)
    except Exception as exc:  # geopy raises many kinds (timeouts, quota, bad key): all mean "no answer"
        current_app.logger.warning("external geocoder %s failed for %r: %s", provider, query[:80], exc)
        return None
    if location is None:
        return None
    confidence = _confidence(provider, location.raw or {})
    if confidence is None:
        return None
    crs = cfg.get("GEOCODER_CRS") or PROVIDERS[provider][1]
    lon, lat = to_wgs84(float(location.longitude), float(location.latitude), crs)
    return ExternalHit(provider, str(location.address or full), float(lon), float(lat), confidence)
