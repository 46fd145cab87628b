"""GDAL (through pyogrio), locked down to the three vector formats GridMap reads and writes.

GDAL picks a reader by a file's content, not its name, and many readers open
other files or URLs named inside the data: an ``OGRVRTDataSource`` XML named
``grid.geojson`` reads ``/etc/passwd`` through the CSV driver, ``/vsicurl/``
paths make the server send requests. So, once per process, before GridMap
hands GDAL anything:

* every driver but GeoJSON, GeoPackage and ESRI Shapefile is deregistered
  (the VRT, CSV, HTTP and OGC-service readers among them);
* every GDAL virtual file system but ``/vsimem/`` (pyogrio's in-memory files)
  is removed: the network ones (``/vsicurl/``, ``/vsis3/``, ...) and the
  ones that reach other files (``/vsizip/``, ``/vsitar/``, ``/vsisparse/``,
  ``/vsistdin/`` ...); a path starting with them is then an ordinary,
  missing, local path;
* configuration options close what is left: no ``/vsicurl/`` file is
  allowed even if a handler came back, no PROJ network access, no SQLite
  external access, no directory listing on open.

GDAL's C API is reached with ctypes in the library pyogrio loaded (the same
handle, so the same driver manager). :func:`check` says whether the lockdown
holds; :func:`read` refuses to run when it does not. Every open names its
driver (``"GPKG:/tmp/...gpkg"``), so even a driver that survived could not
take a file over.
"""
from __future__ import annotations

import ctypes
import logging
import os
import threading
import warnings

import pyogrio
import pyproj

log = logging.getLogger(__name__)

#: The only GDAL drivers left registered (GDAL short names).
DRIVERS = ("GeoJSON", "GPKG", "ESRI Shapefile")
#: The only GDAL virtual file system left: pyogrio reads and writes buffers through it.
KEPT_FILE_SYSTEMS = ("/vsimem/",)

CONFIG = {
    # Only this exact (impossible) name may be opened by /vsicurl/ and the file systems built on it.
    "CPL_VSIL_CURL_ALLOWED_FILENAME": "/vsicurl/gridmap-allows-no-url",
    "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".gridmap-allows-no-url",
    "GDAL_HTTP_TIMEOUT": "1",
    "GDAL_HTTP_MAX_RETRY": "0",
    "PROJ_NETWORK": "OFF",
    "OGR_SQLITE_ALLOW_EXTERNAL_ACCESS": "NO",
    "GDAL_ALLOW_REMOTE_RESOURCE_TO_ACCESS_LOCAL_FILE": "NO",
    "CPL_ALLOW_VSISTDIN": "NO",
    "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",
    "GDAL_VRT_ENABLE_PYTHON": "NO",
}

_lock = threading.Lock()
_done = False


class LockdownError(RuntimeError):
    """GDAL could not be locked down: nothing is read with it."""


def _libgdal() -> ctypes.CDLL:
    """The GDAL library pyogrio loaded (found in this process's memory map, so the same handle)."""
    with open("/proc/self/maps", encoding="utf-8") as fh:
        for line in fh:
            path = line.split()[-1] if line.strip() else ""
            if os.path.basename(path).startswith("libgdal") and ".so" in path:
                lib = ctypes.CDLL(path)
                lib.GDALGetDriverCount.restype = ctypes.c_int
                lib.GDALGetDriver.argtypes = [ctypes.c_int]
                lib.GDALGetDriver.restype = ctypes.c_void_p
                lib.GDALGetDriverShortName.argtypes = [ctypes.c_void_p]
                lib.GDALGetDriverShortName.restype = ctypes.c_char_p
                lib.GDALDeregisterDriver.argtypes = [ctypes.c_void_p]
                lib.VSIGetFileSystemsPrefixes.restype = ctypes.POINTER(ctypes.c_char_p)
                lib.VSIRemovePluginHandler.argtypes = [ctypes.c_char_p]
                lib.VSIRemovePluginHandler.restype = ctypes.c_int
                return lib
    raise LockdownError("libgdal is not loaded in this process")


