"""The interface's words in the page's language: gettext catalogs, read with Babel.

Catalogs are ``.po`` files (``locale/<code>/LC_MESSAGES/messages.po``, the site's own over the
package's), compiled in memory for each build: no binary ``.mo`` in the repository, and the bytes
the pages are keyed by are the ones they are rendered from. A language without a catalog (or a
message a catalog lacks) shows the English the templates are written in.
"""

from __future__ import annotations

import io
from typing import Iterable

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


def missing(catalog: bytes, code: str, wanted: Iterable[str]) -> tuple[list[str], list[str]]:
    """Of the messages ``wanted``, those the catalog lacks (or leaves empty) and those marked fuzzy."""
    found = read_po(io.BytesIO(catalog), locale=code.replace("-", "_"))
    absent, fuzzy = [], []
    for message_id in wanted:
        message = found.get(message_id)
        if message is None or not any(message.string if isinstance(message.string, (list, tuple))
                                      else [message.string]):
            absent.append(message_id)
        elif message.fuzzy:
            fuzzy.append(message_id)
    return absent, fuzzy
