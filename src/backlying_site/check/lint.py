"""Warnings a careful editor would give: what `check` adds to build's errors (issue 7).

Nothing here stops a build. Each warning is a Problem with severity "warning" at
the line of the key it is about (the `alt:` line for alt text, the `image:` line
for a picture), and its message says what to change. `check --strict` turns
them into errors so CI can enforce them.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

import textstat
from babel.messages.extract import extract
from babel.messages.pofile import read_po

from ..load.config import CONFIG_NAME
from ..load.content import AUTHORS_FILE
from ..errors import Problem, quoted
from ..load.frontmatter import KeyPath, format_path, parse_yaml, read_text
from ..load.schema import youtube_video
from ..assets.images import ImagePlan
from ..render.markdown import MAX_LINKS_PER_TEXT, MarkdownRenderer
from ..model import ImageRef, LintSettings, Post, SiteConfig, Site
from ..load.theme import DEFAULT_THEME, LOCALE, catalog_files
from ..render.translations import MessageId, gaps


def lint_site(site: Site, plans: dict[Path, ImagePlan], settings: LintSettings, *,
              today: dt.date, originals: Iterable[Post] = ()) -> list[Problem]:
    """Every warning about the site's posts, sorted by file and line (links are the build's:
    render/links.py). ``originals``: the default language's posts, when ``site`` is another's."""
    renderers = markdown_renderers(site.config)
    problems: list[Problem] = []
    for post in site.posts:
        problems += lint_alt_text(post, settings)
        problems += lint_reading_level(post, settings, language=site.config.language)
        problems += lint_markup(post, renderers) + lint_crowded_paragraphs(post)
        problems += lint_markdown_surprises(post) + lint_html_as_text(post, site.config)
        problems += lint_review(post, settings, today)
        problems += lint_precautions(post) + lint_emergency_signs(post) + lint_summary(post, settings)
    problems += lint_images(site, plans, settings) + lint_site_markup(site, renderers[1])
    problems += lint_translations(site.posts, originals) + lint_catalogs(site)
    return sorted(set(problems))


def _warning(post: Post, path: KeyPath, message: str) -> Problem:
    return Problem(post.path, post.line_of(*path), format_path(path), message, severity="warning")


# Alt text ------------------------------------------------------------------

# Screen readers already say "image"; these openings repeat it and push the content back.
_REDUNDANT_OPENINGS = ("image of", "picture of", "photo of", "photograph of")


def lint_alt_text(post: Post, settings: LintSettings) -> list[Problem]:
    problems = []
    refs = [(("steps", i, "alt"), step.image) for i, step in enumerate(post.steps) if step.image]
    if ("hero",) in post.lines and post.hero:  # an implicit hero is a step's image, checked above
        refs.insert(0, (("hero", "alt"), post.hero))
    for path, ref in refs:
        message = alt_text_problem(ref, settings.min_alt_words)
        if message:
            problems.append(_warning(post, path, message))
    return problems + _duplicated_alts(post)


def alt_text_problem(ref: ImageRef, min_words: int) -> str | None:
    """Why this alt text does not help a parent who cannot see the picture, or None."""
    alt = " ".join(ref.alt.split())
    ask = "describe what the picture shows (who does what, and how), for a parent who cannot see it"
    if not alt:
        return f"is empty; {ask}"
    plain = alt.lower().rstrip(".")
    stem = ref.source.stem.lower()
    if plain in {ref.source.name.lower(), stem, re.sub(r"[-_]+", " ", stem), ref.rel.lower()}:
        return f"is the file name '{ref.source.name}'; {ask}"
    opening = next((o for o in _REDUNDANT_OPENINGS if plain.startswith(o + " ")), None)
    if opening:
        return (f"starts with '{alt[:len(opening)]}', which screen readers already say; "
                "start with what it shows, for example 'A parent holds the baby's hips ...'")
    words = len(re.findall(r"\w+", alt))
    if words < min_words:
        return f"has only {words} {'word' if words == 1 else 'words'}; {ask}, in at least {min_words} words"
    return None


def _duplicated_alts(post: Post) -> list[Problem]:
    problems = []
    first: dict[str, tuple[int, ImageRef]] = {}
    for i, step in enumerate(post.steps):
        if not step.image or not step.image.alt.strip():
            continue
        key = " ".join(step.image.alt.lower().split()).rstrip(".")
        if key not in first:
            first[key] = (i, step.image)
        elif first[key][1].source != step.image.source:  # the same picture may keep its words
            other = format_path(("steps", first[key][0], "alt"))
            problems.append(_warning(post, ("steps", i, "alt"), f"is the same as {other}; say what this "
                                     "step's picture shows that the other one does not"))
    return problems


# Reading level ----------------------------------------------------------------

@dataclass(frozen=True)
class Sentence:
    line: int
    text: str

    @property
    def words(self) -> int:
        return textstat.lexicon_count(self.text)


_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
# Reference definitions, rules, setext underlines and table delimiter rows carry no prose.
_SKIPPED_LINE = re.compile(r"^\s{0,3}(\[[^\]]+\]:\s|([-*_=]\s*){3,}$)|^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)+\|?\s*$")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s")
_BLOCK_START = re.compile(r"^\s{0,3}(#{1,6}\s|[-*+]\s|\d{1,9}[.)]\s)")
_BLOCK_MARK = re.compile(r"^\s{0,3}((>\s?)+|#{1,6}\s+|[-*+]\s+|\d{1,9}[.)]\s+)*")
_INLINE = [
    (re.compile(r"`([^`]*)`"), r"\1"),
    (re.compile(r"!\[[^\]]*\]\([^)]*\)"), ""),  # a picture's alt text is not part of the prose
    (re.compile(r"\[([^\]]*)\]\([^)]*\)"), r"\1"),
    (re.compile(r"\[([^\]]*)\]\[[^\]]*\]"), r"\1"),
    (re.compile(r"<[^>]*>"), ""),
    (re.compile(r"\{[:#.][^}]*\}"), ""),
    (re.compile(r"\s+#+\s*$"), ""),
    (re.compile(r"\*+|(?<!\w)_+|_+(?!\w)"), ""),
    (re.compile(r"\\(.)"), r"\1"),
    (re.compile(r"\|"), " "),
]
_SENTENCE = re.compile(r"\S.*?(?:[.!?]+[\"'”’)]*(?=\s)|$)", re.DOTALL)


def markdown_sentences(source: str, first_line: int, exact_lines: bool = True) -> list[Sentence]:
    """The prose of a Markdown text, sentence by sentence, each with the file line it starts on.

    A heading or list item is a sentence of its own even without a full stop; with
    ``exact_lines`` false (a YAML value) every sentence gets ``first_line``.
    """
    sentences: list[Sentence] = []
    for line, text in _prose_blocks(source):
        for match in _SENTENCE.finditer(text):
            offset = line + text.count("\n", 0, match.start())
            words = " ".join(match.group().split())
            sentences.append(Sentence(first_line + offset if exact_lines else first_line, words))
    return sentences


def _prose_blocks(source: str, strip: bool = True) -> Iterator[tuple[int, str]]:
    """(line offset, text) of each paragraph, heading and list item, Markdown marks removed
    (inline ones kept when not ``strip``)."""
    block: list[str] = []
    start, fenced = 0, False
    for offset, raw in enumerate(source.split("\n")):
        fence = bool(_FENCE.match(raw))
        fenced = fenced != fence
        ends = fence or fenced or not raw.strip() or _SKIPPED_LINE.match(raw) or _BLOCK_START.match(raw)
        if ends and block:
            yield start, "\n".join(block)
            block = []
        if fence or fenced or _SKIPPED_LINE.match(raw):
            continue
        text = _BLOCK_MARK.sub("", raw, count=1)
        text = (_strip_inline(text) if strip else text).strip()
        if text:
            start = start if block else offset
            block.append(text)
        if _HEADING.match(raw) and block:  # a heading never runs into the next line
            yield start, "\n".join(block)
            block = []
    if block:
        yield start, "\n".join(block)


def _strip_inline(text: str) -> str:
    for pattern, replacement in _INLINE:
        text = pattern.sub(replacement, text)
    return text


def post_sentences(post: Post) -> list[Sentence]:
    """What a parent reads as running text: the body, the steps and the note."""
    sentences = markdown_sentences(post.body, post.body_line)
    for i, step in enumerate(post.steps):
        sentences += markdown_sentences(step.text, post.line_of("steps", i, "text"), exact_lines=False)
    if post.note:
        sentences += markdown_sentences(post.note.body, post.line_of("note", "body"), exact_lines=False)
    return sentences


# A school-grade formula made for each language (textstat's): Flesch-Kincaid's syllable counts are
# English; Crawford's is Spanish's. A language without one is not graded.
GRADE_FORMULAS = {"en": ("Flesch-Kincaid", "flesch_kincaid_grade"), "es": ("Crawford", "crawford")}


def reading_grade(sentences: list[Sentence], language: str = "en") -> tuple[str, float] | None:
    """The school grade of the sentences (textstat), each ended so it counts as one, by the formula
    made for their language, with its name; None for a language without one."""
    formula = GRADE_FORMULAS.get(language.split("-")[0].lower())
    if formula is None:
        return None
    text = " ".join(s.text if s.text[-1] in ".!?" else s.text + "." for s in sentences)
    textstat.set_lang(language.split("-")[0].lower())  # its syllable counting
    try:
        return formula[0], getattr(textstat, formula[1])(text)
    finally:
        textstat.set_lang("en")


def lint_reading_level(post: Post, settings: LintSettings, longest: int = 2, language: str = "en") -> list[Problem]:
    sentences = post_sentences(post)
    graded = reading_grade(sentences, language) if sentences else None
    if graded is None or graded[1] <= settings.reading_grade:
        return []
    formula, grade = graded
    worst = sorted(sentences, key=lambda s: (-s.words, s.line))[:longest]
    longest_ones = "; ".join(f"line {s.line} ({s.words} words): \"{_shorten(s.text)}\"" for s in worst)
    message = (f"reads at school grade {grade:.1f} ({formula}); aim for grade {settings.reading_grade:g} "
               f"or below so every parent can follow it: use shorter sentences and everyday words. "
               f"Longest {'sentence' if len(worst) == 1 else 'sentences'}: {longest_ones}")
    where = post.body_line if post.body.strip() else post.line_of("steps")
    return [Problem(post.path, where, "", message, severity="warning")]


def _shorten(text: str, limit: int = 90) -> str:
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"


# Translations ---------------------------------------------------------------


def lint_translations(translations: Iterable[Post], originals: Iterable[Post]) -> list[Problem]:
    """A translation older than the last update of the post it translates."""
    by_name = {post.name: post for post in originals}
    problems = []
    for post in translations:
        original = by_name.get(post.name)
        if original is None or original.updated is None or post.lastmod >= original.updated:
            continue
        field = "updated" if post.updated else "date"
        problems.append(_warning(post, (field,), f"{original.path} was updated on {original.updated.isoformat()}, "
                                 f"after this translation ({post.lastmod.isoformat()}): bring its changes over, "
                                 f"then set 'updated: {original.updated.isoformat()}' here"))
    return problems


# Links ----------------------------------------------------------------------

_CODE_SPAN = re.compile(r"`[^`]*`")
# What the page leaves out: unsafe addresses and raw HTML (issue 18) ------------------------------

def markdown_renderers(config: SiteConfig) -> tuple[MarkdownRenderer, MarkdownRenderer]:
    """The renderers of bodies and of every other Markdown text, as render.Renderer sets them up."""
    body = MarkdownRenderer(config.markdown_raw_html)
    in_fields = config.markdown_raw_html and config.markdown_raw_html_in_fields
    return body, body if in_fields == config.markdown_raw_html else MarkdownRenderer(in_fields)


def post_markdown(post: Post) -> list[tuple[KeyPath, str]]:
    """Every Markdown text of a post but its body, with its key path."""
    texts: list[tuple[KeyPath, str]] = [(("steps", i, "text"), step.text) for i, step in enumerate(post.steps)]
    for name in ("benefits", "helps_with", "play_ideas", "precautions"):
        texts += [((name, i), item) for i, item in enumerate(getattr(post, name))]
    if post.note:
        texts.append((("note", "body"), post.note.body))
    if post.disclaimer:
        texts.append((("disclaimer",), post.disclaimer))
    return texts


def lint_markup(post: Post, renderers: tuple[MarkdownRenderer, MarkdownRenderer]) -> list[Problem]:
    """An address, attribute or raw HTML element the page drops, at the line that wrote it."""
    body, fields = renderers
    dropped = body.dropped(post.body)
    offsets = _offsets_of(post.body, [d.written for d in dropped])
    problems = [Problem(post.path, post.body_line + offset, "", d.message, severity="warning")
                for d, offset in zip(dropped, offsets)]
    for path, source in post_markdown(post):
        problems += [_warning(post, path, d.message) for d in fields.dropped(source)]
    return problems


def lint_site_markup(site: Site, renderer: MarkdownRenderer) -> list[Problem]:
    """The same for site.yaml's disclaimer and affiliate disclosure and the authors' bios."""
    texts = [(CONFIG_NAME, (name,), getattr(site.config, name)) for name in ("disclaimer", "affiliate_disclosure")]
    texts += [(AUTHORS_FILE, (key, "bio"), author.bio) for key, author in sorted(site.authors.items())]
    problems, lines = [], {}
    for rel, path, source in texts:
        for dropped in renderer.dropped(source) if source else []:
            if rel not in lines:
                lines[rel] = _yaml_lines(site.root / rel, rel)
            problems.append(Problem(rel, lines[rel].get(path, 0), format_path(path), dropped.message,
                                    severity="warning"))
    return problems


def _offsets_of(source: str, written: list[str]) -> list[int]:
    """The line offset in ``source`` of each text, in order, each found after the one before (the
    page drops them in the order they stand); 0 for a text the source spells otherwise."""
    lowered, offsets, at = source.lower(), [], 0
    for text in written:
        found = lowered.find(text.lower(), at)
        if found < 0:
            found = lowered.find(text.lower())
        offsets.append(source.count("\n", 0, found) if found >= 0 else 0)
        at = found + 1 if found >= 0 else at
    return offsets


def _yaml_lines(path: Path, rel: str) -> dict[KeyPath, int]:
    text, _ = read_text(path, rel)
    return parse_yaml(text, rel)[1] if text is not None else {}


# Past this many "[" a paragraph is a list in disguise; at markdown.MAX_LINKS_PER_TEXT it loses its links.
CROWDED_LINKS = 25


def lint_crowded_paragraphs(post: Post) -> list[Problem]:
    problems = []
    for offset, count in bracket_counts(post.body):
        if count > CROWDED_LINKS:
            problems.append(Problem(post.path, post.body_line + offset, "", _crowded(count), severity="warning"))
    for path, source in post_markdown(post):
        problems += [_warning(post, path, _crowded(count)) for _, count in bracket_counts(source)
                     if count > CROWDED_LINKS]
    return problems


def bracket_counts(source: str) -> list[tuple[int, int]]:
    """(line offset, number of "[") of each paragraph, list item or heading of a Markdown text."""
    if source.count("[") <= CROWDED_LINKS:  # no paragraph can have more than the whole
        return []
    return [(offset, text.count("[")) for offset, text in _prose_blocks(source, strip=False)]


def _crowded(count: int) -> str:
    message = (f"has {count} links (or '[') in one paragraph, more than a reader can follow; make them a "
               "list, one link per line starting with '- '")
    if count > MAX_LINKS_PER_TEXT:
        message += (f". Above {MAX_LINKS_PER_TEXT} a paragraph is shown as plain text, without its links "
                    "(Python-Markdown's time grows with links times length)")
    return message


# What Markdown makes of a text that its author most likely did not mean (issue 22) --------------

_TAB = 4  # Python-Markdown's tab length: a tab is four spaces, and four spaces make code
_ITEM = re.compile(r"^( *)([-*+]|\d{1,9}\.) +\S")
_ATX = re.compile(r"^(#{1,6})(?!#)")
_SETEXT = re.compile(r"^(=+|-+) *$")


@dataclass
class _Line:
    offset: int  # from the text's first line
    text: str  # tabs expanded, as Python-Markdown reads it
    tab: bool  # it was indented with a tab

    @property
    def indent(self) -> int:
        return len(self.text) - len(self.text.lstrip(" "))


def _blocks(source: str) -> list[list[_Line]]:
    """The text's blocks (lines between empty lines), as Python-Markdown splits them."""
    blocks: list[list[_Line]] = [[]]
    for offset, raw in enumerate(source.split("\n")):
        if not raw.strip():
            blocks.append([])
        elif _ATX.match(raw):  # a heading is a block of its own, and the lines after it another
            blocks += [[_Line(offset, raw, False)], []]
        else:
            blocks[-1].append(_Line(offset, raw.expandtabs(_TAB), "\t" in raw[:len(raw) - len(raw.lstrip())]))
    return [block for block in blocks if block]


