"""The `backlying-site` command: build, check, new, serve.

A SiteError becomes one `path:line: field: message` line per problem and exit
code 1; wrong usage is exit code 2 (argparse's own); anything else unexpected
is reported in one line with a hint, never as a traceback.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from pathlib import Path
from typing import NoReturn, Sequence

from . import __version__
from .errors import (EXIT_CONTENT, EXIT_INTERNAL, EXIT_SYSTEM, EXIT_USAGE, Problem, SiteError, UsageError,
                     describe_internal_error, describe_system_error, printable, quoted, warning_lines)

EPILOG = ("Exit codes: 0 success, 1 content or theme errors (all of them listed), 2 wrong usage, 3 an internal "
          "error (a bug: please report it), 4 the system refused (disk full, permission denied).")


def _source(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--source", "-s", type=Path, default=Path("."), metavar="DIR",
                        help="the site folder holding site.yaml and content/ (default: the current folder)")
    parser.add_argument("--traceback", action="store_true",
                        help="on an internal error, show Python's full traceback (for a bug report)")


class Parser(argparse.ArgumentParser):
    """argparse, with a usage mistake said in one line (its usage summary is --help's), exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {printable(message)} (see '{self.prog} --help')\n")


def make_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="backlying-site",
        description="Build a static guide of baby physical-therapy exercises from Markdown posts.",
        epilog=EPILOG)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    build = commands.add_parser(
        "build", help="render the site into the output folder",
        description="Validate every post, then render the site into the output folder. The previous output "
                    "is replaced in one step only when the whole build succeeded.", epilog=EPILOG)
    add_build_arguments(build)

    check = commands.add_parser(
        "check", help="validate everything, warn about what would hurt a reader, write nothing",
        description="Run every validation of 'build' (posts, authors, images, templates) without writing "
                    "any file, then warn about what a careful editor would catch: alt text that does not "
                    "help, text above the reading grade set in site.yaml, links to missing pages, small or "
                    "heavy pictures, missing or old reviews, missing precautions, long summaries. "
                    "Errors print as 'path:line: error: ...', warnings as 'path:line: warning: ...'.",
        epilog="Exit codes: 0 no errors (warnings allowed), 1 errors (or warnings with --strict), "
               "2 wrong usage, 3 an internal error (a bug: please report it), 4 the system refused.")
    _source(check)
    check.add_argument("--drafts", action="store_true", help="also check drafts and future-dated posts")
    check.add_argument("--strict", action="store_true",
                       help="treat warnings as errors (exit 1), for CI")

    new = commands.add_parser(
        "new", help="start a new post from a filled-in example",
        description="Write content/posts/<slug>/index.md with every field of the content model filled with "
                    "a commented example, and an images/ folder. Never overwrites.", epilog=EPILOG)
    new.add_argument("title", help="the exercise's title, in quotes")
    _source(new)
    new.add_argument("--slug", help="the post's address (default: made from the title)")

    serve = commands.add_parser(
        "serve", help="build, preview with live reload, rebuild on every change",
        description="Build the site (drafts included), serve it on this computer and reload the browser "
                    "whenever a post, image, template or site.yaml changes.", epilog=EPILOG)
    _source(serve)
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default: 127.0.0.1, this computer only; 0.0.0.0 lets a "
                            "phone on the same network see the preview)")
    serve.add_argument("--port", type=port_argument, default=8000,
                       help="port to listen on, from 1 to 65535 (default: 8000; 0: any free port)")
    serve.add_argument("--no-drafts", action="store_true", help="leave drafts out, as the published site does")
    serve.add_argument("--open", action="store_true", help="open the preview in a web browser")
    serve.add_argument("--output", type=Path, metavar="DIR",
                       help="where the preview is written (default: .cache/preview under the site folder)")
    return parser


def add_build_arguments(parser: argparse.ArgumentParser) -> None:
    _source(parser)
    parser.add_argument("--output", "-o", type=Path, metavar="DIR",
                        help="where to write the site (default: public/ in the site folder)")
    parser.add_argument("--base-url", metavar="URL", type=base_url_argument,
                        help="the address the site is published at, overriding site.yaml's base_url")
    parser.add_argument("--drafts", action="store_true", help="include drafts and future-dated posts")
    parser.add_argument("--clean", action="store_true",
                        help="take nothing from earlier builds: parse every post, encode every picture and "
                             "render every page again (the result is what any build gives, only slower)")


def base_url_argument(value: str) -> str:
    """--base-url checked as site.yaml's base_url is, refused as wrong usage (exit 2)."""
    from .load.config import base_url_problem

    problem = base_url_problem(value) if value.lower().startswith(("http://", "https://")) else \
        "is not a web address; write it in full, starting with https://"
    if problem:
        raise argparse.ArgumentTypeError(f"{quoted(value, 80)} {problem}")
    return value


