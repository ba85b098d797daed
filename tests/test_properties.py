"""Properties that hold for any input (Hypothesis), issue 8.

Whatever text an author (or a broken editor, or an attacker) puts in a post, the loader answers
with Problems and never with an exception; slugs it makes are always valid addresses; links it
makes never contain '//' and never leave the site's base path.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from backlying_site.load import schema as s
from backlying_site.load.config import load_config
from backlying_site.load.content import POST_FIELDS, post_from_text
from backlying_site.errors import Problem
from backlying_site.load.frontmatter import decode_utf8, parse_document, parse_yaml
from backlying_site.model import Post, SiteConfig
from backlying_site.render.pages import Urls

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Characters that matter to YAML and to the front-matter split, plus some that break encodings.
YAML_ALPHABET = st.sampled_from(list("abcxyz019 -:\n\t'\"[]{},&*!|>#%@`?.\\/~=") +
                                ["---", "...", "\r", "\x00", "\ufeff", "é", "–", "\u2028", "🙂"])
yaml_text = st.lists(YAML_ALPHABET, max_size=120).map("".join)

FIELD_NAMES = st.sampled_from(sorted(POST_FIELDS) + ["benifits", "text", "image", "alt", "from_months",
                                                     "minutes", "youtube", "file", "name", "url", "title"])
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-10**30, max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=30),
    st.dates(min_value=dt.date(1, 1, 1)), st.sampled_from(["images/step.jpg", "../../etc/passwd", "/etc/passwd",
                                                          "https://x.org/a.jpg", "javascript:alert(1)",
                                                          "dQw4w9WgXcQ", "clip.mp4", "2026-02-30", ""]),
)
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(FIELD_NAMES, inner, max_size=5)), max_leaves=20)
front_matter = st.dictionaries(FIELD_NAMES, values, max_size=10)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("site")
    (root / "content/posts/images").mkdir(parents=True)
    (root / "content/posts/images/step.jpg").write_bytes(b"")
    (root / "content/posts/clip.mp4").write_bytes(b"")
    return root


def assert_problems(problems: list[Problem]) -> None:
    for problem in problems:
        assert isinstance(problem, Problem)
        assert problem.line >= 0 and problem.message
        first, *rest = problem.format().split("\n")
        assert rest == [] or (len(rest) == 1 and rest[0].startswith("    Reason: "))


# --- the front-matter parser and the content model ----------------------------------------------


@SETTINGS
@given(text=yaml_text)
@example(text="---\na: " + "[" * 2000 + "\n---\n")
@example(text="---\na: &a [*a]\n---\n")
@example(text="---\n!!python/object:os.system {}\n---\n")
@example(text="---\n? [a]\n: b\n---\n")
def test_parse_document_never_raises(text: str) -> None:
    doc = parse_document(text, "x.md")
    assert isinstance(doc.data, dict)
    assert_problems(doc.problems)


@SETTINGS
@given(text=yaml_text)
def test_parse_document_of_a_fenced_text_never_raises(text: str) -> None:
    doc = parse_document("---\n" + text + "\n---\nBody\n", "x.md")
    assert isinstance(doc.data, dict)
    assert_problems(doc.problems)
    fenced = any(re.match(r"^(---|\.\.\.)[ \t]*$", line) for line in text.replace("\r", "\n").split("\n"))
    if not doc.problems and not fenced:
        assert doc.body == "Body\n"


@SETTINGS
@given(text=yaml_text)
def test_parse_yaml_never_raises(text: str) -> None:
    _, lines, problems = parse_yaml(text, "site.yaml")
    assert_problems(problems)
    assert all(line >= 1 for line in lines.values())


# Texts that YAML reads as something else than a string when plain, and as a string when quoted.
LOOKALIKES = ["yes", "No", "on", "off", "true", "True", "null", "~", "", "12", "012", "0x1f", "0o17", "1_000", "+1",
              "-0", "1e3", "6.5", ".5", ".inf", "-.Inf", ".nan", "2026-01-01", "2026-1-1 10:00:00", "2026-02-30",
              "12:30", "190:20:30", "abc", "a b", "=", "<<"]


@SETTINGS
@given(st.lists(st.tuples(st.sampled_from(LOOKALIKES), st.sampled_from(["{}", "'{}'", '"{}"'])), max_size=12))
def test_parse_yaml_reads_every_value_as_yamls_safe_loader_does(entries: list[tuple[str, str]]) -> None:
    """Tags are remembered by text across files (frontmatter._Loader), and strings taken as they
    are: the same values as PyYAML's own safe loader, however often a text comes back, plain or quoted."""
    text = "".join(f"k{i}: {form.format(value)}\n" for i, (value, form) in enumerate(entries))
    for _ in range(2):  # the second time, every tag comes from what the first remembered
        data, _, problems = parse_yaml(text, "x.yaml")
        try:
            expected = yaml.load(text, Loader=yaml.SafeLoader)  # the pure-Python one: no cache, no libyaml
        except (ValueError, yaml.YAMLError):
            assert problems  # a date that does not exist is a problem here
            continue
        assert not problems
        assert repr(data) == repr(expected or {})  # (repr: NaN is not equal to itself)