def markdown_surprises(source: str, body: bool = False) -> list[tuple[int, str]]:
    """(line offset, message) for each place Python-Markdown turns into what its author most likely did
    not mean: an indented paragraph shown as code, a list run into the text above or broken by its
    indentation, a heading level skipped (from '#', the page's title, when ``body``)."""
    found: list[tuple[int, str]] = []
    in_list = code = False
    for block in _blocks(source):
        first = block[0]
        if first.indent >= _TAB and not in_list:
            if not code:
                found.append((first.offset, _code_message(first)))
            code = True
            continue
        code = False
        starts_list = bool(_ITEM.match(first.text))
        if not starts_list and 0 < first.indent < _TAB and in_list:
            found.append((first.offset, f"this paragraph is indented {_spaces(first.indent)} after a list, so the "
                          "page ends the list above it; indent it 4 spaces to keep it in the item above, or not "
                          "at all"))
        in_list = starts_list or (in_list and first.indent >= _TAB)
        found += _list_surprises(block) if starts_list else _text_then_list(block)
    return sorted(found + _skipped_headings(source, body))


def _code_message(line: _Line) -> str:
    start = "a tab" if line.tab else f"{line.indent} spaces"
    return (f"this paragraph starts with {start}, so the page shows it as code (in a box, in a typewriter font); "
            f"remove the {'tab' if line.tab else 'spaces'} at the start of its lines")


