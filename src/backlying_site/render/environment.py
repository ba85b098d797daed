"""The Jinja2 environment every page renders in, configured once per build (with QuickContext on
the Jinja releases it is tested on: render/jinja_speedup.py).

Autoescape on and StrictUndefined (Lektor does; MkDocs and Pelican don't, and front matter reaches
their HTML unescaped). The templates are read once per build (TemplatesAsRead): a template saved
while a build runs is in the next build, never half in this one.

A page's key covers its context and the site's settings, not the posts a template can reach
through a global (``age_bands[i].posts``): every such read is recorded while the page renders
(``Reads``, ``RecordedBand``), and a rebuild keys the page by what those reads give then.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from functools import cached_property
from pathlib import Path
from typing import Any, Callable

import jinja2
import jinja2.bccache
import jinja2.meta
from babel.dates import format_date
from markupsafe import Markup

from ..load.theme import find_template
from . import jinja_speedup
from .discovery import AgeBand
from .wording import Wording, age_label, daily_minutes, dosage_phrase, join_list, wording


class Reads:
    """What the page being rendered read besides its context, in order (None between pages)."""

    def __init__(self) -> None:
        self.log: list[Any] | None = None

    def record(self, read: Any) -> None:
        if self.log is not None:
            self.log.append(read)


class RecordedBand:
    """An age band as the ``age_bands`` global shows it to templates: a read of its posts, which the
    page's key does not cover, is recorded; ``label`` is its months in the page's language.
    Everything else is the band's own."""

    def __init__(self, band: AgeBand, reads: Reads, label: str = "") -> None:
        self._band, self._reads, self.label = band, reads, label

    @property
    def posts(self) -> tuple[Any, ...]:
        self._reads.record(("age_band", self._band.from_months, self._band.to_months))
        return self._band.posts

    def __getattr__(self, name: str) -> Any:  # from_months, to_months, slug, holds()
        return getattr(self._band, name)

    def __repr__(self) -> str:  # what {{ band }} shows: no posts, unrecorded
        return f"AgeBand(from_months={self._band.from_months}, to_months={self._band.to_months})"


class TemplatesAsRead(jinja2.BaseLoader):
    """The templates as this build read them. A folder earlier in the list hides a template of the
    same name in a later one (the site's own before the theme's), as Jinja's file loader does."""

    def __init__(self, folders: list[Path], files: dict[Path, bytes]) -> None:
        self.folders = folders
        self.files = files

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        found = self.found(template)
        if found is None:
            raise jinja2.TemplateNotFound(template)
        return found[1].decode("utf-8"), str(found[0]), lambda: True

    def found(self, template: str) -> tuple[Path, bytes] | None:
        return find_template(self.folders, self.files, template)

    def list_templates(self) -> list[str]:
        return sorted({path.relative_to(folder).as_posix() for path in self.files
                       for folder in self.folders if path.is_relative_to(folder)})


ANY_TEMPLATE = "*"  # a read of a template named by no string: every template


class NamedTemplates:
    """The templates each template source names (None for one named by an expression), by the
    source's digest: kept per process and in the build store (``saved``, ``restore``), as a parse
    costs half a compile and the answer depends on the source's bytes alone (every environment
    parses as make_environment sets it up)."""

    def __init__(self) -> None:
        self.known: dict[bytes, tuple[str | None, ...]] = {}
        self.asked: set[bytes] = set()  # since the last ``saved``

    def of(self, source: bytes, parse: Callable[[str], jinja2.nodes.Template]) -> tuple[str | None, ...]:
        key = hashlib.sha256(source).digest()
        self.asked.add(key)
        if key not in self.known:
            if len(self.known) > 1024:  # (a preview with templates edited all day)
                self.known.clear()
            try:
                self.known[key] = tuple(jinja2.meta.find_referenced_templates(parse(source.decode("utf-8"))))
            except (jinja2.TemplateSyntaxError, UnicodeDecodeError):
                self.known[key] = ()  # (compile_templates reports it; only a template no page renders gets here)
        return self.known[key]

    def saved(self) -> dict[bytes, tuple[str | None, ...]]:
        """The answers asked for since the last call."""
        found = {key: self.known[key] for key in sorted(self.asked) if key in self.known}
        self.asked = set()
        return found

    def restore(self, saved: dict[bytes, tuple[str | None, ...]]) -> None:
        self.known.update(saved)


