"""Exactly once under retries, for the rate limiters: every row of the table in docs/ttl_locks/ratelimit.md.

Each operation of each algorithm (fixed window, sliding window counter, sliding log, token bucket;
one limit and two limits at once; ``hit``, ``peek``, ``reset``) runs over a retrying client
(redis-py's ``Retry``): once with the reply to its script lost after the server ran it (the
``lossy_proxy`` fixture forwards the command, drops the reply and closes the connection, so the
client sends it again), and once many times under a ``CLIENT KILL`` storm.  The checker reads what
each limit charged straight from its key and compares it with the admitted decisions the callers
were told about: a doubled charge is a unit more than that.  Figures are printed (``pytest -s``).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from typing import Any

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from redisbehaviors.ratelimit import Limit, RateLimiter
from redisbehaviors.testing.faults import ReplyDroppingProxy
from redisbehaviors.testing.plugin import RedisTarget
from tests.support import ALGORITHMS, in_threads

DAY, HALF_DAY = 86_400_000, 43_200_000
# Long windows, so that nothing resets or refills measurably while a test runs (a token bucket of
# 1,000 per day refills 0.01 token per second): what a key holds is what was charged.
POLICIES: dict[type[RateLimiter], list[list[Limit]]] = {
    ALGORITHMS["fixed window"]: [[Limit(10**6, DAY)], [Limit(10**6, DAY), Limit(10**6, HALF_DAY)]],
    ALGORITHMS["sliding window counter"]: [[Limit(10**6, DAY)], [Limit(10**6, DAY), Limit(10**6, HALF_DAY)]],
    ALGORITHMS["sliding log"]: [[Limit(50_000, 3_600_000)], [Limit(50_000, 3_600_000), Limit(40_000, 1_800_000)]],
    ALGORITHMS["token bucket"]: [[Limit(1_000, DAY)], [Limit(1_000, DAY), Limit(2_000, HALF_DAY)]],
}
CASES = [(kind, policy) for kind, policies in POLICIES.items() for policy in policies]
IDS = [f"{kind.__name__}-{len(policy)}-limit{'s' if len(policy) > 1 else ''}" for kind, policy in CASES]
STORM_THREADS, STORM_CALLS_PER_THREAD = 4, 250
SUBJECTS = ["203.0.113.7", "2001:db8::7", "user-7", "user+8"]


def charged(r: redis.Redis, limiter: RateLimiter, who: str, route: str = "any") -> list[int]:
    """The units each limit of ``limiter`` holds against ``who``, read from its key."""
    units = []
    for limit in limiter.limits:
        name = limiter.keys.limit(limiter.algorithm, who, route, limit.amount, limit.window_ms)
        if limiter.algorithm == "sliding_log":
            units.append(r.zcard(name))
            continue
        value = r.get(name)
        if value is None:
            units.append(0)
        elif limiter.algorithm == "token_bucket":  # "<tokens scaled by the window in µs> <µs>"
            units.append(limit.amount - math.floor(int(value.split()[0]) / (limit.window_ms * 1000)))
        else:  # "<window index> <count> …"
            units.append(int(value.split()[1]))
    return units


def lose_next_decision(proxy: ReplyDroppingProxy, limiter: RateLimiter, mode: bytes = b"hit") -> None:
    """Lose the reply to the next EVALSHA of this limiter's script in ``mode``."""
    sha = limiter._script.sha.encode()
    proxy.lose_reply_to(lambda data: sha in data and b"\r\n" + mode + b"\r\n" in data)


# ------------------------------------------------------------------------------------------ reply lost


@pytest.mark.parametrize(("kind", "policy"), CASES, ids=IDS)
@pytest.mark.parametrize("cost", [1, 3])
def test_a_hit_whose_reply_is_lost_is_charged_once(
    lossy_proxy: ReplyDroppingProxy,
    lossy_client: redis.Redis,
    r: redis.Redis,
    ns: str,
    kind: type[RateLimiter],
    policy: list[Limit],
    cost: int,
) -> None:
    limiter = kind(lossy_client, policy, namespace=ns)
    limiter.peek("203.0.113.7")  # loads the script: the lost reply must be the decision's, not NOSCRIPT's
    lose_next_decision(lossy_proxy, limiter)
    decision = limiter.hit("203.0.113.7", cost=cost)
    units = charged(r, limiter, "203.0.113.7")
    print(f"{kind.__name__} {[str(x) for x in policy]} cost {cost}: {lossy_proxy.lost} lost, charged {units}")
    assert lossy_proxy.lost == 1
    assert decision.allowed
    assert units == [cost] * len(policy)
    assert decision.remaining == min(x.amount for x in policy) - cost


