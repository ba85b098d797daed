"""The interface's own words for the content model's facts, in the page's language (issue 21).

The model holds numbers (``Dosage``, ``AgeRange``); these functions say them as a tired parent reads
them, through the language's gettext catalog (plural forms by ``ngettext``) and Babel's locale data
(numbers, lists). Templates reach them as filters (``render/environment.py``); the page titles of
``pages.py`` and the structured data of ``seo.py`` call them directly. English is the source: a
language without a catalog reads as the English below.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable, Protocol

from babel import Locale, UnknownLocaleError
from babel.lists import format_list
from babel.messages.extract import extract_javascript
from babel.numbers import format_decimal
from babel.support import NullTranslations

from ..model import Dosage


class Months(Protocol):
    """An age range of a post (``model.AgeRange``) or an age band (``discovery.AgeBand``)."""

    from_months: int | None
    to_months: int | None


@dataclass(frozen=True)
class Wording:
    """One language's words: its gettext translations and its Babel locale."""

    translations: NullTranslations
    locale: Locale

    def gettext(self, message: str, **values: Any) -> str:
        """``message`` translated, its ``%(name)s`` filled (so a literal % is written %%, as in Jinja)."""
        return self.translations.gettext(message) % values

    def ngettext(self, singular: str, plural: str, n: int, **values: Any) -> str:
        """The form for ``n`` (``%(num)s`` is ``n``, as Babel writes it for the locale)."""
        return self.translations.ngettext(singular, plural, n) % {"num": self.number(n), **values}

    def number(self, n: int) -> str:
        return _decimal(n, self.locale)


@lru_cache(maxsize=1024)  # pages say the same few numbers thousands of times; Babel's formatting is slow
def _decimal(n: int, locale: Locale) -> str:
    return format_decimal(n, locale=locale)


def wording(code: str, translations: NullTranslations | None = None) -> Wording:
    return Wording(translations or NullTranslations(), babel_locale(code))


def babel_locale(code: str) -> Locale:
    """The locale of a language code ('en-GB', 'es'); English for a code CLDR does not know."""
    try:
        return Locale.parse(code, sep="-")
    except (ValueError, UnknownLocaleError):
        return Locale("en")


# --- the content model's facts ---------------------------------------------------------------------


def age_label(age: Months, words: Wording) -> str:
    """'0–6 months', 'from 4 months', 'up to 12 months', with '(corrected age)' when asked."""
    low, high = age.from_months, age.to_months
    if low is not None and high is not None:
        # TRANSLATORS: a range of ages in months, as "3–9 months"; the plural follows the second number.
        text = words.ngettext("%(low)s–%(high)s months", "%(low)s–%(high)s months", high,
                              low=words.number(low), high=words.number(high))
    elif low is not None:
        text = words.ngettext("from %(num)s month", "from %(num)s months", low)
    elif high is not None:
        text = words.ngettext("up to %(num)s month", "up to %(num)s months", high)
    else:
        return ""
    return words.gettext("%(ages)s (corrected age)", ages=text) if getattr(age, "corrected", False) else text


def dosage_phrase(dosage: Dosage, words: Wording) -> str:
    """Plain words for a tired parent: '3 minutes, twice a day, 5 days a week'."""
    parts: list[str] = []
    if dosage.minutes:
        parts.append(words.ngettext("%(num)s minute", "%(num)s minutes", dosage.minutes))
    if dosage.reps:
        # TRANSLATORS: how many times to repeat the exercise ("5 times"), within "3 minutes, 5 times, twice a day".
        parts.append(words.ngettext("%(num)s time", "%(num)s times", dosage.reps))
    if dosage.hold_seconds:
        # TRANSLATORS: how long to hold the position, within "3 minutes, hold 10 seconds, twice a day".
        parts.append(words.ngettext("hold %(num)s second", "hold %(num)s seconds", dosage.hold_seconds))
    if dosage.times_per_day:
        parts.append(times_a_day(dosage.times_per_day, words))
    if dosage.days_per_week:
        parts.append(words.gettext("every day") if dosage.days_per_week == 7 else
                     words.ngettext("%(num)s day a week", "%(num)s days a week", dosage.days_per_week))
    return ", ".join(parts)


def times_a_day(n: int, words: Wording) -> str:
    """'once a day', 'twice a day', 'three times a day', then '4 times a day'."""
    if n == 1:
        return words.gettext("once a day")
    if n == 2:
        return words.gettext("twice a day")
    if n == 3:
        return words.gettext("three times a day")
    return words.ngettext("%(num)s time a day", "%(num)s times a day", n)


