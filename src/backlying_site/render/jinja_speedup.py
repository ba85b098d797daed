"""A faster ``Context.call`` for Jinja2, the one speed-up here that repeats a piece of Jinja's code.

Every call a template makes (``_("...")``, ``urls.path(...)``, ``picture(...)``, a filter's
helper) goes through ``Context.call``, which asks the callable, and its ``__call__``, whether it
wants the context, the evaluation context or the environment passed first: a post page makes ~80
such calls, ~1.3 million in a 5,000-post build. For a plain function or method the answer is its
own ``jinja_pass_arg`` (a method-wrapper ``__call__`` never has one), so QuickContext asks that
once and calls; anything else, and a context-taking call inside a loop or a block that set
variables (Jinja then makes a derived context), goes to Jinja's own ``call``.

Only on the releases it is tested on (``TESTED_RELEASES``; tests/test_jinja_upstream.py runs
Jinja's own test suite with it, on the installed release and, in tests/test_markdown_oldest.py's
way, the oldest allowed); on any other, templates get Jinja's own Context.
"""

from __future__ import annotations

import types
from importlib.metadata import version
from typing import Any

import jinja2
from jinja2.runtime import Context
from jinja2.utils import _PassArg, internalcode

TESTED_RELEASES = ((3, 1), (3, 2))  # pyproject.toml's range for jinja2
_PLAIN = frozenset({types.FunctionType, types.MethodType, types.BuiltinFunctionType})


class QuickContext(Context):
    @internalcode  # (hidden from template tracebacks, as Jinja's own call is)
    def call(__self, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 - Jinja's names
        if type(__obj) not in _PLAIN:
            return super().call(__obj, *args, **kwargs)
        pass_arg = getattr(__obj, "jinja_pass_arg", None)
        if kwargs:
            if pass_arg is _PassArg.context and (kwargs.get("_loop_vars") or kwargs.get("_block_vars")):
                return super().call(__obj, *args, **kwargs)
            kwargs.pop("_block_vars", None)
            kwargs.pop("_loop_vars", None)
        if pass_arg is _PassArg.context:
            args = (__self, *args)
        elif pass_arg is _PassArg.eval_context:
            args = (__self.eval_ctx, *args)
        elif pass_arg is _PassArg.environment:
            args = (__self.environment, *args)
        try:
            return __obj(*args, **kwargs)
        except StopIteration:
            return __self.environment.undefined("value was undefined because a callable raised a"
                                                " StopIteration exception")


def is_tested_release(release: str) -> bool:
    parts = tuple(int(part) for part in release.split(".")[:2] if part.isdigit())
    return TESTED_RELEASES[0] <= parts < TESTED_RELEASES[1]


def speed_up(env: jinja2.Environment) -> bool:
    """QuickContext for ``env``'s templates, on a tested release of Jinja; whether it was applied."""
    if not is_tested_release(version("jinja2")):
        return False
    env.context_class = QuickContext
    return True
