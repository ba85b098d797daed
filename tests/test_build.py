"""The build command end to end: pages, order of a post page, drafts, theme, CLI contract."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest

from backlying_site import __version__
from backlying_site.build import BuildOptions, build
from backlying_site.cli import main
from conftest import REPO


def text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


class Outline(HTMLParser):
    """The page's headings and the elements we care about, in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.events.append((tag, dict(attrs)))


def outline(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Outline()
    parser.feed(html)
    return parser.events


def test_pretty_urls_for_posts_index_tags_and_404(built_sample: Path) -> None:
    for name in ["index.html", "page/2/index.html", "first-steps/index.html", "later/index.html",
                 "plain/index.html", "tags/index.html", "tags/legs/index.html", "tags/play/index.html",
                 "404.html", "feed.xml", "sitemap.xml", "robots.txt"]:
        assert (built_sample / name).is_file(), name


def test_drafts_and_future_posts_are_left_out_by_default(built_sample: Path) -> None:
    assert not (built_sample / "unfinished").exists()
    assert not (built_sample / "tomorrow").exists()
    assert "Unfinished" not in text(built_sample / "index.html")


def test_drafts_flag_includes_them_with_a_banner(sample_site: Path, source_date_epoch: str) -> None:
    build(BuildOptions(source=sample_site, drafts=True))
    draft = text(sample_site / "public/unfinished/index.html")
    assert "<strong>Draft</strong>: this exercise is not published yet" in draft
    scheduled = text(sample_site / "public/tomorrow/index.html")
    assert "<strong>Scheduled</strong>: this exercise is published on 1 January 2099; until then" in scheduled
    assert 'class="draft-banner"' not in text(sample_site / "public/later/index.html")


def test_index_lists_posts_newest_first_with_pagination(built_sample: Path) -> None:
    first = text(built_sample / "index.html")
    titles = re.findall(r'class="card-title"><a href="[^"]+">([^<]+)</a>', first)
    assert titles == ["Later", "First steps &lt;together&gt;"]
    assert 'href="/guide/page/2/" rel="next"' in first
    second = text(built_sample / "page/2/index.html")
    assert re.findall(r'class="card-title"><a href="[^"]+">([^<]+)</a>', second) == ["A single-file post"]


def test_post_page_sections_come_in_the_order_parents_need(built_sample: Path) -> None:
    html = text(built_sample / "first-steps/index.html")
    # Issue 23: what to stop for and the way to the steps in the first screen; emergency signs before the steps.
    order = ["post-title", "class=\"lead\"", "class=\"stop-summary\"", "href=\"#steps\"", "class=\"facts\"",
             "class=\"hero\"", "class=\"prose\"", "benefits-title", "helps-title", "disclaimer-title",
             "id=\"emergency-title\"", "id=\"steps-title\"", "play-title", "video-title", "note-title",
             "id=\"precautions-title\"", "sources-title", "class=\"reviewed\"", "class=\"credit\"", "author-title",
             "class=\"affiliate\""]
    positions = [html.index(marker) for marker in order]
    assert positions == sorted(positions)


def test_post_page_is_semantic_with_one_h1_and_language(built_sample: Path) -> None:
    html = text(built_sample / "first-steps/index.html")
    tags = [tag for tag, _ in outline(html)]
    assert tags.count("h1") == 1
    assert "article" in tags and "figure" in tags
    assert '<html lang="en-GB">' in html
    steps = re.search(r'<ol class="steps" role="list">(.*?)</ol>', html, re.S).group(1)
    assert steps.count('<li class="step"') == 3


def test_facts_are_plain_words(built_sample: Path) -> None:
    html = text(built_sample / "first-steps/index.html")
    assert "<dd>3–9 months (corrected age)</dd>" in html
    assert "<dd>3 minutes, twice a day, 5 days a week</dd>" in html
    assert "<dd>A mat, a pillow</dd>" in html  # an item's capital goes inside the phrase (issue 23)


def test_front_matter_and_raw_html_are_escaped(built_sample: Path) -> None:
    html = text(built_sample / "first-steps/index.html")
    assert "<h1 id=\"post-title\">First steps &lt;together&gt;</h1>" in html
    assert "&lt;b&gt;raw HTML&lt;/b&gt;" in html
    assert "<b>raw HTML</b>" not in html


def test_markdown_h1_in_body_becomes_h2(built_sample: Path) -> None:
    assert '<h2 id="a-heading-written-as-h1">' in text(built_sample / "first-steps/index.html")


def test_site_disclaimer_is_shown_before_the_steps(built_sample: Path) -> None:
    html = text(built_sample / "later/index.html")
    assert "Ask your <strong>physical therapist</strong>" in html
    assert html.index("disclaimer-title") < html.index("steps-title")


def test_images_render_as_picture_with_intrinsic_size(built_sample: Path) -> None:
    html = text(built_sample / "first-steps/index.html")
    hero = re.search(r'<figure class="hero">(.*?)</figure>', html, re.S).group(1)
    assert '<source type="image/webp"' in hero
    assert 'fetchpriority="high"' in hero and 'loading="lazy"' not in hero
    assert 'width="100" height="60"' in hero
    step = re.search(r'<li class="step" id="step-1">(.*?)</li>', html, re.S).group(1)
    assert 'loading="lazy"' in step and 'decoding="async"' in step
    assert 'alt="A green picture with a white oval."' in step


def test_links_respect_the_base_path(built_sample: Path) -> None:
    html = text(built_sample / "first-steps/index.html")
    assert 'href="/guide/tags/legs/"' in html
    assert '<link rel="canonical" href="https://example.test/guide/first-steps/">' in html
    for url in re.findall(r'(?:href|src)="(/[^"]*)"', html):
        assert url.startswith("/guide/"), url


def test_failing_build_leaves_previous_output_untouched(sample_site: Path, source_date_epoch: str) -> None:
    build(BuildOptions(source=sample_site))
    before = {p: p.read_bytes() for p in (sample_site / "public").rglob("*") if p.is_file()}
    post = sample_site / "content/posts/later/index.md"
    post.write_text(text(post).replace("title: Later", "title: [broken"), encoding="utf-8")
    assert main(["build", "--source", str(sample_site)]) == 1
    after = {p: p.read_bytes() for p in (sample_site / "public").rglob("*") if p.is_file()}
    assert after == before
    assert not list(sample_site.glob(".public.tmp-*"))


def test_two_builds_are_byte_identical(sample_site: Path, tmp_path: Path, source_date_epoch: str) -> None:
    build(BuildOptions(source=sample_site, output=tmp_path / "a"))
    shutil.rmtree(sample_site / ".cache")
    build(BuildOptions(source=sample_site, output=tmp_path / "b"))
    files_a = {p.relative_to(tmp_path / "a"): p.read_bytes() for p in (tmp_path / "a").rglob("*") if p.is_file()}
    files_b = {p.relative_to(tmp_path / "b"): p.read_bytes() for p in (tmp_path / "b").rglob("*") if p.is_file()}
    assert files_a == files_b


def test_site_templates_override_the_default_theme(sample_site: Path, source_date_epoch: str) -> None:
    (sample_site / "templates").mkdir()
    (sample_site / "templates/404.html").write_text("custom 404 {{ config.title }}\n", encoding="utf-8")
    build(BuildOptions(source=sample_site))
    assert text(sample_site / "public/404.html") == "custom 404 Sample Guide\n"
    assert "Sample Guide" in text(sample_site / "public/index.html")  # the rest still from the theme


def test_stylesheets_and_scripts_are_published_without_comments_and_spaces(sample_site: Path,
                                                                             source_date_epoch: str) -> None:
    (sample_site / "static/css").mkdir(parents=True)
    (sample_site / "static/css/extra.css").write_text(
        "/*! Licence: keep me */\n/* a note */\n.a  {\n  color : red ;\n}\n.b::after { content: \"  /* x */  \" }\n",
        encoding="utf-8")
    (sample_site / "static/js").mkdir(parents=True)
    (sample_site / "static/js/extra.js").write_text(
        "// why\nvar  a = `t  ${ 1 }  // u`;  /* v */\nvar r = /a  b/g;\n", encoding="utf-8")
    (sample_site / "static/notes.txt").write_text("/* as written */  \n", encoding="utf-8")
    build(BuildOptions(source=sample_site))
    static = sample_site / "public/static"
    [css] = static.glob("css/extra.*.css")
    [js] = static.glob("js/extra.*.js")
    assert css.read_text(encoding="utf-8") == '/*! Licence: keep me */.a{color:red}.b::after{content:"  /* x */  "}'
    assert js.read_text(encoding="utf-8") == "var a=`t  ${ 1 }  // u`;var r=/a  b/g;"
    assert (static / "notes.txt").read_text(encoding="utf-8") == "/* as written */  \n"
    # Named by the bytes published, so a host caching them forever never serves stale ones.
    assert css.name == f"extra.{hashlib.sha256(css.read_bytes()).hexdigest()[:8]}.css"
    [site_css] = static.glob("css/site.*.css")
    theme_css = (REPO / "static/css/site.css").read_bytes()
    assert b"/*" in theme_css and b"/*" not in site_css.read_bytes()
    assert len(site_css.read_bytes()) < 0.9 * len(theme_css)


def test_tags_show_the_words_written_and_a_video_starts_where_its_address_says(sample_site: Path,
                                                                               source_date_epoch: str) -> None:
    post = sample_site / "content/posts/first-steps/index.md"
    post.write_text(post.read_text(encoding="utf-8").replace("tags: [legs, play]", "tags: [legs, Play time]")
                    .replace("youtube: dQw4w9WgXcQ", "youtube: https://youtu.be/dQw4w9WgXcQ?t=90"), encoding="utf-8")
    build(BuildOptions(source=sample_site))
    public = sample_site / "public"
    page = text(public / "first-steps/index.html")
    assert '<a href="/guide/tags/play-time/">Play time</a>' in page
    assert '<meta property="article:tag" content="Play time">' in page
    assert '"keywords":"legs, Play time"' in page
    assert '<a href="/guide/tags/play-time/">Play time</a>' in text(public / "tags/index.html")
    assert "<h1>Exercises about Play time</h1>" in text(public / "tags/play-time/index.html")
    assert 'label="Play time"' in text(public / "feed.xml")
    assert 'data-youtube="dQw4w9WgXcQ" data-start="90"' in page
    assert 'href="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?start=90"' in page


def test_a_sites_own_card_partial_makes_every_card(sample_site: Path, source_date_epoch: str) -> None:
    """Templates call the global card(), which renders the site's partials/card.html when it has one."""
    (sample_site / "templates/partials").mkdir(parents=True)
    (sample_site / "templates/partials/card.html").write_text(
        '{% macro card(post, first=false, level=2) %}<p class="own-card">{{ post.title }} {{ level }}'
        '{{ " first" if first }}</p>{% endmacro %}\n', encoding="utf-8")
    build(BuildOptions(source=sample_site))
    index = text(sample_site / "public/index.html")
    assert index.count('class="own-card"') >= 2 and " 2 first</p>" in index and 'class="card"' not in index
    post = text(sample_site / "public/first-steps/index.html")
    assert re.search(r'<p class="own-card">[^<]+ 3</p>', post)  # the similar exercises, level 3


def test_a_card_partial_without_its_macro_is_a_clear_template_error(
        sample_site: Path, source_date_epoch: str, capsys: pytest.CaptureFixture[str]) -> None:
    (sample_site / "templates/partials").mkdir(parents=True)
    (sample_site / "templates/partials/card.html").write_text(
        "{% macro tile(post) %}{{ post.title }}{% endmacro %}\n", encoding="utf-8")
    assert main(["build", "--source", str(sample_site)]) == 1
    err = capsys.readouterr().err
    assert "does not export the requested name 'card'" in err and "Traceback" not in err
    assert re.search(r"templates/\w+\.html:\d+: ", err), err


def test_a_sites_own_cards_take_the_arguments_its_templates_give(sample_site: Path, source_date_epoch: str) -> None:
    """A macro with fewer parameters works as it did when templates imported it: each call passes
    only what it gives."""
    (sample_site / "templates/partials").mkdir(parents=True)
    (sample_site / "templates/partials/card.html").write_text(
        '{% macro card(post, first=false) %}<p class="own">{{ post.title }}</p>{% endmacro %}\n', encoding="utf-8")
    for name in ("post.html", "author.html"):  # the site's own, calling card() without a level
        theme = (REPO / "templates" / name).read_text(encoding="utf-8")
        (sample_site / "templates" / name).write_text(theme.replace(", level=3)", ")"), encoding="utf-8")
    build(BuildOptions(source=sample_site))
    assert 'class="own"' in text(sample_site / "public/first-steps/index.html")


def test_a_card_is_rendered_once_per_post_and_arguments() -> None:
    import jinja2

    from backlying_site.render.environment import Reads
    from backlying_site.render.renderer import Cards

    made: list[str] = []
    env = jinja2.Environment(loader=jinja2.DictLoader({"partials/card.html": (
        "{% macro card(post, first=false, level=2) %}{{ made(post.title) }}<h{{ level }}>{{ post.title }}"
        "</h{{ level }}>{{ '!' if first }}{% endmacro %}")}), autoescape=True)
    env.globals["made"] = lambda title: made.append(title) or ""
    cards = Cards(env, Reads())
    one, two = type("P", (), {"title": "One & all"})(), type("P", (), {"title": "Two"})()
    assert cards(one) == cards(one) == "<h2>One &amp; all</h2>"
    assert cards(one, level=3) == "<h3>One &amp; all</h3>" and cards(one, first=True) == "<h2>One &amp; all</h2>!"
    assert cards(two) == "<h2>Two</h2>"
    assert made == ["One & all", "One & all", "One & all", "Two"]
    assert cards(one, first=1) == "<h2>One &amp; all</h2>!" and len(made) == 5  # 1 is not True: its own entry
    assert cards(one, True, 3) == "<h3>One &amp; all</h3>!" and cards(one, first=[1]) == "<h2>One &amp; all</h2>!"


def test_template_error_is_reported_with_file_and_line(sample_site: Path, capsys: pytest.CaptureFixture[str],
                                                       source_date_epoch: str) -> None:
    (sample_site / "templates").mkdir()
    (sample_site / "templates/404.html").write_text("line one\n{{ no_such_thing }}\n", encoding="utf-8")
    assert main(["build", "--source", str(sample_site)]) == 1
    err = capsys.readouterr().err
    assert "templates/404.html:2: 'no_such_thing' is undefined" in err
    assert "Traceback" not in err
    assert not (sample_site / "public").exists()


def test_base_url_option_overrides_site_yaml(sample_site: Path, source_date_epoch: str) -> None:
    assert main(["build", "--source", str(sample_site), "--base-url", "https://other.example/sub"]) == 0
    html = text(sample_site / "public/later/index.html")
    assert 'href="https://other.example/sub/later/"' in html
    assert 'href="/sub/tags/legs/"' in html


def test_version_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"backlying-site {__version__}"
    for command in ["build", "check", "new", "serve"]:
        with pytest.raises(SystemExit) as exit_info:
            main([command, "--help"])
        assert exit_info.value.code == 0
        assert "--source" in capsys.readouterr().out


def test_wrong_usage_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["build", "--no-such-option"])
    assert exit_info.value.code == 2