NAMED = NamedTemplates()  # (ReadingEnvironment._template_digest)


class ReadingTemplate(jinja2.Template):
    """A template that keeps what making its module read (Jinja makes the module an import gives
    once per build, on the first page that imports it): every later page that asks for the template
    is recorded as reading it too (ReadingEnvironment.get_template)."""

    module_reads: list[Any] = []

    def make_module(self, vars: Any = None, shared: bool = False, locals: Any = None) -> Any:
        reads: Reads | None = getattr(self.environment, "reads", None)
        log = reads.log if reads is not None else None
        start = len(log) if log is not None else 0
        module = super().make_module(vars, shared, locals)
        if log is not None and vars is None and not shared and locals is None:  # the module Jinja keeps
            self.module_reads = log[start:]
        return module


class ReadingEnvironment(jinja2.Environment):
    """Jinja's environment, recording each template a page asks for by name (its own, the card
    macro's, each its templates extend, include or import): a page is rendered again when a template
    it read changes, not when any does. A read stands for the template and, in turn, every template
    its source names (``template_digest``; all of them if it names one by an expression): Jinja
    makes an imported template's module once, and asks for what that module imports only then."""

    reads: Reads | None = None
    template_class = ReadingTemplate

    def get_template(self, name: Any, parent: str | None = None, globals: Any = None) -> jinja2.Template:
        log = self.reads.log if self.reads is not None else None
        if log is not None:
            if isinstance(name, str):
                log.append(("template", self.join_path(name, parent) if parent is not None else name))
            else:  # a Template object: made from some template's source
                log.append(("template", ANY_TEMPLATE))
        template = super().get_template(name, parent, globals)
        if log is not None:
            log.extend(getattr(template, "module_reads", ()))
        return template

    def template_digest(self, name: str) -> str | None:
        """What a read of ``name`` gives: a digest of the template's bytes and of every template its
        source names, in turn (every template, if it names one by anything but a string); None
        for a name that leads to no template."""
        if name not in self.digests:
            self.digests[name] = self._template_digest(name)
        return self.digests[name]

    @cached_property
    def digests(self) -> dict[str, str | None]:
        return {}  # (the templates are this build's: each digest is made once)

    def _template_digest(self, name: str) -> str | None:
        loader: TemplatesAsRead = self.loader  # type: ignore[assignment]
        if name == ANY_TEMPLATE:
            return hashlib.sha256(repr(sorted((str(path), data) for path, data in loader.files.items())).encode()
                                  ).hexdigest()
        seen: dict[str, bytes | None] = {}
        todo = [name]
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            found = loader.found(current)
            seen[current] = found[1] if found else None
            if found is None:
                continue
            named = NAMED.of(found[1], self.parse)
            if None in named:
                return self._template_digest(ANY_TEMPLATE)
            todo += [other for other in named if other is not None]
        if seen[name] is None:
            return None
        return hashlib.sha256(repr(sorted(seen.items())).encode()).hexdigest()


class CompiledOnce(jinja2.BytecodeCache):
    """Jinja's own cache of compiled templates, kept in memory: a template is compiled once per
    process, not once per language and build (the preview builds on every save), and kept in the
    build store between builds (``saved``, ``restore``), as each build command is a new process.
    Jinja keys a bucket by the template's name and file and checks its source's checksum (and, in the
    bytes it writes, its bytecode format and Python's major.minor); the settings that shape the
    compiled code are make_environment's, the same for every environment that uses this cache; a
    store made by other code or another Jinja, Python or package is never read."""

    def __init__(self, size: int = 512) -> None:
        self.size = size
        self.codes: OrderedDict[tuple[str, str], Any] = OrderedDict()
        self.asked: set[tuple[str, str]] = set()  # since the last ``saved``

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.asked.add((bucket.key, bucket.checksum))
        code = self.codes.get((bucket.key, bucket.checksum))
        if code is not None:
            bucket.code = code

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.codes[(bucket.key, bucket.checksum)] = bucket.code
        while len(self.codes) > self.size:  # (a template edited all day: only its newest versions kept)
            self.codes.popitem(last=False)

    def saved(self) -> dict[tuple[str, str], bytes]:
        """The templates asked for since the last call, as Jinja writes them to a file."""
        found = {}
        for key, checksum in sorted(self.asked):
            code = self.codes.get((key, checksum))
            if code is not None:
                bucket = jinja2.bccache.Bucket(None, key, checksum)  # type: ignore[arg-type] - unused
                bucket.code = code
                found[(key, checksum)] = bucket.bytecode_to_string()
        self.asked = set()
        return found

    def restore(self, saved: dict[tuple[str, str], bytes]) -> None:
        """Templates ``saved`` made; Jinja's own reading drops any in another bytecode format."""
        for (key, checksum), data in saved.items():
            if (key, checksum) not in self.codes:
                bucket = jinja2.bccache.Bucket(None, key, checksum)  # type: ignore[arg-type] - unused
                bucket.bytecode_from_string(data)
                if bucket.code is not None:
                    self.dump_bytecode(bucket)