def _spaces(count: int) -> str:
    return f"{count} space{'s' if count != 1 else ''}"


def _list_surprises(block: list[_Line]) -> list[tuple[int, str]]:
    """In a list: an item indented a little (not the 4 spaces that put it under the item above), and
    an item of the other kind ('-' after '1.'), which is joined to the item above."""
    found: list[tuple[int, str]] = []
    last: tuple[int, bool] | None = None  # the indentation and kind (numbered?) of the item above
    for line in block:
        item = _ITEM.match(line.text)
        if not item:
            continue
        indent, numbered = len(item[1]), item[2][0].isdigit()
        if last is not None and 0 < indent - last[0] < _TAB:
            found.append((line.offset, f"this item is indented {_spaces(indent)} where the item above has "
                          f"{last[0]}, so the page shows it in the same list, not under that item; indent it 4 "
                          "spaces more than the item above to put it under it, or line it up with it"))
        elif last is not None and indent == last[0] and numbered != last[1]:
            found.append((line.offset, f"a {'numbered' if numbered else f'{item[2]!r}'} item right after "
                          f"{'numbered' if last[1] else 'bulleted'} ones is joined to the item above; use the "
                          "same kind of mark for every item, or leave an empty line between the two lists"))
        last = (indent, numbered)
    return found


