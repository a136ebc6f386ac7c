"""What a server says it is: its version, read from ``INFO server``.

Components and the test harness both read it (a component may pick a command by version), so it
lives here, outside the harness.
"""

from __future__ import annotations

import re

Version = tuple[int, int, int]


def parse_version(text: str) -> Version:
    """``"7.0.15"`` -> ``(7, 0, 15)``; missing parts count as zero."""
    parts = [int(p) for p in re.findall(r"\d+", text)[:3]] + [0, 0, 0]
    return (parts[0], parts[1], parts[2])