COMPILED = CompiledOnce()


def make_environment(folders: list[Path], files: dict[Path, bytes], words: Wording | None = None,
                     reads: Reads | None = None) -> ReadingEnvironment:
    """``words``: the interface's language (its translations, render/translations.py; its locale);
    ``reads``: where the templates a page asks for are recorded."""
    words = words or wording("en")
    env = ReadingEnvironment(
        loader=TemplatesAsRead(folders, files),
        autoescape=jinja2.select_autoescape(["html", "xml"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # the templates are the bytes read at the build's start
        cache_size=-1,
        extensions=["jinja2.ext.i18n"],
        bytecode_cache=COMPILED,
    )
    env.reads = reads
    jinja_speedup.speed_up(env)
    env.install_gettext_translations(words.translations, newstyle=True)  # type: ignore[attr-defined]
    keep_messages(env)
    env.filters["date_long"] = lambda d: format_date(d, "long", locale=words.locale) if d else ""
    env.filters["age_label"] = lambda age: age_label(age, words)
    env.filters["dosage_phrase"] = lambda dosage: dosage_phrase(dosage, words)
    env.filters["daily_minutes"] = lambda dosage: daily_minutes(dosage, words)
    env.filters["join_list"] = lambda items: join_list(items, words)
    env.filters["number"] = words.number
    env.filters["isodate"] = lambda d: d.isoformat() if d else ""
    env.filters["json_ld"] = json_ld
    return env


_KEPT_VALUES = frozenset({str, Markup, int})  # a message's values that keep it: equal ones give equal text


def keep_messages(env: jinja2.Environment) -> None:
    """The i18n extension's ``gettext`` and ``_``, a message made once per environment and values:
    a page shows ~90, most the same on every page or many, and each went through four of Jinja's
    ``Context.call`` and a ``Markup % values``. The first time is Jinja's own gettext (its newstyle
    ``Markup(translation) % variables``), so what a template gets is the same; values are kept by
    type too (a str and a Markup of the same text are escaped apart)."""
    stock = env.globals["gettext"]
    made: dict[tuple[Any, ...], Any] = {}

    @jinja2.pass_context
    def gettext(context: jinja2.runtime.Context, string: str, /, **variables: Any) -> Any:
        if type(string) is not str or not all(type(value) in _KEPT_VALUES for value in variables.values()):
            return stock(context, string, **variables)
        key = (string, context.eval_ctx.autoescape, *((name, type(value), value) for name, value in variables.items()))
        found = made.get(key)
        if found is None:
            if len(made) > 8192:  # (values that never repeat: a page's own address)
                made.clear()
            found = made[key] = stock(context, string, **variables)
        return found

    @jinja2.pass_context
    def alias(context: jinja2.runtime.Context, *args: Any, **kwargs: Any) -> Any:
        function = context.resolve("gettext")  # a template may set its own
        if function is gettext and len(args) == 1:
            return gettext(context, args[0], **kwargs)
        return context.call(function, *args, **kwargs)

    env.globals.update(gettext=gettext, _=alias)


def json_ld(data: Any) -> Markup:
    """JSON for a <script type="application/ld+json">: '<', '>' and '&' escaped so no string ends the script."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))
