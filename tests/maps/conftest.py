"""The browser fixtures live in tests/browser.py (one browser for the whole suite); names re-exported
for the tests that import helpers from here."""
from tests.browser import BROWSER_PASSWORD, BROWSER_USER, CHROMIUM, sign_in  # noqa: F401
