"""Imported first by the fork servers a build starts (their preload list): they die with their parent and ignore
Ctrl-C, like every other process of the build (see report/processes.py)."""
from __future__ import annotations

from .processes import quiet_child

quiet_child()
