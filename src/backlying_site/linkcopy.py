"""A folder copied as hard links: the spare generation's first state (see writer).

Used in-process (``link_tree``), and run as a script of its own by writer.SpareCopy::

    python -I -S linkcopy.py SOURCE TARGET < files

(the files' paths relative to SOURCE, each ended by a NUL byte; TARGET made): a small process that
shares no memory with the build (a fork of the build would, and each page the build then wrote
would be copied for the child: ~45 MB at 5,000 posts). It imports nothing of this package, so it
starts in ~15 ms. Told the files, it walks nothing; the pages a first build linked as it wrote
them (writer.write_to) are there already, and it links the rest.
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
                link_tree(entry.path, destination)
            elif entry.is_symlink():
                os.symlink(os.readlink(entry.path), destination)
            else:
                os.link(entry.path, destination)


def link_listed(source: str, target: str, files: "list[str]") -> None:
    """The ``files`` (relative paths) of ``source`` linked into ``target``, their folders made as
    needed; one ``target`` has already is taken to be linked (the build links the pages it writes
    as it writes them: ``target`` is that build's own). A symbolic link is linked as itself, as
    link_entries copies it."""
    for rel in files:
        destination = os.path.join(target, rel)
        try:
            os.link(os.path.join(source, rel), destination, follow_symlinks=False)
        except FileExistsError:
            pass
        except FileNotFoundError:  # its folder not made yet (or the file missing: then it fails again)
            os.makedirs(os.path.dirname(destination), exist_ok=True)
            os.link(os.path.join(source, rel), destination, follow_symlinks=False)


if __name__ == "__main__":
    listed = sys.stdin.buffer.read().split(b"\0")
    link_listed(sys.argv[1], sys.argv[2], [os.fsdecode(rel) for rel in listed if rel])
