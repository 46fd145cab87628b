from __future__ import annotations

import pytest

from tests.addresses import helpers as lib


@pytest.fixture
def library(db, sample):
    """The sample district plus the small address library of tests/addresses/helpers.py."""
    return lib.load(db)
