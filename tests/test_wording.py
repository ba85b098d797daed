"""The interface's words in the page's language (issue 21): plural forms through the catalogs, dates,
numbers and lists by Babel for the locale, the scripts' words, and catalogs that ship complete and
up to date with the templates, scripts and Python that mark them."""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
import sys
from pathlib import Path

import jinja2
import pytest
from markupsafe import Markup
from babel.messages.pofile import read_po

from backlying_site.load.theme import LOCALE, catalog_files
from backlying_site.model import AgeRange, Dosage
from backlying_site.render.environment import make_environment
from backlying_site.render.translations import gaps, translations
from backlying_site.render.wording import (Wording, age_label, daily_minutes, dosage_phrase, join_list,
                                           script_messages, script_strings, times_a_day, wording)
from conftest import REPO

POT = LOCALE / "messages.pot"


def words(code: str) -> Wording:
    """The package's own catalogs for ``code``, as a site without a locale/ folder gets them."""
    catalogs, _ = catalog_files(Path("/nonexistent-site"))
    return wording(code, translations(code, catalogs))


def pot_messages() -> list:
    with open(POT, "rb") as pot:
        return [message.id for message in read_po(pot) if message.id]


# --- plural forms ---------------------------------------------------------------------------------

@pytest.mark.parametrize("code, n, expected", [
    ("en", 1, "once a day"), ("en", 2, "twice a day"), ("en", 3, "three times a day"), ("en", 4, "4 times a day"),
    ("es", 1, "una vez al día"), ("es", 2, "dos veces al día"), ("es", 3, "3 veces al día"),
    ("es", 4, "4 veces al día"),
])
def test_times_a_day_in_words(code: str, n: int, expected: str) -> None:
    assert times_a_day(n, words(code)) == expected


@pytest.mark.parametrize("code, minutes, expected", [
    ("en", 1, "1 minute"), ("en", 3, "3 minutes"),
    ("es", 1, "1 minuto"), ("es", 3, "3 minutos"),
    ("es", 1_000_000, "1.000.000 minutos"),  # CLDR's third Spanish form, 'many', filled too
])
def test_minutes_take_the_languages_plural_form(code: str, minutes: int, expected: str) -> None:
    assert dosage_phrase(Dosage(minutes=minutes), words(code)) == expected


@pytest.mark.parametrize("code, expected", [
    ("en", "3 minutes, 4 times, hold 10 seconds, twice a day, 5 days a week"),
    ("es", "3 minutos, 4 repeticiones, mantenga la posición 10 segundos, dos veces al día, 5 días a la semana"),
])
def test_a_whole_dosage_reads_as_one_sentence(code: str, expected: str) -> None:
    dosage = Dosage(minutes=3, times_per_day=2, days_per_week=5, reps=4, hold_seconds=10)
    assert dosage_phrase(dosage, words(code)) == expected


def test_every_day_is_said_so() -> None:
    assert dosage_phrase(Dosage(days_per_week=7), words("es")) == "todos los días"
    assert dosage_phrase(Dosage(days_per_week=1), words("es")) == "1 día a la semana"


@pytest.mark.parametrize("code, age, expected", [
    ("en", AgeRange(3, 9, corrected=True), "3–9 months (corrected age)"),
    ("en", AgeRange(from_months=1), "from 1 month"),
    ("en", AgeRange(to_months=12), "up to 12 months"),
    ("es", AgeRange(3, 9, corrected=True), "3–9 meses (edad corregida)"),
    ("es", AgeRange(from_months=1), "desde 1 mes"),
    ("es", AgeRange(from_months=4), "desde los 4 meses"),
    ("es", AgeRange(to_months=12), "hasta los 12 meses"),
    ("es", AgeRange(), ""),
])
def test_age_ranges_in_words(code: str, age: AgeRange, expected: str) -> None:
    assert age_label(age, words(code)) == expected


@pytest.mark.parametrize("code, dosage, expected", [
    ("en", Dosage(minutes=3, times_per_day=2), "6 minutes a day (2 × 3)"),
    ("en", Dosage(minutes=1), "1 minute a day"),
    ("es", Dosage(minutes=3, times_per_day=2), "6 minutos al día (2 × 3)"),
    ("es", Dosage(minutes=1), "1 minuto al día"),
    ("es", Dosage(times_per_day=2), ""),
])
def test_a_cards_daily_time(code: str, dosage: Dosage, expected: str) -> None:
    assert daily_minutes(dosage, words(code)) == expected


