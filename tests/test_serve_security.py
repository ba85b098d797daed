"""The preview serves its author only (issue 18, item 9): no page under another name (DNS rebinding),
no websocket for another site's page, no reload pushed by another site, no terminal escapes printed."""

from __future__ import annotations

import asyncio
import http.client
import json
from pathlib import Path
from typing import Callable, Iterator

import pytest
from tornado.httpclient import HTTPClientError, HTTPRequest
from tornado.websocket import WebSocketClientConnection, websocket_connect

from backlying_site.serve import HostCheck
from test_serve import Running, free_port, make_site, start, wait_for, write_post  # noqa: F401 (start: a fixture)

TITLE = b"Rolling over"  # the one post's title: on the home page and on its own page
HELLO = {"command": "hello", "protocols": ["http://livereload.com/protocols/official-7"]}


def run_apart(coroutine):
    """asyncio.run in a thread of its own: a session's Playwright keeps an event loop running in
    this one (asyncio.run refuses to start there)."""
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


@pytest.fixture(scope="module")
def preview(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """One preview on 127.0.0.1 for the tests that only ask."""
    server = Running(make_site(tmp_path_factory.mktemp("guarded") / "site"), free_port())
    try:
        server.wait_ready()
        yield server
    finally:
        server.kill()


def ask(port: int, host: str, path: str = "/", **headers: str) -> tuple[int, bytes]:
    """GET over loopback with the Host header a browser would send for ``host``."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        conn.putrequest("GET", path, skip_host=True, skip_accept_encoding=True)
        for name, value in {"Host": host, **headers}.items():
            conn.putheader(name, value)
        conn.endheaders()
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


async def open_socket(port: int, **headers: str) -> WebSocketClientConnection:
    return await websocket_connect(HTTPRequest(f"ws://127.0.0.1:{port}/livereload", headers=headers))


def refused_socket(port: int, **headers: str) -> int:
    """The HTTP status that refused the websocket (fails the test if it opened)."""
    with pytest.raises(HTTPClientError) as refused:
        run_apart(open_socket(port, **headers))
    return refused.value.code


async def say_hello(socket: WebSocketClientConnection) -> dict:
    await socket.write_message(json.dumps(HELLO))
    return json.loads(await asyncio.wait_for(socket.read_message(), 20))


# --- Host: a name that leads here by DNS rebinding gets nothing -----------------------------


@pytest.mark.parametrize("host", ["evil.example", "evil.example:{port}", "localhost.evil.example:{port}",
                                  "127.0.0.1.nip.io:{port}", "192.168.1.20:{port}", "0.0.0.0:{port}"])
@pytest.mark.parametrize("path", ["/", "/rolling/", "/feed.xml", "/livereload.js", "/no-such-page/"])
def test_a_foreign_host_is_refused_with_nothing_of_the_site(preview: Running, host: str, path: str) -> None:
    status, body = ask(preview.port, host.format(port=preview.port), path)
    assert status in (403, 421)
    assert TITLE not in body and b"Serve Test Guide" not in body and b"livereload" not in body.lower()
    assert len(body) < 300


@pytest.mark.parametrize("host", ["localhost", "localhost:{port}", "LocalHost:{port}", "127.0.0.1",
                                  "127.0.0.1:{port}", "[::1]:{port}", "localhost:9000"])
def test_loopback_names_with_or_without_a_port_get_the_site(preview: Running, host: str) -> None:
    # any port: an `ssh -L 9000:localhost:8000` tunnel arrives with its own
    status, body = ask(preview.port, host.format(port=preview.port), "/rolling/")
    assert status == 200 and TITLE in body


def test_a_foreign_host_cannot_open_the_reload_socket_either(preview: Running) -> None:
    rebound = f"evil.example:{preview.port}"
    assert refused_socket(preview.port, Host=rebound, Origin=f"http://{rebound}") in (403, 421)


@pytest.mark.parametrize("listening, host, answered", [
    ("127.0.0.1", "localhost", True), ("127.0.0.1", "127.0.0.1", True), ("127.0.0.1", "[::1]", True),
    ("127.0.0.1", "evil.example", False), ("127.0.0.1", "192.168.1.20", False),
    ("::1", "[::1]", True), ("127.0.0.2", "127.0.0.2", True), ("127.0.0.2", "127.0.0.3", False),
    ("mybox.lan", "mybox.lan", True), ("MyBox.lan", "mybox.lan", True), ("mybox.lan", "evil.example", False),
    # every interface: the LAN addresses printed for phones (any IP literal), never a name from elsewhere
    ("0.0.0.0", "192.168.1.20", True), ("0.0.0.0", "10.0.0.7", True), ("::", "[fe80::1]", True),
    ("0.0.0.0", "localhost", True), ("0.0.0.0", "evil.example", False), ("::", "192.168.1.20.nip.io", False),
    ("0.0.0.0", "fe80::1", False), ("0.0.0.0", "[192.168.1.20]", False), ("0.0.0.0", "", False),
])
def test_which_hosts_the_preview_answers(listening: str, host: str, answered: bool) -> None:
    assert HostCheck.listening_on(listening).allows(host) is answered


def test_on_every_interface_the_printed_address_works_and_a_foreign_name_does_not(start, tmp_path: Path) -> None:
    server = start(make_site(tmp_path / "site"), "--host", "0.0.0.0")
    printed = next(line for line in server.stdout().splitlines() if line.startswith("Preview: "))
    netloc = printed.split()[1].removeprefix("http://").rstrip("/")  # a LAN address, or this computer's name
    status, body = ask(server.port, netloc, "/rolling/")
    assert status == 200 and TITLE in body
    assert ask(server.port, f"evil.example:{server.port}", "/rolling/")[0] in (403, 421)

    async def phone() -> dict:
        socket = await open_socket(server.port, Host=netloc, Origin=f"http://{netloc}")
        try:
            return await say_hello(socket)
        finally:
            socket.close()

    assert run_apart(phone())["command"] == "hello"
    assert "Traceback" not in server.stderr()


# --- the reload websocket: the preview's own pages only ------------------------------------


@pytest.mark.parametrize("origin, fetch_site", [
    ("http://evil.example", None), ("http://evil.example", "cross-site"), ("null", None),
    ("http://localhost:{other}", "same-site"), ("http://127.0.0.1:{other}", None),
])
def test_a_page_of_another_origin_cannot_open_the_reload_socket(preview: Running, origin: str,
                                                                 fetch_site: str | None) -> None:
    headers = {"Origin": origin.format(other=preview.port + 1)}
    if fetch_site:
        headers["Sec-Fetch-Site"] = fetch_site
    assert refused_socket(preview.port, **headers) == 403


@pytest.mark.parametrize("host, fetch_site", [("127.0.0.1:{port}", None), ("localhost:{port}", None),
                                              ("localhost:{port}", "same-origin")])
def test_the_previews_own_page_opens_the_reload_socket(preview: Running, host: str, fetch_site: str | None) -> None:
    host = host.format(port=preview.port)
    headers = {"Host": host, "Origin": f"http://{host}", **({"Sec-Fetch-Site": fetch_site} if fetch_site else {})}

    async def page() -> dict:
        socket = await open_socket(preview.port, **headers)
        try:
            return await say_hello(socket)
        finally:
            socket.close()

    assert run_apart(page())["command"] == "hello"


def test_a_cross_site_forcereload_pushes_no_reload(start, tmp_path: Path) -> None:
    site = make_site(tmp_path / "site")
    server = start(site)
    own = f"127.0.0.1:{server.port}"

    async def open_page_sees() -> dict:
        socket = await open_socket(server.port, Origin=f"http://{own}")
        try:
            await say_hello(socket)
            await socket.write_message(json.dumps({"command": "info", "url": f"http://{own}/", "plugins": {}}))
            await say_hello(socket)  # answered after the info: the page is registered for reloads
            for method in ("GET", "POST"):  # what <img src> and a cross-site form can send
                forced(server.port, method, own)
            write_post(site, body="An edit after the forced reload.")  # a real reload, to see what comes first
            return json.loads(await asyncio.wait_for(socket.read_message(), 30))
        finally:
            socket.close()

    assert run_apart(open_page_sees()) == {"command": "reload", "path": "*", "liveCSS": True, "liveImg": True}
    assert "Traceback" not in server.stderr()


def forced(port: int, method: str, own: str) -> None:
    """What another site's page can send: livereload's /forcereload, to reload every tab with its address."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        conn.request(method, "/forcereload?path=http://evil.example/phishing", body=b"" if method == "POST" else None,
                     headers={"Host": own, "Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"})
        conn.getresponse().read()
    finally:
        conn.close()


