"""No field, option or file an author controls can run script on a reader's page (issue 18).

Every trick a browser's parsing allows is put in every Markdown field of a small site, which is
built; the pages are then read by an oracle written apart from the filter (and, in the browser
test, by Chromium itself). Safe addresses come out byte for byte as Python-Markdown writes them.
"""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from pathlib import Path

import markdown
import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from backlying_site.build import BuildOptions, build
from backlying_site.errors import SiteError
from backlying_site.load.config import load_config
from backlying_site.render.markdown import MAX_LINKS_PER_TEXT, MarkdownRenderer, extensions
from backlying_site.render.urlsafety import browser_url, drop_unsafe, is_safe_url, safe_html
from conftest import StaticServer
from test_practice import read_to_the_end

# Each trick shows its marker ({m}) as text, so a test can tell that the field reached the page.
TRICKS = {
    "charref-decimal": "[{m}](&#106;avascript:alert(1))",
    "charref-leading-zeros": "[{m}](&#0000106;avascript:alert(1))",
    "charref-hex": "[{m}](&#x6A;avascript:alert(1))",
    "charref-hex-upper-x": "[{m}](&#X6a;avascript:alert(1))",
    "charref-without-semicolon": "[{m}](&#106avascript:alert(1))",
    "hex-without-semicolon": "[{m}](&#x6Aavascript:alert(1))",
    "named-colon": "[{m}](javascript&colon;alert(1))",
    "decimal-colon": "[{m}](javascript&#58;alert(1))",
    "hex-colon": "[{m}](javascript&#x3a;alert(1))",
    "named-tab-and-colon": "[{m}](java&Tab;script&colon;alert(1))",
    "named-newline": "[{m}](java&NewLine;script:alert(1))",
    "numeric-tab": "[{m}](java&#9;script:alert(1))",
    "numeric-carriage-return": "[{m}](java&#13;script:alert(1))",
    "leading-space": "[{m}](&#32;javascript:alert(1))",
    "leading-tab": "[{m}](&#9;javascript:alert(1))",
    "leading-control": "[{m}](&#1;javascript:alert(1))",
    "mixed-case": "[{m}](JaVaScRiPt:alert(1))",
    "vbscript": "[{m}](vbscript:alert(1))",
    "data-html": "[{m}](data&colon;text/html,<script>alert(1)</script>)",
    "data-base64": "[{m}](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "angle-destination": "[{m}](<javascript:alert(1)>)",
    "link-in-link": "[[{m}](javascript:alert(1))](/ok/)",
    "title-breakout": '[{m}](/ok/ "x&quot; onmouseover=&quot;alert(1)")',
    "reference": "[{m}][ref-{m}]\n\n[ref-{m}]: &#106;avascript:alert(1)",
    "reference-plain": "[{m}][plain-{m}]\n\n[plain-{m}]: javascript:alert(1) \"title\"",
    "reference-angle": "[{m}][angle-{m}]\n\n[angle-{m}]: <java&#9;script:alert(1)>",
    "image": "![{m}](&#106;avascript:alert(1))",
    "image-data-svg": "![{m}](data:image/svg+xml,<svg onload=alert(1)>)",
    "image-reference": "![{m}][pic-{m}]\n\n[pic-{m}]: javascript:alert(1)",
    "image-other-host": "![{m}](https://tracker.example/pixel.gif)",
    "image-protocol-relative": "![{m}](//tracker.example/pixel.gif)",
    "image-backslashes": r"![{m}](\\\\tracker.example/pixel.gif)",
    "autolink": "{m} <javascript:alert(1)>",
    "autolink-slashes": "{m} <javascript://%0aalert(1)>",
    "attr-href": "[{m}](/ok/){{: href='javascript:alert(1)' }}",
    "attr-href-upper": "[{m}](/ok/){{: HREF='&#106;avascript:alert(1)' }}",
    "attr-onclick": "[{m}](/ok/){{: onclick='alert(1)' }}",
    "attr-onmouseover-upper": "*{m}*{{: OnMouseOver='alert(1)' }}",
    "attr-style": "*{m}*{{: style='background:url(javascript:alert(1))' }}",
    "attr-srcdoc": "*{m}*{{: srcdoc='<script>alert(1)</script>' }}",
    "attr-onerror": "![{m}](missing.png){{: onerror='alert(1)' }}",
    "attr-srcset": "![{m}](ok.png){{: srcset='ok.png 1x, javascript:alert(1) 2x' }}",
    "attr-srcset-other-host": "![{m}](ok.png){{: srcset='ok.png 1x, https://tracker.example/p.png 2x' }}",
    "attr-formaction": "*{m}*{{: formaction='javascript:alert(1)' }}",
    "attr-action": "*{m}*{{: action='javascript:alert(1)' }}",
    "attr-poster": "*{m}*{{: poster='javascript:alert(1)' }}",
    "attr-data": "*{m}*{{: data='javascript:alert(1)' }}",
    "attr-background": "*{m}*{{: background='https://tracker.example/bg.png' }}",
    "attr-cite": "*{m}*{{: cite='javascript:alert(1)' }}",
    "attr-ping": "[{m}](/ok/){{: ping='https://tracker.example/ping' }}",
    "attr-empty-href": "*{m}*{{: href=}}",
    "attr-empty-src": "![{m}](/b/){{: src=}}",
    "attr-bare-href": "[{m}](/a/){{href}}",
    "attr-bare-src": "![{m}](a.png){{src}}",
    # Harmless to a browser (no scheme once decoded): kept as written.
    "percent-colon": "[{m}](javascript%3Aalert(1))",
    "nbsp-before": "[{m}](&nbsp;javascript:alert(1))",
    "nul-before": "[{m}](&#0;javascript:alert(1))",  # U+FFFD to a browser: no scheme
    "fullwidth-letter": "[{m}](ｊavascript:alert(1))",
}
MARKED = {name: text.format(m=f"M{i:02d}x") for i, (name, text) in enumerate(TRICKS.items())}
# Harmless, but links to no page of the site: a build refuses them at their line (issue 22; tested
# below), so the sites these tests build leave them out. '/ok/' and '/a/' are pages of those sites.
NO_PAGE = {"hex-without-semicolon", "percent-colon", "nbsp-before", "nul-before", "fullwidth-letter"}
BUILT = {name: text for name, text in MARKED.items() if name not in NO_PAGE}
# Raw HTML, for raw_html: true (each with its own marker too).
RAW_TRICKS = {
    "script": "<p>{m}</p><script>alert(1)</script>",
    "a-charref": '<a href="&#106;avascript:alert(1)">{m}</a>',
    "a-tab": '<a href="java&#9;script:alert(1)">{m}</a>',
    "a-charref-without-semicolon": '<a href="&#106avascript:alert(1)">{m}</a>',
    "a-space": '<a href=" javascript:alert(1)">{m}</a>',
    "a-unquoted": "<a href=javascript:alert(1)>{m}</a>",
    "img-onerror": "<img src=x onerror=alert(1)>{m}",
    "img-onerror-slash": "<img/src=x/onerror=alert(1)>{m}",
    "img-other-host": '<img src="https://tracker.example/p.gif" alt="x">{m}',
    "img-srcset": '<img srcset="javascript:alert(1) 1x" alt="x">{m}',
    "iframe-srcdoc": '{m}<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>',
    "iframe-src": '{m}<iframe src="javascript:alert(1)"></iframe>',
    "object": '{m}<object data="javascript:alert(1)"></object>',
    "embed": '{m}<embed src="javascript:alert(1)">',
    "base": '{m}<base href="javascript:alert(1)//">',
    "meta-refresh": '{m}<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "form": '<form action="javascript:alert(1)"><button formaction="javascript:alert(1)">{m}</button></form>',
    "svg-script": "{m}<svg><script>alert(1)</script></svg>",
    "svg-animate": '{m}<svg><animate onbegin="alert(1)" attributeName="x" dur="1s"/></svg>',
    "svg-xlink": '<svg><a xlink:href="javascript:alert(1)"><text y="20">{m}</text></a></svg>',
    "math-href": '<math><mi href="javascript:alert(1)">{m}</mi></math>',
    "details-ontoggle": "<details open ontoggle=alert(1)><summary>{m}</summary></details>",
    "style-element": "{m}<style>*{{background:url(javascript:alert(1))}}</style>",
    "comment-breakout": "{m}<!-- --!><img src=x onerror=alert(1)> -->",
    "noscript-mxss": '{m}<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    "video-poster": '{m}<video poster="javascript:alert(1)"></video>',
    "marked-section": "{m}<![foo[ ]]><img src=x onerror=alert(1)>",
}
RAW_MARKED = {name: text.format(m=f"R{i:02d}x") for i, (name, text) in enumerate(RAW_TRICKS.items())}

