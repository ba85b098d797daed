"""Links between posts, as authors write them (issue 22): by file or by address, from the root or
relative, under a sub-path; a link that reaches nothing stops the build at its line; one to a post not
published yet is a warning."""

from __future__ import annotations

from pathlib import Path

import pytest

from backlying_site.build import BuildOptions, build
from backlying_site.cli import main
from backlying_site.render.links import markdown_links
from test_check import CLEAN, PATH, make_site

BASE = "https://example.org/guide/"  # test_check's site.yaml


def with_body(body: str, step: str = "") -> str:
    text = CLEAN.replace("Tummy time is play on the tummy. Stay with your baby the whole time.\n", body)
    return text.replace("text: Hold a toy in front of your baby.", f"text: Hold a toy in front of your baby.{step}")


def built_page(tmp_path: Path, text: str, slug: str = "a") -> str:
    root = make_site(tmp_path, {"a": text, "tummy-time": CLEAN})
    build(BuildOptions(source=root))
    return (root / f"public/{slug}/index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("written", ["../tummy-time/index.md", "tummy-time/index.md", "posts/tummy-time/index.md",
                                     "/content/posts/tummy-time/index.md", "../tummy-time/index.md#steps"])
def test_a_link_to_a_posts_file_becomes_its_address(tmp_path: Path, written: str) -> None:
    page = built_page(tmp_path, with_body(f"See [tummy time]({written}).\n"))
    fragment = "#steps" if written.endswith("#steps") else ""
    assert f'<a href="/guide/tummy-time/{fragment}">tummy time</a>' in page


def test_a_link_from_the_root_gets_the_sites_base_path(tmp_path: Path) -> None:
    page = built_page(tmp_path, with_body("See [tummy time](/tummy-time/) and [it](/guide/tummy-time/).\n",
                                          " As in [tummy time](/tummy-time/)."))
    assert page.count('<a href="/guide/tummy-time/">tummy time</a>') == 2
    assert '<a href="/guide/tummy-time/">it</a>' in page


def test_links_that_reach_a_page_or_file_of_the_site_pass(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    body = ("[a](../tummy-time/) [again](../tummy-time) [page](/guide/tummy-time/index.html) [self](./)\n"
            "[absolute](https://example.org/guide/tummy-time/) [feed](../feed.xml) [topics](../tags/)\n"
            "[section](../tummy-time/#steps) [elsewhere](https://example.com/tummy-time/) [mail](mailto:a@b.c)\n"
            "Code is skipped: `[x](../nowhere/)`.\n")
    root = make_site(tmp_path, {"a": with_body(body), "tummy-time": CLEAN})
    assert main(["build", "--source", str(root)]) == 0
    assert "warning" not in capsys.readouterr().err


def test_links_that_reach_nothing_stop_the_build_at_their_lines(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    body = ("Also [this](../missing/) and [typo](../tummy-tme/) and [file](../tumy-time/index.md).\n"
            "Then [full](https://example.org/guide/gone/) and [here](tummy-time/).\n\n[ref]: ../tumble/\n")
    root = make_site(tmp_path, {"a": with_body(body, " As in [that one](../other/)."), "tummy-time": CLEAN})
    assert main(["build", "--source", str(root)]) == 1
    err = capsys.readouterr().err
    fix = "link to another post by its file ('../tummy-time/index.md') or its address ('../tummy-time/')"
    for line in [
        f"{PATH}:9: steps[2].text: links to '../other/', but no published post has the slug 'other'; check the "
        "address, or remove the link until that post is published",
        f"{PATH}:21: links to '../missing/', but no published post has the slug 'missing'",
        f"{PATH}:21: links to '../tummy-tme/', but no published post has the slug 'tummy-tme' (did you mean "
        "'../tummy-time/'?)",
        f"{PATH}:21: links to '../tumy-time/index.md', which is not a page of the site (did you mean "
        f"'../tummy-time/'?); {fix}",
        f"{PATH}:22: links to '{BASE}gone/', but no published post has the slug 'gone'",
        f"{PATH}:22: links to 'tummy-time/', which is not a page of the site (did you mean '../tummy-time/'?)",
        f"{PATH}:24: links to '../tumble/', but no published post has the slug 'tumble'",
    ]:
        assert line in err, (line, err)
    assert not (root / "public").exists()


def test_an_address_with_brackets_no_browser_can_read_stops_the_build_at_its_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    body = "See [the clinic](https://[fe80::1/clinic) and <https://[::1/>.\n\n[x]: http://[zz]/\n\nAlso [x].\n"
    root = make_site(tmp_path, {"a": with_body(body), "tummy-time": CLEAN})
    assert main(["build", "--source", str(root)]) == 1
    err = capsys.readouterr().err
    for href, line in (("https://[fe80::1/clinic", 21), ("https://[::1/", 21), ("http://[zz]/", 23)):
        assert f"{PATH}:{line}: links to '{href}', which browsers cannot read" in err, (href, err)
    assert "internal error" not in err and not (root / "public").exists()


def test_a_link_to_a_draft_is_a_warning_and_the_build_goes_on(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    draft = CLEAN.replace("title: Tummy time", "title: Tummy time\ndraft: true")
    root = make_site(tmp_path, {"a": with_body("See [it](../later/index.md) and [there](../later/).\n"),
                                "later": draft, "tummy-time": CLEAN})
    assert main(["build", "--source", str(root)]) == 0
    err = capsys.readouterr().err
    assert (f"{PATH}:21: warning: links to '../later/index.md', which is not published yet (a draft or a future "
            "date): the link leads nowhere until it is") in err
    assert f"{PATH}:21: warning: links to '../later/', the address of content/posts/later/index.md" in err


def test_a_link_by_file_follows_its_post_when_it_moves(tmp_path: Path) -> None:
    """Where a link by file leads is a read of the page: renaming the post makes the page again."""
    from backlying_site.build import build_command

    root = make_site(tmp_path, {"a": with_body("See [it](../tummy-time/index.md).\n"), "tummy-time": CLEAN})
    build_command(BuildOptions(source=root))
    post = root / "content/posts/tummy-time/index.md"
    post.write_text(post.read_text(encoding="utf-8").replace("title: Tummy time", "title: Tummy time\nslug: on-the-tummy"),
                    encoding="utf-8")
    build_command(BuildOptions(source=root))
    assert 'href="/guide/on-the-tummy/"' in (root / "public/a/index.html").read_text(encoding="utf-8")


def test_addresses_are_read_whole_as_markdown_reads_them() -> None:
    source = ('[a](<../my page/>) [b](https://en.wikipedia.org/wiki/Palsy_(disorder)) [c](../x/ "T") ![p](pic.png)\n'
              "`[d](code/)`\n```\n[e](fenced/)\n```\n[f]: ../ref/\n<https://example.org/auto>")
    assert list(markdown_links(source)) == [(0, "../my page/"), (0, "https://en.wikipedia.org/wiki/Palsy_(disorder)"),
                                            (0, "../x/"), (5, "../ref/"), (6, "https://example.org/auto")]