def port_argument(value: str) -> int:
    """--port: a number a port can be, refused as wrong usage (exit 2) in one line."""
    try:
        port = int(value)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{quoted(value, 20)} is not a port; give a number from 1 to 65535, such "
                                         "as --port 8000, or 0 for any free port")
    return port


def main(argv: Sequence[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except SiteError as exc:
        return report(exc)
    except UsageError as exc:
        print(f"{parser.prog} {args.command}: error: {printable(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("Stopped.", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - no traceback ever reaches an author (--traceback shows it)
        if args.traceback:
            raise
        system = isinstance(exc, OSError)
        text = describe_system_error(exc) if system else describe_internal_error(exc)  # type: ignore[arg-type]
        print(f"{parser.prog} {args.command}: {text}", file=sys.stderr)
        if args.command == "build":
            print("Nothing was published: the output folder is as it was.", file=sys.stderr)
        return EXIT_SYSTEM if system else EXIT_INTERNAL


def report(exc: SiteError, with_severity: bool = False) -> int:
    problems = sorted(set(exc.problems))
    for problem in problems:
        print(problem.format(with_severity=with_severity), file=sys.stderr)
    count = len(problems)
    print(f"{count} problem{'s' if count != 1 else ''} found; nothing was written.", file=sys.stderr)
    return EXIT_CONTENT


def run_build(args: argparse.Namespace) -> int:
    from .build import BuildOptions, build_command

    options = BuildOptions(source=args.source, output=args.output, base_url=args.base_url, drafts=args.drafts,
                           fresh_images=args.clean)
    result = build_command(options, clean=args.clean)
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    report_warnings(result.warnings, result.held_back)
    print(f"Built {result.pages} pages ({result.pages_rendered} rendered, the rest unchanged) and "
          f"{result.images} images ({result.images_encoded} encoded) into {_shown(result.output)} "
          f"in {result.seconds:.2f} s.")
    return 0


def report_warnings(warnings: list[Problem], held_back: list[str]) -> None:
    """What did not stop the build, before its summary line."""
    for line in warning_lines(warnings, held_back):
        print(line, file=sys.stderr)


def run_check(args: argparse.Namespace) -> int:
    import dataclasses

    from .build import BuildOptions, check, today
    from .check.lint import lint_site

    loaded: list[Problem] = []  # the problems of the posts a build leaves out, among others
    try:
        guide, plans, _ = check(BuildOptions(source=args.source, drafts=args.drafts), loaded)
    except SiteError as exc:
        return report(exc, with_severity=True)
    originals = guide.default.posts
    warnings = sorted({warning for site in guide.sites
                       for warning in lint_site(site, plans, site.config.check, today=today(),
                                                originals=originals if site is not guide.default else ())}
                      | set(loaded))
    if args.strict and warnings:
        return report(SiteError([dataclasses.replace(w, severity="error") for w in warnings]),
                      with_severity=True)
    for warning in warnings:
        print(warning.format(with_severity=True))
    count = len(warnings)
    print(f"No errors; {count} warning{'s' if count != 1 else ''}." if count else "No problems found.")
    return 0


def run_new(args: argparse.Namespace) -> int:
    from .load.config import CONFIG_NAME
    from .scaffold import new_post

    root = args.source.absolute()
    if not (root / CONFIG_NAME).is_file():  # a post written there would be in no site (issue 22)
        raise UsageError(f"no {CONFIG_NAME} in {root}, so it is not a site folder; run it in the folder "
                         f"that has {CONFIG_NAME}, or pass --source with that folder")
    path = new_post(root, args.title, args.slug)
    print(f"Created {_shown(path)}")
    print("Next: put the step pictures in its images/ folder and remove the '# ' before each step's image: "
          "and alt: lines, fill in every field (the comments explain each one), then run 'make serve' (or "
          "'backlying-site serve') to preview it. It stays a draft, left out of the site, until you remove "
          "'draft: true'.")
    return 0


def run_serve(args: argparse.Namespace) -> int:
    from .serve import serve

    return serve(args)


def _shown(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


COMMANDS = {"build": run_build, "check": run_check, "new": run_new, "serve": run_serve}

# A page is made of many short-lived dicts and lists (Jinja's contexts, the JSON-LD): at Python's
# default, a pass over the young objects every 700 new ones, the collector walked them again and again;
# every 20,000 costs a fraction of that, for the same peak memory (docs/benchmarks.md has the figures).
YOUNG_OBJECTS_PER_COLLECTION = 20_000


def run(argv: Sequence[str] | None = None) -> NoReturn:
    """The command line's entry point."""
    gc.set_threshold(YOUNG_OBJECTS_PER_COLLECTION, *gc.get_threshold()[1:])
    sys.exit(main(argv))


if __name__ == "__main__":
    run()
