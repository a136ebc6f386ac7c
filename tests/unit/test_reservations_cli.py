"""The ``redisbehaviors stock`` command against the suite's server."""

from __future__ import annotations

from typing import Any

import pytest

from redisbehaviors.cli import main


def stock(redis_target: Any, ns: str, *argv: str) -> int:
    return main(["stock", "--url", redis_target.url, "--namespace", ns, *argv])


def test_a_reservation_round_trip_from_the_terminal(
    redis_target: Any, ns: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert stock(redis_target, ns, "set", "A-1", "3") == 0
    assert stock(redis_target, ns, "reserve", "order-1", "A-1=2", "--ttl-ms", "60000") == 0
    assert stock(redis_target, ns, "confirm", "order-1") == 0
    assert stock(redis_target, ns, "show", "A-1") == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1].startswith("order-1: held until ")
    assert out[2:] == ["order-1: confirmed", "A-1: StockLevel(available=1, reserved=0, sold=2, total=3)"]


def test_a_short_order_is_reported_on_stderr_with_status_1(
    redis_target: Any, ns: str, capsys: pytest.CaptureFixture[str]
) -> None:
    stock(redis_target, ns, "set", "A-1", "1")
    assert stock(redis_target, ns, "reserve", "order-1", "A-1=2") == 1
    assert capsys.readouterr().err == "short: A-1 wanted 2, available 1\n"


def test_a_malformed_order_line_stops_before_redis(redis_target: Any, ns: str) -> None:
    with pytest.raises(SystemExit, match="must look like SKU=QTY"):
        stock(redis_target, ns, "reserve", "order-1", "A-1:2")
