"""`backlying-site serve`: build a preview, serve it, rebuild and reload the browser on every change.

Wired the way MkDocs' own server works (STYLE.md, "The dev server"): a file event only records
what changed; once the events have been quiet for a moment the whole site is built again with
`build.build` in a worker thread (fast with the store it keeps in memory, never by partial state), while the
previous, complete site goes on being served; then ONE reload message goes out. python-livereload
gives the websocket (`LiveReloadHandler`), livereload.js and the transform that injects its script
before `</head>`; the tornado application is put together here (`PreviewServer`). Its own watcher
is not used: it polls every 0.8 s and sends a reload for each changed file before anything is
rebuilt (MkDocs issue 2061); watchdog (inotify) reports changes instead.

The preview serves its author only (issue 18, item 9): it answers the Host names it was opened with
(`HostCheck`), its websocket takes the preview's own pages only, livereload's `/forcereload` is not
served, and file names reach the terminal with their control characters escaped.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import errno
import gc
import html
import ipaddress
import multiprocessing
import os
import re
import signal
import socket
import sys
import threading
import time
import webbrowser
from dataclasses import dataclass
from pathlib import Path
from typing import Callable
from urllib.parse import quote, unquote

from livereload.handlers import LiveReloadHandler, LiveReloadJSHandler
from livereload.server import LiveScriptInjector
from tornado import httputil, web
from tornado.routing import Matcher, Rule
from tornado.websocket import WebSocketClosedError
from watchdog.events import (DirCreatedEvent, DirDeletedEvent, DirMovedEvent, FileClosedEvent, FileCreatedEvent,
                             FileDeletedEvent, FileModifiedEvent, FileMovedEvent, FileSystemEvent,
                             FileSystemEventHandler)
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

from .build import BuildOptions, BuildResult, build, build_with_store
from .errors import (Problem, SiteError, describe_internal_error, describe_system_error, printable,
                     warning_lines)
from .incremental import Store, collector_paused, load_store
from .load import theme
from .load.config import CONFIG_NAME, load_config
from .output.writer import check_output_folder

QUIET_SECONDS = 0.05  # an editor's save is a burst of events a few ms long
LONGEST_WAIT = 1.0  # build anyway when events never stop (a long copy, a checkout)
PORT_TRIES = 20
WILDCARD_HOSTS = ("0.0.0.0", "::", "")  # --host values that listen on every interface
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "[::1]"})  # Host names always answered
SOURCE_DIRS = ("content", "templates", "static")
# Writes, creations, deletions, renames. Not opens and reads: by default inotify reports those too,
# and a build reads every post, which flooded the kernel's event queue at 5,000 posts.
EVENTS = [FileCreatedEvent, FileModifiedEvent, FileClosedEvent, FileDeletedEvent, FileMovedEvent,
          DirCreatedEvent, DirDeletedEvent, DirMovedEvent]
EDITOR_LITTER = ("~", ".swp", ".swx", ".swo", ".tmp", ".part", ".crdownload", ".kate-swp")
HTML = "text/html; charset=utf-8"
CONTENT_TYPES = {
    ".html": HTML, ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8", ".xml": "application/xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8", ".json": "application/json", ".svg": "image/svg+xml",
    ".webp": "image/webp", ".avif": "image/avif", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
    ".png": "image/png", ".gif": "image/gif", ".ico": "image/x-icon", ".woff2": "font/woff2",
    ".woff": "font/woff", ".webmanifest": "application/manifest+json", ".pdf": "application/pdf",
}
FINGERPRINT = re.compile(r"^(?P<stem>.+)\.[0-9a-f]{8}(?P<ext>\.css|\.js)$")


def serve(args: argparse.Namespace) -> int:
    root = args.source.absolute()
    if not (root / CONFIG_NAME).is_file():
        raise SiteError(load_config(root)[1])
    output = (args.output or root / ".cache" / "preview").absolute()
    output = check_output_folder(root, output, preview=True)
    try:
        return asyncio.run(_serve(args, root, output))
    except KeyboardInterrupt:  # Ctrl-C in the instant before the signal handlers were in place
        print("Stopped.", file=sys.stderr)
        return 0


async def _serve(args: argparse.Namespace, root: Path, output: Path) -> int:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    on_signals(loop, stop.set)
    quiet_logs()
    preview = Preview(root, output, drafts=not args.no_drafts, loop=loop)
    port = listen(PreviewServer(preview), args.host, args.port)
    if port is None:
        return 1
    shown = display_host(args.host)
    if not is_loopback(args.host):
        print(f"warning: the preview listens on {args.host}: anyone on this network can see it, drafts "
              "included.", file=sys.stderr, flush=True)
    start_image_workers_deaf_to_ctrl_c()
    preview.start(f"http://{shown}:{port}/", open_browser=args.open)
    await stop.wait()
    preview.stop()
    await asyncio.sleep(0.05)  # let requests that were waiting get their answer
    print("Stopped.", file=sys.stderr, flush=True)
    return 0


def on_signals(loop: asyncio.AbstractEventLoop, callback: Callable[[], None]) -> None:
    """Ctrl-C (SIGINT, to the whole process group) and SIGTERM stop the preview cleanly, exit code 0."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(signum, callback)
        except NotImplementedError:  # Windows' event loops
            signal.signal(signum, lambda *_: loop.call_soon_threadsafe(callback))


