"""The package's layout (issue 20): imports point down the pipeline, never round in a circle, and the
content model says what each of a post's fields is for.

The pipeline is load -> assets -> render -> output; the commands (build, then serve, new and the
CLI) sit on top, and incremental (what a build may reuse) is asked by the commands alone. The
imports are read from the source with ``ast``, all of them: absolute and relative, inside functions,
and under ``if TYPE_CHECKING:``.
"""

from __future__ import annotations

import ast
import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from backlying_site import model
from backlying_site.model import (AgeRange, Credit, Dosage, ImageRef, Lines, Note, Post, Review, Role, Source, Step,
                                  Video, fields_with, page_digest)

PACKAGE = Path(model.__file__).parent
STAGES = {"errors", "model", "parallel", "load", "assets", "render", "output", "check", "incremental"}

# What each part of the package (a folder, or a module at its top) may import of the package.
MAY_IMPORT: dict[str, set[str]] = {
    "errors": set(),  # errors and model are what everything stands on: they stand on nothing
    "model": set(),  # frozen dataclasses only
    "parallel": set(),
    "load": {"errors", "model"},
    "assets": {"errors", "model", "parallel"},
    "render": {"errors", "model", "load", "assets"},  # (load: the theme's templates it renders with)
    "output": {"errors", "model", "parallel"},
    "check": {"errors", "model", "load", "assets", "render"},
    "incremental": {"errors", "model", "output"},
    "build": STAGES,
    "serve": STAGES | {"build"},
    "scaffold": {"errors", "model", "load"},  # `new`: a command, writes a post from the schema
    "cli": STAGES | {"build", "serve", "scaffold", "__init__"},  # (__init__: the version)
    "__main__": {"cli"},
    "__init__": set(),
}

# Known, and wanted gone (each is a test below, expected to fail until it is: strict, so a fix shows).
KNOWN_FORBIDDEN: set[tuple[str, str]] = set()  # an exception the code has not mended yet, if ever one is needed
KNOWN_CYCLES: set[tuple[str, ...]] = set()


# --- reading the imports ------------------------------------------------------------------------------


def module_name(path: Path) -> str:
    parts = ("backlying_site", *path.relative_to(PACKAGE).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def package_modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imported(name: str, path: Path, modules: set[str]) -> set[str]:
    """The package's modules that ``name`` imports, wherever the import statement is.
    A type-only import counts: the module is written against those types, only the import comes later."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            base = ".".join(filter(None, [base, node.module]))
            # `from . import parallel` imports a module; `from .errors import Problem`, a name of one
            found |= {f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names}
    return found & modules


def import_graph() -> dict[str, set[str]]:
    modules = package_modules()
    return {name: imported(name, path, set(modules)) for name, path in modules.items()}


def part(module: str) -> str:
    return (module.split(".") + ["__init__"])[1]


def forbidden_imports(graph: dict[str, set[str]]) -> set[tuple[str, str]]:
    return {(name, target) for name, targets in graph.items() for target in targets
            if part(target) != part(name) and part(target) not in MAY_IMPORT.get(part(name), set())}


def cycles(graph: dict[str, set[str]]) -> set[tuple[str, ...]]:
    """Each group of modules that import one another, round a circle (sorted), and each module that
    imports itself."""
    reach = {name: reachable(graph, name) for name in graph}
    return {tuple(sorted(other for other in reach[name] if name in reach[other]))
            for name in graph if name in reach[name]}


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = list(graph[start])
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo += graph.get(name, ())
    return seen


# --- the rules ----------------------------------------------------------------------------------------


def test_every_part_of_the_package_has_a_row_in_the_rules() -> None:
    """A new folder or top-level module must be given its place in the pipeline."""
    assert {part(name) for name in package_modules()} == set(MAY_IMPORT)


def test_the_rules_themselves_go_one_way() -> None:
    assert cycles(MAY_IMPORT) == set()


def test_every_import_points_down_the_pipeline() -> None:
    assert forbidden_imports(import_graph()) - KNOWN_FORBIDDEN == set()


def test_no_modules_import_one_another_round_a_circle() -> None:
    assert cycles(import_graph()) - KNOWN_CYCLES == set()


def test_the_reader_sees_every_kind_of_import(tmp_path: Path) -> None:
    """The rules could not fail if the reader missed imports: each kind is found, and only the package's."""
    source = tmp_path / "render" / "x.py"
    source.parent.mkdir()
    source.write_text("import json\nimport backlying_site.errors\nfrom .. import parallel\nfrom ..model import Post\n"
                      "from . import seo\nif TYPE_CHECKING:\n    from .pages import Page\n"
                      "def later():\n    from ..incremental.keys import digest\n", encoding="utf-8")
    modules = {"backlying_site", "backlying_site.errors", "backlying_site.parallel", "backlying_site.model",
               "backlying_site.render", "backlying_site.render.seo", "backlying_site.render.pages",
               "backlying_site.incremental.keys"}
    assert imported("backlying_site.render.x", source, modules) == modules - {"backlying_site", "backlying_site.render"}
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}}
    assert cycles(graph) == {("a", "b", "c"), ("e",)}