# --- dates, numbers, lists: Babel's locale data ------------------------------------------------------

@pytest.mark.parametrize("code, expected", [
    ("es", "20 de noviembre de 2026"), ("en-GB", "20 November 2026"), ("en", "November 20, 2026"),
])
def test_dates_are_written_the_locales_way(code: str, expected: str) -> None:
    env = make_environment([], {}, words(code))
    assert env.filters["date_long"](dt.date(2026, 11, 20)) == expected


@pytest.mark.parametrize("code, items, expected", [
    ("es", ["una almohada", "una toalla"], "una almohada y una toalla"),
    ("es", ["una colchoneta", "una almohada", "una toalla"], "una colchoneta, una almohada y una toalla"),
    ("en", ["A mat", "A pillow"], "A mat, a pillow"),
    ("fr", ["a", "b", "c"], "a, b et c"),  # no narrow list in Babel's French: the standard one
])
def test_lists_are_joined_the_locales_way(code: str, items: list[str], expected: str) -> None:
    assert join_list(items, words(code)) == expected


@pytest.mark.parametrize("code, items, expected", [
    # Issue 23: the guide's equipment read "...a bed), A small pillow" in the middle of a phrase.
    ("en", ["A firm surface (the floor or a bed)", "A small pillow or folded towel"],
     "A firm surface (the floor or a bed), a small pillow or folded towel"),
    ("es", ["Una superficie firme (el suelo o una cama)", "Una almohada pequeña"],
     "Una superficie firme (el suelo o una cama) y una almohada pequeña"),
    # A first word in capitals or capitalised inside is a name or an abbreviation: it keeps them.
    ("en", ["A mat", "NHS leaflet", "YouTube video", "Blanket"], "A mat, NHS leaflet, YouTube video, blanket"),
])
def test_a_list_item_after_the_first_starts_in_lower_case_unless_it_is_a_name(code: str, items: list[str],
                                                                              expected: str) -> None:
    assert join_list(items, words(code)) == expected


@pytest.mark.parametrize("code, expected", [("es", "1.234.567"), ("en", "1,234,567")])
def test_numbers_are_written_the_locales_way(code: str, expected: str) -> None:
    assert words(code).number(1234567) == expected


def test_a_code_cldr_does_not_know_reads_as_english() -> None:
    assert times_a_day(2, wording("x-klingon")) == "twice a day"


# --- the scripts' words -------------------------------------------------------------------------------

SITE_JS = (REPO / "static/js/site.js").read_bytes()


def test_the_scripts_marked_messages_are_found_as_make_catalogs_finds_them() -> None:
    found = script_messages(SITE_JS)
    assert "Not done yet today." in found
    assert ("%(num)s session", "%(num)s sessions") in found
    assert set(found) <= set(pot_messages())


def test_an_english_page_carries_no_words_for_its_scripts() -> None:
    assert script_strings(script_messages(SITE_JS), words("en")) == {}


def test_a_spanish_page_carries_each_plural_category_intl_names() -> None:
    strings = script_strings(script_messages(SITE_JS), words("es"))
    assert strings["Not done yet today."] == "Todavía no lo ha hecho hoy."
    # 'many' (1,000,000) is other's form here, so left to the script's fallback to other
    assert strings["%(num)s session"] == {"one": "%(num)s sesión", "other": "%(num)s sesiones"}
    assert set(strings) <= set(found if isinstance(found, str) else found[0] for found in script_messages(SITE_JS))


# --- the catalogs ---------------------------------------------------------------------------------------

def test_the_catalogs_ship_complete() -> None:
    catalogs, _ = catalog_files(Path("/nonexistent-site"))
    assert gaps("es", catalogs, pot_messages()) == []
    assert gaps("en", catalogs, pot_messages(), source=True) == []
    english = {message.id: message.string for message in read_po(io.BytesIO(catalogs["en"][0][1])) if message.id}
    assert all(string == message or string == tuple(message) for message, string in english.items())