def test_build_py_is_the_build_command(sample_site: Path, tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, str(REPO / "build.py"), "--source", str(sample_site),
                             "--output", str(tmp_path / "out")], capture_output=True, text=True,
                            env={"SOURCE_DATE_EPOCH": "1780000000", "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out/later/index.html").is_file()
    assert result.stdout.startswith("Built ")


@pytest.mark.parametrize("closed", [">&-", "2>&-", "| true"], ids=["stdout closed", "stderr closed", "a pipe gone"])
def test_the_command_exits_with_its_code_whatever_became_of_its_output(
        sample_site: Path, tmp_path: Path, closed: str) -> None:
    """The command line leaves with os._exit once its streams are flushed (cli.run): a stream
    closed or a reader gone must not turn a finished build into a traceback or a failure."""
    command = (f'"$0" "$1" --source "$2" --output "$3" {closed}; echo "exit $?" >&3')
    result = subprocess.run(["sh", "-c", f"exec 3>&1; {command}", sys.executable, str(REPO / "build.py"),
                             str(sample_site), str(tmp_path / "out")],
                            capture_output=True, text=True, env={"SOURCE_DATE_EPOCH": "1780000000", "PATH": "/usr/bin:/bin"})
    assert "exit 0" in result.stdout and "Traceback" not in result.stderr, result.stderr
    assert (tmp_path / "out/later/index.html").is_file()