# --- the model: each field of a post says what an edit to it changes ------------------------------------

PICTURE = ImageRef(Path("/site/content/posts/b/hero.jpg"), "hero.jpg", "A baby on a mat.",
                   "content/posts/b/index.md", 9, "hero")
# Two posts that differ in every field.
BEFORE = Post(path="content/posts/a/index.md", slug="a", title="A", date=dt.date(2024, 1, 1), summary="A.",
              benefits=("Strength",), steps=(Step(1, "Lie down."),), body="Body A.", body_line=8)
AFTER = Post(path="content/posts/b/index.md", slug="b", title="B", date=dt.date(2024, 2, 2), summary="B.",
             benefits=("Balance",), steps=(Step(1, "Sit up."),), body="Body B.", body_line=9, author="ada",
             updated=dt.date(2024, 3, 3), draft=True, tags=("play",), tag_labels=("Play",), age=AgeRange(0, 3),
             dosage=Dosage(minutes=3), equipment=("mat",), hero=PICTURE, helps_with=("reflux",), play_ideas=("sing",),
             note=Note("Tip", "Go slow."), precautions=("Stop if upset.",), video=Video("Clip", youtube="dQw4w9WgXcQ"),
             reviewed_by=Review("Dr B"), sources=(Source("AAP", "https://example.org/"),), disclaimer="Ask first.",
             emergency_signs=("Lips turn blue.",), adapted_from=Credit("A post", "Linds"), language="es",
             name="content/posts/b", lines=Lines({("title",): 2}))
POST_FIELDS = dataclasses.fields(Post)


def test_every_post_field_declares_its_rebuild_role() -> None:
    assert [f.name for f in POST_FIELDS if not isinstance(f.metadata.get("role"), Role)] == []
    assert sorted(name for kind in Role for name in fields_with(kind)) == sorted(f.name for f in POST_FIELDS)


def test_the_two_sample_posts_differ_in_every_field() -> None:
    """So that the test below covers every field (a new one must be given a value here)."""
    assert [f.name for f in POST_FIELDS if getattr(BEFORE, f.name) == getattr(AFTER, f.name)] == []


@pytest.mark.parametrize("field", POST_FIELDS, ids=[f.name for f in POST_FIELDS])
def test_a_pages_digest_changes_with_every_shown_field_and_no_other(field: dataclasses.Field) -> None:
    edited = dataclasses.replace(BEFORE, **{field.name: getattr(AFTER, field.name)})
    changed = page_digest(edited) != page_digest(BEFORE)
    assert changed is (field.metadata["role"] is Role.SHOWN)
    assert (field.name in fields_with(Role.SHOWN)) is changed


def test_a_post_moved_down_a_line_keeps_its_pages_digest() -> None:
    """A blank line added above a field changes only where messages point: no page is made again."""
    moved = dataclasses.replace(BEFORE, lines=Lines({("title",): 3}), body_line=BEFORE.body_line + 1)
    assert page_digest(moved) == page_digest(BEFORE)
