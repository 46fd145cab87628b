from __future__ import annotations

import pytest

from tests.districts.helpers import load_second_district


@pytest.fixture
def two_districts(db, sample):
    """The sample district 410102 and district 410103 beside it, each with its published version."""
    return {"first": sample, "second": load_second_district(db)}
