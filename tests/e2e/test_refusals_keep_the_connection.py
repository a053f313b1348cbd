"""Against `apex serve`: refusals keep the keep-alive connection usable.

A refusal that crashed while rendering used to answer a bare 500 and reset the
connection, so the browser's next request on it failed too.
"""

from __future__ import annotations

import http.client
import re
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.e2e


def test_one_connection_survives_a_run_of_refusals(live_server: str) -> None:
    address = urlsplit(live_server)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
    connection.request("GET", "/login")
    first = connection.getresponse()
    cookie = first.getheader("set-cookie", "").split(";")[0]
    login_page = first.read().decode()
    assert first.status == 200
    socket_before = connection.sock

    token = re.search(r'name="csrf_token" value="([^"]+)"', login_page)
    assert token
    refusals = [
        ("GET", "/courses/no-such-course", None, 404),
        ("POST", "/login", "email=a%40b.c&password=x", 403),  # no CSRF token
        ("GET", "/courses/a%00b", None, 400),
        ("GET", "/sessions/9223372036854775808", None, 404),
        ("PUT", "/courses", None, 405),
        ("GET", "/api/v1/sessions/1", None, 401),
    ]
    for method, path, body, status in refusals:
        headers = {"Cookie": cookie} if cookie else {}
        if body:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        answer = connection.getresponse()
        page = answer.read().decode()
        assert answer.status == status, (method, path, page[:300])
        assert answer.getheader("x-frame-options") == "DENY", path
        assert answer.getheader("connection", "").lower() != "close", path
    connection.request("GET", "/courses", headers={"Cookie": cookie} if cookie else {})
    last = connection.getresponse()
    assert last.status == 200 and "Courses" in last.read().decode()
    assert connection.sock is socket_before, "the server closed the connection on the way"
    connection.close()
