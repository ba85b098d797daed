"""backlying-site: a static site generator for a guide of baby physical-therapy exercises."""

from __future__ import annotations

__version__ = "0.1.0"
