"""What machines read: JSON-LD, Open Graph and Twitter tags, the Atom feed, the sitemap, robots.txt.

Every structured fact is checked against the content model the build loaded, so a
test fails when a field stops reaching the markup, not only when the markup changes.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import feedparser
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backlying_site.build import BuildOptions, build, load_site
from backlying_site.model import Post, Site
from backlying_site.render.seo import _Text, iso_minutes, og_locale, plain_text
from conftest import SAMPLE_EPOCH

BASE = "https://example.test/guide/"
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


class Head(HTMLParser):
    """The page's <meta property|name> values and the text of its JSON-LD scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.meta: dict[str, list[str]] = {}
        self.json_ld: list[str] = []
        self.scripts = 0
        self._in_json = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "meta" and (values.get("property") or values.get("name")):
            key = values.get("property") or values.get("name") or ""
            self.meta.setdefault(key, []).append(values.get("content") or "")
        if tag == "script":
            self.scripts += 1
            self._in_json = values.get("type") == "application/ld+json"
            if self._in_json:
                self.json_ld.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_json = False

    def handle_data(self, data: str) -> None:
        if self._in_json:
            self.json_ld[-1] += data

    def one(self, key: str) -> str:
        assert len(self.meta.get(key, [])) == 1, f"{key}: {self.meta.get(key)}"
        return self.meta[key][0]


def head(path: Path) -> Head:
    parser = Head()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser


def graph(path: Path) -> dict[str, dict[str, Any]]:
    """The page's one JSON-LD @graph, by @type."""
    parsed = head(path)
    assert len(parsed.json_ld) == 1, path
    data = json.loads(parsed.json_ld[0])
    assert data["@context"] == "https://schema.org"
    nodes = data["@graph"]
    by_type = {node["@type"]: node for node in nodes}
    assert len(by_type) == len(nodes), "one node per type"
    return by_type


