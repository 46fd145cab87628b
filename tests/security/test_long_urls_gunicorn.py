"""QA R9: an over-long address gets GridMap's own answer, in Chinese, never gunicorn's bare English 400.

A real gunicorn (the repository's gunicorn.conf.py and worker) serves the test database:

- a search text over the page's limit, within what gunicorn reads: 422 naming ``q``;
- a request line longer than gunicorn reads (3000 Chinese characters, ~27 kB; and one longer than
  the worker's buffer): 414, the app's error page for a browser and JSON for the API;
- the connection still serves the next request when the line was read whole.
"""
from __future__ import annotations

import socket
from urllib.parse import quote

import pytest
import requests

from app.serving import cut_long_target, line_limit
from tests.security.live_gunicorn import LiveGunicorn

HTML = {"Accept": "text/html"}
CHINESE = "建设路" * 1000   # 3000 characters, 27 000 bytes once percent-encoded


@pytest.fixture(scope="module")
def server(app):
    with LiveGunicorn(app.config["SQLALCHEMY_DATABASE_URI"], "--workers", "1") as live:
        yield live


def _main(res) -> str:
    return res.text.split("<main", 1)[1]


def test_a_search_text_over_the_limit_is_a_chinese_422_naming_q(server):
    res = requests.get(server.base + "/lookup?q=" + quote("建" * 201), headers=HTML, timeout=30)
    assert res.status_code == 422 and res.headers["Content-Type"].startswith("text/html"), res.text[:300]
    main = _main(res)
    assert "q" in main and "200" in main and "Bad Request" not in res.text
    assert "请检查" in main  # the 422 page's Chinese heading
    # Within the limit the page opens with the text in its search box (and looks it up).
    ok = requests.get(server.base + "/lookup?q=" + quote("建设路32号"), headers=HTML, timeout=30)
    assert ok.status_code == 200 and 'value="建设路32号"' in ok.text


def test_a_url_longer_than_gunicorn_reads_gets_the_apps_chinese_page(server):
    res = requests.get(server.base + "/lookup?q=" + quote(CHINESE), headers=HTML, timeout=30)
    assert res.status_code == 414, res.text[:300]
    assert res.headers["Content-Type"].startswith("text/html")
    assert "Bad Request" not in res.text and "<main" in res.text
    main = _main(res)
    assert "网址太长" in main and "8190" in main
    # The app's page: its header and a way on.
    assert 'href="/"' in res.text or "href='/'" in res.text


def test_an_api_url_longer_than_gunicorn_reads_gets_json(server):
    res = requests.get(server.base + "/api/v1/lookup?address=" + quote(CHINESE), timeout=30)
    assert res.status_code == 414, res.text[:300]
    error = res.json()["error"]
    assert error["code"] == "uri_too_long" and "网址太长" in error["message"]
    assert error["details"] == {"field": "url"}


def test_the_connection_serves_the_next_request(server):
    with requests.Session() as session:
        assert session.get(server.base + "/lookup?q=" + quote(CHINESE), headers=HTML, timeout=30).status_code == 414
        assert session.get(server.base + "/healthz", timeout=30).status_code == 200


def test_a_line_longer_than_the_workers_buffer_is_answered_too(server):
    target = b"/lookup?q=" + b"%E5%BB%BA" * 30_000   # 270 kB
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        try:
            sock.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nAccept: text/html\r\n\r\n")
        except OSError:
            pass  # the answer may come (and the socket close) before everything is sent
        data = b""
        while b"</html>" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    assert data.startswith(b"HTTP/1.1 414"), data[:200]
    assert "网址太长".encode() in data


def test_cutting_a_target():
    assert line_limit(4094) == 4094 and line_limit(0) == 8190
    cut = cut_long_target(b"GET /lookup?q=" + b"a" * 100 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 50)
    assert cut == b"GET /lookup HTTP/1.1\r\nX-GridMap-Target-Too-Long: 50\r\nHost: x\r\n\r\n"
    assert cut_long_target(b"GET /" + b"a" * 2000 + b"?q=1 HTTP/1.1\r\n\r\n", 50).startswith(b"GET / HTTP/1.1\r\n")


def test_an_api_key_in_the_url_is_not_kept_in_the_access_log(server):
    """Open311 takes api_key in the query string (issue 17); the access log masks it (issue 20)."""
    secret = "gm_notarealtoken0123456789abcdef"
    res = requests.get(server.base + f"/open311/v2/services.json?jurisdiction_id=410102&api_key={secret}",
                       headers={"Referer": f"{server.base}/x?api_key={secret}"}, timeout=30)
    assert res.status_code in (200, 403)
    requests.get(server.base + "/healthz", timeout=30)   # the access line above is flushed by now
    log = server.log_text()
    assert "/open311/v2/services.json" in log and "api_key=[redacted]" in log
    assert secret not in log
