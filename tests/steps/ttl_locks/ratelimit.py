"""Steps for features/ttl_locks/ratelimit.feature: the rate limiters (:mod:`redisbehaviors.ratelimit`).

Two worlds: :class:`LimiterWorld` (the limiter of the scenario and what it answered) and the
deliberately naive limiters built from raw commands (:class:`NaiveCounter`, :class:`NaiveLog`) that
show why INCR and EXPIRE must not be separate calls and why the client's clock must not decide.
Times are waited on the server's clock (the clock step is in ``expiration.py``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import redis
from pytest_bdd import given, parsers, then, when

from redisbehaviors.errors import InvalidInput
from redisbehaviors.ratelimit import (
    Decision,
    Limit,
    RateLimiter,
)
from redisbehaviors.testing import server_ms, wait_until
from tests.steps.ttl_locks.support import assert_invalid_input, assert_no_keys
from tests.support import ALGORITHMS

Snapshot = dict[str, tuple[str, Any]]  # key -> (TYPE, DUMP)


def policy(text: str) -> list[Limit]:
    return [Limit.parse(part) for part in text.split(",")]


def snapshot(r: redis.Redis, ns: str) -> Snapshot:
    return {name: (r.type(name), r.dump(name)) for name in r.scan_iter(match=f"{ns}:*")}


# ------------------------------------------------------------------------------------------------ naive limiters


@dataclass
class NaiveCounter:
    """A fixed window built from INCR, then EXPIRE as a second call."""

    key: str
    seconds: int


@dataclass
class NaiveLog:
    """A sliding log that timestamps requests with the application server's clock."""

    key: str
    amount: int
    admitted: int = 0
    sent: int = 0


@given(
    parsers.parse(
        'a naive limiter that counts hits on "{name}" with INCR, then sends EXPIRE {seconds:d} as a second call'
    ),
    target_fixture="naive_counter",
)
def naive_limiter(key: Callable[[str], str], name: str, seconds: int) -> NaiveCounter:
    return NaiveCounter(key(name), seconds)


@when("the naive limiter's process dies between the INCR and the EXPIRE of its first hit")
def naive_dies(naive_counter: NaiveCounter, client_factory: Callable[..., redis.Redis]) -> None:
    doomed = client_factory(single_connection_client=True)
    assert doomed.incr(naive_counter.key) == 1
    doomed.close()  # the process is gone: its EXPIRE is never sent


@when(parsers.parse("the naive limiter counts {hits:d} more hits, sending EXPIRE only when INCR replies 1"))
def naive_hits(naive_counter: NaiveCounter, r: redis.Redis, hits: int) -> None:
    for _ in range(hits):
        if r.incr(naive_counter.key) == 1:
            r.expire(naive_counter.key, naive_counter.seconds)


@given(
    parsers.parse(
        "a naive sliding log of {amount:d} per minute that timestamps requests with the application server's clock"
    ),
    target_fixture="naive_log",
)
def a_naive_log(key: Callable[[str], str], amount: int) -> NaiveLog:
    return NaiveLog(key("log:203.0.113.7"), amount)


@when(
    parsers.re(
        r'application server "(?P<name>[^"]+)"(?:, whose clock is (?P<skew>\d+) s fast,)? '
        r"sends (?P<count>\d+) requests through the naive log"
    )
)
def through_naive_log(naive_log: NaiveLog, r: redis.Redis, name: str, skew: str | None, count: str) -> None:
    """The moving-window pattern with the caller's clock: trim what *its* clock says is old, count, add."""
    log = naive_log
    for _ in range(int(count)):
        now = int((time.time() + int(skew or 0)) * 1000)
        r.zremrangebyscore(log.key, "-inf", now - 60_000)
        log.sent += 1
        if r.zcard(log.key) < log.amount:
            r.zadd(log.key, {f"{name}-{log.sent}": now})
            r.pexpire(log.key, 60_000)
            log.admitted += 1


@then(parsers.parse("the naive log admitted {admitted:d} of {sent:d} requests"))
def naive_log_admitted(naive_log: NaiveLog, admitted: int, sent: int) -> None:
    assert (naive_log.admitted, naive_log.sent) == (admitted, sent)


# ------------------------------------------------------------------------------------------------ limiters