def start_image_workers_deaf_to_ctrl_c() -> None:
    """Ctrl-C reaches the whole process group. Image workers that got it would print tracebacks
    and leave the build half done; the preview stops them itself. With threads running, images.py
    forks its workers from multiprocessing's fork server, which gives them the SIGINT handling it
    was started with: start it now, with SIGINT ignored (an ignored signal stays ignored across exec)."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return
    from multiprocessing import forkserver

    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        forkserver.ensure_running()
    finally:
        signal.signal(signal.SIGINT, previous)


# --- addresses ------------------------------------------------------------------------------


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def display_host(host: str) -> str:
    """The address a browser should open: a wildcard becomes this computer's LAN address."""
    if host not in WILDCARD_HOSTS:
        return bracketed(host)
    addresses = lan_addresses()
    return addresses[0] if addresses else socket.gethostname()


def bracketed(host: str) -> str:
    """An address as a URL (and a Host header) writes it: IPv6 in brackets."""
    return f"[{host}]" if ":" in host else host


def lan_addresses() -> list[str]:
    """This computer's IPv4 addresses other than loopback, home networks first; sends nothing."""
    found: set[str] = set()
    try:
        found |= {info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)}
    except OSError:
        pass
    found |= set(_interface_addresses())
    usable = [a for a in found if not ipaddress.ip_address(a).is_loopback]
    rank = {"192.168.": 0, "10.": 1}
    return sorted(usable, key=lambda a: (min([v for k, v in rank.items() if a.startswith(k)], default=2), a))


def _interface_addresses() -> list[str]:
    if not sys.platform.startswith("linux"):
        return []
    import fcntl
    import struct

    addresses = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for _, name in socket.if_nameindex():
            try:
                packed = fcntl.ioctl(sock.fileno(), 0x8915, struct.pack("256s", name.encode()[:15]))  # SIOCGIFADDR
            except OSError:
                continue
            addresses.append(socket.inet_ntoa(packed[20:24]))
    return addresses


def listen(server: PreviewServer, host: str, port: int) -> int | None:
    """Listen on ``port``, or the next free one after it; a clear message instead of a traceback."""
    first = port or free_port(host)
    for candidate in range(first, min(first + PORT_TRIES, 65536)):
        try:
            server.listen(candidate, host)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                continue
            print(f"error: cannot listen on {host} port {candidate}: {listen_hint(exc)}", file=sys.stderr)
            return None
        if candidate != first:
            print(f"Port {first} is in use (by another preview or program); using port {candidate}.",
                  flush=True)
        return candidate
    print(f"error: ports {first} to {candidate} are all in use; pass a free one with --port", file=sys.stderr)
    return None