def _text_then_list(block: list[_Line]) -> list[tuple[int, str]]:
    """A list begun on the line after a paragraph's text: Python-Markdown runs it into the paragraph."""
    for line in block[1:]:
        if _ITEM.match(line.text) and line.indent < _TAB:
            return [(line.offset, "this list starts on the line after the text above, so the page runs it "
                     "into that paragraph; leave an empty line before the list")]
    return []


def _skipped_headings(source: str, body: bool) -> list[tuple[int, str]]:
    """A heading more than one level below the one before it (screen readers list the headings to
    find their way). In a body '#' is the page's title, so its headings start at '##'."""
    found: list[tuple[int, str]] = []
    last = 1 if body else 0
    lines = source.split("\n")
    for offset, line in enumerate(lines):
        atx = _ATX.match(line)
        setext = offset and _SETEXT.match(line) and lines[offset - 1].strip() and not _ITEM.match(lines[offset - 1])
        level = len(atx[1]) if atx else (1 if line.startswith("=") else 2) if setext else 0
        if not level:
            continue
        level = max(level, 2) if body else level  # the page turns a body's '#' into '##'
        if last and level > last + 1:
            want = "#" * (last + 1)
            found.append((offset - (1 if setext and not atx else 0), f"a level-{level} heading ('{'#' * level}') "
                          f"after a level-{last} one{' (the title)' if last == 1 and body else ''} skips a level, "
                          f"which leaves screen-reader users wondering what they missed; make it '{want}'"))
        last = level
    return found


