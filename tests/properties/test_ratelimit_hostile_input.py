"""Hostile input to every public entry point of the rate limiters (sync and asyncio): refused, nothing written.

For each constructor, method and function that takes an argument (``Limit``, ``Limit.parse``,
``subject_id``, ``validate_route``, ``RateLimitKeys``, the four limiters and their asyncio twins:
construction, ``hit``, ``peek``, ``reset``), Hypothesis draws a value that must be refused for one
parameter, the others being valid: huge integers (10**5000 crashes hiredis's command packing, 2**63),
inf, nan, 1e308, bools, wrong types, empty, long, control-character, brace, colon, ``+`` (in a
route), ``%`` (a zone id that is not one) and non-ASCII strings, clients of the wrong kind or with
``decode_responses=False``.  The call must raise :class:`InvalidInput` and leave the namespace byte
for byte as it was (a DUMP of every key, seeded with a few decisions, before and after).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
import redis
import redis.asyncio
from hypothesis import given
from hypothesis import strategies as st

import redisbehaviors.ratelimit as package
from redisbehaviors.errors import InvalidInput
from redisbehaviors.ratelimit import (
    Limit,
    RateLimiter,
    RateLimitKeys,
    SlidingLogLimiter,
    TokenBucketLimiter,
    subject_id,
    validate_route,
)
from redisbehaviors.testing.plugin import RedisTarget
from tests.properties.support import HUGE, NOT_SCALARS, STRANGE_FLOATS, one_of_these
from tests.support import ALGORITHMS

ALL = list(ALGORITHMS.values())
FORBIDDEN = ["{", "}", ":", " ", "\t", "\n", "\r", "\x00", "\x7f", "é", "\u0661", "\u200b", "*", "/", "\ud800", "%"]
POLICY = [Limit(5, 60_000), Limit(50, 3_600_000)]
WRONG_TYPES = st.one_of(
    *NOT_SCALARS,
    one_of_these(STRANGE_FLOATS),
    st.builds(object),
)


def ints_outside(low: int, high: int) -> st.SearchStrategy[Any]:
    """Integers below ``low`` or above ``high`` (the huge ones included), and non-integers."""
    return st.one_of(
        one_of_these([v for v in HUGE if not low <= v <= high]),
        st.integers(max_value=low - 1),
        st.integers(min_value=high + 1, max_value=high + 2**70),
        WRONG_TYPES,
    )


def bad_text(max_length: int, extra_forbidden: tuple[str, ...] = ()) -> st.SearchStrategy[Any]:
    """Strings a key part must not be: empty, too long, or with a forbidden character; and non-strings."""
    plain = st.text(alphabet="abcXYZ019_.-", max_size=8)
    forbidden = one_of_these(FORBIDDEN + list(extra_forbidden))
    return st.one_of(
        st.just(""),
        st.integers(max_length + 1, max_length + 2000).map(lambda n: "a" * n),
        st.tuples(plain, forbidden, plain).map("".join),
        WRONG_TYPES,
    )


BAD_WHO = st.one_of(
    bad_text(100),
    one_of_these(["fe80::1%}x", "fe80::1%a b", "fe80::1%a\nb", "fe80::1%" + "z" * 1000, "1.2.3.4%eth0", "fe80::1%"]),
)
BAD_ROUTE = bad_text(64, ("+", "@x+y"))
BAD_OPERATION_ID = bad_text(128).filter(lambda value: value is not None)  # None: "make one up"


def snapshot(r: redis.Redis, ns: str) -> dict[str, bytes | None]:
    raw = redis.Redis(connection_pool=r.connection_pool)  # DUMP replies are binary
    return {name: raw.execute_command("DUMP", name, NEVER_DECODE=True) for name in r.scan_iter(match=f"{ns}:*")}


def refused_and_nothing_written(r: redis.Redis, ns: str, action: Callable[[], Any]) -> None:
    before = snapshot(r, ns)
    with pytest.raises(InvalidInput):
        action()
    assert snapshot(r, ns) == before


@pytest.fixture
def seeded(r: redis.Redis, ns: str) -> dict[type[RateLimiter], RateLimiter]:
    """One limiter per algorithm, each with a few decisions already counted (so a partial write would show)."""
    limiters = {kind: kind(r, POLICY, namespace=ns) for kind in ALL}
    for limiter in limiters.values():
        limiter.hit("203.0.113.7", "login", cost=2)
        limiter.hit("user-7")
    return limiters


# ------------------------------------------------------------------------------------------ values and keys


@given(amount=ints_outside(1, 10**9))
def test_limit_refuses_a_hostile_amount(amount: Any) -> None:
    with pytest.raises(InvalidInput):
        Limit(amount, 1000)


@given(window=ints_outside(1, 366 * 24 * 3600 * 1000))
def test_limit_refuses_a_hostile_window(window: Any) -> None:
    with pytest.raises(InvalidInput):
        Limit(10, window)


@given(
    text=st.one_of(
        bad_text(64),
        st.integers(11, 5000).map(lambda n: "9" * n + "/second"),  # more than 10 digits
        st.integers(11, 5000).map(lambda n: "1/" + "9" * n + "s"),
        one_of_these(["\u0661/second", "1/second\n", "0/second", "1/0s", "1/fortnight", "-1/s", "1.5/s", "1e3/s"]),
    )
)
def test_limit_parse_refuses_hostile_text(text: Any) -> None:
    with pytest.raises(InvalidInput):
        Limit.parse(text)


@given(who=BAD_WHO)
def test_subject_id_refuses_a_hostile_client(who: Any) -> None:
    with pytest.raises(InvalidInput):
        subject_id(who)


@given(route=BAD_ROUTE)
def test_validate_route_refuses_a_hostile_route(route: Any) -> None:
    with pytest.raises(InvalidInput):
        validate_route(route)


#: A colon joins the parts of a namespace: ``a:b`` is one, so only a colon at an end or doubled is hostile.
BAD_NAMESPACE = bad_text(64).filter(lambda v: not (isinstance(v, str) and ":" in v and "" not in v.split(":")))


@given(namespace=st.one_of(BAD_NAMESPACE, st.just("{tag}"), st.just("a::b")))
def test_keys_refuse_a_hostile_namespace(namespace: Any) -> None:
    with pytest.raises(InvalidInput):
        RateLimitKeys(namespace)


# ------------------------------------------------------------------------------------------ construction


BAD_LIMITS = st.one_of(
    WRONG_TYPES,
    st.just([]),
    st.just("10/second"),
    st.just([Limit(1, 1000), Limit(2, 1000)]),
    st.just([Limit(1, 1000 + i) for i in range(9)]),
    st.lists(WRONG_TYPES, min_size=1, max_size=3),
    st.just("a long iterator"),  # of a million limits: refused after the ninth, not drained
)


@pytest.mark.parametrize("kind", ALL, ids=lambda k: k.__name__)
@given(data=st.data())
def test_constructors_refuse_hostile_settings(
    redis_target: RedisTarget, r: redis.Redis, ns: str, kind: type[RateLimiter], data: st.DataObject
) -> None:
    asyncio_kind = getattr(package, f"Async{kind.__name__}")
    settings: dict[str, Any] = {"namespace": ns}
    parameter = data.draw(st.sampled_from(["limits", "namespace", "deny_cache_size", "clock", "operation_ttl_ms"]))
    limits: Callable[[], Any] = POLICY.copy  # a fresh value per constructor: an iterator is used up
    if parameter == "limits":
        drawn = data.draw(BAD_LIMITS)
        limits = (
            (lambda: iter(Limit(1, 1000 + i) for i in range(10**6))) if drawn == "a long iterator" else lambda: drawn
        )
    elif parameter == "namespace":
        settings["namespace"] = data.draw(st.one_of(BAD_NAMESPACE, st.just("{tag}")))
    elif parameter == "deny_cache_size":
        settings["deny_cache_size"] = data.draw(ints_outside(0, 1_000_000))
    elif parameter == "clock":
        settings["clock"] = data.draw(st.one_of(st.none(), st.integers(), st.text(max_size=3)))
    else:
        settings["operation_ttl_ms"] = data.draw(ints_outside(1, 3_600_000))
    refused_and_nothing_written(r, ns, lambda: kind(r, limits(), **settings))
    client = redis.asyncio.Redis.from_url(redis_target.url, decode_responses=True)
    refused_and_nothing_written(r, ns, lambda: asyncio_kind(client, limits(), **settings))


@pytest.mark.parametrize("kind", ALL, ids=lambda k: k.__name__)
def test_constructors_refuse_the_wrong_client(redis_target: RedisTarget, r: redis.Redis, ns: str, kind: Any) -> None:
    asyncio_kind = getattr(package, f"Async{kind.__name__}")
    bytes_client = redis.Redis.from_url(redis_target.url)
    for wrong in (bytes_client, None, "redis://127.0.0.1", redis.asyncio.Redis(decode_responses=True)):
        refused_and_nothing_written(r, ns, lambda wrong=wrong: kind(wrong, POLICY, namespace=ns))
    for wrong in (r, redis.asyncio.Redis(), None):
        refused_and_nothing_written(r, ns, lambda wrong=wrong: asyncio_kind(wrong, POLICY, namespace=ns))
    bytes_client.close()
    with pytest.raises(InvalidInput):
        SlidingLogLimiter(r, Limit(100_001, 1000))
    with pytest.raises(InvalidInput):
        TokenBucketLimiter(r, Limit(10**9, 86_400_000))


# ------------------------------------------------------------------------------------------ calls

BAD_CALLS = {
    "who": BAD_WHO,
    "route": BAD_ROUTE,
    "cost": st.one_of(ints_outside(1, 5)),  # 5: the smallest limit of POLICY
    "operation_id": BAD_OPERATION_ID,
}
GOOD = {"who": "203.0.113.7", "route": "login", "cost": 1, "operation_id": "request-1"}
PARAMETERS = {
    "hit": ["who", "route", "cost", "operation_id"],
    "peek": ["who", "route", "cost"],
    "reset": ["who", "route"],
}


@pytest.mark.parametrize("kind", ALL, ids=lambda k: k.__name__)
@pytest.mark.parametrize("method", list(PARAMETERS))
@given(data=st.data())
def test_calls_refuse_hostile_arguments_and_write_nothing(
    redis_target: RedisTarget,
    r: redis.Redis,
    ns: str,
    seeded: dict[type[RateLimiter], RateLimiter],
    kind: type[RateLimiter],
    method: str,
    data: st.DataObject,
) -> None:
    parameter = data.draw(st.sampled_from(PARAMETERS[method]))
    arguments = {name: GOOD[name] for name in PARAMETERS[method]} | {parameter: data.draw(BAD_CALLS[parameter])}
    refused_and_nothing_written(r, ns, lambda: getattr(seeded[kind], method)(**arguments))

    async def through_the_twin() -> None:
        client = redis.asyncio.Redis.from_url(redis_target.url, decode_responses=True, protocol=redis_target.protocol)
        twin = getattr(package, f"Async{kind.__name__}")(client, POLICY, namespace=ns)
        try:
            await getattr(twin, method)(**arguments)
        finally:
            await client.aclose()

    refused_and_nothing_written(r, ns, lambda: asyncio.run(through_the_twin()))
