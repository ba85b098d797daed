"""A folder copied as hard links: the spare generation's first state (see writer).

Used in-process, and run as a script of its own by writer.SpareCopy: a small process that shares
no memory with the build (a fork of the build would, and each page the build then wrote would be
copied for the child: ~45 MB at 5,000 posts). It imports nothing of this package, so it starts in
~15 ms. As a script::

    python -I -S linkcopy.py SOURCE TARGET    (TARGET made and empty)

it reads from its input the folders the copy will need, one per line (relative, parents first),
then an empty line, and makes them at once, while the build is still writing SOURCE: a folder costs
~25 µs here and a site of thousands of pages has as many. Then it waits for a line ``go`` (SOURCE is
complete) and links what SOURCE holds. Without ``go`` (the build failed or was stopped) it exits
with status 1, having linked nothing.
"""

import os
import sys


def link_tree(source: str, target: str) -> None:
    """``target`` as a copy of ``source`` made of hard links (symbolic links copied as such).
    shutil.copytree also copies each folder's times, mode and extended attributes: four more calls
    a folder, which the spare does not need (a rebuild writes what differs)."""
    os.mkdir(target)
    link_entries(source, target)


def link_entries(source: str, target: str, made: "set[str] | None" = None) -> None:
    """What ``source`` holds, linked into the existing folder ``target``; the folders in ``made``
    exist already (each one met is taken out of it)."""
    with os.scandir(source) as entries:
        for entry in entries:
            destination = os.path.join(target, entry.name)
            if entry.is_dir(follow_symlinks=False):
                if made is not None and destination in made:
                    made.discard(destination)
                    link_entries(entry.path, destination, made)
                else:
                    os.mkdir(destination)
                    link_entries(entry.path, destination, made)
            elif entry.is_symlink():
                os.symlink(os.readlink(entry.path), destination)
            else:
                os.link(entry.path, destination)


def make_folders(target: str, folders: "list[str]") -> "set[str]":
    """The folders, made under ``target`` (parents first); their paths."""
    made: "set[str]" = set()
    for folder in folders:
        path = os.path.join(target, folder)
        missing = []
        while path not in made and path != target:  # its parents not listed, made first
            missing.append(path)
            path = os.path.dirname(path)
        for path in reversed(missing):
            os.mkdir(path)
            made.add(path)
    return made


def main(source: str, target: str) -> int:
    stream = sys.stdin.buffer
    folders = []
    for line in stream:  # all of it read before any folder is made: the build's write never waits
        if line == b"\n":
            break
        folders.append(os.fsdecode(line.rstrip(b"\n")))
    made = make_folders(target, folders)
    if stream.readline() != b"go\n":
        return 1
    link_entries(source, target, made)
    # A folder made ahead that the site turned out not to have: not part of the copy.
    for path in sorted(made, reverse=True):
        os.rmdir(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