def urls_in(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [url for key, item in value.items() for url in urls_in(item)
                if key in ("@id", "url", "item", "image", "contentUrl", "sameAs") or isinstance(item, (dict, list))]
    if isinstance(value, list):
        return [url for item in value for url in urls_in(item)]
    return [value] if isinstance(value, str) else []


@pytest.fixture(scope="module")
def sample_model(built_sample: Path) -> Site:
    """The content model of the built sample site, loaded the way the build loaded it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", SAMPLE_EPOCH)
        guide, _ = load_site(BuildOptions(source=built_sample.parent), None)
    return guide.default


def post_by_slug(site: Site, slug: str) -> Post:
    return next(post for post in site.posts if post.slug == slug)


# --- JSON-LD ---------------------------------------------------------------------------------


def test_every_post_has_a_how_to_built_from_its_steps(built_sample: Path, sample_model: Site) -> None:
    for post in sample_model.posts:
        canonical = f"{BASE}{post.slug}/"
        how = graph(built_sample / post.slug / "index.html")["HowTo"]
        assert how["name"] == post.title and how["description"] == post.summary
        assert how["url"] == canonical
        assert [s["@type"] for s in how["step"]] == ["HowToStep"] * len(post.steps)
        assert [s["position"] for s in how["step"]] == [s.number for s in post.steps]
        assert [s["name"] for s in how["step"]] == [s.title or f"Step {s.number}" for s in post.steps]
        assert [s["url"] for s in how["step"]] == [f"{canonical}#step-{s.number}" for s in post.steps]
        assert [("image" in s) for s in how["step"]] == [s.image is not None for s in post.steps]
        if post.dosage and post.dosage.minutes and not post.dosage.suggested:
            assert how["totalTime"] == f"PT{post.dosage.minutes}M"
        else:
            assert "totalTime" not in how
        assert [s["name"] for s in how.get("supply", [])] == list(post.equipment)
        assert all(s["@type"] == "HowToSupply" for s in how.get("supply", []))


def test_step_text_is_plain_text_and_step_images_are_absolute_files(built_sample: Path) -> None:
    how = graph(built_sample / "first-steps/index.html")["HowTo"]
    assert [s["text"] for s in how["step"]] == ["Sit on the floor.", "Lift the legs.", "Smile at your baby."]
    assert how["totalTime"] == "PT3M"
    assert [s["name"] for s in how["supply"]] == ["A mat", "A pillow"]
    for step in how["step"][:2]:
        assert step["image"].startswith(BASE + "images/") and step["image"].endswith(".jpg")
        assert (built_sample / step["image"].removeprefix(BASE)).is_file()


def test_reviewed_post_is_a_medical_web_page_with_its_reviewer(built_sample: Path, sample_model: Site) -> None:
    post = post_by_slug(sample_model, "first-steps")
    page = graph(built_sample / "first-steps/index.html")["MedicalWebPage"]
    assert post.reviewed_by is not None and post.reviewed_by.date is not None
    assert page["lastReviewed"] == post.reviewed_by.date.isoformat() == "2026-01-05"
    assert page["reviewedBy"] == {"@type": "Person", "name": "Sam Reviewer", "jobTitle": "PT"}
    assert page["mainEntity"] == {"@id": BASE + "first-steps/#howto"}
    assert page["datePublished"] == "2026-01-10T00:00:00+00:00" and page["dateModified"] == "2026-02-01T00:00:00+00:00"
    assert page["audience"]["@type"] == "ParentAudience"


def test_unreviewed_post_claims_no_review(built_sample: Path) -> None:
    page = graph(built_sample / "later/index.html")["MedicalWebPage"]
    assert "reviewedBy" not in page and "lastReviewed" not in page


def test_author_is_a_person_and_breadcrumbs_lead_home(built_sample: Path, sample_model: Site) -> None:
    for post in sample_model.posts:
        nodes = graph(built_sample / post.slug / "index.html")
        author = sample_model.authors[post.author or sample_model.config.author]
        person = nodes["Person"]
        assert person["name"] == author.name and person["url"] == f"{BASE}authors/{author.key}/"
        assert nodes["HowTo"]["author"] == {"@id": person["@id"]}
        crumbs = nodes["BreadcrumbList"]["itemListElement"]
        assert [(c["position"], c["name"], c["item"]) for c in crumbs] == [
            (1, "Sample Guide", BASE), (2, post.title, f"{BASE}{post.slug}/")]
    assert graph(built_sample / "first-steps/index.html")["Person"]["sameAs"] == ["https://example.test/ada"]


def test_author_pages_are_profile_pages_of_the_same_person(built_sample: Path, sample_model: Site) -> None:
    for post in sample_model.posts:
        key = post.author or sample_model.config.author
        person = graph(built_sample / post.slug / "index.html")["Person"]
        profile = graph(built_sample / f"authors/{key}/index.html")
        assert person["url"] == profile["ProfilePage"]["url"] == f"{BASE}authors/{key}/"
        assert profile["ProfilePage"]["mainEntity"] == {"@id": person["@id"]}
        assert profile["Person"] == person


def test_age_pages_are_collections_with_breadcrumbs(built_sample: Path) -> None:
    pages = sorted((built_sample / "age").glob("*/index.html"))
    assert pages
    for path in pages:
        nodes = graph(path)
        canonical = f"{BASE}age/{path.parent.name}/"
        assert nodes["CollectionPage"]["url"] == canonical
        assert [c["item"] for c in nodes["BreadcrumbList"]["itemListElement"]] == [BASE, canonical]
        assert head(path).one("og:url") == canonical


def test_every_url_in_json_ld_is_absolute(built_sample: Path) -> None:
    for path in sorted(built_sample.rglob("*.html")):
        parsed = head(path)
        for text in parsed.json_ld:
            for url in urls_in(json.loads(text)):
                assert url.startswith("https://"), (path, url)


def test_home_page_describes_the_website(built_sample: Path) -> None:
    nodes = graph(built_sample / "index.html")
    assert list(nodes) == ["WebSite"]
    assert nodes["WebSite"] == {"@type": "WebSite", "@id": BASE + "#website", "url": BASE, "name": "Sample Guide",
                                "description": "A small sample site that the golden test builds.",
                                "inLanguage": "en-GB"}
    assert head(built_sample / "page/2/index.html").json_ld == []


def test_tag_pages_have_breadcrumbs_through_all_topics(built_sample: Path) -> None:
    nodes = graph(built_sample / "tags/legs/index.html")
    assert nodes["CollectionPage"]["@id"] == BASE + "tags/legs/"
    crumbs = [(c["name"], c["item"]) for c in nodes["BreadcrumbList"]["itemListElement"]]
    assert crumbs == [("Sample Guide", BASE), ("All topics", BASE + "tags/"), ("legs", BASE + "tags/legs/")]
    index = graph(built_sample / "tags/index.html")
    assert [c["item"] for c in index["BreadcrumbList"]["itemListElement"]] == [BASE, BASE + "tags/"]


def test_a_title_cannot_end_the_json_ld_script(sample_site: Path, source_date_epoch: str) -> None:
    attack = "</script><script>alert(1)</script>"
    post = sample_site / "content/posts/plain.md"
    post.write_text(post.read_text(encoding="utf-8").replace(
        "title: A single-file post", f"title: 'Evil {attack} & <!-- more'"), encoding="utf-8")
    build(BuildOptions(source=sample_site))
    page = sample_site / "public/plain/index.html"
    raw = page.read_bytes()
    assert attack.encode() not in raw and b"<!-- more" not in raw
    escaped = b"\\u003c/script\\u003e\\u003cscript\\u003ealert(1)\\u003c/script\\u003e \\u0026 \\u003c!-- more"
    assert escaped in raw
    parsed = head(page)
    assert parsed.scripts == raw.count(b"</script>")  # every script ends where it was meant to
    data = json.loads(parsed.json_ld[0])
    how = next(node for node in data["@graph"] if node["@type"] == "HowTo")
    assert how["name"] == f"Evil {attack} & <!-- more"
    assert parsed.one("og:title") == f"Evil {attack} & <!-- more"


# --- Open Graph and Twitter --------------------------------------------------------------------


def test_post_pages_carry_open_graph_and_twitter_tags(built_sample: Path, sample_model: Site) -> None:
    for post in sample_model.posts:
        tags = head(built_sample / post.slug / "index.html")
        assert tags.one("og:type") == "article"
        assert tags.one("og:title") == post.title
        assert tags.one("og:description") == post.summary
        assert tags.one("og:url") == f"{BASE}{post.slug}/"
        assert tags.one("og:site_name") == "Sample Guide"
        assert tags.one("og:locale") == "en_GB"
        image = tags.one("og:image")
        assert image.startswith(f"{BASE}images/share-{post.slug}.") and image.endswith(".card.jpg")
        assert (built_sample / image.removeprefix(BASE)).is_file()
        assert (tags.one("og:image:width"), tags.one("og:image:height")) == ("1200", "630")
        assert tags.one("og:image:type") == "image/jpeg"
        assert post.title in tags.one("og:image:alt")
        assert tags.one("article:published_time") == f"{post.date.isoformat()}T00:00:00+00:00"
        assert tags.one("article:modified_time") == f"{post.lastmod.isoformat()}T00:00:00+00:00"
        assert tags.meta.get("article:tag", []) == [t.replace("-", " ") for t in post.tags]
        assert tags.one("twitter:card") == "summary_large_image"
        assert tags.one("twitter:image") == image
        assert tags.one("twitter:image:alt") == tags.one("og:image:alt")


def test_listing_pages_carry_website_tags(built_sample: Path) -> None:
    for rel, url in [("index.html", BASE), ("page/2/index.html", BASE + "page/2/"),
                     ("tags/index.html", BASE + "tags/"), ("tags/play/index.html", BASE + "tags/play/")]:
        tags = head(built_sample / rel)
        assert tags.one("og:type") == "website" and tags.one("og:url") == url
        assert tags.one("twitter:card") == "summary_large_image"


def test_every_listing_page_has_its_own_description_and_a_share_picture(built_sample: Path) -> None:
    """Issue 23: nine listing pages shared one description and had no og:image."""
    listings = [path for path in sorted(built_sample.rglob("index.html"))
                if 'class="cards"' in path.read_text(encoding="utf-8") or path.parent.name == "tags"]
    assert len(listings) >= 9
    descriptions = {}
    for path in listings:
        tags = head(path)
        description = tags.one("og:description")
        assert description == html_description(path)
        descriptions.setdefault(description, []).append(path.relative_to(built_sample).as_posix())
        image = tags.one("og:image")
        assert image.startswith(BASE + "images/share-") and (built_sample / image.removeprefix(BASE)).is_file()
    assert all(len(paths) == 1 for paths in descriptions.values()), descriptions
    assert head(built_sample / "tags/legs/index.html").one("og:description") == \
        "2 home exercises about legs, step by step."
    assert head(built_sample / "page/2/index.html").one("og:description") == \
        "A small sample site that the golden test builds. Page 2 of 2."


def html_description(path: Path) -> str:
    import re
    found = re.search(r'<meta name="description" content="([^"]*)">', path.read_text(encoding="utf-8"))
    assert found, path
    import html
    return html.unescape(found.group(1))


def test_a_post_page_is_an_article_with_headline_image_publisher_and_source(built_sample: Path) -> None:
    """Issue 23: what an article's readers look for, and the work the post is adapted from."""
    nodes = graph(built_sample / "first-steps/index.html")
    page = nodes["MedicalWebPage"]
    assert page["headline"] == "First steps <together>"
    assert page["image"] == {"@id": BASE + "first-steps/#primaryimage"}
    assert page["primaryImageOfPage"]["@id"] == BASE + "first-steps/#primaryimage"
    assert nodes["HowTo"]["image"] == page["image"]
    assert page["publisher"] == {"@id": nodes["Organization"]["@id"]}
    assert nodes["Organization"] == {"@type": "Organization", "@id": BASE + "#publisher", "name": "Sample Guide",
                                     "url": BASE}
    assert page["isBasedOn"] == {"@type": "CreativeWork", "name": "A post <from> a parent",
                                 "author": {"name": "Cy Parent"},
                                 "isPartOf": {"@type": "WebSite", "name": "A Parent's Blog"},
                                 "url": "https://example.test/blog?x=1&y=2"}
    assert graph(built_sample / "later/index.html")["MedicalWebPage"]["isBasedOn"] == {
        "@type": "CreativeWork", "name": "An old leaflet", "author": {"name": "A clinic"}}  # no site, no address


def test_suggested_figures_stay_out_of_structured_data(built_sample: Path) -> None:
    """The page marks them as the team's suggestion; JSON-LD cannot carry that, so it leaves them out."""
    nodes = graph(built_sample / "later/index.html")
    assert "totalTime" not in nodes["HowTo"]
    assert nodes["MedicalWebPage"]["audience"]["audienceType"] == "parents of babies"
    assert graph(built_sample / "first-steps/index.html")["HowTo"]["totalTime"] == "PT3M"  # a sourced figure


# --- feed, sitemap, robots ------------------------------------------------------------------------


def test_atom_feed_has_full_entries_with_absolute_links(built_sample: Path, sample_model: Site) -> None:
    feed = feedparser.parse((built_sample / "feed.xml").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert feed.feed.title == "Sample Guide" and feed.feed.link == BASE
    assert {link.rel: link.href for link in feed.feed.links}["self"] == BASE + "feed.xml"
    newest = max(post.lastmod for post in sample_model.posts)
    assert feed.feed.updated.startswith(newest.isoformat())
    assert feed.feed.author == "Ada Example"
    assert [entry.link for entry in feed.entries] == [f"{BASE}{post.slug}/" for post in sample_model.posts]
    for entry, post in zip(feed.entries, sample_model.posts):
        assert entry.id == entry.link
        assert entry.title == post.title
        assert entry.summary == post.summary
        assert entry.published.startswith(post.date.isoformat())
        assert entry.updated.startswith(post.lastmod.isoformat()) and entry.updated_parsed
        assert entry.author == sample_model.authors[post.author or "ada"].name
        content = entry.content[0]
        assert content.type == "text/html"
        assert f'href="{BASE}{post.slug}/"' in content.value
        for src in [part.split('"', 1)[0] for part in content.value.split('src="')[1:]]:
            assert src.startswith(BASE + "images/"), src
        assert [tag.term for tag in entry.get("tags", [])] == list(post.tags)


def test_feed_is_well_formed_atom(built_sample: Path) -> None:
    root = ET.parse(built_sample / "feed.xml").getroot()
    assert root.tag == f"{ATOM}feed"
    entry = root.find(f"{ATOM}entry")
    assert entry is not None
    assert entry.find(f"{ATOM}content").get("type") == "html"
    assert entry.find(f"{ATOM}summary").get("type") == "text"
    for link in root.iter(f"{ATOM}link"):
        assert link.get("href", "").startswith(BASE)


def test_sitemap_lists_every_page_with_its_lastmod(built_sample: Path, sample_model: Site) -> None:
    root = ET.parse(built_sample / "sitemap.xml").getroot()
    entries = {url.findtext(f"{SITEMAP}loc"): url.findtext(f"{SITEMAP}lastmod") for url in root.iter(f"{SITEMAP}url")}
    pages = {BASE + p.relative_to(built_sample).as_posix().removesuffix("index.html")
             for p in built_sample.rglob("*.html") if p.name != "404.html" and p.parent.name != "offline"}
    assert set(entries) == pages
    assert all(entries.values()), "every page has a lastmod"
    newest = max(post.lastmod for post in sample_model.posts).isoformat()
    assert entries[BASE] == newest
    for post in sample_model.posts:
        assert entries[f"{BASE}{post.slug}/"] == post.lastmod.isoformat()
    for tag, posts in sample_model.tags.items():
        assert entries[f"{BASE}tags/{tag}/"] == max(p.lastmod for p in posts).isoformat()
    assert entries[BASE + "tags/"] == newest


def test_sitemap_leaves_out_drafts_even_when_they_are_built(sample_site: Path, source_date_epoch: str) -> None:
    build(BuildOptions(source=sample_site, drafts=True))
    assert (sample_site / "public/unfinished/index.html").is_file()
    sitemap = (sample_site / "public/sitemap.xml").read_text(encoding="utf-8")
    assert "/unfinished/" not in sitemap and "/tomorrow/" not in sitemap
    assert BASE + "later/" in sitemap


def test_robots_txt_points_to_the_sitemap(built_sample: Path) -> None:
    lines = (built_sample / "robots.txt").read_text(encoding="utf-8").splitlines()
    assert f"Sitemap: {BASE}sitemap.xml" in lines


# --- helpers -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("minutes", "duration"), [(1, "PT1M"), (3, "PT3M"), (60, "PT1H"), (90, "PT1H30M")])
def test_minutes_become_iso_8601_durations(minutes: int, duration: str) -> None:
    assert iso_minutes(minutes) == duration


@pytest.mark.parametrize(("language", "locale"), [("en", "en_US"), ("es", "es_ES"), ("pt", "pt_BR"), ("en-GB", "en_GB"),
                                                  ("pt-BR", "pt_BR"), ("zz", "zz")])
def test_open_graph_locale(language: str, locale: str) -> None:
    assert og_locale(language) == locale


@pytest.mark.parametrize(("markup", "text"), [
    ("Sit on the <strong>floor</strong>.", "Sit on the floor."),
    ("Tom &amp; Jerry&rsquo;s &lt;b&gt;", "Tom & Jerry\u2019s <b>"),
    ("a\n  <em>b</em>  c", "a b c"),
])
def test_plain_text_of_rendered_markdown(markup: str, text: str) -> None:
    assert plain_text(markup) == text


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab \n\t\r\x0b\x0c\x1c\u00a0\u2003.&;<>/#x0123", max_size=40))
def test_plain_text_without_tags_or_entities_is_the_parsers_text(markup: str) -> None:
    """The shortcut for text with no '<' and no '&' gives what the HTML parser gives."""
    parser = _Text()
    parser.feed(markup)
    parser.close()
    assert plain_text(markup) == " ".join("".join(parser.parts).split())
