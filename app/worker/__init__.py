"""The grid worker's phone app (/m/): my tasks, report an event, patrol. An installable PWA.

Pages are shells for 390 px wide screens; their scripts (static/js/worker/)
call the existing JSON APIs (reports, transitions, photos, patrol fixes and
sessions, patrol figures). ``/m/sw.js`` is the service worker (scope /m/):
it keeps the app shell and the vendored assets, so the app opens with no
network; work done offline waits in IndexedDB (static/js/worker/outbox.js)
and is sent when the network returns, to APIs that are idempotent.
"""
from app.worker.pages import bp  # noqa: F401
