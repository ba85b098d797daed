"""Page weight of the guide's posts, and the hosts a page talks to on load (issue 5).

    .venv/bin/python benchmarks/pages.py              # build the guide, load every post in Chromium
    .venv/bin/python benchmarks/pages.py --budget 50  # the budget in KB (default 40, issue 23)

Builds the repository's guide into benchmarks/.work/pages/, serves it on 127.0.0.1 and opens each
post, the home page and the search page (after a search) in Debian's Chromium, at a phone's size,
scrolled to the end so every lazy picture loads. It logs every request and prints, per page, the
bytes of HTML, CSS and JavaScript as served (before compression), the pictures' bytes beside them
for information, and every host other than this site's. Requests to another host are refused, so
nothing leaves the machine. Exit code 1 when a post's HTML+CSS+JS is over the budget or any page
asked another host for anything: the two promises of the issue.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import shutil
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WORK = HERE / ".work" / "pages"
CHROMIUM = "/usr/bin/chromium"
CODE_TYPES = {"document": "html", "stylesheet": "css", "script": "js"}


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".webp": "image/webp", ".avif": "image/avif", ".svg": "image/svg+xml"}

    def log_message(self, *args: object) -> None:
        pass


def build_guide() -> Path:
    sys.path.insert(0, str(REPO / "src"))
    from backlying_site.build import BuildOptions, build

    output = WORK / "public"
    result = build(BuildOptions(source=REPO, output=output, cache_dir=WORK / "cache"))
    print(f"Built the guide: {result.pages} pages in {result.seconds:.1f} s")
    return output


def serve(root: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(QuietHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}/"


def weigh(context, url: str, search: str = "") -> dict:
    """Load one page like a reader on a phone; return bytes by kind and the foreign hosts asked."""
    sizes = {"html": 0, "css": 0, "js": 0, "images": 0, "other": 0}
    files: list[tuple[str, str, int]] = []
    foreign: list[str] = []
    local = urlsplit(url).netloc

    def route(route):
        if urlsplit(route.request.url).netloc == local:
            route.continue_()
        else:
            foreign.append(route.request.url)
            route.abort()

    def finished(response) -> None:
        if urlsplit(response.url).netloc != local or response.status != 200:
            return
        kind = CODE_TYPES.get(response.request.resource_type)
        if kind is None:
            kind = "images" if response.request.resource_type == "image" else "other"
        size = len(response.body())
        sizes[kind] += size
        files.append((kind, urlsplit(response.url).path, size))

    page = context.new_page()
    page.route("**/*", route)
    page.on("response", finished)
    page.goto(url, wait_until="load")
    if search:
        page.get_by_label("Search the exercises").fill(search)
        page.locator("[data-search-results] li").first.wait_for()
    page.evaluate("""async () => {
        for (let y = 0; y < document.body.scrollHeight; y += innerHeight / 2) {
            scrollTo(0, y);
            await new Promise(resolve => setTimeout(resolve, 30));
        }
    }""")
    page.wait_for_load_state("networkidle")
    page.close()
    return {"sizes": sizes, "files": files, "foreign": foreign}


def kb(n: int) -> str:
    return f"{n / 1024:6.1f} KB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=40.0, help="HTML+CSS+JS budget of a post, in KB")
    parser.add_argument("--files", action="store_true", help="list every file each page loaded")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        print("Chromium is missing: run `make chromium` (Debian's package).", file=sys.stderr)
        return 2
    if WORK.exists():
        shutil.rmtree(WORK / "public", ignore_errors=True)
    output = build_guide()
    posts = sorted(p.parent.name for p in output.glob("*/index.html")
                   if 'data-pagefind-body' in p.read_text(encoding="utf-8"))
    pages = [(f"post {slug}", f"{slug}/", "") for slug in posts]
    pages += [("home", "", ""), ("search (after a search)", "search/", "legs")]

    from playwright.sync_api import sync_playwright

    httpd, base = serve(output)
    failures: list[str] = []
    print(f"\n{'page':34} {'HTML':>9} {'CSS':>9} {'JS':>9} {'= code':>9}   {'images':>9}  other hosts")
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2)
            for name, rel, search in pages:
                found = weigh(context, base + rel, search)
                sizes = found["sizes"]
                code = sizes["html"] + sizes["css"] + sizes["js"]
                hosts = sorted({urlsplit(u).netloc for u in found["foreign"]})
                print(f"{name:34} {kb(sizes['html'])} {kb(sizes['css'])} {kb(sizes['js'])} {kb(code)}   "
                      f"{kb(sizes['images'])}  {', '.join(hosts) or 'none'}")
                if args.files:
                    for kind, path, size in found["files"]:
                        print(f"    {kind:7} {kb(size)}  {path}")
                if name.startswith("post") and code > args.budget * 1024:
                    failures.append(f"{name}: HTML+CSS+JS is {code / 1024:.1f} KB, over the {args.budget:g} KB budget")
                if hosts:
                    failures.append(f"{name}: asked other hosts on load: {', '.join(hosts)}")
            browser.close()
    finally:
        httpd.shutdown()
    print()
    for failure in failures:
        print("OVER:", failure)
    if not failures:
        print(f"Every post is within {args.budget:g} KB of HTML+CSS+JS, and no page asked another host for anything.")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
