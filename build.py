"""`python build.py [options]` is exactly `backlying-site build [options]`."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "src"))


def missing():
    """What this Python lacks to build, or None. (No f-strings: an old Python must get this far.)"""
    if sys.version_info < (3, 11):
        return "Python 3.11 or newer"
    try:
        import backlying_site.build  # noqa: F401 - everything a build imports
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] == "backlying_site":
            raise  # our own: a bug, reported as one
        top = (exc.name or "").split(".")[0]
        return "the package '%s'" % PIP_NAMES.get(top, top)
    return None


# Modules whose package pip knows by another name (what an author would search for or install).
PIP_NAMES = {"PIL": "pillow", "yaml": "pyyaml"}


# A Python without the packages (the system's, say) gets the one line that installs them, never a
# traceback (issue 22).
LACKING = missing()
if LACKING:
    sys.stderr.write("build.py: this Python (%s) lacks what backlying-site needs (%s); run 'make build', which "
                     "installs it into .venv/ first, or install it with 'python3 -m venv .venv && .venv/bin/python "
                     "-m pip install -e .' and run '.venv/bin/python build.py'\n" % (sys.executable, LACKING))
    sys.exit(2)

from backlying_site.cli import run  # noqa: E402

run(["build", *sys.argv[1:]])