@pytest.mark.parametrize("code", ["en", "es"])
def test_every_translation_keeps_its_placeholders(code: str) -> None:
    with open(LOCALE / code / "LC_MESSAGES/messages.po", "rb") as po:
        catalog = read_po(po, locale=code)
    assert [(message.id, errors) for message, errors in catalog.check()] == []


def test_messages_pot_is_up_to_date_with_the_sources(tmp_path: Path) -> None:
    """`make catalogs` was run after the last change to a marked message (its extraction, here)."""
    fresh = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "--quiet", "extract", "--mapping-file",
                    "babel.cfg", "--ignore-dirs", ".* ._ node_modules public tests benchmarks", "--output-file",
                    str(fresh), "."], cwd=REPO, check=True)
    with open(fresh, "rb") as pot:
        assert [message.id for message in read_po(pot) if message.id] == pot_messages()


# --- messages made once per environment (render/environment.keep_messages) ---------------------------

def _stock_environment(code: str) -> jinja2.Environment:
    env = jinja2.Environment(autoescape=True, extensions=["jinja2.ext.i18n"])
    env.install_gettext_translations(words(code).translations, newstyle=True)  # type: ignore[attr-defined]
    return env


@pytest.mark.parametrize("code", ["en", "es"])
def test_every_message_reads_as_jinjas_own_gettext_gives_it(code: str) -> None:
    """Each message with no placeholder, through `_()`, `gettext()` and `{% trans %}`, escaped or not,
    asked twice (the second time from what was kept): what stock Jinja gives."""
    ours, stock = make_environment([], {}, words(code)), _stock_environment(code)
    messages = [message for message in pot_messages() if isinstance(message, str) and "%(" not in message]
    assert len(messages) > 50
    for message in messages:
        for source in ["{{ _(m) }}|{{ _(m) }}", "{{ gettext(m) }}", "{% autoescape false %}{{ _(m) }}{% endautoescape %}",
                       "{{ _(m) ~ '<' }}", "{% autoescape false %}{{ _(m) ~ '<' }}{% endautoescape %}",
                       "{% autoescape false %}{{ _(m) | e }}{% endautoescape %}|{{ _(m) | e }}"]:
            assert ours.from_string(source).render(m=message) == stock.from_string(source).render(m=message), source
    trans = "{% trans %}Steps{% endtrans %}|{% trans n=3 %}%(n)s & more{% endtrans %}|{{ _('Age') }}"
    assert ours.from_string(trans).render() == stock.from_string(trans).render()


@pytest.mark.parametrize("code", ["en", "es"])
def test_every_message_with_values_reads_as_jinjas_own_gettext_gives_it(code: str) -> None:
    """Each message with placeholders, given text, markup and numbers for them, escaped or not, asked
    again with the same values and then with others of the same text but another type: what stock
    Jinja gives each time."""
    ours, stock = make_environment([], {}, words(code)), _stock_environment(code)
    messages = [message for message in pot_messages() if isinstance(message, str) and "%(" in message]
    assert len(messages) > 10
    for message in messages:
        names = re.findall(r"%\((\w+)\)s", message)
        for value in ["<b>&", Markup("<b>&"), Markup("<b>&amp;</b>"), 7, "7", True, 2.5, None]:
            values = {name: value for name in names}
            for source in ["{{ _(m, **v) }}|{{ _(m, **v) }}|{{ gettext(m, **v) }}",
                           "{% autoescape false %}{{ _(m, **v) }}|{{ _(m, **v) }}{% endautoescape %}"]:
                assert ours.from_string(source).render(m=message, v=values) == \
                    stock.from_string(source).render(m=message, v=values), (message, value, source)


def test_a_messages_values_are_escaped_and_a_templates_own_gettext_is_used() -> None:
    env = make_environment([], {}, words("es"))
    assert env.from_string("{{ _('Video: %(title)s', title='<b>') }}").render() == "Video: &lt;b&gt;"
    own = "{% set gettext = upper %}{{ _('steps') }}"
    env.globals["upper"] = str.upper
    assert env.from_string(own).render() == "STEPS"
    assert env.from_string("{{ _('Steps') }}").render() == "Pasos"
