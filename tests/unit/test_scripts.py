"""How a script's text is put together (redisbehaviors.scripts): only the helpers it uses go with it."""

from __future__ import annotations

import re

from redisbehaviors.scripts import script_source, used_helpers

HELPERS = """-- shared helpers
local LIMIT = 64

-- twice x
local function double(x)
  return x * 2
end

local function quad(x)
  return double(double(x))
end

-- never called
local function unused(x)
  if x then
    return 1
  end
end
"""


def defined(text: str) -> list[str]:
    return re.findall(r"^local function (\w+)", text, re.M)


def test_a_helper_the_body_calls_is_kept_with_the_helpers_it_calls() -> None:
    kept = used_helpers(HELPERS, "return quad(ARGV[1])")
    assert defined(kept) == ["double", "quad"]
    assert "-- twice x\nlocal function double(x)" in kept  # its comment goes with it


def test_a_helper_nothing_calls_is_dropped_with_its_comment() -> None:
    kept = used_helpers(HELPERS, "return double(1)")
    assert defined(kept) == ["double"]
    assert "never called" not in kept
    assert "local LIMIT = 64" in kept  # what is not a function always stays


def test_a_name_in_a_comment_keeps_the_helper() -> None:
    assert defined(used_helpers(HELPERS, "-- unused is mentioned here\nreturn 1")) == ["unused"]


def test_the_fixed_window_gets_the_clock_but_not_the_operation_records() -> None:
    source = script_source("redisbehaviors.ratelimit", "fixed_window", preludes=("_common",))
    names = defined(source)
    assert "now_ms" in names and "settle" in names and "decision" in names
    assert "now_us" not in names and "op_replay" not in names and "op_record" not in names
