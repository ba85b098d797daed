"""Under a sub-path base URL (a GitHub project page), every internal link and asset resolves (issue 7)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

BASE = "https://user.github.io/guide/"


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if not value:
                continue
            if name in ("href", "src", "poster") or (name == "content" and value.startswith("http")):
                self.urls.append(value)
            elif name == "srcset":
                self.urls += [part.strip().split(" ")[0] for part in value.split(",")]


def internal_target(url: str, output: Path, page: Path) -> Path | None:
    """The file a URL of this site points to, or None for another host, mailto: and the like."""
    if url.startswith(("mailto:", "tel:", "#", "javascript:")):
        return None
    parts = urlsplit(url)
    if parts.scheme and not url.startswith(BASE):
        return None
    path = unquote(parts.path)
    if parts.scheme:
        path = "/" + path.removeprefix(urlsplit(BASE).path)
    elif not path.startswith("/"):
        path = "/" + (page.parent.relative_to(output) / path).as_posix()
    else:
        assert path.startswith("/guide/"), f"{url} on {page} ignores the base path"
        path = "/" + path.removeprefix("/guide/")
    target = output / path.lstrip("/")
    return target / "index.html" if path.endswith("/") else target


def test_every_internal_link_and_asset_resolves_under_a_sub_path(sample_site: Path, source_date_epoch: str) -> None:
    from backlying_site.build import BuildOptions, build

    build(BuildOptions(source=sample_site, base_url=BASE))
    output = sample_site / "public"
    checked, broken = 0, []
    for page in sorted(output.rglob("*.html")):
        parser = Links()
        parser.feed(page.read_text(encoding="utf-8"))
        for url in parser.urls:
            target = internal_target(url, output, page)
            if target is None:
                continue
            checked += 1
            if not target.exists():
                broken.append(f"{page.relative_to(output)}: {url}")
    for name in ("feed.xml", "sitemap.xml", "robots.txt"):
        for url in re.findall(r"https?://[^\s<\"&]+", (output / name).read_text(encoding="utf-8")):
            if url.startswith("http://www.sitemaps.org") or url.startswith("http://www.w3.org"):
                continue
            assert url.startswith(BASE), f"{name}: {url}"
            target = internal_target(url, output, output / name)
            checked += 1
            if target is not None and not target.exists():
                broken.append(f"{name}: {url}")
    assert broken == []
    assert checked > 100
