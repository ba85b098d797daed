"""Runs Python-Markdown's own test suite and writes each test's outcome to a JSON file.

    python markdown_upstream_runner.py SOURCE_DIR MODE OUTCOMES.json

SOURCE_DIR holds the ``tests`` folder of Python-Markdown's source release (the tests import the
installed markdown). MODE: ``stock`` runs it as it comes; ``ours`` applies the renderer's speed-ups
(backlying_site.render.markdown.speed_up) to every Markdown instance as it is made, after its
extensions, as MarkdownRenderer does, on whatever release is installed; ``broken`` does the same with
a speed-up made wrong on purpose (emphasis taken for impossible), to show that the comparison
catches one.
"""

from __future__ import annotations

import json
import sys
import unittest
from pathlib import Path
from typing import Any

import markdown

from backlying_site.render import markdown as ours


class Outcomes(unittest.TestResult):
    """Each test's outcome by its id; a failing subtest fails its test."""

    def __init__(self) -> None:
        super().__init__()
        self.outcomes: dict[str, str] = {}

    def addSuccess(self, test: unittest.TestCase) -> None:  # noqa: N802 - unittest's names
        self.outcomes.setdefault(test.id(), "passed")

    def addFailure(self, test: unittest.TestCase, err: Any) -> None:  # noqa: N802
        self.outcomes[test.id()] = "failed"

    def addError(self, test: unittest.TestCase, err: Any) -> None:  # noqa: N802
        self.outcomes[test.id()] = "error"

    def addSkip(self, test: unittest.TestCase, reason: str) -> None:  # noqa: N802
        self.outcomes[test.id()] = "skipped"

    def addExpectedFailure(self, test: unittest.TestCase, err: Any) -> None:  # noqa: N802
        self.outcomes[test.id()] = "expected failure"

    def addUnexpectedSuccess(self, test: unittest.TestCase) -> None:  # noqa: N802
        self.outcomes[test.id()] = "unexpected success"

    def addSubTest(self, test: unittest.TestCase, subtest: unittest.TestCase, err: Any) -> None:  # noqa: N802
        if err is not None:
            self.outcomes[test.id()] = "failed"


def speed_up_every_markdown() -> list[int]:
    """Every Markdown made from now on gets the speed-ups; the list counts the processors sped up.
    On any release: on one outside the tested range, this tells whether the range may grow."""
    ours.TESTED_RELEASES = ((0, 0), (99, 0))
    sped_up: list[int] = []
    stock_init = markdown.Markdown.__init__

    def init(self: markdown.Markdown, **kwargs: Any) -> None:
        stock_init(self, **kwargs)
        sped_up.append(ours.speed_up(self))
    markdown.Markdown.__init__ = init  # type: ignore[method-assign]
    return sped_up


def count_filtered_walks() -> list[int]:
    """Counts the inline walks that ran with a chosen list of patterns (not stock's fallback)."""
    walks: list[int] = []
    present_in = ours._PatternChoice.present_in

    def counted(self: ours._PatternChoice, text: str) -> Any:
        walks.append(1)
        return present_in(self, text)
    ours._PatternChoice.present_in = counted  # type: ignore[method-assign]
    return walks


def break_emphasis() -> None:
    """The speed-up told that no text can hold emphasis: its patterns are never tried."""
    for regex, needles in list(ours._NEEDLES_OF_REGEX.items()):
        if "*" in needles or "_" in needles:
            ours._NEEDLES_OF_REGEX[regex] = ("\x00never\x00",)


def main() -> None:
    source, mode, target = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
    sped_up = speed_up_every_markdown() if mode in ("ours", "broken") else []
    walks = count_filtered_walks()
    if mode == "broken":
        break_emphasis()
    suite = unittest.defaultTestLoader.discover(str(source / "tests"), top_level_dir=str(source))
    result = Outcomes()
    suite.run(result)
    target.write_text(json.dumps({"markdown": markdown.__version__, "sped_up": sum(sped_up),
                                  "filtered_walks": len(walks),
                                  "outcomes": result.outcomes}), encoding="utf-8")


if __name__ == "__main__":
    main()
