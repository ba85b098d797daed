"""QuickContext (render/jinja_speedup.py) calls what a template calls as Jinja's own Context does.

Jinja's own suite runs with it (test_jinja_upstream.py); here the two are compared on each way a
callable can ask for an argument, called in a loop, in a block that set variables, with keyword
arguments, and raising, where Jinja's suite calls few.
"""

from __future__ import annotations

import traceback
from pathlib import Path

import jinja2
import pytest
from jinja2.runtime import Context

from backlying_site.render import jinja_speedup
from backlying_site.render.environment import make_environment
from backlying_site.render.jinja_speedup import QuickContext


class Urls:
    def path(self, rel: str, *, full: bool = False) -> str:
        return ("https://x.test/" if full else "/") + rel


class Shout:
    """A callable object that asks for the context in its __call__."""

    @jinja2.pass_context
    def __call__(self, context: Context, text: str) -> str:
        return f"{text.upper()} in {context.name} with {context.get('who', '?')}"


@jinja2.pass_context
def who(context: Context) -> str:
    return str(context.resolve("who"))


@jinja2.pass_eval_context
def escaping(eval_ctx: jinja2.nodes.EvalContext) -> str:
    return f"autoescape={eval_ctx.autoescape}"


@jinja2.pass_environment
def trimmed(env: jinja2.Environment) -> str:
    return f"trim_blocks={env.trim_blocks}"


class Site:
    """Methods that ask for an argument, as a theme's helpers may."""

    @jinja2.pass_context
    def here(self, context: Context) -> str:
        return f"here={context.get('who', '?')}"

    @jinja2.pass_eval_context
    def escaped(self, eval_ctx: jinja2.nodes.EvalContext) -> str:
        return f"escaped={eval_ctx.autoescape}"


def given_a_call() -> str:
    return "plain"


given_a_call.__call__ = jinja2.pass_context(lambda context: f"own __call__ in {context.name}")  # type: ignore


class Asks:
    """An object that asks for the environment by an attribute of its own, not of its __call__."""

    def __init__(self) -> None:
        self.jinja_pass_arg = jinja2.utils._PassArg.environment

    def __call__(self, env: jinja2.Environment) -> str:
        return f"asks={type(env).__name__}"


def frames() -> int:
    return len(traceback.extract_stack())


def stops() -> str:
    raise StopIteration


def fails() -> str:
    raise ValueError("inside")


GLOBALS = {"urls": Urls(), "shout": Shout(), "who_is": who, "escaping": escaping, "trimmed": trimmed, "stops": stops,
           "length": len, "upper": str.upper, "join": ", ".join, "site": Site(), "given_a_call": given_a_call,
           "asks": Asks(), "frames": frames}
TEMPLATES = {
    "base.html": "{% block main %}{% endblock %}|{{ who_is() }}",
    "page.html": """{% extends "base.html" %}{% block main %}{% set who = "block" %}
{{ urls.path("a/") }} {{ urls.path("b/", full=true) }} {{ shout("hi") }} {{ who_is() }} {{ escaping() }}
{{ trimmed() }} {{ length("four") }} {{ upper("x") }} {{ join(["a", "b"]) }} {{ stops() is undefined }}
{% for who in ["loop1", "loop2"] %}{{ who_is() }} {{ shout(who) }} {{ urls.path(who) }} {% endfor %}
{% macro m(x) %}[{{ x }} {{ who_is() }} {{ caller() if caller }}]{% endmacro %}{{ m(1) }}
{% call m(2) %}{{ who_is() }}{% endcall %}{% with who = "with" %}{{ who_is() }}{% endwith %}
{{ _("Hello") }} {{ _("%(n)s posts", n=3) }} {{ site.here() }} {{ site.escaped() }} {{ given_a_call() }}
{{ asks() }}{% for x in [1] %}{{ site.here() }}{% endfor %}
{% macro deeper(n) %}{{ deeper(n - 1) if n else frames() }}{% endmacro %}{{ deeper(30) }}{% endblock %}""",
}


def render(context_class: type[Context], autoescape: bool, **values: object) -> str:
    env = jinja2.Environment(loader=jinja2.DictLoader(TEMPLATES), autoescape=autoescape, trim_blocks=True,
                             extensions=["jinja2.ext.i18n"])
    env.context_class = context_class
    env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(GLOBALS)
    return env.get_template("page.html").render(**values)


@pytest.mark.parametrize("autoescape", [True, False])
@pytest.mark.parametrize("values", [{}, {"who": "<caller>"}])
def test_every_kind_of_call_gives_what_jinjas_own_context_gives(autoescape: bool, values: dict) -> None:
    ours = render(QuickContext, autoescape, **values)
    assert ours == render(Context, autoescape, **values)
    assert "HI in page.html" in ours and "loop2" in ours and "autoescape=" in ours  # (each call ran)
    assert "own __call__ in page.html" in ours and "asks=Environment" in ours and "escaped=" in ours
    # (and the same number of frames below a macro 30 deep: a recursive macro reaches as deep as with Jinja's)


def test_an_error_inside_a_call_shows_the_same_frames_as_with_jinjas_own_context() -> None:
    """Its call is hidden from the traceback as Jinja hides its own: the template's line, then the callable."""
    def frames(context_class: type[Context]) -> list[tuple[str, str, int]]:
        env = jinja2.Environment(loader=jinja2.DictLoader({"t.html": "a\n{{ fails() }}"}))
        env.context_class = context_class
        env.globals["fails"] = fails
        with pytest.raises(ValueError) as raised:
            env.get_template("t.html").render()
        tb, found = raised.value.__traceback__, []
        while tb is not None:
            code = tb.tb_frame.f_code
            found.append((Path(code.co_filename).name, code.co_name, tb.tb_lineno))
            tb = tb.tb_next
        return found[[name for _, name, _ in found].index("top-level template code"):]

    assert frames(QuickContext) == frames(Context)
    assert [name for _, name, _ in frames(Context)] == ["top-level template code", "fails"]


def test_the_sites_templates_get_it_on_a_tested_release_and_jinjas_own_elsewhere(
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert make_environment([], {}).context_class is QuickContext
    monkeypatch.setattr(jinja2, "__version__", "3.2.0")
    jinja_speedup._applies.cache_clear()
    try:
        assert make_environment([], {}).context_class is Context
    finally:
        jinja_speedup._applies.cache_clear()
