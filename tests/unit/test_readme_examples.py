"""Every Python example in the README runs, in order, against the suite's server."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_the_readme_has_examples() -> None:
    assert len(BLOCKS) >= 4


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_example_runs(index: int, r: Any, ns: str, capsys: pytest.CaptureFixture[str]) -> None:
    # The examples say redis.Redis(decode_responses=True); here they get the suite's own server, and
    # their namespaces are moved under the scenario's so nothing outlives the test.
    source = "\n".join(BLOCKS[: index + 1])
    source = source.replace("r = redis.Redis(decode_responses=True)", "")
    source = re.sub(r'namespace="([^"]+)"', lambda m: f'namespace="{ns}:{m.group(1)}"', source)
    exec(compile(source, f"README example {index + 1}", "exec"), {"r": r})