def listen_hint(exc: OSError) -> str:
    if exc.errno == errno.EACCES:
        return "permission denied (ports below 1024 need administrator rights); use --port 8000"
    if isinstance(exc, socket.gaierror) or exc.errno == errno.EADDRNOTAVAIL:
        return "that address is not one of this computer's; use 127.0.0.1, or 0.0.0.0 for the network"
    return exc.strerror or str(exc)


def free_port(host: str) -> int:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


# --- watching -------------------------------------------------------------------------------


class ChangeBatch:
    """Paths reported by the watcher, handed out as one batch once the events have gone quiet."""

    def __init__(self, quiet: float = QUIET_SECONDS, longest: float = LONGEST_WAIT) -> None:
        self.quiet, self.longest = quiet, longest
        self._paths: set[Path] = set()
        self._first = self._last = 0.0
        self._closed = False
        self._cond = threading.Condition()

    def add(self, path: Path) -> None:
        with self._cond:
            now = time.monotonic()
            if not self._paths:
                self._first = now
            self._paths.add(path)
            self._last = now
            self._cond.notify_all()

    def pending(self) -> bool:
        with self._cond:
            return bool(self._paths)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def next_batch(self) -> set[Path] | None:
        """Block until there are changes and no new one for ``quiet`` seconds; None once closed."""
        with self._cond:
            while not self._closed:
                if self._paths:
                    now = time.monotonic()
                    due = min(self._last + self.quiet, self._first + self.longest)
                    if now >= due:
                        batch, self._paths = self._paths, set()
                        return batch
                    self._cond.wait(due - now)
                else:
                    self._cond.wait()
            return None


def watched_dirs(root: Path) -> list[Path]:
    unique: dict[Path, Path] = {}
    for d in theme.input_folders(root):
        if d.is_dir():
            unique.setdefault(d.resolve(), d)
    return list(unique.values())


class SourceWatcher(FileSystemEventHandler):
    """site.yaml, content/, templates/ and static/ (the site's and the theme's); never output or cache."""

    def __init__(self, root: Path, output: Path, on_change: Callable[[Path], None]) -> None:
        self.root, self.output, self.on_change = root, output, on_change
        self.dirs = watched_dirs(root)
        self.observer: Observer | PollingObserver | None = None

    def start(self) -> None:
        try:
            self.observer = self._observe(Observer())
        except OSError as exc:  # inotify's limit on watched folders reached: poll instead
            print(f"note: watching by polling every second ({exc.strerror or exc})", file=sys.stderr)
            self.observer = self._observe(PollingObserver(timeout=1.0))

    def _observe(self, observer: Observer | PollingObserver) -> Observer | PollingObserver:
        observer.daemon = True
        observer.schedule(self, str(self.root), recursive=False, event_filter=EVENTS)
        for directory in self.dirs:
            observer.schedule(self, str(directory), recursive=True, event_filter=EVENTS)
        observer.start()
        return observer

    def stop(self) -> None:
        if self.observer is not None:
            self.observer.stop()
            self.observer.join(timeout=1.0)

    def on_any_event(self, event: FileSystemEvent) -> None:
        if type(event) not in EVENTS:
            return
        for raw in (event.src_path, event.dest_path):
            path = Path(os.fsdecode(raw)) if raw else None
            if path is not None and self.is_input(path):
                self._watch_new_dir(path, event)
                self.on_change(path)

    def is_input(self, path: Path) -> bool:
        if path == self.output or path.is_relative_to(self.output) or path.is_relative_to(self.root / ".cache"):
            return False
        bases = [d for d in (*self.dirs, self.root) if path.is_relative_to(d)]
        if not bases:
            return False
        rel = path.relative_to(bases[0])
        if any(part.startswith((".", "#")) for part in rel.parts) or path.name.endswith(EDITOR_LITTER):
            return False
        if path.name == "4913":  # vim's test of whether it may write in the folder
            return False
        if bases[0] == self.root:
            return bool(rel.parts) and rel.parts[0] in (CONFIG_NAME, *SOURCE_DIRS)
        return True

    def _watch_new_dir(self, path: Path, event: FileSystemEvent) -> None:
        """A site that gains its own templates/ or static/ (or content/) gets it watched."""
        if not (event.is_directory and path.parent == self.root and path.name in SOURCE_DIRS):
            return
        if event.event_type in ("created", "moved") and path.is_dir() and path not in self.dirs:
            self.dirs.append(path)
            if self.observer is not None:
                self.observer.schedule(self, str(path), recursive=True, event_filter=EVENTS)


