"""A faster ``Context.call`` for Jinja2, the one speed-up here that repeats a piece of Jinja's code.

Every call a template makes (``_("...")``, ``urls.path(...)``, ``picture(...)``) goes through
``Context.call``, which asks the callable, and its ``__call__``, whether it wants the context, the
evaluation context or the environment passed first: a post page makes ~80 such calls. For a plain
function, a method of one, or a builtin, the answer is the function's own ``jinja_pass_arg``, read
from its attributes' dict (their ``__call__`` is a method-wrapper, which has none, unless a function
was given its own), so QuickContext reads that; anything else takes Jinja's own steps, repeated
here in one frame as Jinja has them (a recursive macro reaches as deep).

Only on the releases it is tested on (``TESTED_RELEASES``, pyproject.toml's range; Jinja's
Context.call is the same code from 3.1.0 to 3.1.6): tests/test_jinja_upstream.py runs Jinja's own
test suite with it, and tests/test_jinja_speedup.py compares the two, on the installed release and
the oldest allowed. On any other release, or if Jinja's internals it names are gone, templates get
Jinja's own Context.
"""

from __future__ import annotations

from functools import lru_cache
from types import BuiltinFunctionType, FunctionType, MethodType
from typing import Any

import jinja2
from jinja2.runtime import Context

try:
    from jinja2.utils import _PassArg, internalcode
except ImportError:  # pragma: no cover - a Jinja that moved them: its own Context, below
    _PassArg = internalcode = None  # type: ignore[assignment,misc]

TESTED_RELEASES = ((3, 1), (3, 2))


def _hidden(function: Any) -> Any:
    return internalcode(function) if internalcode is not None else function


class QuickContext(Context):
    @_hidden  # (left out of a template's traceback, as Jinja's own call is)
    def call(__self, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 - Jinja's names
        if __debug__:
            __traceback_hide__ = True  # noqa: F841 - read by debuggers, as in Jinja's own
        kind = type(__obj)
        if kind is FunctionType and "__call__" not in __obj.__dict__:
            pass_arg = __obj.__dict__.get("jinja_pass_arg")  # (where a function's own attributes are)
        elif kind is MethodType and type(__obj.__func__) is FunctionType:
            pass_arg = __obj.__func__.__dict__.get("jinja_pass_arg")  # (a method's are its function's)
        elif kind is BuiltinFunctionType:
            pass_arg = None  # (a builtin takes no attributes)
        else:  # Jinja's own steps: a callable object whose __call__ asks for an argument is called through it
            if hasattr(__obj, "__call__") and _PassArg.from_obj(__obj.__call__) is not None:  # noqa: B004
                __obj = __obj.__call__
            pass_arg = _PassArg.from_obj(__obj)
        if pass_arg is _PassArg.context:
            # (a derived context sees the variables the loop or block set)
            if kwargs.get("_loop_vars"):
                __self = __self.derived(kwargs["_loop_vars"])
            if kwargs.get("_block_vars"):
                __self = __self.derived(kwargs["_block_vars"])
            args = (__self, *args)
        elif pass_arg is _PassArg.eval_context:
            args = (__self.eval_ctx, *args)
        elif pass_arg is _PassArg.environment:
            args = (__self.environment, *args)
        if kwargs:
            kwargs.pop("_block_vars", None)
            kwargs.pop("_loop_vars", None)
        try:
            return __obj(*args, **kwargs)
        except StopIteration:
            return __self.environment.undefined("value was undefined because a callable raised a"
                                                " StopIteration exception")


def is_tested_release(release: str) -> bool:
    parts = tuple(int(part) for part in release.split(".")[:2] if part.isdigit())
    return TESTED_RELEASES[0] <= parts < TESTED_RELEASES[1]


@lru_cache(maxsize=1)
def _applies() -> bool:
    return _PassArg is not None and is_tested_release(getattr(jinja2, "__version__", ""))


def speed_up(env: jinja2.Environment) -> bool:
    """QuickContext for ``env``'s templates, on a tested release of Jinja; whether it was applied."""
    if not _applies():
        return False
    env.context_class = QuickContext
    return True
