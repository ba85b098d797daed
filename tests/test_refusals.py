"""What a build refuses, and how every failure reads (issue 18 items 2, 4, 5 and 6).

A wrong --output never moves or deletes an author's file; a base URL that would send links to another
host is refused; links in static/ and templates/ stay inside the site; and whatever fails, the author
reads one line and an exit code that says which kind of failure it was, never a traceback.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from backlying_site.cli import main
from backlying_site.errors import EXIT_CONTENT, EXIT_INTERNAL, EXIT_SYSTEM, EXIT_USAGE


def snapshot(root: Path) -> dict[str, bytes | str]:
    """Every file (bytes) and link (target) under ``root``, .git and caches included."""
    found: dict[str, bytes | str] = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder) / name
            rel = path.relative_to(root).as_posix()
            if path.is_symlink():
                found[rel] = os.readlink(path)
            elif path.is_file():
                found[rel] = path.read_bytes()
    return found


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    return code, captured.err


# --- item 2: an output that is not the build's own is refused, and nothing moves -------------------

@pytest.mark.parametrize("output, says", [
    (".", "holds the site itself"),
    ("..", "holds the site itself"),
    ("content", "lies inside content/"),
    ("content/posts", "lies inside content/"),
    ("static/out", "lies inside static/"),
    ("templates", "lies inside templates/"),
    (".cache", "lies inside .cache/"),
    ("site.yaml", "is a file, not a folder"),
    ("notes", "holds files that no build made"),
])
def test_build_refuses_an_output_that_would_lose_the_authors_files(
        sample_site: Path, source_date_epoch: str, capsys: pytest.CaptureFixture[str], output: str,
        says: str) -> None:
    (sample_site / "notes").mkdir()
    (sample_site / "notes/todo.txt").write_text("Ask the therapist about rolling.\n", encoding="utf-8")
    (sample_site / ".git").mkdir()
    (sample_site / ".git/HEAD").write_text("ref: refs/heads/main\n", encoding="utf-8")
    before = snapshot(sample_site.parent)
    for attempt in (1, 2):  # the second would have deleted what the first moved aside
        code, err = run(capsys, "build", "--source", str(sample_site), "--output", str(sample_site / output))
        assert code == EXIT_USAGE, err
        assert says in err and len(err.strip().splitlines()) == 1, err
    assert snapshot(sample_site.parent) == before


def test_serve_refuses_site_yaml_as_its_output(sample_site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot(sample_site)
    code, err = run(capsys, "serve", "--source", str(sample_site), "--output", str(sample_site / "site.yaml"))
    assert code == EXIT_USAGE and "is a file, not a folder" in err
    assert snapshot(sample_site) == before


def test_an_output_the_build_made_is_rebuilt_and_an_empty_one_is_taken(
        sample_site: Path, source_date_epoch: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    for _ in (1, 2):
        code, err = run(capsys, "build", "--source", str(sample_site), "--output", str(empty))
        assert code == 0, err
    assert (empty / ".backlying-site").is_file() and (empty / "index.html").is_file()


def test_an_unrelated_spare_beside_the_output_is_refused(
        sample_site: Path, source_date_epoch: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / ".out.spare").mkdir()
    (tmp_path / ".out.spare/photo.jpg").write_bytes(b"not ours")
    code, err = run(capsys, "build", "--source", str(sample_site), "--output", str(tmp_path / "out"))
    assert code == EXIT_USAGE and ".out.spare" in err and "no build made" in err
    assert (tmp_path / ".out.spare/photo.jpg").read_bytes() == b"not ours"


# --- item 4: a base URL is parsed and rebuilt from its parts -----------------------------------------

BAD_BASE_URLS = [
    ("https://example.org/\\evil.example/", "backslash"),
    ("https://user:secret@example.org/", "user name or password"),
    ("https://example.org@evil.example/", "user name or password"),
    ("https://example.org/guide/?utm=1", "'?' or '#'"),
    ("https://example.org/guide/#top", "'?' or '#'"),
    ("https://example.org:99999/", "does not name a host"),
    ("https://exa mple.org/", "space"),
    ("https://example.org/%2e%2e/x/", "'.' or '..'"),
    ("https://[username].github.io/guide/", "'[' or ']'"),  # a placeholder left in: no IPv6 host
]


@pytest.mark.parametrize("url, says", BAD_BASE_URLS)
def test_a_base_url_that_could_send_links_elsewhere_is_refused_in_site_yaml(
        sample_site: Path, capsys: pytest.CaptureFixture[str], url: str, says: str) -> None:
    config = sample_site / "site.yaml"
    text = config.read_text(encoding="utf-8")
    lines = text.splitlines()
    number = next(i for i, line in enumerate(lines, start=1) if line.startswith("base_url:"))
    config.write_text(text.replace(lines[number - 1], f"base_url: '{url}'"), encoding="utf-8")
    code, err = run(capsys, "build", "--source", str(sample_site))
    assert code == EXIT_CONTENT
    assert f"site.yaml:{number}: base_url: " in err and says in err, err
    assert not (sample_site / "public").exists()


@pytest.mark.parametrize("url, says", BAD_BASE_URLS)
def test_a_base_url_option_that_could_send_links_elsewhere_is_wrong_usage(
        sample_site: Path, capsys: pytest.CaptureFixture[str], url: str, says: str) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["build", "--source", str(sample_site), "--base-url", url])
    assert exited.value.code == EXIT_USAGE
    assert says in capsys.readouterr().err


def test_a_base_url_is_rebuilt_from_its_parts(sample_site: Path, source_date_epoch: str,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run(capsys, "build", "--source", str(sample_site), "--base-url", "HTTPS://Example.ORG:8443//guide//")
    assert code == 0, err
    page = (sample_site / "public/index.html").read_text(encoding="utf-8")
    assert 'href="https://example.org:8443/guide/"' in page and "\\" not in page.split("<body")[0]


# --- item 6: static/ and templates/ keep to the site -----------------------------------------------

@pytest.mark.parametrize("link", ["static/passwd.txt", "templates/partials/secret.html", "static/etc"])
def test_a_link_out_of_the_site_in_static_or_templates_is_refused(
        sample_site: Path, source_date_epoch: str, capsys: pytest.CaptureFixture[str], link: str) -> None:
    path = sample_site / link
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to("/etc" if link.endswith("etc") else "/etc/passwd")
    code, err = run(capsys, "build", "--source", str(sample_site))
    assert code == EXIT_CONTENT
    assert f"{link}: is a link to /etc" in err and "outside the site folder" in err
    assert not (sample_site / "public").exists()


def test_a_link_that_stays_inside_the_site_is_published(sample_site: Path, source_date_epoch: str,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    (sample_site / "static").mkdir(exist_ok=True)
    (sample_site / "notes.txt").write_text("shared\n", encoding="utf-8")
    (sample_site / "static/notes.txt").symlink_to(sample_site / "notes.txt")
    code, err = run(capsys, "build", "--source", str(sample_site))
    assert code == 0, err
    assert (sample_site / "public/static/notes.txt").read_text(encoding="utf-8") == "shared\n"


# --- item 5: one line and a distinct exit code, whatever fails ------------------------------------

@pytest.mark.parametrize("source, says", [
    ("{% for x in %}", "templates/tags.html:1: Expected an expression"),
    ("{{ 1 / 0 }}", "templates/tags.html:1: ZeroDivisionError: division by zero (while rendering tags/index.html)"),
    ("{{ '%d' % 'x' }}", "templates/tags.html:1: TypeError:"),
    (b"caf\xe9 {{ x }}", "templates/tags.html: is not UTF-8 text"),
])
def test_a_broken_site_template_is_one_line_at_its_file_and_line(
        sample_site: Path, source_date_epoch: str, capsys: pytest.CaptureFixture[str], source: str | bytes,
        says: str) -> None:
    (sample_site / "templates").mkdir(exist_ok=True)
    data = source if isinstance(source, bytes) else source.encode()
    (sample_site / "templates/tags.html").write_bytes(data)
    code, err = run(capsys, "build", "--source", str(sample_site))
    assert code == EXIT_CONTENT
    assert says in err, err


@pytest.mark.parametrize("number, says", [
    (errno.ENOSPC, "the disk is full"),
    (errno.EACCES, "permission denied"),
    (errno.EROFS, "read-only file system"),
])
def test_a_system_failure_is_one_line_and_exit_code_4_and_the_site_stays(
        sample_site: Path, source_date_epoch: str, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch, number: int, says: str) -> None:
    assert run(capsys, "build", "--source", str(sample_site))[0] == 0
    published = snapshot(sample_site / "public")
    (sample_site / "content/posts/plain.md").write_text(
        (sample_site / "content/posts/plain.md").read_text(encoding="utf-8") + "\nOne more line.\n",
        encoding="utf-8")
    real_open = os.open

    def refusing(path: object, *args: object, **kwargs: object) -> int:
        if str(path).endswith("index.html"):
            raise OSError(number, os.strerror(number), str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", refusing)
    monkeypatch.setattr("backlying_site.parallel.MIN_ITEMS", 10**6)  # written in this process
    code, err = run(capsys, "build", "--source", str(sample_site))
    assert code == EXIT_SYSTEM, err
    assert says in err and "index.html" in err
    assert snapshot(sample_site / "public") == published


def test_an_internal_error_is_one_line_exit_code_3_and_traceback_shows_it(
        sample_site: Path, source_date_epoch: str, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("something we did not expect")

    monkeypatch.setattr("backlying_site.render.renderer.Renderer.post_details", broken)
    monkeypatch.setattr("backlying_site.parallel.MIN_ITEMS", 10**6)
    code, err = run(capsys, "build", "--source", str(sample_site))
    assert code == EXIT_INTERNAL
    assert "internal error while rendering" in err and "RuntimeError: something we did not expect" in err
    assert "--traceback" in err and not (sample_site / "public").exists()
    with pytest.raises(RuntimeError):
        main(["build", "--source", str(sample_site), "--traceback"])


def test_pictures_the_cache_cannot_forget_leave_a_note_and_the_site_published(
        sample_site: Path, source_date_epoch: str, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Tidying the picture cache comes after the swap: its failure is no failed build."""
    from backlying_site.assets import images

    def refused(*args: object) -> None:
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr(images, "prune_cache", refused)
    code, err = run(capsys, "build", "--source", str(sample_site))
    assert code == 0 and "unused pictures could not be removed" in err and "Nothing was published" not in err, err
    assert (sample_site / "public/index.html").is_file()
