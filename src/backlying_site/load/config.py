"""SiteConfig from site.yaml, validated with the same rules and messages as posts."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from ..errors import Problem, quoted
from ..model import ImageSettings, LanguageSettings, LintSettings, SiteConfig
from . import schema as s
from .frontmatter import Document, KeyPath, parse_yaml, read_text

CONFIG_NAME = "site.yaml"
IMAGE_FORMATS = ("avif", "webp")


def _language(value: Any, path: KeyPath, ctx: s.Ctx) -> Any:
    checked = s.text("a language code")(value, path, ctx)
    if checked is not s.INVALID and not re.fullmatch(r"[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*", checked):
        return ctx.error(path, f"{quoted(checked)} is not a language code; use one such as en, en-GB or fr")
    return checked


def _base_url(value: Any, path: KeyPath, ctx: s.Ctx) -> Any:
    given = s.text("a web address")(value, path, ctx)
    if given is s.INVALID:
        return given
    problem = base_url_problem(given) if given.lower().startswith(("http://", "https://")) else None
    if problem:
        return ctx.error(path, f"{quoted(given)} {problem}")
    checked = s.url(value, path, ctx)
    return checked if checked is s.INVALID else normalise_base_url(checked)


def base_url_problem(value: str) -> str | None:
    """Why ``value`` cannot be the address every link is built on, or None. Judged on its parts as
    a browser splits them: a backslash is a '/' to a browser, so '/\\evil.example/' names another host."""
    if "\\" in value:
        return ("has a backslash in it, which browsers read as '/' (links could then load from another "
                "site); use '/' only, such as https://example.org/guide/")
    if any(char.isspace() or not char.isprintable() for char in value):
        return "has a space or an invisible character in it; write the address without them"
    try:
        parts = urlsplit(value)
    except ValueError:  # a '[' or ']' that does not hold an IPv6 host, such as a placeholder left in
        return ("has '[' or ']' in it that browsers cannot read (a placeholder such as [username] left "
                "in?); write the real address, such as https://example.org/guide/")
    if "@" in parts.netloc:
        return ("has a user name or password in it, which every page would publish; give the address "
                "without them, such as https://example.org/guide/")
    if parts.query or parts.fragment or "?" in value or "#" in value:
        return ("has a '?' or '#' part; give only the address the guide is published at, such as "
                "https://example.org/guide/")
    try:
        port = parts.port
    except ValueError:
        port = -1
    if port == -1 or not _HOST.fullmatch(parts.hostname or ""):
        return "does not name a host (and optional port) that a browser can reach; write it like https://example.org/"
    if any(unquote(part) in (".", "..") for part in parts.path.split("/")):
        return ("has '.' or '..' in it; write the address the guide is published at in full, such as "
                "https://example.org/guide/")
    return None


# A DNS name (labels of letters, digits and inner hyphens, in any script) or an IPv6 literal's inside.
_LABEL = r"[^\W_](?:[\w-]{0,61}[^\W_])?"
_HOST = re.compile(rf"{_LABEL}(?:\.{_LABEL})*\.?|[0-9a-f:.]+")


def normalise_base_url(value: str) -> str:
    """The address rebuilt from its parts: scheme and host in lower case, one slash between path
    segments and one at the end ('https://Example.org//guide' -> 'https://example.org/guide/'). A
    doubled slash at the start of the path would make every link point at another host."""
    parts = urlsplit(value)
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    port = f":{parts.port}" if parts.port is not None else ""
    segments = [part for part in parts.path.split("/") if part]
    return f"{parts.scheme.lower()}://{host}{port}/" + "".join(f"{part}/" for part in segments)


def _format(value: Any, path: KeyPath, ctx: s.Ctx) -> Any:
    if value not in IMAGE_FORMATS:
        return ctx.error(path, f"{quoted(value)} is not an image format the site can make; use avif and/or "
                         "webp (a JPEG or PNG fallback is always made)")
    return value


def _images(path: KeyPath, ctx: s.Ctx, widths: tuple[int, ...] = (), formats: tuple[str, ...] = (),
            quality: dict[str, int] | None = None) -> ImageSettings:
    default = ImageSettings()
    merged = dict(default.quality) | (quality or {})
    return ImageSettings(
        widths=tuple(sorted(set(widths))) if widths else default.widths,
        formats=tuple(dict.fromkeys(formats)) if formats else default.formats,
        quality=tuple(sorted(merged.items())),
    )


def _grade(value: Any, path: KeyPath, ctx: s.Ctx) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 1 <= value <= 20:
        return ctx.error(path, "expected a school grade from 1 to 20, such as 8 or 8.5")
    return float(value)


def _age_band(value: Any, path: KeyPath, ctx: s.Ctx) -> Any:
    match = re.fullmatch(r"\s*(\d{1,3})\s*[-–]\s*(\d{1,3})\s*", str(value)) if isinstance(value, str) else None
    if match is None or int(match[1]) >= int(match[2]):
        return ctx.error(path, f"{quoted(str(value))} is not an age band; write the months it spans, "
                         "smaller first, such as 0-3 or 12-24")
    return int(match[1]), int(match[2])


def _age_bands(value: Any, path: KeyPath, ctx: s.Ctx) -> Any:
    bands = s.list_of(_age_band, "age bands in months, such as 0-3", 1)(value, path, ctx)
    if bands is s.INVALID:
        return bands
    for i, (before, band) in enumerate(zip(bands, bands[1:]), start=1):
        if band[0] < before[1]:
            return ctx.error(path + (i,), f"{band[0]}-{band[1]} overlaps or comes before "
                             f"{before[0]}-{before[1]}; list the bands youngest first, without overlaps")
    return bands


LANGUAGE_FIELDS: dict[str, s.Field] = {
    "title": s.Field(s.short_text("the guide's title in this language", s.TITLE_MAX, "a title may have")),
    "description": s.Field(s.text("a one-sentence description in this language")),
    "disclaimer": s.Field(s.text("the medical disclaimer in this language (Markdown)")),
    "affiliate_disclosure": s.Field(s.text("the affiliate disclosure in this language (Markdown)")),
    "emergency_number": s.Field(s.text("the emergency number, as people there say it")),
}


def _languages(value: Any, path: KeyPath, ctx: s.Ctx) -> Any:
    """``languages: [en, es]``, or a mapping of each code to its own title, description, disclaimer and
    affiliate disclosure. The first is the default language, at the site's root."""
    if isinstance(value, list):
        value = {code: None for code in value} if all(isinstance(code, str) for code in value) else value
    if not isinstance(value, dict) or not value:
        return ctx.error(path, "list the site's languages, the default first, such as 'languages: [en, es]', "
                         "or give each one its words below it ('es:' then an indented 'title: ...')")
    found: list[LanguageSettings] = []
    for code, words in value.items():
        checked = _language(code, path + (code,), ctx)
        settings = s.record(LANGUAGE_FIELDS, "the language's words")(words or {}, path + (code,), ctx)
        if checked is s.INVALID or settings is s.INVALID:
            return s.INVALID
        if checked.lower() in [setting.code.lower() for setting in found]:
            return ctx.error(path + (code,), f"{quoted(code)} is listed twice; list each language once")
        found.append(LanguageSettings(checked, **settings))
    return tuple(found)