def lint_markdown_surprises(post: Post) -> list[Problem]:
    """markdown_surprises in the body (at its lines) and every Markdown field (at its key)."""
    problems = [Problem(post.path, post.body_line + offset, "", message, severity="warning")
                for offset, message in markdown_surprises(post.body, body=True)]
    for path, source in post_markdown(post):
        problems += [_warning(post, path, message) for _, message in markdown_surprises(source)]
    return problems


# Raw HTML a site shows as text (markdown: raw_html off): what to write instead, by element.
_HTML_ELEMENT = re.compile(r"<(?P<name>[a-zA-Z][a-zA-Z0-9]*)(?=[\s/>])[^>]*>?", re.DOTALL)
_ATTRIBUTE = r"""\b{}\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))"""
_INSTEAD = {
    "img": "write the picture in Markdown: ![{alt}]({src})",
    "a": "write the link in Markdown: [the words to click]({href})",
    "video": "put the video file in the post's folder and add it to the front matter: video: {{file: clip.mp4, "
             "title: What the video shows}}",
    "br": "for a new line, end the line before with a backslash (\\); for a new paragraph, leave an empty line",
    "b": "write **bold** in Markdown", "strong": "write **bold** in Markdown",
    "i": "write *italics* in Markdown", "em": "write *italics* in Markdown",
    "p": "leave an empty line between paragraphs instead", "div": "leave an empty line between paragraphs instead",
    "span": "write the text without it",
    "ul": "write a list in Markdown, one line per item starting with '- '", "li": "write a list in Markdown, one "
    "line per item starting with '- '", "ol": "write a numbered list in Markdown, one line per item: '1. ', '2. '",
    "h1": "write a heading in Markdown: a line starting with '## '",
    "table": "write a table in Markdown: a line per row, cells between '|'",
}
_HTML_NAMES = frozenset(_INSTEAD) | {"iframe", "embed", "object", "script", "style", "audio", "source", "figure",
                                     "figcaption", "blockquote", "code", "pre", "hr", "u", "s", "small", "sup",
                                     "sub", "tr", "td", "th", "thead", "tbody", "h2", "h3", "h4", "h5", "h6",
                                     "center", "font", "section", "article", "button", "form", "input", "svg"}


