"""A Hypothesis state machine drives the reservation service against a real server and a model.

Conservation is checked after every step, on what Redis holds (one MULTI snapshot):

* for every SKU, available + reserved + sold == total, and total == every unit the model put in;
* reserved == the sum of the lines of the holds that are live ("held") on the server;
* sold == the sum of the lines of the orders the model saw confirmed (never oversold);
* no counter is negative; the expiry index holds exactly the live holds;
* a hold with a long TTL never expires; one with a short TTL may expire at any step.

Holds with TTLs of a few milliseconds expire while the machine runs; the sweeper, later
reservations and readers reclaim them, and the checks above prove each is returned once.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from redisbehaviors.reservations import (
    OrderConflict,
    Outcome,
    OutOfStock,
    Reservations,
    RestockConflict,
    UnknownOrder,
    UnknownSku,
)
from redisbehaviors.testing import wait_until

SKUS = ["A", "B", "C"]
ORDERS = [f"o{i}" for i in range(8)]
RESTOCK_IDS = ["r1", "r2", "r3"]
LONG_TTL = 600_000

skus = st.sampled_from(SKUS)
orders = st.sampled_from(ORDERS)
lines = st.dictionaries(skus, st.integers(1, 3), min_size=1, max_size=3)
ttls = st.sampled_from([2, 8, 15, LONG_TTL, LONG_TTL, LONG_TTL])  # a third of the holds expire


@dataclass
class ModelOrder:
    lines: dict[str, int]
    state: str
    short: bool  # a short TTL: may expire at any step


def server_ms(client: Any) -> int:
    seconds, micros = client.time()
    return int(seconds) * 1000 + int(micros) // 1000


@pytest.mark.parametrize("engine", ["script", "function"])
def test_reservations_conserve_stock(redis_target: Any, engine: str) -> None:
    if engine == "function" and redis_target.version < (7, 0, 0):
        pytest.skip("Functions need Redis 7.0")
    client = redis_target.client()
    seen: dict[str, int] = {}  # final states of all orders of all runs

    class ReservationMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.ns = f"rbt-m-{uuid.uuid4().hex[:8]}"
            self.service = Reservations(client, namespace=self.ns, engine=engine, reclaim_on_reserve=2)
            self.total = dict.fromkeys(SKUS, 0)
            self.orders: dict[str, ModelOrder] = {}
            self.restocks: dict[str, tuple[str, int]] = {}
            for sku in SKUS:
                self.service.set_stock(sku, 10)
                self.total[sku] = 10

        def teardown(self) -> None:
            seen["runs"] = seen.get("runs", 0) + 1
            for order in self.orders.values():
                seen[order.state] = seen.get(order.state, 0) + 1
            client.delete(*self.service.keys.all)

        # -------------------------------------------------------------------------------- stock

        @rule(sku=skus, units=st.integers(0, 8))
        def set_stock(self, sku: str, units: int) -> None:
            before = self.service.stock(sku).available  # set_stock reclaims nothing: no race here
            level = self.service.set_stock(sku, units)
            self.total[sku] += units - before
            assert level.available == units and level.total == self.total[sku]

        @rule(sku=skus, units=st.integers(1, 5), restock_id=st.sampled_from(RESTOCK_IDS))
        def restock(self, sku: str, units: int, restock_id: str) -> None:
            seen = self.restocks.get(restock_id)
            if seen is not None and seen != (sku, units):
                with pytest.raises(RestockConflict):
                    self.service.restock(sku, units, restock_id)
                return
            applied = self.service.restock(sku, units, restock_id)
            assert applied == (seen is None)
            if applied:
                self.restocks[restock_id] = (sku, units)
                self.total[sku] += units

        # -------------------------------------------------------------------------------- holds

        def _expired_on_server(self, order_id: str) -> None:
            model = self.orders[order_id]
            assert model.short, f"{order_id} had a long TTL and expired"
            model.state = "expired"

        @rule(order_id=orders, items=lines, ttl=ttls)
        def reserve(self, order_id: str, items: dict[str, int], ttl: int) -> None:
            model = self.orders.get(order_id)
            try:
                reservation = self.service.reserve(order_id, items, ttl)
            except UnknownSku as exc:
                assert model is None and exc.skus == ["UNSTOCKED"]
                return
            except OutOfStock as exc:
                assert model is None
                for sku, shortage in exc.shortages.items():
                    assert shortage.wanted == items[sku] > shortage.available
                    assert self.service.stock(sku).available == shortage.available
                return
            except OrderConflict as exc:
                assert model is not None
                if model.state == "held" and exc.state == "expired":
                    self._expired_on_server(order_id)
                else:
                    assert exc.state == model.state and (model.state != "held" or model.lines != items)
                return
            assert "UNSTOCKED" not in items
            if model is None:
                assert reservation.outcome is Outcome.HELD
                self.orders[order_id] = ModelOrder(items, "held", ttl != LONG_TTL)
            else:
                assert reservation.outcome is Outcome.ALREADY_HELD
                assert model.state == "held" and model.lines == items

        @initialize(first=lines, second=lines, ttl=ttls)
        def start_with_two_holds(self, first: dict[str, int], second: dict[str, int], ttl: int) -> None:
            self.reserve("o0", first, ttl)
            self.reserve("o1", second, LONG_TTL)

        @rule(order_id=orders, items=lines)
        def reserve_with_an_unstocked_sku(self, order_id: str, items: dict[str, int]) -> None:
            self.reserve(order_id, {**items, "UNSTOCKED": 1}, LONG_TTL)

        def _close(self, order_id: str, action: str) -> None:
            model = self.orders.get(order_id)
            call = self.service.confirm if action == "confirm" else self.service.cancel
            if model is None:
                with pytest.raises(UnknownOrder):
                    call(order_id)
                return
            outcome = call(order_id)
            done = "confirmed" if action == "confirm" else "cancelled"
            if model.state == "held":
                if outcome is Outcome.EXPIRED:
                    self._expired_on_server(order_id)
                else:
                    assert outcome == done
                    model.state = done
            elif model.state == done:
                assert outcome == f"already_{done}"
            else:
                assert outcome == model.state

        @rule(order_id=orders)
        def confirm(self, order_id: str) -> None:
            self._close(order_id, "confirm")

        @rule(order_id=orders)
        def cancel(self, order_id: str) -> None:
            self._close(order_id, "cancel")

        @rule(order_id=orders, ttl=ttls)
        def extend(self, order_id: str, ttl: int) -> None:
            model = self.orders.get(order_id)
            if model is None:
                with pytest.raises(UnknownOrder):
                    self.service.extend(order_id, ttl)
                return
            outcome = self.service.extend(order_id, ttl)
            if model.state == "held" and outcome is Outcome.EXPIRED:
                self._expired_on_server(order_id)
            elif model.state == "held":
                assert outcome is Outcome.EXTENDED
                model.short = ttl != LONG_TTL  # the new TTL replaces the old one
            else:
                assert outcome == model.state

        @rule(order_id=orders)
        def read(self, order_id: str) -> None:
            model = self.orders.get(order_id)
            if model is None:
                with pytest.raises(UnknownOrder):
                    self.service.hold(order_id)
                return
            hold = self.service.hold(order_id)
            assert hold.lines == model.lines
            if model.state == "held" and hold.state == "expired":
                self._expired_on_server(order_id)
            assert hold.state == model.state

        @rule()
        def sweep(self) -> None:
            self.service.sweep(limit=3)

        @rule()  # no precondition: whether a hold is still live depends on time, not only on the steps
        def let_short_holds_run_out(self) -> None:
            deadlines = [
                int(json.loads(raw)["deadline"])
                for order_id, raw in client.hgetall(self.service.keys.holds).items()
                if self.orders[order_id].short and json.loads(raw)["state"] == "held"
            ]
            latest = max(deadlines, default=0)
            wait_until(lambda: server_ms(client) > latest, 10, what="short holds to pass their deadline")

        # -------------------------------------------------------------------------------- invariants

        @invariant()
        def stock_is_conserved(self) -> None:
            seen["checks"] = seen.get("checks", 0) + 1
            keys = self.service.keys
            pipe = client.pipeline(transaction=True)
            pipe.hgetall(keys.stock)
            pipe.hgetall(keys.holds)
            pipe.zrange(keys.expiry, 0, -1)
            stock, holds, expiry = pipe.execute()
            live: dict[str, int] = dict.fromkeys(SKUS, 0)
            server_states = {}
            for order_id, raw in holds.items():
                hold = json.loads(raw)
                server_states[order_id] = hold["state"]
                if hold["state"] == "held":
                    for sku, qty in hold["lines"]:
                        live[sku] += int(qty)
            for order_id, model in self.orders.items():
                state = server_states[order_id]
                if model.state == "held" and state == "expired":
                    self._expired_on_server(order_id)  # reclaimed by a sweep or another order
                assert state == model.state, f"{order_id}: server {state}, model {model.state}"
            assert set(expiry) == {o for o, s in server_states.items() if s == "held"}
            for sku in SKUS:
                available, reserved, sold, total = (
                    int(stock[f"{sku}:{c}"]) for c in ("available", "reserved", "sold", "total")
                )
                confirmed = sum(o.lines.get(sku, 0) for o in self.orders.values() if o.state == "confirmed")
                assert min(available, reserved, sold) >= 0, f"{sku}: negative counter in {stock}"
                assert available + reserved + sold == total == self.total[sku], f"{sku}: {stock}"
                assert reserved == live[sku], f"{sku}: reserved {reserved}, live holds {live[sku]}"
                assert sold == confirmed, f"{sku}: sold {sold}, confirmed {confirmed}"

    try:
        run_state_machine_as_test(ReservationMachine)
    finally:
        client.close()
    print(f"final order states over the run ({engine}): {seen}")
    # The point is conservation *with* expiries: make sure some holds did expire during the run.
    assert seen.get("expired", 0) > 0, seen