# --- building -------------------------------------------------------------------------------


class Preview:
    """The preview folder and its state: one build at a time, the last error kept for the pages."""

    def __init__(self, root: Path, output: Path, drafts: bool, loop: asyncio.AbstractEventLoop) -> None:
        self.root, self.output, self.drafts, self.loop = root, output, drafts, loop
        self.options = BuildOptions(source=root, output=output, drafts=drafts, preview=True,
                                    defer_search=True)  # base_url: start()
        self.failure: list[str] | None = None  # the problem lines while the site does not build
        self.store = Store()  # what each build made, so the next costs what changed
        self.ready = asyncio.Event()  # set after the first build: requests wait for it
        self.changes = ChangeBatch()
        self.watcher = SourceWatcher(root, output, self.changes.add)
        self.stopping = threading.Event()
        self._thread = threading.Thread(target=self._build_loop, name="preview-builds", daemon=True)
        self._first: multiprocessing.Process | None = None
        self._started = 0.0  # when the first build began: its report counts the forked build's time too
        self.url = ""
        self._open_browser = False

    def start(self, base_url: str, open_browser: bool = False) -> None:
        self.url, self._open_browser = base_url, open_browser
        self.options = BuildOptions(source=self.root, output=self.output, base_url=base_url, drafts=self.drafts,
                                    preview=True, defer_search=True)
        self._first = start_first_build(self.options)  # before this process has any thread: see there
        self.watcher.start()  # before the first build, so no edit made during it is lost
        self._thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self.changes.close()
        self.watcher.stop()
        for waiter in list(LiveReloadHandler.waiters):
            waiter.close()
        self.ready.set()  # requests still waiting for the first build get "stopped"
        if self._first is not None and self._first.is_alive():
            self._first.kill()  # Ctrl-C has ended it already; SIGTERM or an error may not have
        self._thread.join(timeout=1.0)
        if self._thread.is_alive():
            # Stopped in the middle of encoding images: end the encoders now. Each image is
            # written to a temporary file first, and the next build cleans the staging folder.
            for child in multiprocessing.active_children():
                child.kill()
            self._thread.join(timeout=2.0)

    def _build_loop(self) -> None:
        self._started = time.perf_counter()
        say(f"Building the preview of {self.root}{' (drafts included)' if self.drafts else ''}...")
        while self._first is not None and self._first.is_alive() and not self.stopping.is_set():
            self._first.join(timeout=0.1)
        if self.stopping.is_set():
            return
        if self._first is not None:  # the store it left: every page it wrote is then kept, not rendered
            self.store = load_store(preview_store(self.options))
        self.rebuild(set())  # every page in place now, and any edit made meanwhile
        if self.stopping.is_set():
            return
        self.loop.call_soon_threadsafe(self.ready.set)
        say(f"Preview: {self.url}  (Ctrl-C to stop)")
        if self._open_browser:
            threading.Thread(target=webbrowser.open, args=(self.url,), daemon=True).start()
        self.fill_spare()
        while (batch := self.changes.next_batch()) is not None:
            self.rebuild(batch)

    def fill_spare(self) -> None:
        """The first build leaves the spare generation empty, so the first save would link every file
        into it (and make every folder) while the author waits: one more build does it now, as they read."""
        if self.failure is None and not self.changes.pending():
            self.store.forget_inputs()
            result, self.failure = self._build()
            if result is None:  # (a file saved meanwhile): said as any build's problems are
                self._report_failure()

    def rebuild(self, changed: set[Path]) -> None:
        """One full build; whatever fails is kept for the error page and printed, never raised."""
        was_ok = self.failure is None
        result, self.failure = self._build()
        if self.stopping.is_set():
            return
        if result is not None:
            self._report_built(result, changed)
        else:
            self._report_failure()
        if changed and not self.changes.pending():  # else another build follows: one reload after it
            path = self.reload_path(changed) if was_ok and result is not None else "*"
            self.loop.call_soon_threadsafe(send_reload, path)
        if result is not None and result.search_behind and not self.changes.pending():
            self._index()
        if not self.changes.pending():
            gc.collect()  # the builds' garbage, while the author reads the page (see _build)

    def _index(self) -> None:
        """The search index made again, after the pages are out: every page is kept as it is."""
        try:
            with collector_paused():
                build(dataclasses.replace(self.options, defer_search=False), self.store)
        except Exception:  # noqa: BLE001 - the next save's build says what is wrong, as always
            self.store.search = None

    def _build(self) -> tuple[BuildResult | None, list[str] | None]:
        try:
            # Each full run of the collector during a build would walk the whole store again: it runs
            # after the reload instead (rebuild). The posts' pickles are kept only to save a store.
            with collector_paused():
                result = build(self.options, self.store)
            self.store.pickled = {}
            return result, None
        except SiteError as exc:
            return None, [p.format() for p in sorted(set(exc.problems))]
        except KeyboardInterrupt as exc:  # only an image worker's result raises it here: Ctrl-C
            self.stopping.wait(1.0)  # the main thread is stopping the preview
            return None, [f"{self.root}: the build was interrupted ({type(exc).__name__}); save a file to retry"]
        except OSError as exc:  # the disk, permissions: the same words as the build command's
            return None, [describe_system_error(exc)]
        except Exception as exc:  # noqa: BLE001 - a bug must not stop the preview: shown like a content error
            self.store = Store()  # and the next build starts from nothing
            return None, [describe_internal_error(exc)]

    def _report_failure(self) -> None:
        count = len(self.failure or [])
        print(terminal_safe("\n".join(self.failure or [])), file=sys.stderr)
        print(f"{count} problem{'s' if count != 1 else ''} found; the preview shows "
              f"{'them' if count != 1 else 'it'} until fixed.", file=sys.stderr, flush=True)

    def _report_built(self, result: BuildResult, changed: set[Path]) -> None:
        for line in warning_lines(result.warnings, result.held_back):  # --no-drafts: a draft's problems
            print(terminal_safe(line), file=sys.stderr)
        if not changed:
            for note in result.notes:
                print(terminal_safe(f"note: {note}"), file=sys.stderr)
            say(f"Built {result.pages} pages and {result.images} images in "
                f"{time.perf_counter() - self._started:.2f} s.")
            return
        names = sorted(_shown(p, self.root) for p in changed)
        more = f" and {len(names) - 3} more" if len(names) > 3 else ""
        say(f"Rebuilt in {result.seconds:.2f} s: {', '.join(names[:3])}{more}")

    def reload_path(self, changed: set[Path]) -> str:
        """A stylesheet's new address when only stylesheets changed (livereload swaps CSS in place)."""
        statics = {path.resolve(): (rel, path) for rel, path in theme.static_files(self.root)[0].items()}
        found = [statics.get(p.resolve()) for p in changed if p.suffix == ".css" and p.is_file()]
        if not found or None in found or len(found) != len(changed):
            return "*"
        rel, path = min(found)
        return "/" + theme.published(rel, path.read_bytes())[0]