def html_as_text(source: str) -> list[tuple[int, str]]:
    """(line offset, message) for each HTML element in a Markdown text that shows as text (raw HTML off),
    outside code, saying what to write instead."""
    code = {offset for offset, message in markdown_surprises(source) if "as code" in message}
    code_lines = {line.offset for block in _blocks(source) for line in block if block[0].offset in code}
    masked = "\n".join(" " * len(line) if offset in code_lines else _CODE_SPAN.sub(lambda m: " " * len(m[0]), line)
                       for offset, line in enumerate(source.split("\n")))
    found: list[tuple[int, str]] = []
    for element in _HTML_ELEMENT.finditer(masked):
        name = element["name"].lower()
        if name in _HTML_NAMES:
            shown = f"<{name}{' ...' if element[0][len(name) + 1:].strip(' />') else ''}>"
            found.append((masked.count("\n", 0, element.start()), f"'{shown}' is HTML, which this site shows as "
                          f"text (site.yaml's markdown: raw_html is off); {_instead(name, element[0])}"))
    return found


def _instead(name: str, tag: str) -> str:
    found = {key: re.search(_ATTRIBUTE.format(key), tag, re.IGNORECASE) for key in ("src", "alt", "href")}
    attribute = {key: next((group for group in match.groups() if group), "") if match else ""
                 for key, match in found.items()}
    if name in ("iframe", "embed", "object"):
        video = youtube_video(attribute["src"]) if attribute["src"] else "no address"
        if not isinstance(video, str):
            address = f"https://youtu.be/{video[0]}" + (f"?t={video[1]}" if video[1] else "")
            return (f"delete it and give the video in the front matter: video: {{youtube: {address}, title: "
                    "What the video shows}")
        return f"delete it and link to the page instead: [what it shows]({attribute['src'] or 'https://...'})"
    if name in ("h2", "h3", "h4", "h5", "h6"):
        return f"write a heading in Markdown: a line starting with '{'#' * int(name[1])} '"
    if name in _INSTEAD:
        return _INSTEAD[name].format(alt=attribute["alt"] or "what the picture shows",
                                     src=attribute["src"] or "images/step-1.jpg",
                                     href=attribute["href"] or "https://...")
    return "write it in Markdown instead, or remove it"


