"""Rate limiter behaviour that the feature files do not state: validation, keys, round trips,
retry-after accuracy, the deny cache, and a real cluster."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

import pytest
import redis
import redis.asyncio

from redisbehaviors.errors import InvalidInput
from redisbehaviors.ratelimit import (
    FixedWindowLimiter,
    Limit,
    RateLimiter,
    SlidingLogLimiter,
    TokenBucketLimiter,
    rate_limit_headers,
    subject_id,
)
from redisbehaviors.testing import wait_until
from tests.support import ALGORITHMS, CountingConnection

ALL = list(ALGORITHMS.values())


def server_ms(client: redis.Redis) -> int:
    seconds, micros = client.time()
    return int(seconds) * 1000 + int(micros) // 1000


def wait_server_ms(client: redis.Redis, ms: float) -> None:
    start = server_ms(client)
    wait_until(lambda: server_ms(client) >= start + ms, timeout=10 + ms / 1000, interval=0.002)


# ------------------------------------------------------------------------------------------------ limits


@pytest.mark.parametrize(
    ("text", "amount", "window_ms"),
    [
        ("10/second", 10, 1000),
        ("100/minute", 100, 60_000),
        ("5/10s", 5, 10_000),
        ("20/500ms", 20, 500),
        ("7/2 minutes", 7, 120_000),
        ("1000/day", 1000, 86_400_000),
        (" 3 / h ", 3, 3_600_000),
    ],
)
def test_limits_parse_from_text(text: str, amount: int, window_ms: int) -> None:
    assert Limit.parse(text) == Limit(amount, window_ms)


@pytest.mark.parametrize("text", ["", "ten/second", "10/fortnight", "10", "0/second", "10/0s", "-1/s", "1.5/s"])
def test_bad_limit_texts_are_invalid_input(text: str) -> None:
    with pytest.raises(InvalidInput):
        Limit.parse(text)


def test_addresses_are_normalised_and_never_collide_with_identifiers() -> None:
    assert subject_id("::1") == subject_id("0:0:0::1") == "ip6...1"
    assert subject_id("203.0.113.7") == "ip4.203.0.113.7"
    assert subject_id("user-7") == "id.user-7"
    assert subject_id("..1") != subject_id("::1")
    with pytest.raises(InvalidInput, match="client"):
        subject_id("a b")


def test_every_key_of_one_subject_shares_one_hash_tag(r: redis.Redis, ns: str) -> None:
    limiter = SlidingLogLimiter(r, [Limit(1, 1000), Limit(5, 60_000)], namespace=ns)
    names = [
        limiter.keys.limit(limiter.algorithm, "2001:db8::1", "login", x.amount, x.window_ms) for x in limiter.limits
    ]
    assert {name.split("{")[1].split("}")[0] for name in names} == {"ip6.2001.db8..1+login"}


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        ([], "1 to 8 limits"),
        ([Limit(1, 1000 + i) for i in range(9)], "1 to 8 limits"),
        ([Limit(1, 1000), Limit(5, 1000)], "share a window"),
        (["10/second"], "Limit objects"),
    ],
)
def test_bad_policies_are_refused(r: redis.Redis, limits: list[Any], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        FixedWindowLimiter(r, limits)


def test_algorithm_specific_caps(r: redis.Redis) -> None:
    with pytest.raises(InvalidInput, match="at most 100000"):
        SlidingLogLimiter(r, Limit(100_001, 1000))
    with pytest.raises(InvalidInput, match="2\\^53"):
        TokenBucketLimiter(r, Limit(10**9, 86_400_000))


@pytest.mark.parametrize("limiter_class", ALL)
@pytest.mark.parametrize(
    ("who", "route", "cost"),
    [
        ("1.2.3.4", "login", 0),
        ("1.2.3.4", "login", True),
        ("1.2.3.4", "a:b", 1),
        ("", "login", 1),
        ("1.2.3.4", "login", 1.0),
        ("x{y}", "login", 1),
    ],
)
def test_bad_requests_write_nothing(
    r: redis.Redis, ns: str, limiter_class: type[RateLimiter], who: Any, route: Any, cost: Any
) -> None:
    limiter = limiter_class(r, Limit(3, 1000), namespace=ns)
    with pytest.raises(InvalidInput):
        limiter.hit(who, route, cost)
    with pytest.raises(InvalidInput):
        limiter.peek(who, route, cost)
    assert list(r.scan_iter(match=f"{ns}:*")) == []


# ------------------------------------------------------------------------------------------------ decisions


@pytest.mark.parametrize("limiter_class", ALL)
def test_a_two_limit_decision_takes_one_round_trip(redis_target: Any, ns: str, limiter_class: type) -> None:
    client = redis.Redis.from_url(
        redis_target.url, decode_responses=True, protocol=redis_target.protocol, connection_class=CountingConnection
    )
    limiter = limiter_class(client, [Limit(10, 1000), Limit(100, 60_000)], namespace=ns)
    limiter.hit("1.2.3.4", "login")  # loads the script (EVALSHA, NOSCRIPT, EVAL) once
    CountingConnection.sends = 0
    for _ in range(5):
        limiter.hit("1.2.3.4", "login")
    limiter.peek("1.2.3.4", "login")
    assert CountingConnection.sends == 6
    client.close()


@pytest.mark.parametrize("limiter_class", ALL)
def test_waiting_retry_after_is_enough(r: redis.Redis, ns: str, limiter_class: type[RateLimiter]) -> None:
    limiter = limiter_class(r, [Limit(3, 600), Limit(20, 60_000)], namespace=ns)
    while (refusal := limiter.hit("u-1", "api")).allowed:
        pass
    assert 0 < refusal.retry_after <= 1.2  # the sliding counter may wait into the next window
    later = limiter.peek("u-1", "api")
    assert not later.allowed and later.retry_after <= refusal.retry_after  # it only counts down
    wait_server_ms(r, refusal.retry_after * 1000)
    assert limiter.hit("u-1", "api").allowed


@pytest.mark.parametrize("limiter_class", ALL)
def test_every_key_carries_a_ttl(r: redis.Redis, ns: str, limiter_class: type[RateLimiter]) -> None:
    limiter = limiter_class(r, [Limit(3, 1000), Limit(5, 60_000)], namespace=ns)
    for cost in (1, 2):
        limiter.hit("1.2.3.4", "login", cost)
    names = list(r.scan_iter(match=f"{ns}:*"))
    assert names
    assert all(0 < r.pttl(name) <= 120_000 for name in names)


def test_a_refused_request_changes_no_key(r: redis.Redis, ns: str) -> None:
    for limiter_class in ALL:
        limiter = limiter_class(r, [Limit(2, 60_000), Limit(5, 3_600_000)], namespace=ns)
        limiter.hit("1.2.3.4", "x", cost=2)
        before = {name: r.dump(name) for name in r.scan_iter(match=f"{ns}:*")}
        assert not limiter.hit("1.2.3.4", "x").allowed
        assert {name: r.dump(name) for name in r.scan_iter(match=f"{ns}:*")} == before


def test_the_fixed_window_starts_afresh_in_the_next_window(r: redis.Redis, ns: str) -> None:
    limiter = FixedWindowLimiter(r, Limit(2, 300), namespace=ns)
    limiter.hit("1.2.3.4", cost=2)
    refusal = limiter.hit("1.2.3.4")
    assert not refusal.allowed and refusal.retry_after <= 0.3
    wait_server_ms(r, refusal.retry_after * 1000)
    assert limiter.hit("1.2.3.4", cost=2).allowed


def test_a_token_bucket_refills_at_its_rate(r: redis.Redis, ns: str) -> None:
    limiter = TokenBucketLimiter(r, Limit(4, 400), namespace=ns)  # one token per 100 ms
    before = server_ms(r)
    assert limiter.hit("1.2.3.4", cost=4).remaining == 0
    wait_server_ms(r, 210)  # counted from after the hit: at least 210 ms pass
    remaining = limiter.peek("1.2.3.4").remaining
    assert 2 <= remaining <= min(4, (server_ms(r) - before) // 100)


def test_a_sliding_log_keeps_one_unique_member_per_unit(r: redis.Redis, ns: str) -> None:
    limiter = SlidingLogLimiter(r, Limit(500, 60_000), namespace=ns)
    for _ in range(5):
        limiter.hit("1.2.3.4", cost=100)
    name = limiter.keys.limit("sliding_log", "1.2.3.4", "any", 500, 60_000)
    assert r.zcard(name) == 500
    assert not limiter.hit("1.2.3.4").allowed


def test_headers_of_an_allowed_request_have_no_retry_after(r: redis.Redis, ns: str) -> None:
    decision = SlidingLogLimiter(r, [Limit(10, 1000), Limit(100, 60_000)], namespace=ns).hit("1.2.3.4")
    assert rate_limit_headers(decision) == {
        "RateLimit-Limit": "10",
        "RateLimit-Remaining": "9",
        "RateLimit-Reset": "1",
        "RateLimit-Policy": "10;w=1, 100;w=60",
    }


def test_retry_after_header_is_at_least_one_second(r: redis.Redis, ns: str) -> None:
    limiter = FixedWindowLimiter(r, Limit(1, 50), namespace=ns)
    limiter.hit("1.2.3.4")
    refusal = limiter.hit("1.2.3.4")
    if not refusal.allowed:  # the 50 ms window may have turned over in between
        assert refusal.retry_after <= 0.05
        assert refusal.headers()["Retry-After"] == "1"


# ------------------------------------------------------------------------------------------------ deny cache


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_deny_cache_refuses_locally_until_retry_after(redis_target: Any, ns: str) -> None:
    client = redis.Redis.from_url(
        redis_target.url, decode_responses=True, protocol=redis_target.protocol, connection_class=CountingConnection
    )
    clock = FakeClock()
    limiter = SlidingLogLimiter(client, Limit(2, 60_000), namespace=ns, deny_cache_size=10, clock=clock)
    limiter.hit("1.2.3.4", cost=2)
    refusal = limiter.hit("1.2.3.4")
    assert not refusal.allowed
    CountingConnection.sends = 0
    clock.now += 1
    cached = limiter.hit("1.2.3.4")
    assert CountingConnection.sends == 0
    assert not cached.allowed and cached.retry_after == pytest.approx(refusal.retry_after - 1)
    assert cached.headers()["Retry-After"] == str(int(-(-cached.retry_after // 1)))
    limiter.hit("5.6.7.8")  # another subject still asks Redis
    assert CountingConnection.sends == 1
    clock.now += refusal.retry_after
    assert not limiter.hit("1.2.3.4").allowed  # expired entry: asks Redis again (the log is still full)
    assert CountingConnection.sends == 2
    client.close()


def test_the_deny_cache_lets_a_cheaper_request_ask_redis(r: redis.Redis, ns: str) -> None:
    limiter = TokenBucketLimiter(r, Limit(3, 60_000), namespace=ns, deny_cache_size=10, clock=FakeClock())
    limiter.hit("1.2.3.4", cost=2)
    assert not limiter.hit("1.2.3.4", cost=2).allowed
    assert limiter.hit("1.2.3.4", cost=1).allowed


def test_the_deny_cache_is_bounded(r: redis.Redis, ns: str) -> None:
    limiter = FixedWindowLimiter(r, Limit(1, 60_000), namespace=ns, deny_cache_size=2, clock=FakeClock())
    for who in ("a1", "a2", "a3"):
        limiter.hit(who)
        limiter.hit(who)
    assert list(limiter._denials) == ["id.a2+any", "id.a3+any"]


# ------------------------------------------------------------------------------------------------ cluster


def test_the_limiters_work_unchanged_on_a_real_cluster(cluster_client: redis.RedisCluster) -> None:
    for limiter_class in ALL:
        limiter = limiter_class(cluster_client, [Limit(2, 60_000), Limit(5, 3_600_000)], namespace="clustered")
        answers = [limiter.hit(who, "login").allowed for who in ("1.2.3.4", "1.2.3.4", "1.2.3.4", "::1")]
        assert answers == [True, True, False, True]
        assert limiter.peek("1.2.3.4", "login").remaining == 0
        # The window scripts derive their keys from the base key; the server must place them in its slot.
        base = limiter.keys.limit(limiter.algorithm, "1.2.3.4", "login", 2, 60_000)
        written = list(cluster_client.scan_iter(match=f"{base}*"))
        assert written, f"{limiter.algorithm} wrote nothing under {base}"
        slots = {cluster_client.execute_command("CLUSTER KEYSLOT", key) for key in [base, *written]}
        assert len(slots) == 1, f"{limiter.algorithm}: {written} are in slots {slots}"


def test_the_deny_cache_knows_one_client_by_any_spelling_of_its_address(r: redis.Redis, ns: str) -> None:
    limiter = FixedWindowLimiter(r, Limit(1, 60_000), namespace=ns, deny_cache_size=10, clock=FakeClock())
    limiter.hit("::1")
    assert not limiter.hit("0:0::1").allowed
    assert list(limiter._denials) == ["ip6...1+any"]


@pytest.mark.parametrize("limiter_class", ALL)
def test_an_unused_limit_has_nothing_to_reset(r: redis.Redis, ns: str, limiter_class: type[RateLimiter]) -> None:
    decision = limiter_class(r, [Limit(3, 1000), Limit(5, 60_000)], namespace=ns).peek("1.2.3.4")
    assert (decision.allowed, decision.remaining, decision.reset_after, decision.retry_after) == (True, 3, 0, 0)
    assert decision.headers()["RateLimit-Reset"] == "0"


# ------------------------------------------------------------------------------------------------ subjects


def test_a_route_may_not_contain_the_separator_so_subjects_never_collide(r: redis.Redis, ns: str) -> None:
    limiter = FixedWindowLimiter(r, Limit(1, 60_000), namespace=ns)
    assert limiter.hit("u+login", "x").allowed  # '+' in an identifier is fine: the last '+' splits
    with pytest.raises(InvalidInput, match="route"):
        limiter.hit("u", "login+x")
    assert limiter.keys.subject("u+login", "x") == "id.u+login+x"


@pytest.mark.parametrize(
    ("who", "subject"),
    [
        ("::ffff:1.2.3.4", "ip4.1.2.3.4"),
        ("::FFFF:1.2.3.4", "ip4.1.2.3.4"),
        ("::ffff:102:304", "ip4.1.2.3.4"),
        ("fe80::1%eth0", "ip6.fe80..1"),
        ("fe80::1%25", "ip6.fe80..1"),
        ("FE80:0::1", "ip6.fe80..1"),
    ],
)
def test_ipv4_mapped_addresses_and_zone_ids_name_one_client(who: str, subject: str) -> None:
    assert subject_id(who) == subject


@pytest.mark.parametrize(
    "who",
    [
        "fe80::1%}x",
        "fe80::1%a b",
        "fe80::1%a\nb",
        "fe80::1%" + "z" * 1000,
        "1.2.3.4%eth0",
        "fe80::1%",
        "u%x",
        "x" * 101,
    ],
)
def test_hostile_zone_ids_and_long_clients_are_refused(r: redis.Redis, ns: str, who: str) -> None:
    with pytest.raises(InvalidInput):
        subject_id(who)
    with pytest.raises(InvalidInput):
        FixedWindowLimiter(r, Limit(1, 60_000), namespace=ns).hit(who)
    assert list(r.scan_iter(match=f"{ns}:*")) == []


def test_one_client_has_one_budget_whatever_its_zone_or_mapped_spelling(r: redis.Redis, ns: str) -> None:
    limiter = SlidingLogLimiter(r, Limit(2, 60_000), namespace=ns)
    assert limiter.hit("1.2.3.4").allowed and limiter.hit("::ffff:1.2.3.4").allowed
    assert not limiter.hit("1.2.3.4").allowed
    assert limiter.hit("fe80::1%eth0").allowed and limiter.hit("fe80::1%eth1").allowed
    assert not limiter.hit("fe80::1").allowed


def test_a_client_with_bytes_replies_is_refused_at_construction(redis_target: Any) -> None:
    client = redis.Redis.from_url(redis_target.url, protocol=redis_target.protocol)
    with pytest.raises(InvalidInput, match="decode_responses=True"):
        FixedWindowLimiter(client, Limit(1, 1000))
    client.close()


@pytest.mark.parametrize("limiter_class", ALL)
def test_reset_forgets_one_subject_only(r: redis.Redis, ns: str, limiter_class: type[RateLimiter]) -> None:
    limiter = limiter_class(r, [Limit(2, 60_000), Limit(5, 3_600_000)], namespace=ns)
    for who in ("1.2.3.4", "1.2.3.4", "5.6.7.8"):
        limiter.hit(who, "login")
    limiter.reset("1.2.3.4", "login")
    assert limiter.peek("1.2.3.4", "login").remaining == 2
    assert limiter.peek("5.6.7.8", "login").remaining == 1


# ------------------------------------------------------------------------------------------------ asyncio


def test_every_limiter_has_an_asyncio_twin_of_the_same_name_and_methods() -> None:
    import redisbehaviors.ratelimit as package

    for name in ["RateLimiter", *(kind.__name__ for kind in ALL)]:
        sync, twin = getattr(package, name), getattr(package, f"Async{name}")
        assert getattr(sync, "algorithm", None) == getattr(twin, "algorithm", None)
        for method in ("hit", "peek", "reset"):
            assert inspect.iscoroutinefunction(getattr(twin, method))
            assert inspect.signature(getattr(twin, method)).parameters.keys() == (
                inspect.signature(getattr(sync, method)).parameters.keys()
            )


@pytest.mark.parametrize("limiter_class", ALL)
def test_the_asyncio_twin_decides_like_the_sync_limiter_on_the_same_keys(
    redis_target: Any, r: redis.Redis, ns: str, limiter_class: type[RateLimiter]
) -> None:
    import redisbehaviors.ratelimit as package

    twin_class = getattr(package, f"Async{limiter_class.__name__}")
    limits = [Limit(3, 60_000), Limit(5, 3_600_000)]

    async def scenario() -> list[tuple[bool, int]]:
        client = redis.asyncio.Redis.from_url(redis_target.url, decode_responses=True, protocol=redis_target.protocol)
        twin = twin_class(client, limits, namespace=ns)
        r.script_flush()  # the first call meets NOSCRIPT and loads the script
        answers = [await twin.hit("1.2.3.4", "login", cost=2), await twin.hit("1.2.3.4", "login")]
        answers.append(await twin.peek("1.2.3.4", "login"))
        again = await twin.hit("5.6.7.8", operation_id="op-1")
        assert (await twin.hit("5.6.7.8", operation_id="op-1")).remaining == again.remaining
        await twin.reset("5.6.7.8")
        await client.aclose()
        return [(d.allowed, d.remaining) for d in answers]

    assert asyncio.run(scenario()) == [(True, 1), (True, 0), (False, 0)]
    assert limiter_class(r, limits, namespace=ns).peek("1.2.3.4", "login").remaining == 0  # the same keys
    assert limiter_class(r, limits, namespace=ns).peek("5.6.7.8").remaining == 3


@pytest.mark.parametrize("limiter_class", ALL)
def test_50_concurrent_tasks_get_exactly_the_limit(
    redis_target: Any, ns: str, limiter_class: type[RateLimiter]
) -> None:
    import redisbehaviors.ratelimit as package

    twin_class = getattr(package, f"Async{limiter_class.__name__}")

    async def scenario() -> int:
        client = redis.asyncio.Redis.from_url(redis_target.url, decode_responses=True, protocol=redis_target.protocol)
        twin = twin_class(client, Limit(25, 3_600_000), namespace=ns)
        decisions = await asyncio.gather(*(twin.hit("burst") for _ in range(50)))
        await client.aclose()
        return sum(d.allowed for d in decisions)

    assert asyncio.run(scenario()) == 25


def test_an_asyncio_limiter_refuses_a_sync_client(r: redis.Redis) -> None:
    import redisbehaviors.ratelimit as package

    with pytest.raises(InvalidInput, match=r"redis\.asyncio"):
        package.AsyncFixedWindowLimiter(r, Limit(1, 1000))
    with pytest.raises(InvalidInput, match=r"redis\.Redis"):
        FixedWindowLimiter(redis.asyncio.Redis(decode_responses=True), Limit(1, 1000))