FIELDS = ["body", "benefits", "steps.text", "note.body", "helps_with", "play_ideas", "precautions",
          "disclaimer", "site.disclaimer", "site.affiliate_disclosure", "author.bio"]


# --- the oracle: written apart from urlsafety, from the HTML standard's rules ---------------------------

URL_ATTRIBUTES = {"href", "src", "srcset", "poster", "action", "formaction", "xlink:href", "data", "background",
                  "cite", "ping", "longdesc"}
LOADED = {"src", "srcset", "poster", "data", "background", "ping"}
FORBIDDEN = {"iframe", "object", "embed", "base", "svg", "math", "style", "noscript", "video", "frame", "applet"}


class Offences(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in FORBIDDEN or (tag == "meta" and "http-equiv" in values):
            self.found.append(f"<{tag}>")
        if tag == "script" and not (values.get("type") == "application/ld+json" or
                                    (values.get("src") or "").startswith("/static/")):
            self.found.append(f"<script {values}>")
        if tag == "form" and values.get("class") != "search-form":
            self.found.append(f"<form {values}>")
        for name, value in attrs:
            if name.startswith("on") or name in ("style", "srcdoc"):
                self.found.append(f"<{tag} {name}>")
            if name in URL_ATTRIBUTES and value:
                urls = re.split(r"[\t\n\f\r ,]+", value) if name in ("srcset", "ping") else [value]
                self.found += [f"<{tag} {name}={value!r}>" for url in urls if offending_url(url, loaded=name in LOADED)]


def offending_url(url: str, loaded: bool) -> bool:
    """WHATWG URL parsing's first steps, then the scheme: only http(s), mailto, tel or none; an
    address fetched by the page itself may not name another host."""
    url = re.sub("[\t\n\r]", "", url).strip("".join(chr(c) for c in range(33))).lower()
    scheme = re.match(r"[a-z][a-z0-9+.-]*:", url)
    if scheme and scheme.group() not in ("http:", "https:", "mailto:", "tel:"):
        return True
    return loaded and bool(scheme or url[:2] in ("//", "\\\\", "/\\", "\\/"))


def offences(page: str) -> list[str]:
    parser = Offences()
    parser.feed(page)
    parser.close()
    return parser.found


# --- a small site with the tricks in one field ----------------------------------------------------------

def write_site(root: Path, texts: dict[str, list[str]], markdown_settings: dict | None = None) -> Path:
    """A one-post site; ``texts`` maps fields of FIELDS to the Markdown texts to put there."""
    def joined(field: str, default: str) -> str:
        return "\n\n".join(texts[field]) if field in texts else default

    def items(field: str, default: str) -> list[str]:
        return list(texts.get(field, [default]))  # a list of its own: YAML would write an alias

    config = {"title": "Guide", "description": "A test guide.", "base_url": "https://example.test/",
              "author": "team", "disclaimer": joined("site.disclaimer", "Not medical advice."),
              "affiliate_disclosure": joined("site.affiliate_disclosure", "We earn nothing."),
              "search": False, "share_images": False, "markdown": markdown_settings or {"raw_html": False}}
    front = {"title": "Tummy time", "date": dt.date(2026, 1, 5), "summary": "Play on the tummy.",
             "benefits": items("benefits", "Neck strength"),
             "steps": [{"text": text} for text in items("steps.text", "Lie your baby down.")],
             "helps_with": items("helps_with", "Crawling"), "play_ideas": items("play_ideas", "Sing."),
             "precautions": items("precautions", "Your baby is tired."),
             "note": {"title": "Why", "body": joined("note.body", "Because.")}}
    if "disclaimer" in texts:
        front["disclaimer"] = joined("disclaimer", "")
    authors = {"team": {"name": "The team", "bio": joined("author.bio", "Therapists.")}}
    (root / "content/posts/tummy-time").mkdir(parents=True)
    (root / "site.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    (root / "content/authors.yaml").write_text(yaml.safe_dump(authors, allow_unicode=True), encoding="utf-8")
    post = "---\n" + yaml.safe_dump(front, allow_unicode=True) + "---\n" + joined("body", "Tummy time is play.") + "\n"
    (root / "content/posts/tummy-time/index.md").write_text(post, encoding="utf-8")
    for slug in ("ok", "a"):  # what the tricks link to
        (root / f"content/posts/{slug}.md").write_text(
            f"---\ntitle: Page {slug}\ndate: 2026-01-01\nsummary: A page.\nbenefits: [Fun]\nsteps:\n  - text: Play.\n"
            "---\nBody.\n", encoding="utf-8")
    return root


def built_pages(root: Path) -> dict[str, str]:
    build(BuildOptions(source=root))
    public = root / "public"
    return {path.relative_to(public).as_posix(): path.read_text(encoding="utf-8")
            for path in sorted(public.rglob("*.html"))}


def shown(pages: dict[str, str]) -> str:
    """The text of the pages that show the post's fields and the author's bio."""
    return pages["tummy-time/index.html"] + pages["authors/team/index.html"]


@pytest.mark.parametrize("field", FIELDS)
def test_no_trick_leaves_an_unsafe_address_in_any_field(tmp_path: Path, field: str) -> None:
    pages = built_pages(write_site(tmp_path, {field: list(BUILT.values())}))
    assert {path: offences(page) for path, page in pages.items() if offences(page)} == {}
    missing = [name for name, text in BUILT.items() if re.search(r"M\d\dx", text)[0] not in shown(pages)]
    assert missing == []  # each trick reached the page (as text, or as a link without its address)


@pytest.mark.parametrize("field", FIELDS)
def test_raw_html_is_sanitized_in_any_field_that_allows_it(tmp_path: Path, field: str) -> None:
    settings_ = {"raw_html": True, "raw_html_in_fields": True}
    pages = built_pages(write_site(tmp_path, {field: list(RAW_MARKED.values()) + list(BUILT.values())}, settings_))
    assert {path: offences(page) for path, page in pages.items() if offences(page)} == {}
    assert "<b>bold</b>" in str(MarkdownRenderer(raw_html=True).block("<b>bold</b>"))  # raw HTML does render


def test_an_address_harmless_to_a_browser_but_to_no_page_is_a_broken_link_at_its_line(tmp_path: Path) -> None:
    root = write_site(tmp_path, {"body": [MARKED[name] for name in sorted(NO_PAGE)]})
    with pytest.raises(SiteError) as raised:
        build(BuildOptions(source=root))
    shown_as = {"fullwidth-letter": "ｊavascript:alert(1)", "hex-without-semicolon": "\u06aavascript:alert(1)",
                "nbsp-before": "\\xa0javascript:alert(1)",  # an invisible character, named
                "nul-before": "\ufffdjavascript:alert(1)",
                "percent-colon": "javascript%3Aalert(1)"}
    assert [problem.format() for problem in raised.value.problems] == [
        f"content/posts/tummy-time/index.md:{line}: links to '{shown_as[name]}', which is not a page of the site; "
        "link to another post by its file ('../tummy-time/index.md') or its address ('../tummy-time/')"
        for line, name in zip(range(19, 29, 2), sorted(NO_PAGE))]  # the body from line 19, a blank line between
    assert not (root / "public").exists()


@pytest.mark.parametrize("disclaimer", ["site.disclaimer", "disclaimer"])  # a post's replaces the site's
def test_raw_html_in_bodies_leaves_front_matter_escaped(tmp_path: Path, disclaimer: str) -> None:
    """raw_html alone is about bodies: the README promises escaped front-matter values."""
    texts = {"body": ["Body <b>bold</b>"], "benefits": ["Field <b>bold</b>"], "author.bio": ["Bio <i>it</i>"],
             disclaimer: ["Disclaimer <u>u</u>"], "note.body": ["Note <b>n</b>"],
             "site.affiliate_disclosure": ["Disclosure <s>s</s>"]}
    page = shown(built_pages(write_site(tmp_path, texts, {"raw_html": True})))
    assert "Body <b>bold</b>" in page
    for text in ["Field &lt;b&gt;bold&lt;/b&gt;", "Bio &lt;i&gt;it&lt;/i&gt;", "Disclaimer &lt;u&gt;u&lt;/u&gt;",
                 "Note &lt;b&gt;n&lt;/b&gt;", "Disclosure &lt;s&gt;s&lt;/s&gt;"]:
        assert text in page
    assert not re.search(r"(Field|Bio|Disclaimer|Note|Disclosure) <", page)


def test_raw_html_in_fields_needs_raw_html(tmp_path: Path) -> None:
    (tmp_path / "site.yaml").write_text(
        "title: G\ndescription: D.\nbase_url: https://example.test/\nauthor: team\ndisclaimer: Not advice.\n"
        "markdown:\n  raw_html_in_fields: true\n", encoding="utf-8")
    config, problems = load_config(tmp_path)
    assert config is None
    assert [p.format() for p in problems] == [
        "site.yaml:7: markdown.raw_html_in_fields: needs 'raw_html: true' too; raw HTML in front-matter fields "
        "is allowed only where it is allowed in bodies"]


def test_both_settings_reach_the_site_config(tmp_path: Path) -> None:
    (tmp_path / "site.yaml").write_text(
        "title: G\ndescription: D.\nbase_url: https://example.test/\nauthor: team\ndisclaimer: Not advice.\n"
        "markdown: {raw_html: true, raw_html_in_fields: true}\n", encoding="utf-8")
    config, _ = load_config(tmp_path)
    assert config is not None and config.markdown_raw_html and config.markdown_raw_html_in_fields


# --- each trick, rendered: what is cut, and what is kept ----------------------------------------------

RENDERER = MarkdownRenderer()


@pytest.mark.parametrize("name", MARKED)
def test_each_trick_is_cut_from_the_html_or_harmless(name: str) -> None:
    html = str(RENDERER.block(MARKED[name]))
    assert offences(html) == [], html


@pytest.mark.parametrize("name", RAW_MARKED)
def test_each_raw_html_trick_is_cut_with_raw_html_on(name: str) -> None:
    html = str(MarkdownRenderer(raw_html=True).block(RAW_MARKED[name]))
    assert offences(html) == [], html


@pytest.mark.parametrize("source", ["*this*{: href=}", "![a](/b){: src=}", "[x](/a){href}", "![x](a.png){src}",
                                    "[x](/a){: href= }", "*x*{: onclick }"])
def test_attribute_lists_without_a_value_give_python_markdowns_html(source: str) -> None:
    """They crashed the old link filter (an AttributeError on None); empty values are harmless."""
    assert str(RENDERER.block(source)) == stock(source)


def stock(source: str) -> str:
    return markdown.Markdown(extensions=extensions(), output_format="html").convert(source)


SAFE = ["[a](https://example.org/x?y=1&z=2#f)", "[m](mailto:a@example.org)", "[t](tel:+15551234567)",
        "[r](../other/)", "[h](#anchor)", "[q](?q=1)", "[c](/a:b)", "[d](a/b:c)", "[u](HTTPS://EXAMPLE.ORG/)",
        "[p](http://example.org)", "[s](<a b.html>)", "![p](images/p.png)", "![p](/images/p.png 'A title')",
        "![p](./p.png){: srcset='p.png 1x, p@2x.png 2x' }", "<https://example.org/a>", "<a@example.org>",
        "[ref][r]\n\n[r]: https://example.org/ \"T\"", "[e](https://example.org/?a=1&amp;b=2)",
        "[x](/ok/){: #id .class title='a: b' }", "[n](&#109;ailto:a@example.org)", "[k](//example.org/page)",
        "A [link](https://example.org) *and* ![pic](pic.png) = fine; it's \"ok\" -- 3 > 2"]


@pytest.mark.parametrize("source", SAFE)
def test_safe_addresses_stay_byte_for_byte_as_python_markdown_writes_them(source: str) -> None:
    assert str(RENDERER.block(source)) == stock(source)


@settings(max_examples=500, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.sampled_from(SAFE) | st.text(alphabet="ab c[]()!#?.,;&=\"'*_`-\n{}:/", max_size=30),
                max_size=4).map("\n\n".join))
def test_documents_without_offending_addresses_are_python_markdowns_own(source: str) -> None:
    html = RENDERER._convert(source)  # this site's Python-Markdown (raw HTML escaped, h1 made h2), unfiltered
    if not offences(html):
        assert str(RENDERER.block(source)) == html


# --- the filter itself ----------------------------------------------------------------------------------

@pytest.mark.parametrize("written, resolved", [
    ("&#106;avascript:x", "javascript:x"), ("java&Tab;script&colon;x", "javascript:x"),
    ("&#x6A;ava&#x0A;script:x", "javascript:x"), ("  \x01javascript:x \x00", "javascript:x"),
    ("&#0000106;avascript:x", "javascript:x"), ("&#106avascript:x", "javascript:x"),  # (unescape's legacy rule)
    ("/a b/", "/a b/"), ("&nbsp;x", "\xa0x"), ("&amp;#106;", "&#106;"),
])
def test_browser_url_decodes_references_and_strips_what_browsers_ignore(written: str, resolved: str) -> None:
    assert browser_url(written) == resolved


@pytest.mark.parametrize("written, safe", [
    ("https://a.example/", True), ("HTTP://a.example/", True), ("mailto:a@b.c", True), ("tel:+1", True),
    ("/a:b", True), ("a/b:c", True), ("#x", True), ("?q", True), ("", True), ("//other.example/", True),
    ("javascript%3Aalert(1)", True), ("&amp;#106;avascript:x", True),
    ("javascript:x", False), ("JaVaScRiPt:x", False), (" javascript:x", False), ("java\tscript:x", False),
    ("&#106;avascript:x", False), ("vbscript:x", False), ("data:text/html,x", False), ("file:///etc", False),
    ("jav&#x09;ascript:x", False), ("\x10javascript:x", False),
])
def test_is_safe_url(written: str, safe: bool) -> None:
    assert is_safe_url(written) is safe


HTMLISH = ["<a", "<img", "<p", ">", " ", "\t", "\n", "=", '"', "'", "/", "//", "\\", "href", "HREF", "src", "srcset",
           "onclick", "OnLoad", "style", "srcdoc", "javascript:", "JaVaScRiPt:", "&#106;", "&colon;", "&#x3a;",
           "alert(1)", "https://x", "http:", "mailto:", "x", "#", "?", ".", "..", "&amp;", ",", " 1x", "data:",
           "xlink:href", "on", "<!--", "-->", "<![x[", "]]>", "poster", "ping"]


@settings(max_examples=3000, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.sampled_from(HTMLISH), max_size=25).map("".join))
@example("<a onclick<a=-->")  # found by Hypothesis: '<' is part of a name, 'onclick<a'
def test_the_quick_check_never_passes_a_page_the_parser_would_cut(page: str) -> None:
    """safe_html skips the parse when its scans find nothing: it must never skip a page that needs it."""
    assert safe_html(page) == drop_unsafe(page)[0]


