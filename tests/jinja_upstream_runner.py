"""Runs Jinja's own test suite and writes each test's outcome to a JSON file.

    python jinja_upstream_runner.py SOURCE_DIR MODE OUTCOMES.json

SOURCE_DIR holds the ``tests`` folder of Jinja's source release (the tests import the jinja2 found
first on the path). MODE: ``stock`` runs it as it comes; ``ours`` makes every environment's
templates use backlying_site's QuickContext (render/jinja_speedup.py), on whatever release is
installed; ``broken`` does the same with QuickContext made wrong on purpose (a function that asks
for the evaluation context is not given it), to show that the comparison catches one.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from types import BuiltinFunctionType, FunctionType, MethodType, SimpleNamespace
from typing import Any

import jinja2
import pytest
from jinja2.utils import _PassArg, internalcode

from backlying_site.render import jinja_speedup


class Counted(jinja_speedup.QuickContext):
    quick = 0  # calls that took QuickContext's own way

    @internalcode
    def call(__self, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        if type(__obj) in (FunctionType, MethodType, BuiltinFunctionType):
            Counted.quick += 1
        return super().call(__obj, *args, **kwargs)


class Outcomes:
    """A pytest plugin: each test's outcome by its id (a failed setup or teardown fails it)."""

    def __init__(self) -> None:
        self.outcomes: dict[str, str] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "call" or report.outcome != "passed":
            if self.outcomes.get(report.nodeid, "passed") == "passed":
                self.outcomes[report.nodeid] = report.outcome


def main() -> None:
    source, mode, target = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
    if mode in ("ours", "broken"):
        jinja2.Environment.context_class = Counted  # every environment's, unless a test sets its own
    if mode == "broken":  # QuickContext's own way no longer knows pass_context
        jinja_speedup._PassArg = SimpleNamespace(  # type: ignore[misc,assignment]
            context=object(), environment=_PassArg.environment, eval_context=_PassArg.eval_context)
    plugin = Outcomes()
    pytest.main(["-q", "-p", "no:cacheprovider", "-p", "no:randomly", str(source / "tests")], plugins=[plugin])
    target.write_text(json.dumps({"jinja2": jinja2.__version__, "quick_calls": Counted.quick,
                                  "outcomes": plugin.outcomes}), encoding="utf-8")


if __name__ == "__main__":
    main()
