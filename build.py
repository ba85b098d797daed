"""`python build.py [options]` is exactly `backlying-site build [options]`."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "src"))

from backlying_site.cli import main  # noqa: E402

sys.exit(main(["build", *sys.argv[1:]]))