def _drivers(lib) -> list[tuple[str, int]]:
    out = []
    for i in range(lib.GDALGetDriverCount()):
        handle = lib.GDALGetDriver(i)
        out.append((lib.GDALGetDriverShortName(handle).decode("ascii", "replace"), handle))
    return out


def _file_systems(lib) -> list[str]:
    # The list is GDAL's own (CSLDestroy would free it; a few bytes once per process are not worth a binding).
    array = lib.VSIGetFileSystemsPrefixes()
    out, i = [], 0
    while array[i]:
        out.append(array[i].decode("ascii", "replace"))
        i += 1
    return out


def lock_down() -> None:
    """Deregister every other driver and file system and set :data:`CONFIG` (once per process)."""
    global _done
    if _done:
        return
    with _lock:
        if _done:
            return
        pyogrio.list_drivers()  # makes pyogrio register GDAL's drivers first, so none comes back after
        lib = _libgdal()
        for name, handle in _drivers(lib):
            if name not in DRIVERS:
                lib.GDALDeregisterDriver(handle)
        for prefix in _file_systems(lib):
            if prefix not in KEPT_FILE_SYSTEMS:
                lib.VSIRemovePluginHandler(prefix.encode("ascii"))
        pyogrio.set_gdal_config_options(CONFIG)
        pyproj.network.set_network_enabled(False)
        _done = True
        problems = check()
        if problems:
            raise LockdownError("GDAL lockdown incomplete: " + "; ".join(problems))


def check() -> list[str]:
    """What is still open that :func:`lock_down` closes (empty when locked down)."""
    lib = _libgdal()
    problems = [f"driver {name}" for name, _h in _drivers(lib) if name not in DRIVERS]
    problems += [f"file system {p}" for p in _file_systems(lib) if p not in KEPT_FILE_SYSTEMS]
    problems += [f"{key}={pyogrio.get_gdal_config_option(key)!r}" for key, value in CONFIG.items()
                 if _setting(pyogrio.get_gdal_config_option(key)) != _setting(value)]
    return problems


def _setting(value) -> str:
    # pyogrio answers YES/ON as True and NO/OFF as False.
    text = str(value).upper()
    return {"TRUE": "YES", "ON": "YES", "FALSE": "NO", "OFF": "NO"}.get(text, text)


def _source(path: str, driver: str) -> str:
    """What GDAL is asked to open: ``path`` with its driver named in front where GDAL accepts that.

    GDAL reads ``GPKG:`` and ``GeoJSON:`` prefixes; the Shapefile driver has none, and with only these
    three drivers left nothing else can claim a ``.shp`` (its header was checked before, too).
    """
    if driver not in DRIVERS:
        raise ValueError(f"driver {driver!r} is not one GridMap reads")
    if not os.path.isabs(path) or path.startswith("/vsi"):
        raise ValueError("only local files are read")
    lock_down()
    return path if driver == "ESRI Shapefile" else f"{driver}:{path}"


def info(path: str, driver: str, layer: str | None = None) -> dict:
    """``pyogrio.read_info`` (layer metadata and feature count, nothing decoded) with ``driver`` forced."""
    source = _source(path, driver)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        found = pyogrio.read_info(source, layer=layer, force_feature_count=True)
    if found.get("driver") != driver:
        raise LockdownError(f"{found.get('driver')!r} opened a file meant for {driver!r}")
    return found


def read(path: str, driver: str, layer: str | None = None):
    """``pyogrio.raw.read`` of the local file ``path`` with ``driver`` forced: (meta, geometry WKB, fields)."""
    source = _source(path, driver)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        meta, _fids, geometry, fields = pyogrio.raw.read(source, layer=layer)
    return meta, geometry, fields


def layers(path: str, driver: str) -> list[str]:
    source = _source(path, driver)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return [str(name) for name, _type in pyogrio.list_layers(source)]
