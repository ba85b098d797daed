"""Shared fixtures: the sample site, built once per session, and a Chromium launcher."""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

from backlying_site.build import BuildOptions, build

TESTS = Path(__file__).resolve().parent
SAMPLE_SITE = TESTS / "site"
GOLDEN = TESTS / "golden"
REPO = TESTS.parent
# The sample site's "today": after every published post, before the future-dated one.
SAMPLE_EPOCH = "1780000000"  # 2026-05-28


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true",
                     help="rewrite tests/golden from the current build instead of comparing")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # A test that opens Chromium is a browser test whether or not its module says so (make test-fast).
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


@pytest.fixture
def sample_site(tmp_path: Path) -> Path:
    """A private copy of the sample site, free to edit."""
    target = tmp_path / "site"
    shutil.copytree(SAMPLE_SITE, target, ignore=shutil.ignore_patterns("public", ".cache"))
    return target


@pytest.fixture
def source_date_epoch(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", SAMPLE_EPOCH)
    return SAMPLE_EPOCH


@pytest.fixture(scope="session")
def built_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample site built once; tests read its output and must not change it."""
    root = tmp_path_factory.mktemp("built") / "site"
    shutil.copytree(SAMPLE_SITE, root, ignore=shutil.ignore_patterns("public", ".cache"))
    old = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = SAMPLE_EPOCH
    try:
        build(BuildOptions(source=root))
    finally:
        if old is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = old
    return root / "public"


@pytest.fixture(scope="session")
def built_guide(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's own guide (content/), built once per test run, even with xdist's workers:
    the first worker builds it (its AVIF images take seconds) and the others wait and share it."""
    run_dir = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        run_dir = run_dir.parent  # the folder the workers of this run share
    output = run_dir / "shared-guide" / "public"
    with _run_lock(run_dir / "shared-guide.lock"):
        if not output.is_dir():  # the build swaps its output in whole, so a folder is a finished build
            build(BuildOptions(source=REPO, output=output, cache_dir=run_dir / "shared-guide" / "cache"))
    return output


@contextmanager
def _run_lock(path: Path) -> Iterator[None]:
    import fcntl

    with open(path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium through Playwright (never `playwright install`)."""
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: run the README's test command (make test), which installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class StaticServer:
    """Serves a built site over HTTP on a free loopback port (pages use root-relative URLs)."""

    def __init__(self, root: Path) -> None:
        import functools
        import http.server
        import threading

        handler = functools.partial(_QuietHandler, directory=str(root))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _quiet_handler_base():
    import http.server

    class Handler(http.server.SimpleHTTPRequestHandler):
        extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                          ".webp": "image/webp", ".avif": "image/avif", ".svg": "image/svg+xml"}

        def log_message(self, *args: object) -> None:
            pass

    return Handler


_QuietHandler = _quiet_handler_base()


@pytest.fixture(scope="session")
def guide_server(built_guide: Path):
    server = StaticServer(built_guide)
    yield server.url
    server.close()


@pytest.fixture(scope="session")
def sample_server(built_sample: Path, tmp_path_factory: pytest.TempPathFactory):
    """The sample site served under /guide/, the path of its base_url, so its root-relative links work."""
    root = tmp_path_factory.mktemp("sample-served")
    (root / "guide").symlink_to(built_sample, target_is_directory=True)
    server = StaticServer(root)
    yield server.url + "guide/"
    server.close()