def lint_html_as_text(post: Post, config: SiteConfig) -> list[Problem]:
    """html_as_text in the body (at its lines) and in the Markdown fields (at their keys), where the
    site shows raw HTML as text."""
    problems: list[Problem] = []
    if not config.markdown_raw_html:
        problems += [Problem(post.path, post.body_line + offset, "", message, severity="warning")
                     for offset, message in html_as_text(post.body)]
    if not (config.markdown_raw_html and config.markdown_raw_html_in_fields):
        for path, source in post_markdown(post):
            problems += [_warning(post, path, message) for _, message in html_as_text(source)]
    return problems


# Images ---------------------------------------------------------------------

def lint_images(site: Site, plans: dict[Path, ImagePlan], settings: LintSettings) -> list[Problem]:
    """Pictures too narrow for the widest size the site shows, or too heavy; once per file."""
    widest = max(site.config.images.widths)
    seen: set[Path] = set()
    problems = []
    for ref in sorted((ref for post in site.posts for ref in post.images), key=lambda r: (r.origin, r.line)):
        if ref.source in seen or ref.source not in plans:
            continue
        seen.add(ref.source)
        problems += [Problem(ref.origin, ref.line, ref.field, message, severity="warning")
                     for message in image_problems(ref, plans[ref.source], widest, settings.image_max_bytes)]
    return problems


def image_problems(ref: ImageRef, plan: ImagePlan, widest: int, max_bytes: int) -> list[str]:
    messages = []
    if plan.width < widest:
        messages.append(f"'{ref.rel}' is {plan.width} pixels wide, but the site shows pictures up to "
                        f"{widest} pixels wide, so it will look blurry on large screens; export it at least "
                        f"{widest} pixels wide")
    size = ref.source.stat().st_size
    if size > max_bytes:
        messages.append(f"'{ref.rel}' is {_size(size)}; keep each picture under {_size(max_bytes)} so the "
                        f"site's folder stays small: export it again at about {widest} pixels wide")
    return messages


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1_000_000 else f"{math.ceil(n / 1000)} KB"


# Review, precautions, summary -------------------------------------------------

def lint_review(post: Post, settings: LintSettings, today: dt.date) -> list[Problem]:
    review, limit = post.reviewed_by, settings.review_max_months
    if review is None:
        return [_warning(post, ("reviewed_by",), "no 'reviewed_by'; ask a physical therapist to check the "
                         "post, then add 'reviewed_by:' with their name, credentials and the date")]
    if review.date is None:
        return [_warning(post, ("reviewed_by", "date"), "the review has no date; add 'date: YYYY-MM-DD' "
                         f"under 'reviewed_by:' with the day {review.name} checked the post")]
    if add_months(review.date, limit) >= today:
        return []
    months = months_between(review.date, today)
    return [_warning(post, ("reviewed_by", "date"), f"the review is from {review.date.isoformat()}, "
                     f"{months} months ago; reviews should be at most {limit} months old: ask for a new "
                     "review, then update this date")]


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, or the month's last day (31 January + 1 month = 28 or 29 February)."""
    years, month0 = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month0 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def months_between(earlier: dt.date, later: dt.date) -> int:
    """Whole months from ``earlier`` to ``later``."""
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    return months - (1 if later.day < earlier.day else 0)


def lint_precautions(post: Post) -> list[Problem]:
    if post.precautions:
        return []
    return [_warning(post, ("precautions",), "no 'precautions'; list when a parent should stop or not do "
                     "this exercise, one line each starting with '- ' (for example '- Your baby is unwell "
                     "or very tired')")]


