"""Configuration for the pure ``geo`` tests: no database, no app.

These tests need nothing but the ``geo`` package, so they run in seconds
anywhere (``pytest tests/geo --confcutdir=tests/geo`` even skips a
top-level conftest with database fixtures). No fixture here starts or
touches PostgreSQL.
"""
import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[2]
# The repository root makes ``import geo`` (and the shared ``tests.geo.helpers``)
# work without installing the project, whatever pytest import mode is configured.
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))
