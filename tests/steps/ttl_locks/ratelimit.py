"""Steps for features/ttl_locks/ratelimit*.feature and sessions*.feature.

The rate limiters (:mod:`redisbehaviors.ratelimit`) and the session store
(:mod:`redisbehaviors.sessions`), plus a deliberately naive two-call fixed-window limiter that
shows why INCR and EXPIRE must not be separate calls.  Times are waited on the server's clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import redis
from pytest_bdd import given, parsers, step, then, when

from redisbehaviors.errors import InvalidInput
from redisbehaviors.ratelimit import (
    Decision,
    FixedWindowLimiter,
    Limit,
    RateLimiter,
    SlidingLogLimiter,
    SlidingWindowCounterLimiter,
    TokenBucketLimiter,
)
from redisbehaviors.sessions import Session, SessionNotFound, SessionStore
from redisbehaviors.sessions.keys import bucket_of
from redisbehaviors.testing import wait_until

ALGORITHMS: dict[str, type[RateLimiter]] = {
    "fixed window": FixedWindowLimiter,
    "sliding log": SlidingLogLimiter,
    "sliding window counter": SlidingWindowCounterLimiter,
    "token bucket": TokenBucketLimiter,
}


def server_ms(client: redis.Redis) -> int:
    seconds, micros = client.time()
    return int(seconds) * 1000 + int(micros) // 1000


def policy(text: str) -> list[Limit]:
    return [Limit.parse(part) for part in text.split(",")]


@step(parsers.parse("the server's clock has advanced {ms:d} ms"))
def server_clock_advanced(r: redis.Redis, ms: int) -> None:
    """Poll the server's TIME (touches no key, so nothing expires lazily meanwhile), bounded."""
    start = server_ms(r)
    wait_until(lambda: server_ms(r) >= start + ms, timeout=10 + ms / 1000, interval=0.005, what=f"+{ms} ms")


# ------------------------------------------------------------------------------------------------ naive limiter


@given(
    parsers.parse(
        'a naive limiter that counts hits on "{name}" with INCR, then sends EXPIRE {seconds:d} as a second call'
    )
)
def naive_limiter(ctx: dict[str, Any], key: Callable[[str], str], name: str, seconds: int) -> None:
    ctx["naive"] = (key(name), seconds)


@when("the naive limiter's process dies between the INCR and the EXPIRE of its first hit")
def naive_dies(ctx: dict[str, Any], client_factory: Callable[..., Any]) -> None:
    counter, _ = ctx["naive"]
    doomed = client_factory(single_connection_client=True)
    assert doomed.incr(counter) == 1
    doomed.close()  # the process is gone: its EXPIRE is never sent


@when(parsers.parse("the naive limiter counts {hits:d} more hits, sending EXPIRE only when INCR replies 1"))
def naive_hits(ctx: dict[str, Any], r: redis.Redis, hits: int) -> None:
    counter, seconds = ctx["naive"]
    for _ in range(hits):
        if r.incr(counter) == 1:
            r.expire(counter, seconds)


@given(
    parsers.parse(
        "a naive sliding log of {amount:d} per minute that timestamps requests with the application server's clock"
    )
)
def naive_log(ctx: dict[str, Any], key: Callable[[str], str], amount: int) -> None:
    ctx["naive_log"] = {"key": key("log:203.0.113.7"), "amount": amount, "admitted": 0, "sent": 0}


@when(
    parsers.re(
        r'application server "(?P<name>[^"]+)"(?:, whose clock is (?P<skew>\d+) s fast,)? '
        r"sends (?P<count>\d+) requests through the naive log"
    )
)
def through_naive_log(ctx: dict[str, Any], r: redis.Redis, name: str, skew: str | None, count: str) -> None:
    """The moving-window pattern with the caller's clock: trim what *its* clock says is old, count, add."""
    log = ctx["naive_log"]
    for _ in range(int(count)):
        now = int((time.time() + int(skew or 0)) * 1000)
        r.zremrangebyscore(log["key"], "-inf", now - 60_000)
        log["sent"] += 1
        if r.zcard(log["key"]) < log["amount"]:
            r.zadd(log["key"], {f"{name}-{log['sent']}": now})
            r.pexpire(log["key"], 60_000)
            log["admitted"] += 1


