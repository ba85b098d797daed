"""The interface's words in the page's language: gettext catalogs, read with Babel.

Catalogs are ``.po`` files (``locale/<code>/LC_MESSAGES/messages.po``, the site's own over the
package's), compiled in memory for each build: no binary ``.mo`` in the repository, and the bytes
the pages are keyed by are the ones they are rendered from. A language without a catalog (or a
message a catalog lacks) shows the English the templates are written in.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Iterable

from babel.messages.catalog import Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from ..errors import Problem, SiteError


def catalog_codes(code: str) -> list[str]:
    """The catalogs that may serve ``code``, most precise first: es-MX, es_MX, es."""
    base = code.split("-")[0]
    return list(dict.fromkeys([code, code.replace("-", "_"), base]))


def translations(code: str, catalogs: dict[str, tuple[tuple[str, bytes], ...]]) -> NullTranslations:
    """What the pages in ``code`` show for each message: the site's catalog, then the package's,
    then the English source."""
    texts = [text for candidate in catalog_codes(code) for text in catalogs.get(candidate, ())]
    chain: NullTranslations | None = None
    for origin, data in reversed(texts):  # the last added is asked first
        found = compile_catalog(origin, data, code)
        if chain is not None:
            found.add_fallback(chain)
        chain = found
    return chain or NullTranslations()


def compile_catalog(origin: str, data: bytes, code: str) -> Translations:
    try:
        catalog = read_po(io.BytesIO(data), locale=code.replace("-", "_"), abort_invalid=True)
    except Exception as exc:  # noqa: BLE001 - Babel's parse errors have no common type
        raise SiteError([Problem(origin, getattr(exc, "lineno", 0) or 0, "",
                                 "is not a gettext catalog Babel can read; fix the line, or make it again "
                                 "with 'make catalogs'", reason=str(exc))]) from exc
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


MessageId = str | tuple[str, str]  # a message, or a plural one: (singular, plural)


@dataclass(frozen=True)
class Gap:
    """A message a language's catalogs do not translate: its pages show the English."""

    origin: str  # the catalog to fix, as messages show it ("" when the language has none)
    line: int  # of its entry there; 0 when it has none
    message: MessageId
    fuzzy: bool  # marked fuzzy ('make catalogs' found it changed): a translator should look again


def gaps(code: str, catalogs: dict[str, tuple[tuple[str, bytes], ...]], wanted: Iterable[MessageId],
         source: bool = False) -> list[Gap]:
    """What the catalogs serving ``code`` (the site's own, then the package's, as ``translations`` asks
    them) leave to fix of the messages ``wanted``: every fuzzy entry (never used), and each message no
    catalog translates (empty, without every plural form, or absent). ``source``: the language the
    templates are written in, which needs no translation, only no fuzzy entry."""
    found = [(origin, read_po(io.BytesIO(data), locale=code.replace("-", "_")))
             for candidate in catalog_codes(code) for origin, data in catalogs.get(candidate, ())]
    result = []
    for message in wanted:
        entries = [(origin, catalog.get(message), catalog.num_plurals) for origin, catalog in found]
        entries = [(origin, entry, forms) for origin, entry, forms in entries if entry is not None]
        fuzzy = [Gap(origin, entry.lineno, message, True) for origin, entry, _ in entries if entry.fuzzy]
        result += fuzzy
        if not (source or fuzzy or any(translated(entry, forms) for _, entry, forms in entries)):
            origin, line = (entries[0][0], entries[0][1].lineno) if entries else (found[0][0] if found else "", 0)
            result.append(Gap(origin, line, message, False))
    return result


def translated(entry: Message, forms: int) -> bool:
    """Whether the compiled catalog has it: not fuzzy, and every plural form the language has filled."""
    strings = entry.string if isinstance(entry.string, (list, tuple)) else (entry.string,)
    wanted = forms if entry.pluralizable else 1
    return not entry.fuzzy and len(strings) >= wanted and all(strings[:wanted])
