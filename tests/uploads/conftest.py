"""The planning fixtures (a draft over the sample district) serve the upload tests too."""
from tests.plan.conftest import draft  # noqa: F401 (a fixture)