@then(parsers.parse("the naive log admitted {admitted:d} of {sent:d} requests"))
def naive_log_admitted(ctx: dict[str, Any], admitted: int, sent: int) -> None:
    assert (ctx["naive_log"]["admitted"], ctx["naive_log"]["sent"]) == (admitted, sent)


@when(
    parsers.re(
        r'application server "(?P<name>[^"]+)"(?:, whose clock is (?P<skew>\d+) s fast,)? '
        r'sends (?P<count>\d+) requests from "(?P<who>[^"]+)" to "(?P<route>[^"]+)"'
    )
)
def app_server_sends(
    ctx: dict[str, Any], r: redis.Redis, ns: str, name: str, skew: str | None, count: str, who: str, route: str
) -> None:
    """Each application server has its own limiter; the only clock it is given (for its deny cache) is skewed."""
    shared: RateLimiter = ctx["limiter"]

    def clock() -> float:
        return time.monotonic() + int(skew or 0)

    limiter = type(shared)(r, shared.limits, namespace=ns, deny_cache_size=100, clock=clock)
    for _ in range(int(count)):
        ctx["decisions"].append(limiter.hit(who, route))


# ------------------------------------------------------------------------------------------------ limiters


@given(
    parsers.re(
        r"a (?P<algorithm>fixed window|sliding log|sliding window counter|token bucket) limiter "
        r'allowing "(?P<limits>[^"]+)"'
    )
)
def a_limiter(ctx: dict[str, Any], r: redis.Redis, ns: str, algorithm: str, limits: str) -> None:
    ctx["limiter"] = ALGORITHMS[algorithm](r, policy(limits), namespace=ns)
    ctx["decisions"] = []


def _decide(ctx: dict[str, Any], action: Callable[[], Decision]) -> None:
    try:
        ctx["decisions"].append(action())
    except InvalidInput as exc:
        ctx["error"] = exc


@when(parsers.re(r'the limiter decides (?P<count>\d+) requests? from "(?P<who>[^"]*)" to "(?P<route>[^"]*)"'))
def limiter_decides(ctx: dict[str, Any], count: str, who: str, route: str) -> None:
    for _ in range(int(count)):
        _decide(ctx, lambda: ctx["limiter"].hit(who, route))