def preview_store(options: BuildOptions) -> Path:
    from .incremental.store import store_path

    return store_path(options.cache / "preview-build", options.output_dir)


def start_first_build(options: BuildOptions) -> multiprocessing.Process | None:
    """Render the whole site once in a forked child, on every core.

    A process with threads (the preview's server, watcher and builder) may not fork workers, so its
    own builds render in one process: minutes for the first build of a big site. Forked now, while
    this process has no other thread, the child may; the preview's first build then starts from the
    store it saved and keeps every page it wrote. None where fork is not available: the preview's
    own build does it all.
    """
    if "fork" not in multiprocessing.get_all_start_methods() or threading.active_count() > 1:
        return None
    # Not a daemon (those may not fork workers); Preview.stop ends it if it still runs.
    process = multiprocessing.get_context("fork").Process(target=_first_build, args=(options,),
                                                          name="preview-first-build")
    process.start()
    return process


def _first_build(options: BuildOptions) -> None:
    # Ctrl-C ends the child (and its workers) at once, without a traceback; the parent's event loop
    # and its signal pipe are not the child's.
    signal.set_wakeup_fd(-1)
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_DFL)
    try:
        build_with_store(options, preview_store(options))
    except BaseException:  # noqa: BLE001 - the preview's own build reports every problem
        pass
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