@pytest.mark.parametrize(("kind", "policy"), CASES, ids=IDS)
def test_a_caller_that_sends_a_hit_again_with_its_operation_id_is_charged_once(
    r: redis.Redis, ns: str, kind: type[RateLimiter], policy: list[Limit]
) -> None:
    limiter = kind(r, policy, namespace=ns)
    first = limiter.hit("user-7", "export", cost=2, operation_id="request-41")
    again = limiter.hit("user-7", "export", cost=2, operation_id="request-41")
    other = limiter.hit("user-7", "export", cost=2, operation_id="request-42")
    assert (first.allowed, again.allowed, other.allowed) == (True, True, True)
    assert charged(r, limiter, "user-7", "export") == [4] * len(policy)


@pytest.mark.parametrize("kind", list(POLICIES), ids=lambda k: k.__name__)
def test_a_refused_hit_sent_again_after_its_first_run_was_admitted_is_still_admitted(
    r: redis.Redis, ns: str, kind: type[RateLimiter]
) -> None:
    """The retry of an admitted hit finds the limit full (with its own units): it is answered allowed."""
    limiter = kind(r, Limit(2, DAY) if kind is not ALGORITHMS["token bucket"] else Limit(2, 3_600_000), namespace=ns)
    assert limiter.hit("user-7", operation_id="a").allowed
    assert limiter.hit("user-7", operation_id="b").allowed
    assert not limiter.hit("user-7", operation_id="c").allowed
    again = limiter.hit("user-7", operation_id="b")
    assert (again.allowed, again.retry_after, again.remaining) == (True, 0, 0)
    assert charged(r, limiter, "user-7") == [2]


@pytest.fixture
def spent(lossy_client: redis.Redis, ns: str, kind: type[RateLimiter], policy: list[Limit]) -> RateLimiter:
    """The case's limiter over the lossy proxy, two units charged to 203.0.113.7."""
    limiter = kind(lossy_client, policy, namespace=ns)
    limiter.hit("203.0.113.7", cost=2)
    return limiter


@pytest.mark.parametrize(("kind", "policy"), CASES, ids=IDS)
def test_a_peek_whose_reply_is_lost_writes_nothing(
    lossy_proxy: ReplyDroppingProxy, spent: RateLimiter, r: redis.Redis, ns: str, policy: list[Limit]
) -> None:
    before = {name: r.dump(name) for name in r.scan_iter(match=f"{ns}:*")}
    lose_next_decision(lossy_proxy, spent, b"peek")
    decision = spent.peek("203.0.113.7")
    assert lossy_proxy.lost == 1
    assert decision.allowed and decision.remaining == min(x.amount for x in policy) - 2
    assert {name: r.dump(name) for name in r.scan_iter(match=f"{ns}:*")} == before


@pytest.mark.parametrize(("kind", "policy"), CASES, ids=IDS)
def test_a_reset_whose_reply_is_lost_still_resets(
    lossy_proxy: ReplyDroppingProxy, spent: RateLimiter, r: redis.Redis, policy: list[Limit]
) -> None:
    spent.hit("user-7")
    lossy_proxy.lose_reply_to(b"DEL")
    spent.reset("203.0.113.7")  # the retry's DEL finds nothing: DEL is idempotent
    assert lossy_proxy.lost == 1
    assert charged(r, spent, "203.0.113.7") == [0] * len(policy)
    assert charged(r, spent, "user-7") == [1] * len(policy)  # another subject keeps its count


# ------------------------------------------------------------------------------------------ kill storm


def attempt(call: Callable[[], Any]) -> Any:
    """``call()``, or None when its retries ran out (the storm killed every attempt): outcome unknown."""
    try:
        return call()
    except redis.ConnectionError:
        return None


def storm(
    redis_target: RedisTarget, kill_storm: Callable[..., Any], work: Callable[[redis.Redis, int], list[Any]]
) -> tuple[list[Any], int]:
    """Run ``work(client, thread index)`` in STORM_THREADS threads under a CLIENT KILL storm: every
    thread's results, and the kills."""
    results: list[Any] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def thread(index: int) -> None:
        client = redis_target.client(retry=Retry(NoBackoff(), 10))
        try:
            done = work(client, index)
            with lock:
                results.extend(done)
        except BaseException as exc:  # reported below, in the test's thread
            failures.append(exc)
        finally:
            client.close()

    with kill_storm(interval=0.01) as killer:
        in_threads(thread, STORM_THREADS, timeout=120)
    assert not failures, failures[:3]
    return results, killer.kills