@SETTINGS
@given(raw=st.binary(max_size=200))
@example(raw=b"\xef\xbb\xbf\xff")
@example(raw=b"caf\xe9\n")
def test_decode_utf8_never_raises(raw: bytes) -> None:
    text, problems = decode_utf8(raw, "x.md")
    assert (text is None) == bool(problems)
    assert_problems(problems)
    if text is not None:
        assert "\r" not in text


@SETTINGS
@given(text=yaml_text)
def test_post_from_arbitrary_text_returns_a_post_or_problems(text: str, site: Path) -> None:
    post, problems = post_from_text(text, site / "content/posts/x.md", site)
    assert (post is None) == bool(problems)
    assert_problems(problems)


@SETTINGS
@given(data=front_matter, body=st.text(max_size=40))
@example(data={"title": "T", "date": dt.date(2026, 1, 1), "summary": "S", "benefits": ["b"],
               "steps": [{"text": "t", "image": "images/step.jpg", "alt": "a"}]}, body="")
@example(data={"steps": [{"text": "t", "image": "\x00"}]}, body="")
def test_post_from_any_yaml_shape_returns_a_post_or_problems(data: dict, body: str, site: Path) -> None:
    """Valid YAML of every shape reaches the content model's checkers; none of them may raise."""
    text = "---\n" + yaml.safe_dump(data, allow_unicode=True) + "---\n" + body
    post, problems = post_from_text(text, site / "content/posts/x.md", site)
    assert (post is None) == bool(problems)
    assert_problems(problems)
    if post is not None:
        assert isinstance(post, Post)
        assert s.SLUG_RE.match(post.slug)
        assert all(step.image is None or step.image.alt for step in post.steps)


# --- slugs -----------------------------------------------------------------------------------------


@SETTINGS
@given(title=st.text(max_size=200))
@example(title="Back-lying position (0–6 m)!")
@example(title="İstanbul ﬁsh ½")
def test_make_slug_returns_a_valid_slug_or_nothing(title: str) -> None:
    slug = s.make_slug(title)
    assert slug == "" or s.SLUG_RE.match(slug)
    assert len(slug) <= 80
    assert s.make_slug(slug) == slug


@SETTINGS
@given(value=values)
def test_the_slug_checker_accepts_exactly_valid_slugs(value: object) -> None:
    ctx = s.Ctx(parse_document("---\nslug: x\n---\n", "x.md"), "x.md", Path("."), Path("."))
    result = s.slug(value, ("slug",), ctx)
    if result is s.INVALID:
        assert len(ctx.problems) == 1
    else:
        assert s.SLUG_RE.match(result) and not ctx.problems


