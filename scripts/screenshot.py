"""Take the README's screenshot of the post page, as a phone shows it.

    .venv/bin/python scripts/screenshot.py   # builds the guide into .cache/screenshot, writes docs/
"""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright

from backlying_site.build import BuildOptions, build

REPO = Path(__file__).resolve().parents[1]
OUTPUT = REPO / ".cache" / "screenshot"
TARGET = REPO / "docs" / "screenshot-post.png"


class Quiet(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".webp": "image/webp", ".avif": "image/avif"}

    def log_message(self, *args: object) -> None:
        pass


def main() -> None:
    build(BuildOptions(source=REPO, output=OUTPUT))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(OUTPUT)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/back-lying-position/"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page(viewport={"width": 390, "height": 1400}, device_scale_factor=1)
        page.goto(url, wait_until="networkidle")
        page.evaluate("document.querySelector('#steps-title')?.scrollIntoView()")
        page.evaluate("window.scrollTo(0, 0)")
        TARGET.parent.mkdir(exist_ok=True)
        page.screenshot(path=str(TARGET))
        browser.close()
    server.shutdown()
    print(f"wrote {TARGET.relative_to(REPO)}")


if __name__ == "__main__":
    main()