@settings(max_examples=1000, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.sampled_from(list(MARKED.values())) | st.text(alphabet="ab j[]()!<>{}:&#;=/\\.'\" \n", max_size=25),
                max_size=3).map(" ".join))
def test_check_skips_only_sources_that_cannot_hold_what_the_page_cuts(source: str) -> None:
    """MarkdownRenderer.dropped skips a source without ':', '&', '{', '<', a backslash or '//'."""
    assert RENDERER.dropped(source) == drop_unsafe(RENDERER._convert(source))[1]


def test_only_the_offending_attribute_is_cut() -> None:
    page = '<p><a href="/ok/" title="T">a</a> <a title="U" href="&#106;avascript:x" id="v">b</a></p>'
    cut, dropped = drop_unsafe(page)
    assert cut == '<p><a href="/ok/" title="T">a</a> <a title="U" id="v">b</a></p>'
    assert [d.written for d in dropped] == ["&#106;avascript:x"]


def test_a_heading_link_in_the_table_of_contents_is_filtered_too() -> None:
    renderer = MarkdownRenderer()
    renderer.block("## See [this](&#106;avascript:alert(1))\n\nText.")
    assert renderer.toc()[0]["html"] == "See <a>this</a>"


# --- links per paragraph: Python-Markdown's cost grows with links times length --------------------------