def send_reload(path: str) -> None:
    """livereload's `reload` command to every open page; path '*' reloads the page, a .css path
    re-fetches the stylesheets only. (LiveReloadHandler.reload_waiters sends the same message but
    logs a traceback for every page closed meanwhile.)"""
    message = {"command": "reload", "path": path, "liveCSS": True, "liveImg": True}
    for waiter in list(LiveReloadHandler.waiters):
        try:
            waiter.write_message(message)
        except WebSocketClosedError:
            LiveReloadHandler.waiters.discard(waiter)


def say(text: str) -> None:
    print(terminal_safe(text), flush=True)


def terminal_safe(text: str) -> str:
    """Control characters shown as escapes, line breaks kept: a file named with `\\x1b[31m` must not
    colour (or rewrite) the author's terminal."""
    return "\n".join(printable(line) for line in text.split("\n"))


def _shown(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


# --- serving --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    kind: str  # "file", "redirect" or "missing"
    path: Path | None = None
    location: str = ""


MISSING = Target("missing")


def resolve(output: Path, raw_path: str) -> Target:
    """The built file a request path names: never outside the output, never a folder listing."""
    text = unquote(raw_path)
    parts = [p for p in text.split("/") if p not in ("", ".")]
    if "\x00" in text or any(p == ".." or p.startswith(".") for p in parts):
        return MISSING
    try:
        candidate = output.joinpath(*parts)
        if candidate.is_dir():
            if not text.endswith("/"):
                return Target("redirect", location="/" + "/".join(quote(p) for p in parts) + "/")
            candidate = candidate / "index.html"
        if candidate.is_file() and candidate.resolve().is_relative_to(output.resolve()):
            return Target("file", candidate)
        return current_fingerprint(candidate, output)
    except (OSError, ValueError):
        return MISSING


def current_fingerprint(wanted: Path, output: Path) -> Target:
    """`site.OLDHASH.css` -> today's `site.NEWHASH.css`: an open page keeps its old link while
    livereload swaps its stylesheet after a CSS-only change, so the old name must still answer."""
    match = FINGERPRINT.match(wanted.name)
    if not match or not wanted.parent.is_relative_to(output / "static") or not wanted.parent.is_dir():
        return MISSING
    stem, ext = match["stem"], match["ext"]
    current = [p for p in wanted.parent.iterdir()
               if (m := FINGERPRINT.match(p.name)) and m["stem"] == stem and m["ext"] == ext]
    return Target("file", current[0]) if len(current) == 1 else MISSING


def looks_like_page(raw_path: str) -> bool:
    last = raw_path.rsplit("/", 1)[-1]
    return last == "" or last.endswith(".html") or "." not in last


def content_type(path: Path) -> str:
    return CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream")


def error_page(lines: list[str]) -> bytes:
    """The problems in the page itself (readable before any script runs), as the CLI prints them."""
    count = len(lines)
    items = "\n".join(f"<pre>{html.escape(line)}</pre>" for line in lines)
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Preview: {count} problem{'s' if count != 1 else ''} to fix</title>
<style>body{{font:16px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem}}
pre{{background:#fff3f3;border-left:4px solid #c00;padding:.75rem 1rem;white-space:pre-wrap;color:#000}}</style>
</head>
<body>
<h1>The site does not build</h1>
<p>Fix {'these problems' if count != 1 else 'this problem'} and save: this page reloads by itself.</p>
<div class="problems">
{items}
</div>
</body>
</html>
""".encode("utf-8")


NOT_FOUND = (b'<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Not found</title>\n'
             b"</head>\n<body>\n<h1>Page not found</h1>\n</body>\n</html>\n")


class SiteHandler(web.RequestHandler):
    """Serves exactly the files of the built site, or the error page while the site does not build."""

    def initialize(self, preview: Preview) -> None:
        self.preview = preview

    async def get(self) -> None:
        await self.preview.ready.wait()
        if self.preview.stopping.is_set():
            return self._send(503, "text/plain; charset=utf-8", b"The preview has stopped.\n")
        target, data = self._lookup()
        if target.kind == "redirect":
            query = f"?{self.request.query}" if self.request.query else ""
            return self.redirect(target.location + query)
        failure = self.preview.failure
        if failure is not None and self._is_page(target):
            self._send(200 if target.path else 404, HTML, error_page(failure))
        elif target.path is None:
            self._send(404, HTML, self._not_found_page())
        else:
            self._send(200, content_type(target.path), data)

    head = get

    def _is_page(self, target: Target) -> bool:
        return target.path.suffix == ".html" if target.path else looks_like_page(self.request.path)

    def _lookup(self) -> tuple[Target, bytes]:
        for _ in range(3):  # the site may be swapped between finding a file and reading it
            target = resolve(self.preview.output, self.request.path)
            if target.kind != "file":
                return target, b""
            try:
                return target, target.path.read_bytes()
            except OSError:
                continue
        return MISSING, b""

    def _not_found_page(self) -> bytes:
        try:
            return (self.preview.output / "404.html").read_bytes()
        except OSError:
            return NOT_FOUND

    def _send(self, status: int, kind: str, body: bytes) -> None:
        self.set_status(status)
        self.set_header("Content-Type", kind)
        self.set_header("Cache-Control", "no-cache")
        self.set_header("X-Content-Type-Options", "nosniff")
        self.finish(body)

    def log_exception(self, typ, value, tb) -> None:  # one line, never a traceback
        if not isinstance(value, web.HTTPError):
            print(terminal_safe(f"error: {self.request.method} {self.request.path}: {typ.__name__}: {value}"),
                  file=sys.stderr)


# --- who may ask ----------------------------------------------------------------------------


REFUSED_HOST = (b"This preview answers only at the address it printed (such as http://localhost:8000/), "
                b"so that no other site can read it.\n")


def is_ip_literal(name: str) -> bool:
    """An address as a Host header writes it: '192.168.1.20', or '[fe80::1]' for IPv6."""
    bare = name[1:-1] if name.startswith("[") and name.endswith("]") else name
    try:
        version = ipaddress.ip_address(bare).version
    except ValueError:
        return False
    return version == (6 if bare != name else 4)


@dataclass(frozen=True)
class HostCheck:
    """The Host names the preview answers. A page of evil.example whose name is then made to resolve
    to 127.0.0.1 (DNS rebinding) reaches the preview under its own name, and would read the drafts."""

    names: frozenset[str]
    any_ip: bool = False

    @classmethod
    def listening_on(cls, host: str) -> HostCheck:
        if host not in WILDCARD_HOSTS:
            return cls(LOOPBACK_NAMES | {bracketed(host).lower()})
        # A phone opens the LAN address printed (any of this computer's, and they change with the
        # network), or its name when it has none. An IP literal is safe: rebinding needs a name.
        return cls(LOOPBACK_NAMES | {socket.gethostname().lower()}, any_ip=True)

    def allows(self, host_name: str) -> bool:
        """``host_name``: the Host header lowercased, without its port (tornado's ``request.host_name``);
        the port is not checked, as an `ssh -L` tunnel arrives with its own."""
        return host_name in self.names or (self.any_ip and is_ip_literal(host_name))


class ForeignHost(Matcher):
    """Every request to a Host the preview does not answer, whatever its path (the websocket too)."""

    def __init__(self, check: HostCheck) -> None:
        self.check = check

    def match(self, request: httputil.HTTPServerRequest) -> dict | None:
        return None if self.check.allows(request.host_name) else {}


class RefusedHost(web.RequestHandler):
    """A short refusal that holds nothing of the site, whatever the method."""

    def prepare(self) -> None:
        self.set_status(403)
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.set_header("X-Content-Type-Options", "nosniff")
        self.finish(REFUSED_HOST)


class LiveReloadSocket(LiveReloadHandler):
    """livereload's websocket, for the preview's own pages only (livereload's check_origin takes any page)."""

    def check_origin(self, origin: str) -> bool:
        # tornado 6.6+ asks only when Sec-Fetch-Site or Origin says cross-origin; older ones, for every Origin
        return origin.lower() == f"{self.request.protocol}://{self.request.host.lower()}"


class LiveScript(LiveScriptInjector):
    """Before `</head>` of every HTML answer: load livereload.js from the page's own host and port."""

    script = (b'<script>(function(){var s=document.createElement("script"),'
              b'p=window.location.port||(window.location.protocol=="https:"?443:80);'
              b's.src="//"+window.location.hostname+":"+p+"/livereload.js?port="+p;'
              b"document.head.appendChild(s);})();</script>")


class PreviewServer:
    """The tornado application: the Host check in front, then livereload's websocket and script, then the site.

    Built here rather than by livereload's `Server.application`, which always adds its `/forcereload`:
    a GET that any page can send (an <img>) to reload every open tab at the address it names."""

    def __init__(self, preview: Preview) -> None:
        self.preview = preview

    def listen(self, port: int, host: str) -> None:
        app = web.Application(self.rules(HostCheck.listening_on(host)), transforms=[LiveScript])
        app.listen(port, address=host)

    def rules(self, hosts: HostCheck) -> list:
        return [
            Rule(ForeignHost(hosts), RefusedHost),
            (r"/livereload", LiveReloadSocket),
            (r"/livereload\.js", LiveReloadJSHandler),
            (r"/.*", SiteHandler, {"preview": self.preview}),
        ]


def quiet_logs() -> None:
    """tornado, livereload and watchdog log through `logging`: warnings only, one line each, no tracebacks."""
    import logging

    class OneLine(logging.Formatter):
        def formatException(self, ei) -> str:  # noqa: N802 (logging's name)
            return f"    Reason: {ei[0].__name__}: {ei[1]}" if ei and ei[0] else ""

        def format(self, record: logging.LogRecord) -> str:  # watchdog's messages name files
            return terminal_safe(super().format(record))

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(OneLine("%(name)s: %(message)s"))
    for name in ("tornado", "livereload", "watchdog"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.propagate = False
        logger.setLevel(logging.WARNING)
    logging.getLogger("tornado.access").setLevel(logging.CRITICAL)  # errors are reported by log_exception
