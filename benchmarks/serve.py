"""How fast the preview follows an edit: save -> new page on disk -> reload sent.

    .venv/bin/python benchmarks/serve.py            # 1,000 posts
    .venv/bin/python benchmarks/serve.py --large    # 5,000 posts

Generates a site in the content model (no step images; one small shared author picture) under
benchmarks/.work/, starts `backlying-site serve` on it as a terminal would, listens on the
livereload websocket like a browser does, then saves one post (and then one template) again and
again. For each save it times the new page appearing in the preview folder and the reload message
arriving, and prints the medians beside the cold build of the same site. It prints, never asserts:
the targets (issue 4) are under 150 ms at 1,000 posts and under 300 ms at 5,000 for a one-post edit.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

from PIL import Image
from tornado.websocket import websocket_connect

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CLI = Path(sys.executable).with_name("backlying-site")
TAGS = ["strength", "play", "rolling", "crawling", "sitting", "tummy-time", "balance", "vision",
        "hands", "feet", "neck", "back", "standing", "walking", "reaching", "stretching"]


def generate(root: Path, posts: int) -> None:
    if root.exists():
        shutil.rmtree(root)
    (root / "content" / "authors").mkdir(parents=True)
    (root / "site.yaml").write_text(
        "title: Benchmark Guide\ndescription: A generated guide for timing the preview.\n"
        "base_url: https://example.test/\nlanguage: en\nauthor: team\n"
        "disclaimer: Ask your physical therapist before trying these exercises.\n"
        "images:\n  widths: [64]\n  formats: [webp]\npage_size: 12\nrelated_posts: 3\n", encoding="utf-8")
    (root / "content" / "authors.yaml").write_text(
        "team:\n  name: The team\n  bio: Parents and physical therapists.\n  avatar: authors/team.jpg\n",
        encoding="utf-8")
    Image.new("RGB", (64, 64), (60, 140, 200)).save(root / "content" / "authors" / "team.jpg", quality=80)
    for n in range(posts):
        write_post(root, n, "")
    shutil.copytree(REPO / "templates", root / "templates")  # the site's own copy: edited below


def post_path(root: Path, n: int) -> Path:
    return root / "content" / "posts" / f"exercise-{n:05d}" / "index.md"


def write_post(root: Path, n: int, marker: str) -> None:
    tags = ", ".join(TAGS[(n + k * 5) % len(TAGS)] for k in range(3))
    path = post_path(root, n)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"""---
title: Exercise {n}
date: {2020 + n % 5}-{1 + n % 12:02d}-{1 + n % 28:02d}
summary: A short, gentle exercise, number {n}, written for the benchmark.
tags: [{tags}]
age:
  from_months: {n % 6}
  to_months: {6 + n % 12}
dosage:
  minutes: 3
  times_per_day: 2
benefits:
  - Builds strength in the neck and shoulders
  - Helps your baby {marker or 'move'}
steps:
  - text: Lay your baby on their back on a firm, flat surface.
  - text: Kneel at their feet and smile so they look at you.
  - text: Slowly bring their hands together over their chest and count to three.
---
Do this exercise when your baby is **awake and content**. Stop if they cry or seem tired.
{marker}
""", encoding="utf-8")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, root: Path) -> None:
        self.port = free_port()
        self.log = root.parent / f"{root.name}.serve.log"
        shutil.rmtree(root / ".cache" / "preview", ignore_errors=True)
        with open(self.log, "wb") as out:
            self.started = time.monotonic()
            self.process = subprocess.Popen([str(CLI), "serve", "--source", str(root), "--port", str(self.port)],
                                            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                            start_new_session=True, env=dict(os.environ, PYTHONUNBUFFERED="1"))

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait_ready(self, timeout: float) -> float:
        """Seconds from starting the command to the preview being served (its first build whole)."""
        deadline = time.monotonic() + timeout
        while "Preview: " not in self.output():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the preview did not start:\n{self.output()}")
            time.sleep(0.05)
        if not re.search(r"Built .* in ([0-9.]+) s", self.output()):
            raise SystemExit(f"the first build failed:\n{self.output()}")
        return time.monotonic() - self.started

    def rebuild_times(self) -> list[float]:
        return [float(t) for t in re.findall(r"Rebuilt in ([0-9.]+) s", self.output())]

    def stop(self) -> float:
        """Ctrl-C, as a terminal sends it; returns how long the server took to exit."""
        started = time.perf_counter()
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        return time.perf_counter() - started


async def connect(port: int):
    """Register like livereload.js: hello, then info with the page's address."""
    ws = await websocket_connect(f"ws://127.0.0.1:{port}/livereload")
    hello = {"command": "hello", "protocols": ["http://livereload.com/protocols/official-7"]}
    await ws.write_message(json.dumps(hello))
    await ws.read_message()
    await ws.write_message(json.dumps({"command": "info", "url": f"http://127.0.0.1:{port}/", "plugins": {}}))
    await asyncio.sleep(0.3)
    return ws