def test_check_validates_and_writes_nothing(sample_site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--source", str(sample_site)]) == 0
    assert not (sample_site / "public").exists()
    assert not (sample_site / ".cache").exists()


def test_new_writes_a_commented_post_and_refuses_to_overwrite(sample_site: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new", "Side-lying play", "--source", str(sample_site)]) == 0
    post = sample_site / "content/posts/side-lying-play/index.md"
    body = text(post)
    for field in ["title:", "date:", "summary:", "benefits:", "steps:", "alt:", "age:", "dosage:",
                  "equipment:", "hero:", "helps_with:", "play_ideas:", "note:", "precautions:", "video:",
                  "reviewed_by:", "sources:", "disclaimer:", "tags:", "updated:", "slug:", "author:", "draft:"]:
        assert field in body, field
    assert (post.parent / "images").is_dir()
    assert main(["new", "Side-lying play", "--source", str(sample_site)]) == 1
    assert "already exists" in capsys.readouterr().err


def test_new_post_becomes_valid_once_its_picture_is_added(sample_site: Path) -> None:
    from PIL import Image

    assert main(["new", "Side-lying play", "--source", str(sample_site)]) == 0
    Image.new("RGB", (40, 30), "white").save(sample_site / "content/posts/side-lying-play/images/step-1.jpg")
    assert main(["check", "--source", str(sample_site)]) == 0


def test_wheel_ships_the_default_theme(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                             "-w", str(tmp_path), str(REPO)], capture_output=True, text=True)
    if result.returncode != 0 and "hatchling" in result.stderr:
        pytest.skip("hatchling is not installed in this environment")
    assert result.returncode == 0, result.stderr
    wheel = next(tmp_path.glob("*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "backlying_site/theme/templates/post.html" in names
    assert "backlying_site/theme/static/css/site.css" in names


# --- usage mistakes: one line, exit 2 (issue 22) -----------------------------------------------------------


@pytest.mark.parametrize("port", ["99999", "-1", "eighty"])
def test_a_port_that_cannot_be_is_one_line_and_exit_2(port: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["serve", "--port", port])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err == (f"backlying-site serve: error: argument --port: '{port}' is not a port; give a "
                                       "number from 1 to 65535, such as --port 8000, or 0 for any free port (see "
                                       "'backlying-site serve --help')\n")


def test_any_usage_mistake_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["new"])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err == ("backlying-site new: error: the following arguments are required: title (see "
                                       "'backlying-site new --help')\n")


def test_build_py_with_a_python_that_lacks_the_packages_says_how_to_install_them(tmp_path: Path) -> None:
    """The system's Python without its site-packages (-S): no PyYAML, no Pillow, no Jinja2."""
    python = shutil.which("python3", path="/usr/bin:/bin") or sys.executable
    result = subprocess.run([python, "-S", str(REPO / "build.py"), "--output", str(tmp_path / "out")],
                            capture_output=True, text=True, cwd=tmp_path, env={"PATH": "/usr/bin:/bin"})
    assert result.returncode == 2, result.stderr
    assert re.fullmatch(r"build\.py: this Python \(.+\) lacks what backlying-site needs \(the package '\w+'\); run "
                        r"'make build', which installs it into \.venv/ first, or install it with 'python3 -m venv "
                        r"\.venv && \.venv/bin/python -m pip install -e \.' and run '\.venv/bin/python build\.py'\n",
                        result.stderr), result.stderr
    assert result.stdout == "" and not (tmp_path / "out").exists()


def test_python_m_backlying_site_is_the_command(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "backlying_site", "--version"], capture_output=True, text=True)
    assert (result.returncode, result.stdout) == (0, f"backlying-site {__version__}\n")
    result = subprocess.run([sys.executable, "-m", "backlying_site", "new", "Rolling", "--source", str(tmp_path)],
                            capture_output=True, text=True)
    assert result.returncode == 2 and result.stderr.startswith("backlying-site new: error: no site.yaml in ")