def _markdown(path: KeyPath, ctx: s.Ctx, raw_html: bool = False, raw_html_in_fields: bool = False) -> Any:
    # Two settings, not one: a site that lets its posts' bodies hold HTML has not said its
    # front-matter values (often pasted from elsewhere) may (issue 18).
    if raw_html_in_fields and not raw_html:
        return ctx.error(path + ("raw_html_in_fields",), "needs 'raw_html: true' too; raw HTML in front-matter "
                         "fields is allowed only where it is allowed in bodies")
    return {"raw_html": raw_html, "raw_html_in_fields": raw_html_in_fields}


QUALITY = s.Field(s.whole_number(1, 100))
CHECK_FIELDS: dict[str, s.Field] = {
    "reading_grade": s.Field(_grade),
    "review_max_months": s.Field(s.whole_number(1, 240)),
    "summary_max": s.Field(s.whole_number(20, 1000)),
    "image_max_bytes": s.Field(s.whole_number(10_000, 1_000_000_000)),
    "min_alt_words": s.Field(s.whole_number(1, 50)),
}
FIELDS: dict[str, s.Field] = {
    "title": s.Field(s.short_text("the guide's title", s.TITLE_MAX,
                                  "a title may have: it is the guide's name at the top of every page and on "
                                  "every share image; keep it to the name and put the rest in 'description:'"),
                     required=True, hint="add 'title: Your guide's name'"),
    "description": s.Field(s.text("a one-sentence description"), required=True,
                           hint="add 'description:' with one sentence about the guide"),
    "base_url": s.Field(_base_url, required=True,
                        hint="add 'base_url: https://example.org/' (the address the guide is published at)"),
    "language": s.Field(_language),
    "languages": s.Field(_languages),
    "author": s.Field(s.text("an author key from content/authors.yaml"), required=True,
                      hint="add 'author:' with the key of the default author in content/authors.yaml"),
    "disclaimer": s.Field(s.text("the medical disclaimer (Markdown)"), required=True,
                          hint="add 'disclaimer:' with the medical disclaimer every exercise page shows"),
    "affiliate_disclosure": s.Field(s.text("the affiliate disclosure (Markdown)")),
    "emergency_number": s.Field(s.text("the emergency number, such as 911, or 999 or 112")),
    "markdown": s.Field(s.record({"raw_html": s.Field(s.boolean), "raw_html_in_fields": s.Field(s.boolean)},
                                 "Markdown settings", build=_markdown)),
    "images": s.Field(s.record({
        "widths": s.Field(s.list_of(s.whole_number(16, 8000), "widths in pixels", 1)),
        "formats": s.Field(s.list_of(_format, "image formats")),
        "quality": s.Field(s.record({"avif": QUALITY, "webp": QUALITY, "jpeg": QUALITY}, "qualities")),
    }, "image settings", build=_images)),
    "check": s.Field(s.record(CHECK_FIELDS, "check settings",
                              build=lambda path, ctx, **values: LintSettings(**values))),
    "page_size": s.Field(s.whole_number(1, 500)),
    "related_posts": s.Field(s.whole_number(0, 50)),
    "search": s.Field(s.boolean),
    "share_images": s.Field(s.boolean),
    "offline": s.Field(s.boolean),
    "age_bands": s.Field(_age_bands),
}


