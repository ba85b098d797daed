"""Everything that decides what a build may take from earlier builds, behind one object: Store.

``build(options, reuse=None)`` is the clean build; given a Store it asks it, at each step, for what
an earlier build made from the same inputs, and tells it what this build made. Each answer holds
only while what it was made from is unchanged, checked as the question is asked: a file by its stat
(recorded as it was read), everything else by a key of its inputs (settings, dependency versions,
this program's code). The clean build is the oracle: tests/test_rebuilds.py checks, after random
edits, that a build with a Store writes exactly the files a clean build does.
"""

from .store import PageRecord, SavedPost, Store, collector_paused, load_store

__all__ = ["PageRecord", "SavedPost", "Store", "collector_paused", "load_store"]