async def wait_on_disk(page: Path, marker: str, started: float, timeout: float) -> float:
    while time.perf_counter() - started < timeout:
        try:
            if marker in page.read_text(encoding="utf-8"):
                return time.perf_counter() - started
        except OSError:
            pass
        await asyncio.sleep(0.001)
    raise SystemExit(f"{marker} never reached {page}")


async def wait_swapped(folder: Path, inode: int, started: float, timeout: float) -> float:
    """Until the next build is published: each publish exchanges the folder with its spare."""
    while folder.stat().st_ino == inode:
        if time.perf_counter() - started > timeout:
            raise SystemExit(f"no build published into {folder} after the reload")
        await asyncio.sleep(0.005)
    return time.perf_counter() - started


async def time_edits(ws, edit, page: Path, repeats: int, timeout: float
                     ) -> tuple[list[float], list[float], list[float]]:
    """Each save waits for the last one's search index (the preview makes it right after the reload),
    as an author's saves are seconds or minutes apart: a save made while Pagefind runs waits for it."""
    disk, reload, indexed = [], [], []
    preview = page.parents[1]
    for n in range(repeats):
        marker = f"bench-marker-{time.time_ns()}-{n}"
        started = time.perf_counter()
        edit(marker)
        on_disk = asyncio.create_task(wait_on_disk(page, marker, started, timeout))
        message = json.loads(await asyncio.wait_for(ws.read_message(), timeout))
        assert message["command"] == "reload", message
        reload.append(time.perf_counter() - started)
        disk.append(await on_disk)
        if (preview / "pagefind").is_dir():  # search on: the index's own build follows the reload
            indexed.append(await wait_swapped(preview, preview.stat().st_ino, started, timeout))
        await asyncio.sleep(0.3)
    return disk, reload, indexed


def edit_template(root: Path):
    template = root / "templates" / "post.html"
    original = template.read_text(encoding="utf-8")

    def edit(marker: str) -> None:
        template.write_text(original.replace("{% block main %}", f"{{% block main %}}<!-- {marker} -->", 1),
                            encoding="utf-8")
    return edit


async def measure(root: Path, posts: int, repeats: int) -> dict:
    server = Server(root)
    try:
        cold = server.wait_ready(timeout=60 + posts * 0.2)
        timeout = 30 + cold * 3
        ws = await connect(server.port)
        target = posts // 2
        page = root / ".cache" / "preview" / f"exercise-{target:05d}" / "index.html"
        post_disk, post_reload, post_indexed = await time_edits(ws, lambda m: write_post(root, target, m), page,
                                                                repeats, timeout)
        post_builds = server.rebuild_times()
        tpl_disk, tpl_reload, tpl_indexed = await time_edits(ws, edit_template(root), page, repeats, timeout)
        tpl_builds = server.rebuild_times()[len(post_builds):]
        ws.close()
    finally:
        stopped = server.stop()
    return {"posts": posts, "cold": cold, "post": (post_disk, post_reload, post_builds, post_indexed),
            "template": (tpl_disk, tpl_reload, tpl_builds, tpl_indexed), "stop": stopped}


def ms(values: list[float]) -> str:
    if not values:
        return "-"
    return f"{statistics.median(values) * 1000:7.0f} ms (min {min(values) * 1000:.0f}, max {max(values) * 1000:.0f})"


def report(result: dict, repeats: int) -> None:
    print(f"\n{result['posts']:,} posts: cold start (command to preview served) {result['cold']:.2f} s; "
          f"medians of {repeats} saves")
    for name, target in (("post", {1000: 150, 5000: 300}.get(result["posts"])), ("template", None)):
        disk, reload, builds, indexed = result[name]
        goal = f"  (target < {target} ms)" if target else ""
        print(f"  {name + ' edit':13} -> page on disk  {ms(disk)}{goal}")
        print(f"  {name + ' edit':13} -> reload sent   {ms(reload)}")
        print(f"  {name + ' edit':13}    build alone   {ms(builds)}")
        print(f"  {name + ' edit':13} -> search updated {ms(indexed)}")
    print(f"  Ctrl-C -> server exited     {result['stop'] * 1000:7.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--large", action="store_true", help="5,000 posts instead of 1,000")
    parser.add_argument("--posts", type=int, help="any number of posts")
    parser.add_argument("--repeats", type=int, default=7, help="saves per measurement (default 7)")
    args = parser.parse_args()
    posts = args.posts or (5000 if args.large else 1000)
    root = HERE / ".work" / f"serve-{posts}"
    started = time.perf_counter()
    generate(root, posts)
    print(f"Generated {posts:,} posts in {root} in {time.perf_counter() - started:.1f} s.")
    report(asyncio.run(measure(root, posts, args.repeats)), args.repeats)


if __name__ == "__main__":
    main()
