"""SiteConfig from site.yaml, validated with the same rules and messages as posts."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from . import schema as s
from .errors import Problem
from .frontmatter import Document, KeyPath, parse_yaml, read_text
from .model import ImageSettings, SiteConfig

CONFIG_NAME = "site.yaml"
IMAGE_FORMATS = ("avif", "webp")


def _language(value: Any, path: KeyPath, ctx: s.Ctx) -> Any:
    checked = s.text("a language code")(value, path, ctx)
    if checked is not s.INVALID and not re.fullmatch(r"[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*", checked):
        return ctx.error(path, f"'{checked}' is not a language code; use one such as en, en-GB or fr")
    return checked


def _base_url(value: Any, path: KeyPath, ctx: s.Ctx) -> Any:
    checked = s.url(value, path, ctx)
    return checked if checked is s.INVALID else normalise_base_url(checked)


def normalise_base_url(value: str) -> str:
    return value.rstrip("/") + "/"


def _format(value: Any, path: KeyPath, ctx: s.Ctx) -> Any:
    if value not in IMAGE_FORMATS:
        return ctx.error(path, f"'{value}' is not an image format the site can make; use avif and/or webp "
                         "(a JPEG or PNG fallback is always made)")
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


QUALITY = s.Field(s.whole_number(1, 100))
FIELDS: dict[str, s.Field] = {
    "title": s.Field(s.text("the guide's title"), required=True, hint="add 'title: Your guide's name'"),
    "description": s.Field(s.text("a one-sentence description"), required=True,
                           hint="add 'description:' with one sentence about the guide"),
    "base_url": s.Field(_base_url, required=True,
                        hint="add 'base_url: https://example.org/' (the address the guide is published at)"),
    "language": s.Field(_language),
    "author": s.Field(s.text("an author key from content/authors.yaml"), required=True,
                      hint="add 'author:' with the key of the default author in content/authors.yaml"),
    "disclaimer": s.Field(s.text("the medical disclaimer (Markdown)"), required=True,
                          hint="add 'disclaimer:' with the medical disclaimer every exercise page shows"),
    "affiliate_disclosure": s.Field(s.text("the affiliate disclosure (Markdown)")),
    "markdown": s.Field(s.record({"raw_html": s.Field(s.boolean)}, "Markdown settings")),
    "images": s.Field(s.record({
        "widths": s.Field(s.list_of(s.whole_number(16, 8000), "widths in pixels", 1)),
        "formats": s.Field(s.list_of(_format, "image formats")),
        "quality": s.Field(s.record({"avif": QUALITY, "webp": QUALITY, "jpeg": QUALITY}, "qualities")),
    }, "image settings", build=_images)),
    "page_size": s.Field(s.whole_number(1, 500)),
    "related_posts": s.Field(s.whole_number(0, 50)),
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
        return None, [Problem(CONFIG_NAME, 1, "", "site.yaml must be 'key: value' lines")]
    if base_url:
        data = data | {"base_url": base_url}
    values = s.check_fields(data, FIELDS, (), ctx)
    if values is s.INVALID:
        return None, ctx.problems
    markdown = values.pop("markdown", {})
    return SiteConfig(language=values.pop("language", "en"), markdown_raw_html=markdown.get("raw_html", False),
                      **values), []
