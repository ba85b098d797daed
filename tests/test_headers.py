"""The _headers file (Netlify, Cloudflare Pages): long caching for hashed files, and a
Content-Security-Policy that matches what the pages really load, checked in Chromium."""

from __future__ import annotations

import fnmatch
import functools
import http.server
import threading
from pathlib import Path

import pytest


def parse_headers(text: str) -> list[tuple[str, dict[str, str]]]:
    rules: list[tuple[str, dict[str, str]]] = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line.startswith(" "):
            rules.append((line.strip(), {}))
        else:
            name, _, value = line.strip().partition(":")
            rules[-1][1][name.strip()] = value.strip()
    return rules


def headers_for(rules: list[tuple[str, dict[str, str]]], path: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for pattern, values in rules:
        if fnmatch.fnmatch(path, pattern):
            found |= values  # later, more specific rules win, as on Netlify
    return found


def test_hashed_files_are_immutable_and_pages_are_short_lived(built_guide: Path) -> None:
    rules = parse_headers((built_guide / "_headers").read_text(encoding="utf-8"))
    css = next(p for p in (built_guide / "static/css").iterdir()).name
    assert headers_for(rules, f"/static/css/{css}")["Cache-Control"] == "public, max-age=31536000, immutable"
    image = next((built_guide / "images").iterdir()).name
    assert "immutable" in headers_for(rules, f"/images/{image}")["Cache-Control"]
    page = headers_for(rules, "/back-lying-position/")
    assert page["Cache-Control"] == "public, max-age=600, must-revalidate"
    assert page["X-Content-Type-Options"] == "nosniff"
    assert page["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "default-src 'self'" in page["Content-Security-Policy"]


def test_headers_follow_a_sub_path_base_url(sample_site: Path, source_date_epoch: str) -> None:
    from backlying_site.build import BuildOptions, build

    build(BuildOptions(source=sample_site))
    patterns = [pattern for pattern, _ in parse_headers((sample_site / "public/_headers").read_text("utf-8"))]
    assert patterns[0] == "/guide/*" and "/guide/static/*" in patterns


class _HeaderHandler(http.server.SimpleHTTPRequestHandler):
    rules: list[tuple[str, dict[str, str]]] = []
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".webp": "image/webp",
                      ".avif": "image/avif", ".svg": "image/svg+xml", ".wasm": "application/wasm",
                      ".pagefind": "application/octet-stream", ".pf_meta": "application/octet-stream"}

    def end_headers(self) -> None:
        for name, value in headers_for(self.rules, self.path.split("?")[0]).items():
            self.send_header(name, value)
        super().end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def strict_server(built_guide: Path):
    handler = type("Handler", (_HeaderHandler,), {
        "rules": parse_headers((built_guide / "_headers").read_text(encoding="utf-8"))})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(built_guide)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


CATCH = ("window.__csp = []; document.addEventListener('securitypolicyviolation', "
         "e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));")


@pytest.mark.browser
@pytest.mark.parametrize("path", ["", "back-lying-position/", "tags/", "404.html"])
def test_the_policy_blocks_nothing_the_pages_load(browser, strict_server: str, path: str) -> None:
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.add_init_script(CATCH)
    try:
        response = page.goto(strict_server + path, wait_until="load")
        assert "Content-Security-Policy" in {k.title(): v for k, v in response.headers.items()} or \
            "content-security-policy" in response.headers
        page.evaluate("async () => { for (const i of document.images) { i.scrollIntoView(); } }")
        page.wait_for_load_state("networkidle")
        assert page.evaluate("window.__csp") == []
        assert errors == []
    finally:
        context.close()


@pytest.mark.browser
def test_search_works_under_the_policy(browser, strict_server: str) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.add_init_script(CATCH)
    try:
        page.goto(strict_server + "search/", wait_until="load")
        page.get_by_label("Search the exercises").fill("hamstrings")
        page.get_by_role("button", name="Search").click()
        page.locator("[data-search-results] li > a").first.wait_for(timeout=15000)
        assert page.evaluate("window.__csp") == []
    finally:
        context.close()