def daily_minutes(dosage: Dosage, words: Wording) -> str:
    """A card's time: '6 minutes a day (2 × 3)'; '' without minutes."""
    if not dosage.minutes:
        return ""
    times = dosage.times_per_day or 1
    total = words.ngettext("%(num)s minute a day", "%(num)s minutes a day", dosage.minutes * times)
    if times == 1:
        return total
    # TRANSLATORS: "6 minutes a day (2 × 3)": the day's minutes, then how many sessions of how many minutes.
    return words.gettext("%(total)s (%(times)s × %(minutes)s)", total=total, times=words.number(times),
                         minutes=words.number(dosage.minutes))


def join_list(items: Iterable[str], words: Wording) -> str:
    """Items as one phrase: 'A mat, a pillow' in English, 'una almohada y una toalla' in Spanish.
    Items are written as a list's lines ('A small pillow'); inside the phrase, every one after the
    first starts in lower case (issue 23: '...a bed), A small pillow'), unless its first word is
    an abbreviation or a name written with capitals inside ('NHS', 'YouTube': ``in_the_middle``)."""
    values = list(items)
    values[1:] = [in_the_middle(value) for value in values[1:]]
    # CLDR's narrow list: commas in English (what a row of facts wants), the word 'and' where a
    # language needs it; Babel lacks it for some locales (fr, ru...), which get the standard list.
    try:
        return format_list(values, "standard-narrow", locale=words.locale)
    except KeyError:
        return format_list(values, locale=words.locale)


def in_the_middle(item: str) -> str:
    """An item as it reads inside a phrase: a capital that only starts the line goes ('A small pillow'
    -> 'a small pillow'); a first word in capitals ('NHS') or capitalised inside ('YouTube') keeps it.
    A name like 'Lego' cannot be told from a line's first word: write 'A Lego brick'."""
    first, space, rest = item.partition(" ")
    if first[:1].isupper() and first[1:] == first[1:].lower():
        return first[:1].lower() + first[1:] + space + rest
    return item


# --- the scripts' words ---------------------------------------------------------------------------

SCRIPT_KEYWORDS = ("_", "ngettext")
# A number of each plural category, enough for every language CLDR has (many: 1,000,000 in Spanish).
PLURAL_SAMPLES = (*range(0, 200), 1_000_000)


@lru_cache(maxsize=64)  # (every build asks for each script's: the preview, on every save)
def script_messages(source: bytes) -> tuple[str | tuple[str, str], ...]:
    """The messages a script marks for translation, in order: ``_("...")`` and
    ``ngettext("...", "...", n)``, found as ``make catalogs`` finds them (Babel's extractor)."""
    found: list[str | tuple[str, str]] = []
    for _line, keyword, message, _comments in extract_javascript(io.BytesIO(source), SCRIPT_KEYWORDS, [], {}):
        parts = (message,) if isinstance(message, str) else message
        marked = parts[0] if keyword == "_" else (parts[0], parts[1])
        if all(isinstance(part, str) for part in parts[:1 if keyword == "_" else 2]) and marked not in found:
            found.append(marked)
    return tuple(found)


def script_strings(messages: Iterable[str | tuple[str, str]], words: Wording) -> dict[str, Any]:
    """What static/js/ shows, in this language: message -> its translation, and for a plural message
    (singular, plural) -> {CLDR category: form}, the categories that ``Intl.PluralRules`` gives.
    Only what differs from the English source: English pages need none (the scripts hold it)."""
    found: dict[str, Any] = {}
    for message in messages:
        if isinstance(message, str):
            text: Any = words.translations.gettext(message)
            if text != message:
                found[message] = text
        elif any(words.translations.ngettext(*message, n) != message[n != 1] for n in PLURAL_SAMPLES):
            found[message[0]] = plural_forms(message, words)  # (the scripts' own: singular for 1 only)
    return found


def plural_forms(message: tuple[str, str], words: Wording) -> dict[str, str]:
    """Each plural category of the locale -> the catalog's form for a number of that category; a
    category whose form is other's is left out (the scripts take other's then: fewer bytes a page)."""
    rule = words.locale.plural_form
    forms: dict[str, str] = {}
    for n in PLURAL_SAMPLES:
        forms.setdefault(rule(n), words.translations.ngettext(*message, n))
    return {category: form for category, form in sorted(forms.items())
            if category == "other" or form != forms.get("other")}