# Signs that need the emergency number now, not a call to the therapist later (issue 23): breathing,
# the colour of the lips or skin, choking, a seizure, a baby who does not respond. Whole words, in
# each language the guide ships in; a word for the sign, not every way of putting it.
EMERGENCY_WORDS = re.compile(
    r"\b(breath\w*|lips?|blue|pale|grey|gray|chok\w*|seizures?|fits?|convuls\w*|unresponsive|floppy|"
    r"respira\w*|labios?|azul(?:es|ada|ado)?|p[áa]lid[oa]s?|atragant\w*|ahog\w*|convulsi\w*|no responde)\b",
    re.IGNORECASE)


def lint_emergency_signs(post: Post) -> list[Problem]:
    """A precaution that describes an emergency ("their lips turn blue") under "stop, and call your
    therapist": it belongs in 'emergency_signs', which tells the parent to call the emergency number."""
    problems = []
    for number, text in enumerate(post.precautions):
        found = EMERGENCY_WORDS.search(text)
        if found:
            problems.append(_warning(post, ("precautions", number), f"mentions {quoted(found.group(0))}: a sign "
                                     "like this is an emergency, not a reason to call the therapist later; move "
                                     "it to 'emergency_signs:', whose box says to call the emergency number now"))
    return problems


def lint_summary(post: Post, settings: LintSettings) -> list[Problem]:
    length, limit = len(post.summary), settings.summary_max
    if length <= limit:
        return []
    return [_warning(post, ("summary",), f"is {length} characters long; search results show about {limit}: "
                     f"shorten it to one sentence of at most {limit} characters")]


# The interface's words (issue 21) --------------------------------------------------------------

def lint_catalogs(site: Site) -> list[Problem]:
    """Each message of the interface that the language's catalogs leave empty or out (its pages show
    it in English), and each fuzzy entry (never used). English, the templates' own, needs no catalog."""
    code = site.config.language
    catalogs, _ = catalog_files(site.root)  # (a link out of the site is refused by the build already)
    found = gaps(code, catalogs, interface_messages(site.root), source=code.split("-")[0].lower() == "en")
    if found and not found[0].origin:
        lines = _yaml_lines(site.root / CONFIG_NAME, CONFIG_NAME)
        return [Problem(CONFIG_NAME, lines.get(("languages", code)) or lines.get(("language",), 0),
                        "", f"'{code}' has no catalog of the interface's words, so its pages show them in "
                        f"English; add locale/{code}/LC_MESSAGES/messages.po (docs/themes.md, 'Translating the "
                        "theme')", severity="warning")]
    return [Problem(gap.origin, gap.line, "", catalog_message(gap.message, gap.fuzzy), severity="warning")
            for gap in found]


def catalog_message(message: MessageId, fuzzy: bool) -> str:
    shown = quoted(message if isinstance(message, str) else message[0])
    if fuzzy:
        return (f"{shown} is marked fuzzy (its English changed), so its pages do not use this translation; "
                "check it, then remove the 'fuzzy' flag")
    return f"{shown} has no translation (or misses a plural form), so its pages show the English; translate it " \
           "('make catalogs' adds the messages a catalog lacks)"


def interface_messages(root: Path) -> list[MessageId]:
    """Every message the pages may show: the default theme's (its messages.pot, written by 'make
    catalogs'), then those of the site's own templates and scripts."""
    with open(LOCALE / "messages.pot", "rb") as pot:
        found = [message.id for message in read_po(pot) if message.id]
    for folder in (root / "templates", root / "static"):
        if not folder.is_dir() or folder.resolve() == (DEFAULT_THEME / folder.name).resolve():
            continue  # the default theme's own: in messages.pot
        for path in sorted(folder.rglob("*")):
            method = EXTRACTORS.get(path.suffix)
            if method is not None and path.is_file():
                with open(path, "rb") as source:
                    found += [message for _, message, _, _ in extract(method[0], source, options=method[1])]
    return list(dict.fromkeys(found))


# What 'make catalogs' runs on each kind of file (babel.cfg), with render/environment.py's settings.
_TEMPLATES = ("jinja2.ext:babel_extract", {"extensions": "jinja2.ext.i18n", "trim_blocks": "True",
                                           "lstrip_blocks": "True"})
EXTRACTORS = {".html": _TEMPLATES, ".xml": _TEMPLATES, ".js": ("javascript", {})}