@when(
    parsers.re(
        r'"(?P<who>[^"]+)" sends (?P<before>\d+) requests to "(?P<route>[^"]+)" just before a window edge '
        r"and (?P<after>\d+) just after it"
    )
)
def straddles_edge(ctx: dict[str, Any], r: redis.Redis, ns: str, who: str, before: str, after: str, route: str):
    """Send in the last 200 ms of a server-clock window, then right after the edge (retried if too slow)."""
    limiter: RateLimiter = ctx["limiter"]
    window = limiter.limits[0].window_ms
    for _ in range(5):
        for name in r.scan_iter(match=f"{ns}:*"):
            r.delete(name)
        wait_until(
            lambda: window - 200 <= server_ms(r) % window < window - 150,
            timeout=window / 1000 + 5,
            interval=0.002,
            what="the last 200 ms of a window",
        )
        edge = (server_ms(r) // window + 1) * window
        decisions = [limiter.hit(who, route) for _ in range(int(before))]
        if server_ms(r) >= edge:
            continue  # the machine was too slow to stay before the edge: try again
        wait_until(lambda edge=edge: server_ms(r) >= edge, timeout=5, interval=0.002, what="the window edge")
        decisions += [limiter.hit(who, route) for _ in range(int(after))]
        ctx["decisions"] = decisions
        return
    raise AssertionError("could not send the first requests within 150 ms, five times")


@when(parsers.parse('the limiter decides a request of cost {cost:d} from "{who}" to "{route}"'))
def limiter_decides_cost(ctx: dict[str, Any], cost: int, who: str, route: str) -> None:
    _decide(ctx, lambda: ctx["limiter"].hit(who, route, cost=cost))


def _snapshot(r: redis.Redis, ns: str) -> dict[str, Any]:
    return {name: (r.type(name), r.dump(name)) for name in r.scan_iter(match=f"{ns}:*")}


@when(parsers.re(r'the limiter peeks (?P<times>\d+) times? for "(?P<who>[^"]*)" on "(?P<route>[^"]*)"'))
def limiter_peeks(ctx: dict[str, Any], r: redis.Redis, ns: str, times: str, who: str, route: str) -> None:
    ctx["before_peek"] = _snapshot(r, ns)
    for _ in range(int(times)):
        _decide(ctx, lambda: ctx["limiter"].peek(who, route))
    ctx["after_peek"] = _snapshot(r, ns)


@then(parsers.parse('the limiter answered "{answers}"'))
def limiter_answered(ctx: dict[str, Any], answers: str) -> None:
    got = ", ".join(f"{'allow' if d.allowed else 'refuse'} {d.remaining}" for d in ctx["decisions"])
    assert got == answers, f"expected {answers!r}, the limiter answered {got!r}"


def _last_refusal(ctx: dict[str, Any]) -> Decision:
    refusals = [d for d in ctx["decisions"] if not d.allowed]
    assert refusals, "no request was refused"
    return refusals[-1]


@then(
    parsers.re(
        r'the last refusal is by the limit "(?P<limit>[^"]+)" with a retry after of at most '
        r"(?P<seconds>\d+) seconds?"
    )
)
def last_refusal(ctx: dict[str, Any], limit: str, seconds: str) -> None:
    refusal = _last_refusal(ctx)
    assert refusal.limit == Limit.parse(limit), f"refused by {refusal.limit}, expected {limit}"
    assert 0 < refusal.retry_after <= int(seconds), f"retry after {refusal.retry_after} s"


@then(parsers.parse('a limiter allowing only "{limits}" still has {left:d} left for "{who}" on "{route}"'))
def only_limit_left(ctx: dict[str, Any], r: redis.Redis, ns: str, limits: str, left: int, who: str, route: str):
    alone = type(ctx["limiter"])(r, policy(limits), namespace=ns)
    assert alone.peek(who, route).remaining == left


@then("the limiter's keys are unchanged by the peek")
def peek_wrote_nothing(ctx: dict[str, Any]) -> None:
    assert ctx["before_peek"], "the scenario should have written counters before peeking"
    assert ctx["after_peek"] == ctx["before_peek"]


@then(
    parsers.parse(
        'the fixed-window counter of "{who}" on "{route}" is named after the server\'s window of {window:d} ms'
    )
)
def fixed_counter_named(ctx: dict[str, Any], r: redis.Redis, who: str, route: str, window: int) -> None:
    limiter = ctx["limiter"]
    limit = limiter.limits[0]
    base = limiter.keys.limit(limiter.algorithm, who, route, limit.amount, limit.window_ms)
    now = server_ms(r)
    names = list(r.scan_iter(match=base.replace("{", "\\{").replace("}", "\\}") + ":*"))
    assert len(names) == 1, names
    index = int(names[0].rsplit(":", 1)[1])
    # the hit happened a moment ago: its window is this one, or the previous one right at an edge
    assert index in (now // window, now // window - 1), (index, now)
    ctx["counter"] = (names[0], (index + 1) * window)


@then("that counter expires when its window ends")
def counter_expires_with_window(ctx: dict[str, Any], r: redis.Redis) -> None:
    name, window_end = ctx["counter"]
    before = server_ms(r)
    pttl = r.pttl(name)
    after = server_ms(r)
    assert pttl > 0, f"the counter has no TTL ({pttl})"
    # PTTL was read between `before` and `after`: the expiry lies in [before + pttl, after + pttl]
    assert before + pttl - 2 <= window_end <= after + pttl + 2, f"PTTL {pttl} between {before} and {after}"


@then("the last decision renders the headers:")
def renders_headers(ctx: dict[str, Any], datatable: list[list[str]]) -> None:
    assert ctx["decisions"][-1].headers() == {name.strip(): value.strip() for name, value in datatable}


@then(parsers.parse('the limiter refuses it as invalid input mentioning "{text}"'))
def limiter_refused_input(ctx: dict[str, Any], text: str) -> None:
    error = ctx.get("error")
    assert isinstance(error, InvalidInput), f"expected InvalidInput, got {error!r}"
    assert text in str(error), f"{text!r} not in {error!s}"


@then("nothing was written under the limiter's namespace")
def limiter_wrote_nothing(r: redis.Redis, ns: str) -> None:
    assert list(r.scan_iter(match=f"{ns}:*")) == []


# ------------------------------------------------------------------------------------------------ sessions


@given(parsers.parse("a session store with an idle timeout of {idle:d} ms and a lifetime of {lifetime:d} ms"))
def session_store(ctx: dict[str, Any], r: redis.Redis, ns: str, idle: int, lifetime: int) -> None:
    ctx["store"] = SessionStore(r, namespace=ns, idle_timeout_ms=idle, absolute_lifetime_ms=lifetime)
    ctx["sessions"] = {}


@given(parsers.parse("the session store's idle timeout becomes {idle:d} ms"))
def store_idle_changes(ctx: dict[str, Any], r: redis.Redis, ns: str, idle: int) -> None:
    lifetime = ctx["store"].absolute_lifetime_ms
    ctx["store"] = SessionStore(r, namespace=ns, idle_timeout_ms=idle, absolute_lifetime_ms=lifetime)


SIGNS_IN = r'"(?P<user>[^"]+)" signs in as session "(?P<label>[^"]+)"'
WITH_FIELD = r'(?: with "(?P<field>[^"]+)" set to "(?P<value>[^"]*)")?'


@step(parsers.re(SIGNS_IN + WITH_FIELD))
def signs_in(ctx: dict[str, Any], user: str, label: str, field: str | None, value: str | None) -> None:
    data = {field: value} if field else None
    ctx["sessions"][label] = ctx["store"].create(user, data)
    ctx.setdefault("users", {})[label] = user


@then(parsers.parse('"{user}" signing in again gets a different token'))
def different_token(ctx: dict[str, Any], user: str) -> None:
    assert ctx["store"].create(user) not in ctx["sessions"].values()


@then(parsers.parse('the token of session "{label}" is its user\'s bucket, a dot and {length:d} URL-safe characters'))
def token_shape(ctx: dict[str, Any], label: str, length: int) -> None:
    token = ctx["sessions"][label]
    bucket, secret = token.split(".")
    assert int(bucket) == bucket_of(ctx["users"][label])
    assert len(secret) == length and all(c.isalnum() or c in "-_" for c in secret), token


def _write(ctx: dict[str, Any], label: str, field: str, value: str) -> None:
    try:
        ctx["store"].set(ctx["sessions"][label], {field: value})
    except SessionNotFound as exc:
        ctx["error"] = exc


@step(parsers.parse('session "{label}" sets "{field}" to "{value}"'))
def session_sets(ctx: dict[str, Any], label: str, field: str, value: str) -> None:
    _write(ctx, label, field, value)


@given(parsers.parse('a slow request on session "{label}" is about to set "{field}" to "{value}"'))
def slow_request(ctx: dict[str, Any], label: str, field: str, value: str) -> None:
    ctx["slow"] = (label, field, value)  # it read the session and holds the token; its write is late


@when("the slow request's write arrives")
def slow_write_arrives(ctx: dict[str, Any]) -> None:
    _write(ctx, *ctx["slow"])


@step(parsers.parse('session "{label}" is read'))
def session_read(ctx: dict[str, Any], label: str) -> None:
    ctx["read"] = ctx["store"].get(ctx["sessions"][label])


@then(parsers.re(r'session "(?P<label>[^"]+)" reads (?P<pairs>"[^"]+" as "[^"]*"(?: and "[^"]+" as "[^"]*")*)'))
def session_reads(ctx: dict[str, Any], label: str, pairs: str) -> None:
    parts = pairs.split('"')[1::2]
    expected = dict(zip(parts[::2], parts[1::2], strict=True))
    session = ctx["store"].get(ctx["sessions"][label])
    assert session is not None, f"session {label} is gone"
    assert {name: session.data.get(name) for name in expected} == expected, session.data


@step(parsers.parse('session "{label}" is rotated to "{new}"'))
def session_rotated(ctx: dict[str, Any], label: str, new: str) -> None:
    ctx["sessions"][new] = ctx["store"].rotate(ctx["sessions"][label])


@step(parsers.parse('session "{label}" is revoked'))
def session_revoked(ctx: dict[str, Any], label: str) -> None:
    assert ctx["store"].revoke(ctx["sessions"][label]) is True


@when(parsers.parse('every session of "{user}" is revoked'))
def all_revoked(ctx: dict[str, Any], user: str) -> None:
    ctx["revoked"] = ctx["store"].revoke_all(user)


@then(parsers.parse("{count:d} sessions were revoked"))
def revoked_count(ctx: dict[str, Any], count: int) -> None:
    assert ctx["revoked"] == count


@then(parsers.parse('session "{label}" is gone'))
def session_gone(ctx: dict[str, Any], label: str) -> None:
    assert ctx["store"].get(ctx["sessions"][label]) is None


@then(parsers.parse('session "{label}" is live'))
def session_live(ctx: dict[str, Any], label: str) -> None:
    assert ctx["store"].get(ctx["sessions"][label]) is not None


@step(parsers.parse('within {seconds:d} seconds session "{label}" is gone'))
def session_gone_within(ctx: dict[str, Any], r: redis.Redis, seconds: int, label: str) -> None:
    """Watch the key with EXISTS: polling with the store's own read would slide the idle expiry."""
    name = ctx["store"].keys.session(ctx["sessions"][label])
    wait_until(lambda: r.exists(name) == 0, timeout=seconds, what=f"session {label} to expire")
    assert ctx["store"].get(ctx["sessions"][label]) is None


@then(parsers.re(r'"(?P<user>[^"]+)" has (?P<count>\d+) live sessions?'))
def live_sessions(ctx: dict[str, Any], user: str, count: str) -> None:
    assert len(ctx["store"].sessions_of(user)) == int(count)


@then(parsers.parse('the index of "{user}" holds only session "{label}"'))
def index_holds(ctx: dict[str, Any], r: redis.Redis, user: str, label: str) -> None:
    assert r.zrange(ctx["store"].keys.user(user), 0, -1) == [ctx["sessions"][label]]


@then(parsers.parse('the write to session "{label}" was refused because the session is gone'))
def write_refused(ctx: dict[str, Any], label: str) -> None:
    assert isinstance(ctx.get("error"), SessionNotFound), f"got {ctx.get('error')!r}"


@then(parsers.parse('the session key of "{label}" does not exist'))
def session_key_missing(ctx: dict[str, Any], r: redis.Redis, label: str) -> None:
    assert r.exists(ctx["store"].keys.session(ctx["sessions"][label])) == 0


@step(parsers.parse('the session key of "{label}" expires in {low:d} to {high:d} ms'))
def session_key_pttl(ctx: dict[str, Any], r: redis.Redis, label: str, low: int, high: int) -> None:
    pttl = r.pttl(ctx["store"].keys.session(ctx["sessions"][label]))
    assert low <= pttl <= high, f"PTTL is {pttl}"


@when(parsers.parse('session "{label}" is read every {every:d} ms until it is gone'))
def read_until_gone(ctx: dict[str, Any], r: redis.Redis, label: str, every: int) -> None:
    token, reads = ctx["sessions"][label], []

    def gone() -> bool:
        session = ctx["store"].get(token)
        if session is not None:
            reads.append(session)
        return session is None

    wait_until(gone, timeout=15, interval=every / 1000, what=f"session {label} to end")
    ctx["gone_at"], ctx["reads"] = server_ms(r), reads


@then(parsers.parse("it was gone no sooner than {low:d} ms and no later than {high:d} ms after sign-in"))
def gone_between(ctx: dict[str, Any], low: int, high: int) -> None:
    reads: list[Session] = ctx["reads"]
    assert reads, "the session was never read alive"
    lived = ctx["gone_at"] - reads[0].created_ms
    assert low <= lived <= high, f"the session lived {lived} ms"


@then("its last reads re-armed less than the full idle timeout")
def capped_by_lifetime(ctx: dict[str, Any]) -> None:
    reads: list[Session] = ctx["reads"]
    assert all(s.expires_in_ms <= s.idle_timeout_ms for s in reads)
    assert reads[-1].expires_in_ms < reads[-1].idle_timeout_ms, [s.expires_in_ms for s in reads]


@when(parsers.parse('the session token "{token}" is read'))
def read_bad_token(ctx: dict[str, Any], token: str) -> None:
    try:
        ctx["store"].get(token)
    except InvalidInput as exc:
        ctx["error"] = exc


@then(parsers.parse('the session store refuses it as invalid input mentioning "{text}"'))
def store_refused_input(ctx: dict[str, Any], text: str) -> None:
    error = ctx.get("error")
    assert isinstance(error, InvalidInput), f"expected InvalidInput, got {error!r}"
    assert text in str(error), f"{text!r} not in {error!s}"