def load_config(root: Path, base_url: str | None = None) -> tuple[SiteConfig | None, list[Problem]]:
    """Read and validate ``site.yaml``; ``base_url`` (from --base-url) overrides the file's."""
    path = root / CONFIG_NAME
    if not path.is_file():
        return None, [Problem(CONFIG_NAME, 0, "", f"not found in {root}; a site folder needs a site.yaml "
                              "(see the README, or pass --source with the site's folder)")]
    text, problems = read_text(path, CONFIG_NAME)
    if text is None:
        return None, problems
    data, lines, problems = parse_yaml(text, CONFIG_NAME)
    if problems:
        return None, problems
    doc = Document(data if isinstance(data, dict) else {}, lines, "", 0)
    ctx = s.Ctx(doc, CONFIG_NAME, root, root)
    if not isinstance(data, dict):
        return None, [Problem(CONFIG_NAME, lines.get((), 1), "", "site.yaml must be 'key: value' lines, "
                              "like 'title: Little Movers', not a list or a single value")]
    if base_url:
        data = data | {"base_url": base_url}
    values = s.check_fields(data, FIELDS, (), ctx)
    if values is s.INVALID:
        return None, ctx.problems
    markdown = values.pop("markdown", {})
    languages = values.pop("languages", ())
    if languages and "language" in values:
        return None, [Problem(CONFIG_NAME, lines.get(("language",), 0), "language", "give either 'language:' (a "
                              "site in one language) or 'languages:' (the first is the default), not both")]
    language = languages[0].code if languages else values.pop("language", "en")
    return SiteConfig(language=language, languages=languages, markdown_raw_html=markdown.get("raw_html", False),
                      markdown_raw_html_in_fields=markdown.get("raw_html_in_fields", False),
                      **values), []
