"""`python build.py [options]` is exactly `backlying-site build [options]`."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "src"))

from backlying_site.cli import run  # noqa: E402

run(["build", *sys.argv[1:]])
