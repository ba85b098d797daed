"""`backlying-site serve`: the preview over HTTP, its rebuilds, its error page, Ctrl-C, and a real browser."""

from __future__ import annotations

import asyncio
import gzip
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from html import escape
from pathlib import Path
from typing import Callable, Iterator

import pytest
from PIL import Image

from backlying_site.build import BuildOptions, build
from backlying_site.cli import main
from backlying_site.incremental import Store
from backlying_site.serve import ChangeBatch, Preview, SourceWatcher, error_page, looks_like_page, resolve

CLI = Path(sys.executable).with_name("backlying-site")

SITE_YAML = """\
title: Serve Test Guide
description: A tiny guide for the preview tests.
base_url: https://example.test/guide/
language: en
author: ada
disclaimer: Ask your physical therapist first.
images:
  widths: [64]
  formats: [webp]
page_size: 10
"""

POST = """\
---
title: {title}
date: 2024-01-02
summary: A short exercise for the preview tests.
tags: [play]
benefits: [Strength]
steps:
  - text: Lie your baby on their back.
    image: images/step-1.jpg
    alt: A green picture standing for a baby lying on its back.
{extra}---
{body}
"""


def write_post(site: Path, slug: str = "rolling", title: str = "Rolling over", body: str = "First version.",
               extra: str = "") -> Path:
    path = site / "content" / "posts" / slug / "index.md"
    image = path.parent / "images" / "step-1.jpg"
    if not image.exists():
        image.parent.mkdir(parents=True)
        Image.new("RGB", (96, 64), (40, 160, 90)).save(image, quality=80)
    path.write_text(POST.format(title=title, body=body, extra=extra), encoding="utf-8")
    return path


def make_site(root: Path) -> Path:
    """A minimal valid site: site.yaml, one author, one post with one small generated JPEG."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "site.yaml").write_text(SITE_YAML, encoding="utf-8")
    (root / "content").mkdir()
    (root / "content" / "authors.yaml").write_text("ada:\n  name: Ada Example\n", encoding="utf-8")
    write_post(root)
    return root


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check: Callable[[], object], timeout: float = 20.0, what: str = "condition") -> object:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


def fetch(url: str, timeout: float = 20.0) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def raw_get(port: int, path: str) -> tuple[int, bytes]:
    """A request sent byte for byte: urllib would tidy '..' away before it leaves."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        conn.putrequest("GET", path, skip_accept_encoding=True)
        conn.endheaders()
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