@pytest.mark.parametrize(("kind", "policy"), CASES, ids=IDS)
def test_hits_under_a_kill_storm_are_charged_exactly_as_acknowledged(
    redis_target: RedisTarget,
    kill_storm: Callable[..., Any],
    r: redis.Redis,
    ns: str,
    kind: type[RateLimiter],
    policy: list[Limit],
) -> None:
    unknown = [0]

    def work(client: redis.Redis, index: int) -> list[tuple[str, int]]:
        limiter = kind(client, policy, namespace=ns)
        admitted = []
        for n in range(STORM_CALLS_PER_THREAD):
            who = SUBJECTS[(n + index) % len(SUBJECTS)]
            cost = 1 + n % 2
            try:
                decision = limiter.hit(who, "storm", cost=cost)
            except redis.ConnectionError:
                unknown[0] += 1  # retries exhausted: this call's outcome is unknown to its caller
                continue
            if decision.allowed:
                admitted.append((who, cost))
        return admitted

    admitted, kills = storm(redis_target, kill_storm, work)
    limiter = kind(r, policy, namespace=ns)
    expected = {who: sum(cost for w, cost in admitted if w == who) for who in SUBJECTS}
    found = {who: charged(r, limiter, who, "storm") for who in SUBJECTS}
    doubled = sum(max(found[who]) - expected[who] for who in SUBJECTS)
    calls = STORM_THREADS * STORM_CALLS_PER_THREAD
    print(
        f"{kind.__name__} {[str(x) for x in policy]}: {calls} calls, {kills} kills, {len(admitted)} admitted, "
        f"{unknown[0]} outcome unknown, units acknowledged {sum(expected.values())}, "
        f"units charged {sum(max(v) for v in found.values())}, doubled {doubled}"
    )
    assert kills > 0
    for who in SUBJECTS:
        # every limit charged together; an unknown outcome (retries exhausted) may or may not have run
        assert len(set(found[who])) == 1, (who, found[who])
        assert 0 <= found[who][0] - expected[who] <= 2 * unknown[0], (who, found[who], expected[who])
    assert unknown[0] > 0 or found == {who: [expected[who]] * len(policy) for who in SUBJECTS}


@pytest.mark.parametrize("kind", list(POLICIES), ids=lambda k: k.__name__)
def test_peeks_and_resets_under_a_kill_storm_are_idempotent_by_nature(
    redis_target: RedisTarget, kill_storm: Callable[..., Any], r: redis.Redis, ns: str, kind: type[RateLimiter]
) -> None:
    policy = POLICIES[kind][1]
    seed = kind(r, policy, namespace=ns)
    for who in SUBJECTS:
        seed.hit(who, "storm", cost=2)
    before = {name: r.dump(name) for name in r.scan_iter(match=f"{ns}:*")}

    def peeks(client: redis.Redis, index: int) -> list[int | None]:
        limiter = kind(client, policy, namespace=ns)
        return [attempt(lambda n=n: limiter.peek(SUBJECTS[n % len(SUBJECTS)], "storm").remaining) for n in range(250)]

    remaining, kills = storm(redis_target, kill_storm, peeks)
    assert {name: r.dump(name) for name in r.scan_iter(match=f"{ns}:*")} == before
    assert set(remaining) - {None} == {min(x.amount for x in policy) - 2}

    def resets(client: redis.Redis, index: int) -> list[str | None]:
        limiter = kind(client, policy, namespace=ns)
        subjects = [SUBJECTS[n % len(SUBJECTS)] for n in range(STORM_CALLS_PER_THREAD // 5)]
        return [attempt(lambda who=who: limiter.reset(who, "storm") or who) for who in subjects]

    reset, reset_kills = storm(redis_target, kill_storm, resets)
    print(
        f"{kind.__name__}: {len(remaining)} peeks ({remaining.count(None)} retries exhausted), {kills} kills, keys "
        f"unchanged; {len(reset)} resets ({reset.count(None)} retries exhausted) under {reset_kills} kills"
    )
    assert set(reset) - {None} == set(SUBJECTS)  # every subject was reset at least once, acknowledged
    assert list(r.scan_iter(match=f"{ns}:*")) == []
