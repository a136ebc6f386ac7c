"""Helpers the ttl_locks step modules share (no steps here): the checks that bad input was refused
before anything was written."""

from __future__ import annotations

import redis

from redisbehaviors.errors import InvalidInput


def assert_invalid_input(error: Exception | None, text: str) -> None:
    assert isinstance(error, InvalidInput), f"expected InvalidInput, got {error!r}"
    assert text in str(error), f"{text!r} not in {error!s}"


def assert_no_keys(client: redis.Redis, ns: str) -> None:
    names = list(client.scan_iter(match=f"{ns}:*"))
    assert names == [], f"keys were written: {names}"