def test_a_paragraph_past_the_cap_is_plain_text_and_one_below_keeps_its_links() -> None:
    crowded = " ".join(f"[l{i}](https://example.org/{i})" for i in range(MAX_LINKS_PER_TEXT + 1))
    html = str(RENDERER.block(crowded + "\n\nAfter [it](/x/)."))
    assert html.count("<a ") == 1 and "[l0](https://example.org/0)" in html
    fine = " ".join(f"[l{i}](https://example.org/{i})" for i in range(MAX_LINKS_PER_TEXT))
    assert str(RENDERER.block(fine)).count("<a ") == MAX_LINKS_PER_TEXT


def test_a_list_of_many_links_keeps_them_all() -> None:
    """The cap counts one paragraph, list item or cell: a long list of sources is fine."""
    items = "\n".join(f"- [l{i}](https://example.org/{i})" for i in range(3 * MAX_LINKS_PER_TEXT))
    assert str(RENDERER.block(items)).count("<a ") == 3 * MAX_LINKS_PER_TEXT


# --- in Chromium: nothing runs, nothing loads from elsewhere ---------------------------------------------

HOOK = """
for (const name of ["alert", "confirm", "prompt", "print"]) {
    window[name] = (...args) => window.__pwned(name + ":" + args.join(","));
}
document.addEventListener("click", event => {  // the browser's own reading: only safe schemes are kept from leaving
    const link = event.target.closest && event.target.closest("a[href], area[href]");
    if (link && ["http:", "https:", "mailto:", "tel:"].includes(new URL(link.href, location.href).protocol)) {
        event.preventDefault();
    }
}, true);
"""