class Running:
    """`backlying-site serve` in its own process group, as a terminal starts it."""

    def __init__(self, site: Path, port: int, *extra: str) -> None:
        self.site, self.port = site, port
        self.url = f"http://127.0.0.1:{port}/"
        self.log = site.parent / f"serve-{port}.log"
        self.err = site.parent / f"serve-{port}.err"
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        env.pop("SOURCE_DATE_EPOCH", None)
        with open(self.log, "wb") as out, open(self.err, "wb") as err:
            self.process = subprocess.Popen([str(CLI), "serve", "--source", str(site), "--port", str(port), *extra],
                                            stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                            start_new_session=True, env=env)

    def stdout(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def stderr(self) -> str:
        return self.err.read_text(encoding="utf-8", errors="replace")

    def wait_ready(self) -> None:
        wait_for(lambda: "Preview: " in self.stdout() or self.process.poll() is not None, 60, "the first build")
        assert self.process.poll() is None, self.stderr()

    def interrupt(self, timeout: float = 15.0) -> int:
        """Ctrl-C: SIGINT to the whole process group."""
        os.killpg(self.process.pid, signal.SIGINT)
        return self.process.wait(timeout)

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Callable[..., Running]]:
    started: list[Running] = []

    def run(site: Path, *extra: str, port: int | None = None) -> Running:
        server = Running(site, port or free_port(), *extra)
        started.append(server)
        server.wait_ready()
        return server

    yield run
    for server in started:
        server.kill()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """One server for the tests that only read."""
    site = make_site(tmp_path_factory.mktemp("served") / "site")
    write_post(site, "secret-plan", "Secret plan", extra="draft: true\n")
    (site / "static").mkdir()
    (site / "static" / "logo.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>', encoding="utf-8")
    (site / "static" / "photo.webp").write_bytes(b"RIFF\0\0\0\0WEBP")
    (site / "static" / "photo.avif").write_bytes(b"\0\0\0\x1cftypavif")
    server = Running(site, free_port())
    try:
        server.wait_ready()
        yield server
    finally:
        server.kill()


def build_lines(site: Path) -> list[str]:
    """What `backlying-site build` prints for the site's problems."""
    result = subprocess.run([str(CLI), "build", "--drafts", "--source", str(site), "--output",
                             str(site.parent / "cli-build")], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    return result.stderr.splitlines()


def page_text(url: str) -> str:
    return fetch(url)[2].decode("utf-8", errors="replace")


# --- over HTTP ------------------------------------------------------------------------------


def test_pages_are_served_with_the_livereload_script_and_preview_base_url(served: Running) -> None:
    for path in ("", "rolling/", "tags/", "tags/play/", "404.html"):
        status, headers, body = fetch(served.url + path)
        assert status == 200, path
        assert headers["Content-Type"] == "text/html; charset=utf-8", path
        html = body.decode()
        assert html.count("livereload.js") == 1 and html.index("livereload.js") < html.index("</head>"), path
    assert f'<link rel="canonical" href="{served.url}rolling/">' in page_text(served.url + "rolling/")


def test_content_types_of_feed_sitemap_svg_webp_avif_css(served: Running) -> None:
    expected = {"feed.xml": "application/xml", "sitemap.xml": "application/xml", "static/logo.svg": "image/svg+xml",
                "static/photo.webp": "image/webp", "static/photo.avif": "image/avif", "robots.txt": "text/plain"}
    for path, kind in expected.items():
        status, headers, _ = fetch(served.url + path)
        assert status == 200 and headers["Content-Type"].split(";")[0] == kind, path
    css = [p for p in (served.site / ".cache" / "preview" / "static" / "css").iterdir()]
    status, headers, _ = fetch(served.url + f"static/css/{css[0].name}")
    assert status == 200 and headers["Content-Type"] == "text/css; charset=utf-8"
    images = sorted((served.site / ".cache" / "preview" / "images").iterdir())
    assert images and all(fetch(served.url + f"images/{p.name}")[0] == 200 for p in images)


def test_drafts_are_in_the_preview_with_their_banner(served: Running) -> None:
    assert "draft-banner" in page_text(served.url + "secret-plan/")


def test_missing_path_gets_the_sites_404_page_with_status_404(served: Running) -> None:
    status, headers, body = fetch(served.url + "no-such-exercise/")
    assert status == 404
    assert "Page not found" in body.decode() and "livereload.js" in body.decode()
    assert fetch(served.url + "images/nothing.webp")[0] == 404


def test_folder_without_slash_redirects_and_no_folder_is_ever_listed(served: Running) -> None:
    status, body = raw_get(served.port, "/rolling")
    assert status in (301, 302)
    for path in ("/images/", "/static/", "/static/css/", "/tags/play/../../images/"):
        status, body = raw_get(served.port, path)
        assert status == 404, path
        assert b"step-1" not in body and b".css" not in body.split(b"</head>")[-1], path


@pytest.mark.parametrize("path", ["/../site.yaml", "/%2e%2e/site.yaml", "/%2E%2E/%2e%2e/etc/passwd",
                                  "/static/..%2f..%2fsite.yaml", "/.cache/preview/index.html", "//etc/passwd",
                                  "/rolling/%00index.html"])
def test_no_path_leaves_the_output_folder(served: Running, path: str) -> None:
    status, body = raw_get(served.port, path)
    assert status == 404
    assert b"title: Serve Test Guide" not in body and b"root:" not in body


def test_busy_port_gets_a_message_and_the_next_free_port(start, tmp_path: Path) -> None:
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        busy = blocker.getsockname()[1]
        server = start(make_site(tmp_path / "site"), port=busy)
        out = server.stdout()
        assert f"Port {busy} is in use" in out
        line = next(line for line in out.splitlines() if line.startswith("Preview: "))
        url = line.split()[1]
        assert url != f"http://127.0.0.1:{busy}/"
        assert fetch(url)[0] == 200
    assert "Traceback" not in server.stderr()


def test_refuses_a_folder_that_is_not_a_site(tmp_path: Path) -> None:
    result = subprocess.run([str(CLI), "serve", "--source", str(tmp_path), "--port", str(free_port())],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "site.yaml" in result.stderr and "Traceback" not in result.stderr


# --- rebuilds, errors, Ctrl-C ---------------------------------------------------------------


def test_edit_error_fix_and_ctrl_c(start, tmp_path: Path) -> None:
    site = make_site(tmp_path / "site")
    server = start(site)
    url = server.url + "rolling/"
    assert "First version." in page_text(url)

    write_post(site, body="Second version, edited.")
    wait_for(lambda: "Second version, edited." in page_text(url), 15, "the edit to be served")

    post = site / "content" / "posts" / "rolling" / "index.md"
    post.write_text(post.read_text(encoding="utf-8").replace("date: 2024-01-02", "date: [not a date"),
                    encoding="utf-8")
    wait_for(lambda: "The site does not build" in page_text(url), 15, "the error page")
    status, _, body = fetch(url)
    html = body.decode()
    assert status == 200 and "livereload.js" in html
    cli_lines = [line for line in build_lines(site) if line.startswith("content/posts/rolling/index.md:")]
    assert cli_lines and all(escape(line) in html for line in cli_lines)  # what the CLI prints, in the page
    assert "The site does not build" in page_text(server.url)  # every page shows it
    assert "The site does not build" in page_text(server.url + "tags/")
    assert fetch(server.url + "no-such-page/")[0] == 404
    assert cli_lines[0] in server.stderr()

    write_post(site, body="Third version, fixed.")
    wait_for(lambda: "Third version, fixed." in page_text(url), 15, "the page to come back")

    assert server.interrupt() == 0
    assert "Traceback" not in server.stderr()
    assert "Stopped." in server.stderr()
    wait_for(lambda: not live_in_group(server.process.pid), 10, "every process of the group to end")


def test_ctrl_c_while_images_encode_exits_cleanly_and_leaves_no_process(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site")
    config = site / "site.yaml"
    config.write_text(config.read_text().replace("[64]", "[480, 800, 1200, 1600]"), encoding="utf-8")
    for n in range(6):  # a few seconds of encoding, in a pool of workers
        post = write_post(site, f"big-{n}", f"Big {n}")
        Image.effect_noise((2000, 1400), 60).convert("RGB").save(post.parent / "images" / "step-1.jpg", quality=92)
    server = Running(site, free_port())
    try:
        wait_for(lambda: image_workers(server.process.pid), 30, "the image workers to start")
        assert server.interrupt() == 0
        assert "Traceback" not in server.stderr() and "Stopped." in server.stderr()
        wait_for(lambda: not live_in_group(server.process.pid), 10, "every process of the group to end")
    finally:
        server.kill()


def children_of(pid: int) -> set[int]:
    """The processes forked by any thread of ``pid``."""
    found: set[int] = set()
    for children in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found |= {int(child) for child in children.read_text().split()}
        except OSError:
            continue
    return found


def image_workers(pid: int) -> set[int]:
    """The preview's grandchildren: the pool that its first build (a forked child) encodes the pictures in.
    (Its pages render in that child's own process: a small site is not worth a pool.)"""
    return {worker for child in children_of(pid) for worker in children_of(child)}


def live_in_group(pgid: int) -> list[int]:
    """Processes of a process group that are still running (zombies wait for init, they don't count)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


def test_no_drafts_leaves_drafts_out(start, tmp_path: Path) -> None:
    site = make_site(tmp_path / "site")
    write_post(site, "secret-plan", "Secret plan", extra="draft: true\n")
    server = start(site, "--no-drafts")
    assert fetch(server.url + "secret-plan/")[0] == 404
    assert fetch(server.url + "rolling/")[0] == 200


def test_no_drafts_prints_a_left_out_drafts_problems_as_warnings(start, tmp_path: Path) -> None:
    site = make_site(tmp_path / "site")
    write_post(site, "secret-plan", "Secret plan", extra="draft: true\nauthor: nobody\n")
    server = start(site, "--no-drafts")
    assert fetch(server.url + "rolling/")[0] == 200
    lines = server.stderr().splitlines()
    assert any(line.startswith("content/posts/secret-plan/index.md:") and ": warning: " in line and "nobody" in line
               for line in lines), lines


# --- the preview and the build command side by side (issue 22) ----------------------------------


def preview_options(site: Path) -> BuildOptions:
    """What `serve` builds with (Preview.start)."""
    return BuildOptions(source=site, output=site / ".cache" / "preview", base_url="http://127.0.0.1:8000/",
                        drafts=True, preview=True, defer_search=True)


def test_the_build_command_keeps_the_pictures_only_the_preview_uses(tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """`build` pruned the picture cache of what only the preview (a draft) used: each preview build
    after it encoded them again (9-13 s). Each output now lists what it wants (wanted-*.txt)."""
    site = make_site(tmp_path / "site")
    draft = write_post(site, "secret-plan", "Secret plan", extra="draft: true\n")
    Image.new("RGB", (96, 64), (200, 40, 90)).save(draft.parent / "images" / "step-1.jpg", quality=80)
    store = Store()  # the running preview's, kept in memory
    assert build(preview_options(site), store).images_encoded == 2
    assert main(["build", "--source", str(site)]) == 0  # the published site: the draft's picture is not in it
    assert "and 1 images (0 encoded)" in capsys.readouterr().out
    write_post(site, body="Edited while the preview runs.")  # so its next build runs every step
    assert build(preview_options(site), store).images_encoded == 0


def search_text(output: Path) -> str:
    """The words Pagefind's bundle holds: its fragments, gzipped JSON, each a page's text."""
    return " ".join(gzip.decompress(path.read_bytes()).decode("utf-8", "replace")
                    for path in sorted((output / "pagefind" / "fragment").iterdir()))


def test_the_previews_search_finds_a_saved_edit_after_its_rebuild(tmp_path: Path) -> None:
    """The preview's index stayed as it was when `serve` started: a save now re-indexes after the reload."""
    site = make_site(tmp_path / "site")
    loop = asyncio.new_event_loop()
    try:
        preview = Preview(site, site / ".cache" / "preview", drafts=True, loop=loop)
        preview.options = preview_options(site)  # as start() sets them, without its server and threads
        preview.rebuild(set())
        assert preview.failure is None and "giraffes" not in search_text(preview.output)
        post = write_post(site, body="Giraffes stretch their necks; so can your baby.")
        preview.rebuild({post})
        assert preview.failure is None
        assert "Giraffes stretch their necks" in search_text(preview.output)
    finally:
        loop.close()


def test_the_previews_builds_run_with_the_collector_paused_and_leave_it_on_and_collected(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The collector would walk the store's objects again and again during a build: it runs after."""
    import gc

    import backlying_site.serve as serve_module

    site = make_site(tmp_path / "site")
    during: list[bool] = []
    events: list[str] = []

    def recording_build(*args, **kwargs):
        during.append(gc.isenabled())
        events.append("build")
        return build(*args, **kwargs)

    def on_collect(phase: str, info: dict) -> None:
        if phase == "stop" and info["generation"] == 2:
            events.append("collected")

    monkeypatch.setattr(serve_module, "build", recording_build)
    loop = asyncio.new_event_loop()
    gc.callbacks.append(on_collect)
    try:
        preview = Preview(site, site / ".cache" / "preview", drafts=True, loop=loop)
        preview.options = preview_options(site)
        preview.rebuild(set())
        assert preview.failure is None and gc.isenabled()
        post = write_post(site, body="Second version.")
        preview.rebuild({post})
        post.write_text("---\ntitle: [\n---\n", encoding="utf-8")
        preview.rebuild({post})
        assert preview.failure and gc.isenabled()  # a failed build too leaves it on
        assert during and not any(during)
        assert events[-1] == "collected" and "build" in events
    finally:
        gc.callbacks.remove(on_collect)
        loop.close()


def test_the_first_save_after_the_preview_starts_writes_only_the_pages_it_changes(tmp_path: Path) -> None:
    """The first build leaves the spare generation empty: without fill_spare the first save copies
    every file of the site into it while the author waits."""
    site = make_site(tmp_path / "site")
    loop = asyncio.new_event_loop()
    try:
        preview = Preview(site, site / ".cache" / "preview", drafts=True, loop=loop)
        preview.options = preview_options(site)
        preview.rebuild(set())
        preview.fill_spare()
        write_post(site, body="Second version.")
        result, failure = preview._build()
        assert failure is None and result is not None
        assert 0 < result.pages_rendered < result.pages
        assert result.files_written == result.pages_rendered
        assert "Second version." in (preview.output / "rolling" / "index.html").read_text(encoding="utf-8")
    finally:
        loop.close()


# --- the parts, without a server ------------------------------------------------------------


def test_resolve_stays_inside_the_output(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "post").mkdir(parents=True)
    (out / "post" / "index.html").write_text("x")
    (out / "static" / "css").mkdir(parents=True)
    (out / "static" / "css" / "site.0123abcd.css").write_text("css")
    (tmp_path / "secret.txt").write_text("no")
    (out / "link").symlink_to(tmp_path / "secret.txt")
    assert resolve(out, "/post/").path == out / "post" / "index.html"
    assert resolve(out, "/post").location == "/post/"
    assert resolve(out, "//post").location == "/post/"  # never '//post/', another host for a browser
    for path in ("/../secret.txt", "/%2e%2e/secret.txt", "/link", "/static/", "/.hidden", "/post/\x00"):
        assert resolve(out, path).kind == "missing", path
    # an open page's stylesheet link keeps working after a CSS-only rebuild renamed the file
    assert resolve(out, "/static/css/site.ffffffff.css").path == out / "static" / "css" / "site.0123abcd.css"
    assert resolve(out, "/static/css/other.ffffffff.css").kind == "missing"


def test_error_page_escapes_problems_and_has_a_head() -> None:
    page = error_page(["content/posts/a/index.md:3: title: <script>alert(1)</script> & more"]).decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in page and "<script>alert" not in page
    assert "</head>" in page


@pytest.mark.parametrize("path, page", [("/", True), ("/a/b/", True), ("/a/index.html", True), ("/new-post", True),
                                        ("/static/site.css", False), ("/images/a.webp", False)])
def test_looks_like_page(path: str, page: bool) -> None:
    assert looks_like_page(path) is page


def test_a_burst_of_events_is_one_batch() -> None:
    batch = ChangeBatch(quiet=0.1)
    started = time.monotonic()
    for n in range(5):
        batch.add(Path(f"/site/content/{n}.md"))
        time.sleep(0.02)
    assert batch.next_batch() == {Path(f"/site/content/{n}.md") for n in range(5)}
    assert time.monotonic() - started >= 0.1 + 0.08
    assert not batch.pending()
    batch.close()
    assert batch.next_batch() is None


def test_watcher_ignores_output_cache_and_editor_litter(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site")
    watcher = SourceWatcher(site, site / ".cache" / "preview", lambda path: None)
    yes = ["site.yaml", "content/posts/rolling/index.md", "content/posts/rolling/images/step-1.jpg",
           "content/authors.yaml", "templates"]
    no = [".cache/preview/index.html", ".cache/images/x.webp", "public/index.html", "content/posts/.index.md.swp",
          "content/posts/rolling/index.md~", "content/4913", "README.md", "content/.git/HEAD"]
    assert [p for p in yes if not watcher.is_input(site / p)] == []
    assert [p for p in no if watcher.is_input(site / p)] == []


# --- in a real browser ----------------------------------------------------------------------


@pytest.mark.browser
def test_open_page_follows_edits_errors_and_css_by_itself(browser, start, tmp_path: Path) -> None:
    site = make_site(tmp_path / "site")
    (site / "static" / "css").mkdir(parents=True)
    css = site / "static" / "css" / "site.css"
    css.write_text("body { background: rgb(255, 255, 255); }\n", encoding="utf-8")
    server = start(site)
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(server.url + "rolling/")
        wait_until_reloadable(page)
        page.evaluate("window.__same_document = true")

        write_post(site, title="Rolling over, edited", body="Edited while the page was open.")
        page.wait_for_function("document.body.innerText.includes('Edited while the page was open.')",
                               timeout=15_000)
        assert page.locator("h1").first.inner_text() == "Rolling over, edited"

        wait_until_reloadable(page)
        page.evaluate("window.__same_document = true")
        css.write_text("body { background: rgb(1, 2, 3); }\n", encoding="utf-8")
        page.wait_for_function("getComputedStyle(document.body).backgroundColor === 'rgb(1, 2, 3)'",
                               timeout=15_000)
        assert page.evaluate("window.__same_document === true")  # the stylesheet swapped, no reload

        post = site / "content" / "posts" / "rolling" / "index.md"
        post.write_text(post.read_text(encoding="utf-8").replace("date: 2024-01-02", "date: [oops"),
                        encoding="utf-8")
        page.wait_for_function("document.body.innerText.includes('content/posts/rolling/index.md:')", timeout=15_000)

        wait_until_reloadable(page)
        write_post(site, title="Rolling over, fixed", body="Back again.")
        page.wait_for_function("document.body.innerText.includes('Back again.')", timeout=15_000)
    finally:
        context.close()
    assert server.interrupt() == 0
    assert "Traceback" not in server.stderr()


# The server counts a page among those it reloads when it reads the page's "info" frame, which
# livereload.js sends as its handshake ends. The server reads a socket's frames in order: once it has
# answered a "hello" sent after that one, it has read it. (livereload.js logs that it did not expect
# a second "hello", and goes on.)
ASK_FOR_AN_ANSWER = """() => {
    const socket = window.LiveReload.connector.socket;
    socket.addEventListener("message", function answered(event) {
        if (JSON.parse(event.data).command === "hello") {
            socket.removeEventListener("message", answered);
            window.__answered = true;
        }
    });
    socket.send(JSON.stringify({command: "hello", protocols: ["http://livereload.com/protocols/official-7"]}));
}"""


def wait_until_reloadable(page) -> None:
    """Until the server will reload this page: after each (re)load, livereload.js connects again."""
    page.wait_for_function("window.LiveReload && window.LiveReload.connector && "
                           "window.LiveReload.connector.protocol", timeout=10_000)
    page.evaluate(ASK_FOR_AN_ANSWER)
    page.wait_for_function("window.__answered === true", timeout=10_000)