@dataclass
class LimiterWorld:
    """The scenario's limiter and what it said."""

    limiter: RateLimiter
    decisions: list[Decision] = field(default_factory=list)
    error: InvalidInput | None = None
    before_peek: Snapshot = field(default_factory=dict)
    after_peek: Snapshot = field(default_factory=dict)
    counter: tuple[str, int] | None = None  # a fixed-window counter's key and the server ms its window ends

    def decide(self, action: Callable[[], Decision]) -> None:
        try:
            self.decisions.append(action())
        except InvalidInput as exc:
            self.error = exc

    def last_refusal(self) -> Decision:
        refusals = [d for d in self.decisions if not d.allowed]
        assert refusals, "no request was refused"
        return refusals[-1]


@given(
    parsers.re(
        r"a (?P<algorithm>fixed window|sliding log|sliding window counter|token bucket) limiter "
        r'allowing "(?P<limits>[^"]+)"'
    ),
    target_fixture="limiter_world",
)
def a_limiter(r: redis.Redis, ns: str, algorithm: str, limits: str) -> LimiterWorld:
    return LimiterWorld(ALGORITHMS[algorithm](r, policy(limits), namespace=ns))


@when(
    parsers.re(
        r'application server "(?P<name>[^"]+)"(?:, whose clock is (?P<skew>\d+) s fast,)? '
        r'sends (?P<count>\d+) requests from "(?P<who>[^"]+)" to "(?P<route>[^"]+)"'
    )
)
def app_server_sends(
    limiter_world: LimiterWorld, r: redis.Redis, ns: str, name: str, skew: str | None, count: str, who: str, route: str
) -> None:
    """Each application server has its own limiter; the only clock it is given (for its deny cache) is skewed."""
    shared = limiter_world.limiter

    def clock() -> float:
        return time.monotonic() + int(skew or 0)

    limiter = type(shared)(r, shared.limits, namespace=ns, deny_cache_size=100, clock=clock)
    for _ in range(int(count)):
        limiter_world.decisions.append(limiter.hit(who, route))


@when(parsers.re(r'the limiter decides (?P<count>\d+) requests? from "(?P<who>[^"]*)" to "(?P<route>[^"]*)"'))
def limiter_decides(limiter_world: LimiterWorld, count: str, who: str, route: str) -> None:
    for _ in range(int(count)):
        limiter_world.decide(lambda: limiter_world.limiter.hit(who, route))


