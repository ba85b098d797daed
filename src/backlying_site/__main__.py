"""`python -m backlying_site` is the `backlying-site` command."""

from .cli import run

run()
