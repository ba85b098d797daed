"""A folder copied as hard links: the spare generation's first state (see writer).

Used in-process, and run as a script of its own (``python -I -S linkcopy.py SOURCE TARGET``, TARGET
made) by writer.SpareCopy: a small process that shares no memory with the build (a fork of the
build would, and each page the build then wrote would be copied for the child: ~45 MB at 5,000
posts). It imports nothing of this package, so it starts in ~15 ms. Folders TARGET already has are
used as they are: a first build makes most of them ahead, as it writes the pages (writer.write_to).
"""

import os
import sys


def link_tree(source: str, target: str) -> None:
    """``target`` as a copy of ``source`` made of hard links (symbolic links copied as such).
    shutil.copytree also copies each folder's times, mode and extended attributes: four more calls
    a folder, which the spare does not need (a rebuild writes what differs)."""
    os.mkdir(target)
    link_entries(source, target)


def link_entries(source: str, target: str) -> None:
    """What ``source`` holds, linked into the existing folder ``target``."""
    with os.scandir(source) as entries:
        for entry in entries:
            destination = os.path.join(target, entry.name)
            if entry.is_dir(follow_symlinks=False):
                try:
                    os.mkdir(destination)
                except FileExistsError:
                    pass  # made ahead
                link_entries(entry.path, destination)
            elif entry.is_symlink():
                os.symlink(os.readlink(entry.path), destination)
            else:
                os.link(entry.path, destination)


if __name__ == "__main__":
    link_entries(sys.argv[1], sys.argv[2])