@when(
    parsers.re(
        r'"(?P<who>[^"]+)" sends (?P<before>\d+) requests to "(?P<route>[^"]+)" just before a window edge '
        r"and (?P<after>\d+) just after it"
    )
)
def straddles_edge(
    limiter_world: LimiterWorld, r: redis.Redis, ns: str, who: str, before: str, after: str, route: str
) -> None:
    """Send in the last 200 ms of a server-clock window, then right after the edge (retried if too slow)."""
    limiter = limiter_world.limiter
    window = limiter.limits[0].window_ms
    counter = limiter.keys.limit(limiter.algorithm, who, route, limiter.limits[0].amount, window)  # its node's clock
    for _ in range(5):
        for name in r.scan_iter(match=f"{ns}:*"):
            r.delete(name)
        wait_until(
            lambda: window - 200 <= server_ms(r, counter) % window < window - 150,
            timeout=window / 1000 + 5,
            interval=0.002,
            what="the last 200 ms of a window",
        )
        edge = (server_ms(r, counter) // window + 1) * window
        decisions = [limiter.hit(who, route) for _ in range(int(before))]
        if server_ms(r, counter) >= edge:
            continue  # the machine was too slow to stay before the edge: try again
        wait_until(lambda edge=edge: server_ms(r, counter) >= edge, timeout=5, interval=0.002, what="the window edge")
        decisions += [limiter.hit(who, route) for _ in range(int(after))]
        limiter_world.decisions = decisions
        return
    raise AssertionError("could not send the first requests within 150 ms, five times")


@when(parsers.parse('the limiter decides a request of cost {cost:d} from "{who}" to "{route}"'))
def limiter_decides_cost(limiter_world: LimiterWorld, cost: int, who: str, route: str) -> None:
    limiter_world.decide(lambda: limiter_world.limiter.hit(who, route, cost=cost))


@when(parsers.re(r'the limiter peeks (?P<times>\d+) times? for "(?P<who>[^"]*)" on "(?P<route>[^"]*)"'))
def limiter_peeks(limiter_world: LimiterWorld, r: redis.Redis, ns: str, times: str, who: str, route: str) -> None:
    limiter_world.before_peek = snapshot(r, ns)
    for _ in range(int(times)):
        limiter_world.decide(lambda: limiter_world.limiter.peek(who, route))
    limiter_world.after_peek = snapshot(r, ns)


@then(parsers.parse('the limiter answered "{answers}"'))
def limiter_answered(limiter_world: LimiterWorld, answers: str) -> None:
    got = ", ".join(f"{'allow' if d.allowed else 'refuse'} {d.remaining}" for d in limiter_world.decisions)
    assert got == answers, f"expected {answers!r}, the limiter answered {got!r}"


@then(
    parsers.re(
        r'the last refusal is by the limit "(?P<limit>[^"]+)" with a retry after of at most '
        r"(?P<seconds>\d+) seconds?"
    )
)
def last_refusal(limiter_world: LimiterWorld, limit: str, seconds: str) -> None:
    refusal = limiter_world.last_refusal()
    assert refusal.limit == Limit.parse(limit), f"refused by {refusal.limit}, expected {limit}"
    assert 0 < refusal.retry_after <= int(seconds), f"retry after {refusal.retry_after} s"


@then(parsers.parse('a limiter allowing only "{limits}" still has {left:d} left for "{who}" on "{route}"'))
def only_limit_left(
    limiter_world: LimiterWorld, r: redis.Redis, ns: str, limits: str, left: int, who: str, route: str
) -> None:
    alone = type(limiter_world.limiter)(r, policy(limits), namespace=ns)
    assert alone.peek(who, route).remaining == left


@then("the limiter's keys are unchanged by the peek")
def peek_wrote_nothing(limiter_world: LimiterWorld) -> None:
    assert limiter_world.before_peek, "the scenario should have written counters before peeking"
    assert limiter_world.after_peek == limiter_world.before_peek


@then(parsers.parse('the fixed-window counter of "{who}" on "{route}" holds the server\'s window of {window:d} ms'))
def fixed_counter_holds_window(limiter_world: LimiterWorld, r: redis.Redis, who: str, route: str, window: int) -> None:
    limiter = limiter_world.limiter
    limit = limiter.limits[0]
    name = limiter.keys.limit(limiter.algorithm, who, route, limit.amount, limit.window_ms)
    now = server_ms(r, name)
    index, count = r.get(name).split()[:2]  # "<window index> <count> <operation ids>"
    # the hit happened a moment ago: its window is this one, or the previous one right at an edge
    assert int(index) in (now // window, now // window - 1), (index, now)
    assert int(count) == 1
    limiter_world.counter = (name, (int(index) + 1) * window)


@then(parsers.parse("that counter expires {horizon:d} ms after its window ends"))
def counter_expires_after_window(limiter_world: LimiterWorld, r: redis.Redis, horizon: int) -> None:
    assert limiter_world.counter is not None, "no fixed-window counter was looked at"
    name, window_end = limiter_world.counter
    before = server_ms(r, name)
    pttl = r.pttl(name)
    after = server_ms(r, name)
    assert pttl > 0, f"the counter has no TTL ({pttl})"
    # PTTL was read between `before` and `after`: the expiry lies in [before + pttl, after + pttl]
    assert before + pttl - 2 <= window_end + horizon <= after + pttl + 2, f"PTTL {pttl} between {before} and {after}"


@then("the last decision renders the headers:")
def renders_headers(limiter_world: LimiterWorld, datatable: list[list[str]]) -> None:
    assert limiter_world.decisions[-1].headers() == {name.strip(): value.strip() for name, value in datatable}


@then(parsers.parse('the limiter refuses it as invalid input mentioning "{text}"'))
def limiter_refused_input(limiter_world: LimiterWorld, text: str) -> None:
    assert_invalid_input(limiter_world.error, text)


@then("nothing was written under the limiter's namespace")
def limiter_wrote_nothing(r: redis.Redis, ns: str) -> None:
    assert_no_keys(r, ns)