# --- links -----------------------------------------------------------------------------------------

segment = st.text(alphabet="abcz09-_.~%", min_size=1, max_size=8).filter(lambda p: p not in (".", ".."))
slug_text = st.from_regex(s.SLUG_RE, fullmatch=True).filter(lambda v: len(v) <= 40)
host = st.sampled_from(["example.org", "localhost:8000", "Example.ORG", "a.b.c"])
base_urls = st.builds(lambda scheme, h, parts, slashes, tail: f"{scheme}://{h}" + "".join(
    "/" * n + p for n, p in zip(slashes, parts)) + tail,
    st.sampled_from(["http", "https", "HTTPS"]), host, st.lists(segment, max_size=4),
    st.lists(st.integers(1, 3), min_size=4, max_size=4), st.sampled_from(["", "/", "//"]))
rels = st.builds(lambda lead, parts, tail: lead + "/".join(parts) + tail, st.sampled_from(["", "/", "//"]),
                 st.lists(st.one_of(slug_text, segment), max_size=4), st.sampled_from(["", "/"]))


def config_for(base_url: str, tmp: Path) -> SiteConfig | None:
    (tmp / "site.yaml").write_text(f"title: T\ndescription: D\nbase_url: '{base_url}'\nauthor: team\n"
                                   "disclaimer: x\n", encoding="utf-8")
    config, problems = load_config(tmp)
    assert_problems(problems)
    return config


@SETTINGS
@given(base_url=base_urls, rel=rels)
@example(base_url="https://example.org//guide//", rel="tummy-time/")
@example(base_url="https://example.org", rel="")
def test_links_never_contain_a_double_slash_and_stay_under_the_base_path(base_url: str, rel: str,
                                                                         site: Path) -> None:
    config = config_for(base_url, site)
    assert config is not None, base_url
    urls = Urls(config.base_url, config.base_path)
    assert config.base_url.endswith("/") and config.base_path.startswith("/") and config.base_path.endswith("/")
    for link in (urls.path(rel), urls.tag("tummy-time"), urls.image("step-1.abcd1234.480w.webp")):
        assert "//" not in link
        assert link.startswith(config.base_path)
    absolute = urls.absolute(rel)
    assert absolute.startswith(config.base_url)
    assert "//" not in absolute.split("://", 1)[1]


@SETTINGS
@given(base_url=st.text(max_size=40))
@example(base_url="https://example.org/?a=1")
@example(base_url="https://example.org/a/../b")
@example(base_url="javascript:alert(1)")
def test_any_base_url_is_accepted_whole_or_refused_with_a_problem(base_url: str, site: Path) -> None:
    (site / "site.yaml").write_text(
        yaml.safe_dump({"title": "T", "description": "D", "base_url": base_url, "author": "team",
                        "disclaimer": "x"}, allow_unicode=True), encoding="utf-8")
    config, problems = load_config(site)
    assert_problems(problems)
    if config is not None:
        assert config.base_url.startswith(("http://", "https://", "HTTP", "Http", "hTTP"))
        assert "//" not in config.base_path and "?" not in config.base_url and "#" not in config.base_url


KEY_PATHS = st.tuples(st.text(max_size=6), st.integers(0, 12), st.text(max_size=6)).map(
    lambda t: t[:1] + ((t[1],) if t[1] % 2 else ()) + ((t[2],) if t[2] else ()))


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(KEY_PATHS, st.integers(1, 10_000), max_size=12), st.lists(KEY_PATHS, max_size=6))
def test_a_posts_compact_line_map_answers_as_the_dict_it_was_made_from(lines: dict, others: list) -> None:
    import pickle

    from backlying_site.model import Lines

    compact = Lines(lines)
    for path in [*lines, *others]:
        assert compact.get(path) == lines.get(path)
        assert (path in compact) == (path in lines)
    assert pickle.loads(pickle.dumps(compact)) == compact
