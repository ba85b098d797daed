"""Finding exercises (issue 5): home cards, age bands, authors, similar exercises, search with Pagefind."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backlying_site.output import search
from backlying_site.incremental import Store
from backlying_site.build import BuildOptions, build
from backlying_site.load.config import load_config
from backlying_site.render.discovery import AgeBand
from backlying_site.errors import SiteError
from backlying_site.model import AgeRange, Post, Step
from backlying_site.render.discovery import SimilarIndex, similar_exercises, similar_inputs, similar_posts


def text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def links(html: str) -> list[str]:
    return re.findall(r'<a href="([^"]+)"', html)


def card_titles(html: str) -> list[str]:
    return re.findall(r'class="card-title"><a href="[^"]+">([^<]+)</a>', html)


def write_config(root: Path, extra: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "site.yaml").write_text("title: T\ndescription: D\nbase_url: https://example.test/\nauthor: a\n"
                                    "disclaimer: Ask first.\n" + extra, encoding="utf-8")
    return root


# --- site.yaml ------------------------------------------------------------------------------------

def test_search_is_on_and_age_bands_have_defaults(tmp_path: Path) -> None:
    config, problems = load_config(write_config(tmp_path, ""))
    assert problems == [] and config is not None
    assert config.search is True
    assert config.age_bands == ((0, 3), (3, 6), (6, 9), (9, 12), (12, 24))


def test_age_bands_and_search_are_read_from_site_yaml(tmp_path: Path) -> None:
    config, problems = load_config(write_config(tmp_path, "search: false\nage_bands: [0-6, '6–12', 12 - 36]\n"))
    assert problems == [] and config is not None
    assert config.search is False
    assert config.age_bands == ((0, 6), (6, 12), (12, 36))


@pytest.mark.parametrize("value, message", [
    ("[6-3]", "'6-3' is not an age band; write the months it spans, smaller first"),
    ("[[0, 3]]", "is not an age band"),
    ("[0-6, 3-9]", "3-9 overlaps or comes before 0-6"),
    ("[]", "is empty"),
])
def test_a_wrong_age_band_is_refused_with_a_line_and_a_fix(tmp_path: Path, value: str, message: str) -> None:
    config, problems = load_config(write_config(tmp_path, f"age_bands: {value}\n"))
    assert config is None
    assert len(problems) == 1 and problems[0].line == 6 and message in problems[0].message, problems


# --- age bands --------------------------------------------------------------------------------------

@pytest.mark.parametrize("age, band, holds", [
    (AgeRange(0, 6), (0, 3), True),
    (AgeRange(0, 6), (3, 6), True),
    (AgeRange(0, 6), (6, 9), False),  # ranges are half-open: up to 6 months is not 6–9 months
    (AgeRange(4, 9), (3, 6), True),
    (AgeRange(4, 9), (9, 12), False),
    (AgeRange(3, 3), (3, 6), True),  # a single month still belongs somewhere
    (AgeRange(3, 3), (0, 3), False),
    (AgeRange(4, None), (12, 24), True),  # "from 4 months" reaches every later band
    (AgeRange(None, 4), (0, 3), True),
    (AgeRange(None, 4), (6, 9), False),
    (None, (0, 3), False),  # no age: in no band, never guessed
])
def test_a_post_is_in_every_band_its_age_range_overlaps(age: AgeRange | None, band: tuple[int, int],
                                                        holds: bool) -> None:
    assert AgeBand(*band).holds(age) is holds


def test_age_pages_exist_only_for_bands_with_posts(built_sample: Path) -> None:
    assert sorted(p.name for p in (built_sample / "age").iterdir()) == ["3-6-months", "6-9-months"]
    page = text(built_sample / "age/3-6-months/index.html")
    assert card_titles(page) == ["Later", "First steps &lt;together&gt;"]
    assert "<h1>Exercises for 3–6 months</h1>" in page
    assert '<a href="/guide/age/3-6-months/" data-band="3-6-months" aria-current="page">3–6 months</a>' in page


def test_home_links_every_age_page_so_the_filter_works_without_javascript(built_sample: Path) -> None:
    home = text(built_sample / "index.html")
    assert "/guide/age/3-6-months/" in links(home) and "/guide/age/6-9-months/" in links(home)
    assert '<a href="/guide/" data-band="" aria-current="true">All ages</a>' in home
    # Two pages of cards: site.js must not filter in place (the other page's cards are not here).
    assert "data-filter" not in home.split('class="cards"')[1].split(">")[0]


def test_cards_carry_their_bands_and_minutes_a_day(built_sample: Path) -> None:
    page = text(built_sample / "age/6-9-months/index.html")
    assert 'data-bands="3-6-months 6-9-months"' in page
    # 3 minutes, twice a day
    assert '<span class="fact-label">Time:</span> 6 minutes a day (2 × 3)</li>' in page


def test_home_is_newest_first_and_paginated_by_page_size(built_sample: Path) -> None:
    first, second = text(built_sample / "index.html"), text(built_sample / "page/2/index.html")
    assert card_titles(first) == ["Later", "First steps &lt;together&gt;"]
    assert card_titles(second) == ["A single-file post"]
    assert 'href="/guide/page/2/" rel="next"' in first


def test_tag_age_and_author_pages_are_paginated_like_the_home_page(sample_site: Path,
                                                                   source_date_epoch: str) -> None:
    """Hundreds of cards on one page are heavy on a phone: every listing is cut at page_size."""
    config = sample_site / "site.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("page_size: 2", "page_size: 1"), encoding="utf-8")
    out = build(BuildOptions(source=sample_site)).output
    first, second = text(out / "authors/ada/index.html"), text(out / "authors/ada/page/2/index.html")
    assert card_titles(first) == ["First steps &lt;together&gt;"] and card_titles(second) == ["A single-file post"]
    assert 'href="/guide/authors/ada/page/2/" rel="next"' in first and "<span>Page 1 of 2</span>" in first
    assert 'href="/guide/authors/ada/" rel="prev"' in second
    # Each page is its own canonical page with its own title; the first keeps the plain one.
    assert '<link rel="canonical" href="https://example.test/guide/authors/ada/page/2/">' in second
    assert "<title>Ada Example, page 2 of 2 · Sample Guide</title>" in second
    assert "<title>Ada Example · Sample Guide</title>" in first
    assert not (out / "authors/ada/page/3").exists() and not (out / "authors/bo/page").exists()
    assert "https://example.test/guide/authors/ada/page/2/" in text(out / "sitemap.xml")
    for listing in [*sorted((out / "tags").glob("*/")), *sorted((out / "age").glob("*/"))]:
        pages = [listing / "index.html", *sorted(listing.glob("page/*/index.html"))]
        assert all(len(card_titles(text(page))) == 1 for page in pages), listing


# --- authors ----------------------------------------------------------------------------------------

def test_author_pages_have_bio_avatar_and_their_posts(built_sample: Path) -> None:
    ada = text(built_sample / "authors/ada/index.html")
    assert "<h1>Ada Example</h1>" in ada
    assert "Paediatric physical therapist &amp; <em>parent</em>." in ada
    assert re.search(r'<img src="/guide/images/ada\.[0-9a-f]+\.64w\.jpg"[^>]* alt="Ada Example"', ada)
    # A post without author: is the site's default author's (ada).
    assert card_titles(ada) == ["First steps &lt;together&gt;", "A single-file post"]
    bo = text(built_sample / "authors/bo/index.html")
    assert card_titles(bo) == ["Later"]


def test_a_post_links_to_its_authors_page(built_sample: Path) -> None:
    assert "/guide/authors/ada/" in links(text(built_sample / "first-steps/index.html"))
    assert "/guide/authors/bo/" in links(text(built_sample / "later/index.html"))


# --- similar exercises ------------------------------------------------------------------------------

def make_post(slug: str, day: int, tags: tuple[str, ...]) -> Post:
    return Post(path=f"content/posts/{slug}.md", slug=slug, title=slug, date=dt.date(2026, 1, 1) + dt.timedelta(day),
                summary="s", benefits=("b",), steps=(Step(1, "t"),), body="", body_line=1, tags=tags)


def newest_first(posts: list[Post]) -> tuple[Post, ...]:
    return tuple(sorted(posts, key=lambda p: (p.date, p.slug), reverse=True))  # as content.assemble


# Posts as (day, tags): a few days and tags, so that many share some.
POST_SPECS = st.lists(st.tuples(st.integers(0, 30), st.lists(st.sampled_from("abcde"), max_size=4)),
                      min_size=1, max_size=12)


@settings(max_examples=150, deadline=None)
@given(POST_SPECS, st.integers(0, 6), st.data())
def test_similar_exercises_rank_by_shared_tags_then_newest_and_never_the_post(specs, limit, data) -> None:
    posts = newest_first([make_post(f"p{i}", day, tuple(tags)) for i, (day, tags) in enumerate(specs)])
    post = data.draw(st.sampled_from(posts))
    chosen = similar_posts(post, posts, limit)
    others = [p for p in posts if p.slug != post.slug]
    shared = {p.slug: len(set(p.tags) & set(post.tags)) for p in others}
    expected = sorted(others, key=lambda p: (-shared[p.slug], posts.index(p)))[:limit]
    assert [p.slug for p in chosen] == [p.slug for p in expected]
    assert post.slug not in [p.slug for p in chosen]
    assert similar_posts(post, posts, limit) == chosen  # the same answer again
    reordered = tuple(p if p is not post else make_post(post.slug, (post.date - dt.date(2026, 1, 1)).days,
                                                         tuple(reversed(post.tags))) for p in posts)
    assert [p.slug for p in similar_posts(reordered[posts.index(post)], reordered, limit)] == \
        [p.slug for p in chosen]  # the order tags are written in does not matter
    index = SimilarIndex(posts)  # one index for every post, as a build uses it (its sets made once)
    for one in [*posts, post]:
        assert [posts[rank] for rank in index.ranks(one, limit)] == similar_posts(one, posts, limit)
    every = similar_exercises(posts, limit)  # every post's at once, as a build asks
    assert [[posts[rank] for rank in ranks] for ranks in every] == [similar_posts(one, posts, limit) for one in posts]


@settings(max_examples=100, deadline=None)
@given(POST_SPECS, st.integers(0, 4), st.data())
def test_similar_exercises_read_nothing_but_what_their_inputs_hold(specs, limit, data) -> None:
    """A rebuild keeps the last answers while similar_inputs is the same: nothing else may change them."""
    posts = newest_first([make_post(f"p{i}", day, tuple(tags)) for i, (day, tags) in enumerate(specs)])
    others = tuple(replace(post, path=f"content/elsewhere/{post.slug}.md", title=data.draw(st.text(max_size=3)),
                           date=post.date + dt.timedelta(days=data.draw(st.integers(-5, 5))), summary="other",
                           draft=data.draw(st.booleans()), age=AgeRange(0, data.draw(st.integers(1, 9))))
                   for post in posts)  # fields besides slug and tags changed, the list's order kept
    assert similar_inputs(others, limit) == similar_inputs(posts, limit)
    assert similar_exercises(others, limit) == similar_exercises(posts, limit)
    retagged = tuple(replace(post, tags=(*post.tags, "z")) if i == 0 else post for i, post in enumerate(posts))
    assert similar_inputs(retagged, limit) != similar_inputs(posts, limit)


def test_similar_exercises_block_on_the_sample_post(built_sample: Path) -> None:
    page = text(built_sample / "first-steps/index.html")
    block = page.split('<h2 id="related-title">Similar exercises</h2>')[1]
    # related_posts: 2 in site.yaml; 'later' shares a tag, then the newest other post.
    assert card_titles(block) == ["Later", "A single-file post"]


# --- search -----------------------------------------------------------------------------------------

def test_search_bundle_indexes_only_the_posts_and_leaves_out_pagefinds_own_interfaces(built_sample: Path) -> None:
    bundle = built_sample / "pagefind"
    names = sorted(p.name for p in bundle.iterdir())
    assert "pagefind.js" in names and "pagefind-entry.json" in names
    assert not [n for n in names if n.startswith(search.UNUSED_PREFIXES)]
    entry = json.loads(text(bundle / "pagefind-entry.json"))
    assert sum(language["page_count"] for language in entry["languages"].values()) == 3  # the three posts
    assert (built_sample / "search/index.html").is_file()


def test_only_post_content_is_marked_for_the_index(built_sample: Path) -> None:
    assert text(built_sample / "first-steps/index.html").count("data-pagefind-body") == 1
    for page in ["index.html", "tags/legs/index.html", "authors/ada/index.html", "search/index.html", "404.html"]:
        assert "data-pagefind-body" not in text(built_sample / page), page
    post = text(built_sample / "first-steps/index.html")
    for block in ['class="disclaimer"', 'class="tracker"', 'class="share"', 'class="post-footer"']:
        assert re.search(block + r'[^>]*data-pagefind-ignore', post), block


def test_search_page_and_link_work_without_javascript(built_sample: Path) -> None:
    page = text(built_sample / "search/index.html")
    assert '<a href="/guide/search/">Search</a>' in text(built_sample / "index.html")
    assert re.search(r'<form class="search-form" role="search" action="/guide/search/" method="get" '
                     r'data-search data-bundle="/guide/pagefind/" data-base="/guide/" hidden>', page)
    # Without JavaScript the form stays hidden and the page offers every way to browse.
    assert {"/guide/", "/guide/tags/", "/guide/age/3-6-months/", "/guide/age/6-9-months/"} <= set(links(page))
    assert re.search(r'<script src="/guide/static/js/search\.[0-9a-f]{8}\.js" defer></script>', page)


def tree_digest(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_two_builds_make_byte_identical_search_bundles(built_sample: Path, sample_site: Path,
                                                       source_date_epoch: str) -> None:
    build(BuildOptions(source=sample_site))
    assert tree_digest(sample_site / "public/pagefind") == tree_digest(built_sample / "pagefind")


def test_search_false_builds_no_index_no_page_and_no_link(sample_site: Path, source_date_epoch: str) -> None:
    with (sample_site / "site.yaml").open("a", encoding="utf-8") as handle:
        handle.write("search: false\n")
    build(BuildOptions(source=sample_site))
    public = sample_site / "public"
    assert not (public / "pagefind").exists() and not (public / "search").exists()
    assert "/guide/search/" not in text(public / "index.html")
    assert "/guide/search/" not in text(public / "sitemap.xml")


def test_missing_pagefind_is_a_clear_error_that_writes_nothing(sample_site: Path, source_date_epoch: str,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "pagefind_executable", lambda: None)
    with pytest.raises(SiteError) as caught:
        build(BuildOptions(source=sample_site))
    [problem] = caught.value.problems
    assert problem.path == "site.yaml" and "Pagefind is not installed" in problem.message
    assert "search: false" in problem.message
    assert not (sample_site / "public").exists()


# --- browser ----------------------------------------------------------------------------------------

def open_page(browser, url: str, **options):
    context = browser.new_context(**options)
    page = context.new_page()
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("request", lambda request: requests.append("document") if request.resource_type == "document" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(url, wait_until="load")
    return context, page, requests, errors


@pytest.mark.browser
def test_searching_a_word_from_a_post_finds_it(browser, guide_server: str) -> None:
    context, page, requests, errors = open_page(browser, guide_server + "search/")
    try:
        page.get_by_label("Search the exercises").fill("hamstrings")
        page.get_by_role("button", name="Search").click()
        results = page.locator("[data-search-results] li > a")
        results.first.wait_for()
        titles = results.all_inner_texts()
        assert "The back-lying position" in titles and "Hand-to-foot play" in titles
        assert "Tummy time" not in titles
        assert page.locator("[data-search-results] mark").first.inner_text().lower().startswith("hamstrings")
        assert re.match(r"\d exercises match “hamstrings”\.", page.locator("[data-search-status]").inner_text())
        assert page.url.endswith("/search/?q=hamstrings")
        results.filter(has_text="The back-lying position").click()
        page.wait_for_url("**/back-lying-position/")
        assert all(url.startswith(guide_server) for url in requests if url != "document"), requests
        assert errors == []
    finally:
        context.close()


@pytest.mark.browser
def test_search_under_a_base_path_links_to_the_posts_there(browser, sample_server: str) -> None:
    context, page, requests, errors = open_page(browser, sample_server + "search/?q=smile")
    try:
        result = page.locator("[data-search-results] li > a")
        result.first.wait_for()
        assert result.all_inner_texts() == ["First steps <together>"]
        assert result.first.get_attribute("href") == "/guide/first-steps/"
        assert page.get_by_label("Search the exercises").input_value() == "smile"
        page.get_by_label("Search the exercises").fill("zzqqxxzz")
        page.locator("[data-search-status]", has_text="No exercise matches").wait_for()
        assert result.count() == 0
        assert errors == [] and all(url.startswith(sample_server) for url in requests if url != "document")
    finally:
        context.close()


@pytest.mark.browser
def test_without_javascript_the_search_page_offers_browsing(browser, guide_server: str) -> None:
    context, page, _, _ = open_page(browser, guide_server + "search/", java_script_enabled=False)
    try:
        assert not page.locator("form[data-search]").is_visible()
        assert page.locator("[data-search-no-js]").is_visible()
        assert page.get_by_role("link", name="Exercises by topic").is_visible()
    finally:
        context.close()


@pytest.mark.browser
def test_age_filter_filters_the_cards_in_place_and_back_restores_them(browser, guide_server: str) -> None:
    context, page, requests, errors = open_page(browser, guide_server)
    try:
        filters = page.get_by_role("navigation", name="Exercises by your baby's age")
        loaded = requests.count("document")
        filters.get_by_role("link", name="0–3 months").click()
        visible = page.locator(".cards .card:visible .card-title")
        assert visible.all_inner_texts() == ["Tummy time"]
        assert page.url == guide_server + "age/0-3-months/"
        assert requests.count("document") == loaded  # filtered in place, no page load
        assert page.locator("[data-filter-status]").inner_text() == "1 exercise for 0–3 months."
        assert filters.get_by_role("link", name="0–3 months").get_attribute("aria-current") == "page"
        page.go_back()
        assert visible.count() == 3
        assert page.url == guide_server
        page.reload()  # the address it showed is a real page
        page.goto(guide_server + "age/0-3-months/")
        assert page.locator(".card-title").all_inner_texts() == ["Tummy time"]
        assert errors == []
    finally:
        context.close()


@pytest.mark.browser
def test_age_filter_without_javascript_opens_the_age_page(browser, guide_server: str) -> None:
    context, page, _, _ = open_page(browser, guide_server, java_script_enabled=False)
    try:
        page.get_by_role("link", name="9–12 months").click()
        page.wait_for_url("**/age/9-12-months/")
        assert page.locator(".card-title").all_inner_texts() == ["The back-lying position"]
    finally:
        context.close()


def test_the_preview_keeps_the_last_index_until_a_build_that_does_not_defer_it(
        sample_site: Path, source_date_epoch: str, built_sample: Path) -> None:
    store = Store()
    deferring = BuildOptions(source=sample_site, defer_search=True)
    assert not build(deferring, store).search_behind  # nothing to keep yet: indexes
    public = sample_site / "public"
    assert tree_digest(public / "pagefind") == tree_digest(built_sample / "pagefind")
    post = sample_site / "content/posts/plain.md"
    post.write_text(post.read_text(encoding="utf-8").replace("Body.", "Body about giraffes."), encoding="utf-8")
    assert build(deferring, store).search_behind
    assert tree_digest(public / "pagefind") == tree_digest(built_sample / "pagefind")  # kept as it was
    assert not build(BuildOptions(source=sample_site), store).search_behind
    assert tree_digest(public / "pagefind") != tree_digest(built_sample / "pagefind")  # indexed afresh
    reference = sample_site.parent / "reference"
    build(BuildOptions(source=sample_site, output=reference))
    assert tree_digest(public / "pagefind") == tree_digest(reference / "pagefind")


def test_a_theme_whose_post_page_has_no_search_mark_still_indexes_only_the_posts(
        sample_site: Path, source_date_epoch: str) -> None:
    """Pagefind reads the staged site in place only when post pages carry data-pagefind-body (else
    it would index every page); without the mark the post pages are indexed, whole, apart."""
    theme_post = Path(__file__).resolve().parent.parent / "templates" / "post.html"
    (sample_site / "templates").mkdir(exist_ok=True)
    (sample_site / "templates/post.html").write_text(
        theme_post.read_text(encoding="utf-8").replace(" data-pagefind-body", ""), encoding="utf-8")
    build(BuildOptions(source=sample_site))
    assert "data-pagefind-body" not in text(sample_site / "public/first-steps/index.html")
    entry = json.loads(text(sample_site / "public/pagefind/pagefind-entry.json"))
    assert sum(language["page_count"] for language in entry["languages"].values()) == 3  # the three posts