# The javascript: addresses clicked run in the order they were clicked: one of ours clicked last has
# run only after every one before it. It calls back to Python, which takes the page's calls in order,
# and sets __followed_last_done once that call has returned: every __pwned call was taken before it.
CLICK_EVERY_LINK = """() => {
    const links = [...document.querySelectorAll("a, area")];
    for (const link of links) {  // (an SVG <a> has no click(): an event does the same)
        link.dispatchEvent(new MouseEvent("click", {bubbles: true, cancelable: true, view: window}));
    }
    const last = document.createElement("a");
    last.href = "javascript:void window.__followed_last().then(() => { window.__followed_last_done = true; })";
    document.body.append(last);
    last.click();
    return links.length;
}"""


BROWSER_READING = """() => {
    const names = ["href", "src", "action", "formaction", "poster", "data", "cite", "background", "xlink:href"];
    const found = [];
    for (const element of document.querySelectorAll("*")) {
        for (const name of names) {
            const value = element.getAttribute(name);
            if (value === null) continue;
            const protocol = new URL(value, document.baseURI).protocol;
            if (!["http:", "https:", "mailto:", "tel:"].includes(protocol)) found.push(`${name}=${value}`);
        }
    }
    return found;
}"""


@pytest.mark.browser
@pytest.mark.parametrize("raw_html", [False, True], ids=["markdown", "raw-html"])
def test_in_chromium_no_page_runs_author_script_or_loads_another_host(browser, tmp_path: Path, raw_html: bool) -> None:
    tricks = list(BUILT.values()) + (list(RAW_MARKED.values()) if raw_html else [])
    root = write_site(tmp_path, {field: tricks for field in FIELDS},
                      {"raw_html": raw_html, "raw_html_in_fields": raw_html})
    pages = built_pages(root)
    server = StaticServer(root / "public")
    context = browser.new_context()
    ran: list[str] = []
    elsewhere: list[str] = []
    context.expose_function("__pwned", lambda what: ran.append(what))
    context.expose_function("__followed_last", lambda: None)
    context.add_init_script(HOOK)

    def only_this_site(route) -> None:  # a request is held until logged: a page cannot finish before
        if route.request.url.startswith(server.url):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    context.route("**/*", only_this_site)
    try:
        page = context.new_page()
        page.on("dialog", lambda dialog: (ran.append("dialog:" + dialog.message), dialog.dismiss()))
        unsafe: list[str] = []
        for path in pages:
            page.goto(server.url + path, wait_until="load")
            unsafe += page.evaluate(BROWSER_READING)  # each address as Chromium's own URL parser reads it
            read_to_the_end(page)  # every picture loaded or refused
            assert page.evaluate(CLICK_EVERY_LINK) > 0
            page.wait_for_function("window.__followed_last_done === true")
        assert (ran, elsewhere, unsafe) == ([], [], [])
    finally:
        context.close()
        server.close()


