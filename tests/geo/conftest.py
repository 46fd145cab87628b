"""Configuration for the pure ``geo`` tests: no database, no app.

These tests need nothing but the ``geo`` package, so they run in seconds
anywhere (``pytest tests/geo --confcutdir=tests/geo`` even skips a
top-level conftest with database fixtures). No fixture here starts or
touches PostgreSQL.
"""
import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent
_ROOT = _HERE.parents[1]
# The repository root makes ``import geo`` work without installing the
# project; this directory makes the shared ``geo_samples`` module importable
# whatever pytest import mode is configured.
for path in (str(_ROOT), str(_HERE)):
    if path not in sys.path:
        sys.path.insert(0, path)
