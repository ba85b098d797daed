"""The preview serves its author only (issue 18, item 9): no page under another name (DNS rebinding),
no websocket for another site's page, no reload pushed by another site, no terminal escapes printed."""

from __future__ import annotations

from pathlib import Path

from test_serve import make_site, start, wait_for  # noqa: F401 (start: a fixture)


# --- the terminal ---------------------------------------------------------------------------


def test_a_file_name_with_an_escape_sequence_is_printed_escaped(start, tmp_path: Path) -> None:
    site = make_site(tmp_path / "site")
    (site / "static").mkdir()
    (site / "static" / "plain.txt").write_text("plain", encoding="utf-8")
    server = start(site)
    (site / "static" / "\x1b[31mred\x07.txt").write_text("red", encoding="utf-8")
    wait_for(lambda: "Rebuilt in" in server.stdout() or "found; the preview" in server.stderr(), 20, "the rebuild")
    printed = server.stdout() + server.stderr()
    assert "\\x1b[31mred\\x07.txt" in printed
    assert "\x1b" not in printed and "\x07" not in printed