def test_the_oracle_sees_the_tricks_when_nothing_filters_them() -> None:
    """The tests above could not fail if the oracle missed these: unfiltered, it catches every trick
    but the few that are harmless to a browser too (no scheme once decoded, or no link at all)."""
    harmless = {"attr-bare-href", "attr-bare-src", "attr-empty-href", "attr-empty-src", "autolink",
                "charref-without-semicolon", "hex-without-semicolon", "fullwidth-letter", "nbsp-before",
                "nul-before", "percent-colon", "link-in-link", "title-breakout"}
    if "<a " not in stock(MARKED["autolink-slashes"]):  # Python-Markdown < 3.11.3 autolinks no other scheme
        harmless.add("autolink-slashes")
    assert {name for name, text in MARKED.items() if not offences(stock(text))} == harmless
    # '<img/src=x/onerror=...>': an unquoted value runs through '/', so src is 'x/onerror=alert(1)'.
    missed = {"img-onerror-slash"}
    if "--!>" in markdown.markdown(RAW_MARKED["comment-breakout"]):  # Markdown 3.6 keeps the comment whole:
        missed.add("comment-breakout")  # html.parser ends it at '-->' only; the Chromium test reads it as browsers do
    assert {name for name, text in RAW_MARKED.items() if not offences(markdown.markdown(text))} == missed
