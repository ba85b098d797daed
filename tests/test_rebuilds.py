"""The clean build is the oracle (issue 19): after any sequence of edits, a rebuild writes exactly the
files a clean build writes.

A Hypothesis state machine edits a small site at random (posts' bodies, titles, dates past and
future, drafts, tags, ages, authors; posts added, deleted and renamed; a picture replaced;
site.yaml settings; a site template; a theme partial overridden; a simulated upgrade of a
dependency) and after every step builds it three ways: as the build command does (its store saved
on disk and read back), as the preview does (one store kept in memory, the search index made after
the reload), and clean (no store, no picture cache). The first two must give the third's files, byte for byte, or fail with
the same problems and leave their output as it was. The site's own base template reads every
documented template global, age_bands[i].posts included.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import markdown
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from PIL import Image

from backlying_site.build import BuildOptions, BuildResult, build, build_command
from backlying_site.errors import SiteError
from backlying_site.incremental import Store, fingerprint
from conftest import REPO, SAMPLE_EPOCH

EXAMPLES = int(os.environ.get("REBUILD_EXAMPLES", "6"))
STEPS = int(os.environ.get("REBUILD_STEPS", "8"))
SLUGS = ["rolling", "tummy-time", "side-lying", "reaching", "kicking", "sitting"]
TAGS = ["play", "legs", "neck", "hands", "Play", "Tummy time", "tummy-time"]  # the last three: labels (issue 22)
WORDS = ["Lie", "your", "baby", "on", "**gently**", "*the*", "mat", "[a link](../rolling/)", "`code`", "—", "'quoted'",
         "[by file](../tummy-time/index.md)"]
AUTHORS = "ada:\n  name: Ada Example\n  bio: Physical therapist, **mother** of two.\nben:\n  name: Ben Example\n"
# Every documented template global, read on every page (docs/themes.md).
GLOBALS = """{% for band in age_bands %}<p>{{ band.label }} {{ band.posts | length }}:
{% for post in band.posts %}{{ post.title }}{% set pic = picture(post.hero) %}{% if pic %} {{ pic.src }}{% endif %}
{% if post.hero %}{{ absolute_image(post.hero).url }}{% endif %}, {% endfor %}
{{ (band | attr("posts") | first).summary if band.posts }}</p>{% endfor %}
{% for key, author in authors | dictsort %}{{ author.name }} {{ markdown(author.bio) if author.bio }}{% endfor %}
{{ config.title }} {{ urls.path("x/") }} {{ asset("css/site.css") }} {{ inline("*i*") }} {{ build_drafts }}
{% if age_bands %}{{ card(age_bands[0].posts[0], level=3) }}{% endif %}
"""


def post_text(title: str, date: str, body: str, extra: str = "") -> str:
    return (f"---\ntitle: {title}\ndate: {date}\nsummary: What {title} does for your baby.\n"
            "benefits: [Stronger neck]\nsteps:\n  - text: Lay your baby on a mat.\n"
            "    image: images/step-1.jpg\n    alt: A parent lays a baby on a mat, tummy down.\n"
            f"{extra}---\n{body}\n")


class Site:
    """A small site on disk, edited field by field."""

    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "content/posts").mkdir(parents=True)
        (root / "content/authors.yaml").write_text(AUTHORS, encoding="utf-8")
        (root / "templates/partials").mkdir(parents=True)
        base = (REPO / "templates/base.html").read_text(encoding="utf-8")
        (root / "templates/base.html").write_text(
            base.replace("</main>", '</main>\n{% include "partials/globals.html" %}'), encoding="utf-8")
        (root / "templates/partials/globals.html").write_text(GLOBALS, encoding="utf-8")
        self.settings = {"page_size": 2, "related_posts": 2, "title": "Sample Guide", "search": False,
                         "share_images": False, "age_bands": "[0-3, 3-6, 6-12]"}
        self.write_settings()
        self.posts: dict[str, dict[str, str]] = {}

    def write_settings(self) -> None:
        lines = [f"{key}: {value}" for key, value in self.settings.items()]
        (self.root / "site.yaml").write_text(
            "description: A guide the rebuild tests edit.\nbase_url: https://example.test/guide/\n"
            "author: ada\ndisclaimer: Ask your **physical therapist** first.\n"
            "images: {widths: [32], formats: [webp]}\n" + "\n".join(lines) + "\n", encoding="utf-8")

    def folder(self, slug: str) -> Path:
        return self.root / "content/posts" / slug

    def write_post(self, slug: str) -> None:
        fields = self.posts[slug]
        extra = "".join(f"{key}: {value}\n" for key, value in fields.items()
                        if key not in ("title", "date", "body") and value)
        (self.folder(slug) / "index.md").write_text(
            post_text(fields["title"], fields["date"], fields["body"], extra), encoding="utf-8")

    def add(self, slug: str, colour: int) -> None:
        (self.folder(slug) / "images").mkdir(parents=True)
        self.picture(slug, colour)
        self.posts[slug] = {"title": slug.replace("-", " ").capitalize(), "date": "2026-01-10", "body": "Hello.",
                            "age": "{from_months: 2, to_months: 8}", "tags": "[play]"}
        self.write_post(slug)

    def picture(self, slug: str, colour: int) -> None:
        Image.new("RGB", (40, 30), (colour % 256, 90, 200)).save(self.folder(slug) / "images/step-1.jpg")


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def outcome(run) -> tuple[str, object]:
    """The problems that stopped a build, or the warnings of one that did not."""
    try:
        result = run()
    except SiteError as exc:
        return "problems", sorted(p.format() for p in exc.problems)
    return "built", (sorted(p.format(with_severity=True) for p in result.warnings), sorted(result.held_back))


@settings(max_examples=EXAMPLES, stateful_step_count=STEPS, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
class Rebuilds(RuleBasedStateMachine):
    @initialize(colours=st.lists(st.integers(0, 255), min_size=3, max_size=3))
    def start(self, colours: list[int]) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="rebuilds-"))
        self.site = Site(self.tmp / "site")
        for slug, colour in zip(SLUGS, colours):
            self.site.add(slug, colour)
        self.memory = Store()
        self.upgraded = False
        self.last: dict[str, dict[str, bytes]] = {}

    def teardown(self) -> None:
        if getattr(self, "upgraded", False):
            self.upgrade()
        shutil.rmtree(getattr(self, "tmp", "/nonexistent"), ignore_errors=True)

    # --- edits ----------------------------------------------------------------------------------

    def slugs(self) -> list[str]:
        return sorted(self.site.posts)

    @rule(data=st.data(), words=st.lists(st.sampled_from(WORDS), min_size=1, max_size=8))
    def edit_body(self, data: st.DataObject, words: list[str]) -> None:
        slug = data.draw(st.sampled_from(self.slugs()))
        self.site.posts[slug]["body"] = " ".join(words) + "\n\n## More\n\nThe end."
        self.site.write_post(slug)

    @rule(data=st.data(), title=st.sampled_from(["Rolling over", "Tummy time", "Reach for it", "Zebra"]))
    def edit_title(self, data: st.DataObject, title: str) -> None:
        slug = data.draw(st.sampled_from(self.slugs()))
        self.site.posts[slug]["title"] = title
        self.site.write_post(slug)

    @rule(data=st.data(), date=st.sampled_from(["2026-01-10", "2026-03-02", "2026-05-28", "2026-05-29", "2027-01-01"]))
    def set_date(self, data: st.DataObject, date: str) -> None:  # today is 2026-05-28: some are future
        slug = data.draw(st.sampled_from(self.slugs()))
        self.site.posts[slug]["date"] = date
        self.site.write_post(slug)

    @rule(data=st.data())
    def toggle_draft(self, data: st.DataObject) -> None:
        slug = data.draw(st.sampled_from(self.slugs()))
        self.site.posts[slug]["draft"] = "" if self.site.posts[slug].get("draft") else "true"
        self.site.write_post(slug)

    @rule(data=st.data(), tags=st.lists(st.sampled_from(TAGS), max_size=3, unique=True))
    def set_tags(self, data: st.DataObject, tags: list[str]) -> None:
        slug = data.draw(st.sampled_from(self.slugs()))
        self.site.posts[slug]["tags"] = f"[{', '.join(tags)}]" if tags else ""
        self.site.write_post(slug)

    @rule(data=st.data())
    def toggle_missing_picture(self, data: st.DataObject) -> None:
        """A picture named before it is there: the build stops, unless the post is a draft (issue 22)."""
        slug = data.draw(st.sampled_from(self.slugs()))
        missing = "{image: images/not-yet.jpg, alt: The picture to come.}"
        self.site.posts[slug]["hero"] = "" if self.site.posts[slug].get("hero") else missing
        self.site.write_post(slug)

    @rule(data=st.data(), age=st.sampled_from(["", "{from_months: 0, to_months: 3}", "{from_months: 2, to_months: 8}",
                                               "{from_months: 6}"]))
    def set_age(self, data: st.DataObject, age: str) -> None:
        slug = data.draw(st.sampled_from(self.slugs()))
        self.site.posts[slug]["age"] = age
        self.site.write_post(slug)

    @rule(data=st.data(), author=st.sampled_from(["", "ada", "ben"]))
    def set_author(self, data: st.DataObject, author: str) -> None:
        slug = data.draw(st.sampled_from(self.slugs()))
        self.site.posts[slug]["author"] = author
        self.site.write_post(slug)

    @rule(name=st.sampled_from(["Ada Example", "Ada Lovelace"]), bio=st.sampled_from(["Physical therapist.", "Mother of *two*."]))
    def edit_author(self, name: str, bio: str) -> None:
        """authors.yaml itself: a post page shows its author's name and bio."""
        text = AUTHORS.replace("Ada Example", name).replace("Physical therapist, **mother** of two.", bio)
        (self.site.root / "content/authors.yaml").write_text(text, encoding="utf-8")

    @precondition(lambda self: len(self.site.posts) < len(SLUGS))
    @rule(data=st.data(), colour=st.integers(0, 255))
    def add_post(self, data: st.DataObject, colour: int) -> None:
        slug = data.draw(st.sampled_from([s for s in SLUGS if s not in self.site.posts]))
        self.site.add(slug, colour)

    @precondition(lambda self: len(self.site.posts) > 1)
    @rule(data=st.data())
    def delete_post(self, data: st.DataObject) -> None:
        slug = data.draw(st.sampled_from(self.slugs()))
        shutil.rmtree(self.site.folder(slug))
        del self.site.posts[slug]

    @precondition(lambda self: len(self.site.posts) < len(SLUGS))
    @rule(data=st.data())
    def rename_post(self, data: st.DataObject) -> None:
        slug = data.draw(st.sampled_from(self.slugs()))
        new = data.draw(st.sampled_from([s for s in SLUGS if s not in self.site.posts]))
        self.site.folder(slug).rename(self.site.folder(new))
        self.site.posts[new] = self.site.posts.pop(slug)

    @rule(data=st.data(), colour=st.integers(0, 255))
    def replace_picture(self, data: st.DataObject, colour: int) -> None:
        self.site.picture(data.draw(st.sampled_from(self.slugs())), colour)

    @rule(key=st.sampled_from(["page_size", "related_posts", "title", "search", "share_images", "age_bands"]),
          data=st.data())
    def change_setting(self, key: str, data: st.DataObject) -> None:
        choices = {"page_size": [1, 2, 3], "related_posts": [0, 1, 3], "title": ["Sample Guide", "Little Movers"],
                   "search": ["false", "true"], "share_images": ["false", "true"],
                   "age_bands": ["[0-3, 3-6, 6-12]", "[0-6, 6-24]"]}
        self.site.settings[key] = data.draw(st.sampled_from(choices[key]))
        self.site.write_settings()

    @rule(text=st.sampled_from(["<p>Topics</p>", "<p>{{ config.title | upper }}</p>", ""]))
    def edit_site_template(self, text: str) -> None:
        (self.site.root / "templates/partials/globals.html").write_text(GLOBALS + text, encoding="utf-8")

    @rule(marker=st.sampled_from([None, "data-a", "data-b"]))
    def override_a_partial_a_cached_module_imports(self, marker: str | None) -> None:
        """partials/card.html imports picture.html at its top: Jinja asks for it once per build."""
        override = self.site.root / "templates/partials/picture.html"
        if marker is None:
            override.unlink(missing_ok=True)  # the theme's own again
        else:
            theme = (REPO / "templates/partials/picture.html").read_text(encoding="utf-8")
            override.write_text(theme.replace("<picture", f"<picture {marker}", 1), encoding="utf-8")

    @rule()
    def upgrade(self) -> None:
        """A dependency changes what it renders (Python-Markdown here), and its installed version."""
        self.upgraded = not self.upgraded
        if self.upgraded:
            convert = markdown.Markdown.convert
            markdown.Markdown.convert = lambda md, source: convert(md, source) + "<!-- 9.9 -->"  # type: ignore
            markdown.Markdown.convert.original = convert  # type: ignore[attr-defined]
            listed = fingerprint.installed_distributions
            fingerprint.installed_distributions = lambda: (*listed(), "Markdown-9.9.dist-info")  # type: ignore
            fingerprint.installed_distributions.original = listed  # type: ignore[attr-defined]
        else:
            markdown.Markdown.convert = markdown.Markdown.convert.original  # type: ignore[attr-defined]
            fingerprint.installed_distributions = fingerprint.installed_distributions.original  # type: ignore
        fingerprint.environment_fingerprint.cache_clear()

    # --- the oracle -----------------------------------------------------------------------------

    @invariant()
    def every_rebuild_is_the_clean_build(self) -> None:
        if not hasattr(self, "site"):
            return
        root, tmp = self.site.root, self.tmp
        published = BuildOptions(source=root, output=tmp / "public")
        preview = BuildOptions(source=root, output=tmp / "preview", drafts=True, preview=True, defer_search=True)
        for name, options, run in [
            ("build command", published, lambda: build_command(published)),
            ("preview", preview, lambda: self.preview_build(preview)),
        ]:
            clean_output = tmp / "clean"
            shutil.rmtree(clean_output, ignore_errors=True)
            clean = BuildOptions(source=root, output=clean_output, drafts=options.drafts, preview=options.preview,
                                 fresh_images=True)
            expected = outcome(lambda: build(clean, None))
            found = outcome(run)
            assert found == expected, name
            if expected[0] == "built":
                self.last[name] = tree(clean_output)
            assert tree(options.output_dir) == self.last.get(name, {}), name

    def preview_build(self, options: BuildOptions) -> BuildResult:
        """As serve rebuilds: pages first; if the search index was left behind, indexed right after."""
        result = build(options, self.memory)
        if result.search_behind:
            return build(BuildOptions(**{**options.__dict__, "defer_search": False}), self.memory)
        return result


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", SAMPLE_EPOCH)
    monkeypatch.setattr("backlying_site.parallel.MIN_ITEMS", 10**6)  # this process: forks are not what is tested


TestRebuilds = Rebuilds.TestCase