# --- the terminal ---------------------------------------------------------------------------


def test_a_file_name_with_an_escape_sequence_is_printed_escaped(start, tmp_path: Path) -> None:
    site = make_site(tmp_path / "site")
    (site / "static").mkdir()
    (site / "static" / "plain.txt").write_text("plain", encoding="utf-8")
    server = start(site)
    (site / "static" / "\x1b[31mred\x07.txt").write_text("red", encoding="utf-8")
    wait_for(lambda: "Rebuilt in" in server.stdout() or "found; the preview" in server.stderr(), 20, "the rebuild")
    printed = server.stdout() + server.stderr()
    assert "\\x1b[31mred\\x07.txt" in printed
    assert "\x1b" not in printed and "\x07" not in printed


# --- in a real browser ----------------------------------------------------------------------


@pytest.mark.browser
def test_in_chromium_another_sites_page_can_neither_read_the_preview_nor_open_its_reload_socket(
        browser, preview: Running, tmp_path: Path) -> None:
    """A page of another origin (here another port: another site to the browser) tries what a
    rebinding or cross-site page would: read a preview page, open the reload socket, force a reload."""
    from conftest import StaticServer

    (tmp_path / "evil.html").write_text(f"""<!doctype html><title>evil</title><script>
    window.results = {{}};
    fetch("http://127.0.0.1:{preview.port}/rolling/").then(r => r.text())
      .then(t => results.read = t.includes("Rolling")).catch(() => results.read = "refused");
    const socket = new WebSocket("ws://127.0.0.1:{preview.port}/livereload");
    socket.onopen = () => results.socket = "open";
    socket.onerror = () => results.socket = "refused";
    fetch("http://127.0.0.1:{preview.port}/forcereload?path=http://evil.example/", {{mode: "no-cors"}})
      .finally(() => results.forced = "sent");
    </script>""", encoding="utf-8")
    evil = StaticServer(tmp_path)
    context = browser.new_context()
    try:
        page = context.new_page()
        own = context.new_page()
        messages: list[str] = []
        own.on("websocket", lambda socket: socket.on("framereceived", lambda frame: messages.append(str(frame))))
        own.goto(preview.url + "rolling/")  # the author's own tab, listening for reloads
        own.wait_for_function("() => window.LiveReload !== undefined")
        page.goto(evil.url + "evil.html")
        page.wait_for_function("() => results.read !== undefined && results.socket !== undefined"
                               " && results.forced !== undefined")
        results = page.evaluate("() => results")
        assert results == {"read": "refused", "socket": "refused", "forced": "sent"}
        assert not any("evil.example" in message for message in messages)
    finally:
        context.close()
        evil.close()
