"""What the hostile-input properties (``test_<component>_hostile_input.py``) share.

The values no parameter takes: integers beyond 64 bits (``10**5000`` once killed the process inside
hiredis's command packing), non-finite and huge floats, values of no type a parameter takes.  The lock's
and the rate limiters' tests draw them with :func:`one_of_these`; the media pipeline's and the
reservations' tests with the ``bad_*`` strategies, and check an entry point with :func:`each_refused`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
import redis
from hypothesis import given
from hypothesis import strategies as st

from redisbehaviors.errors import InvalidInput

HUGE = [10**5000, -(10**5000), 2**63, -(2**63) - 1, 2**64, 10**30]
STRANGE_FLOATS = [float("inf"), float("-inf"), float("nan"), 1e308, -1e308, 0.5, 1.0]
#: Strategies for values of no type a scalar parameter takes; a module's ``WRONG_TYPES`` adds its own.
NOT_SCALARS = (
    st.none(),
    st.booleans(),
    st.binary(max_size=8),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=1),
)


def one_of_these(values: list[Any]) -> st.SearchStrategy[Any]:
    """``sampled_from`` by index: Hypothesis prints a strategy's arguments, and ``repr(10**5000)`` raises."""
    return st.integers(0, len(values) - 1).map(values.__getitem__)


# ------------------------------------------------------------------------------------------ media, reservations

#: Values wrong for almost every parameter: huge and edge integers, non-finite floats, wrong types.
HUGE_INTS = [10**5000, -(10**5000), 2**63, -(2**63) - 1, 2**64, 10**20]
ODD_FLOATS = [float("inf"), float("-inf"), float("nan"), 1e308, -1e308, 0.5, -0.0]
ODD_VALUES: list[Any] = [b"bytes", [], {}, (), object(), {1, 2}, bytearray(b"x")]
#: Characters an identifier may not carry: they would change the key schema.
ID_BREAKERS = ["{", "}", ":", " ", "\n", "\t", "\x00", "\r", "é", "\ud800", "/", "*", "?", "[", "🙂"]


def outside(minimum: int, maximum: int, huge: list[int], *others: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Integers below ``minimum`` or above ``maximum``, those of ``huge`` outside the range, and ``others``."""
    return st.one_of(
        st.integers(max_value=minimum - 1),
        st.integers(min_value=maximum + 1),
        st.sampled_from([v for v in huge if not minimum <= v <= maximum]),
        *others,
    )


def bad_ints(minimum: int, maximum: int) -> st.SearchStrategy[Any]:
    """Integers outside ``[minimum, maximum]``, huge integers, floats, strings, bools and other types."""
    odd = st.sampled_from([True, False, "1", "10", None, *ODD_VALUES])
    return outside(minimum, maximum, HUGE_INTS, st.sampled_from(ODD_FLOATS), odd)


def bad_optional_ints(minimum: int, maximum: int) -> st.SearchStrategy[Any]:
    """Like :func:`bad_ints`, for a parameter where None means "not given" (so None is left out)."""
    return bad_ints(minimum, maximum).filter(lambda v: v is not None)


def bad_ids(max_length: int = 128, *, none_ok: bool = False) -> st.SearchStrategy[Any]:
    """Strings an identifier must refuse (empty, too long, a character that would change the key schema)
    and values that are not strings."""
    forbidden = st.builds(
        lambda head, bad, tail: head + bad + tail,
        st.text("ab1_", max_size=5),
        st.sampled_from(ID_BREAKERS),
        st.text("ab1_", max_size=5),
    )
    others = [b"id", 5, 5.0, True, 2**63, *ODD_VALUES]  # (10**5000 here breaks the repr of a filter)
    if not none_ok:
        others.append(None)
    return st.one_of(
        st.just(""),
        st.text("a", min_size=max_length + 1, max_size=max_length + 50),
        forbidden,
        st.text(min_size=1, max_size=20).filter(
            lambda s: not all(c.isascii() and (c.isalnum() or c in "_.@+-") for c in s)
        ),
        st.sampled_from(others),
    )


def bad_flags() -> st.SearchStrategy[Any]:
    return st.sampled_from(["yes", "", 1, 0, 1.0, None, b"1", []])


def snapshot(client: redis.Redis) -> dict[str, Any]:
    """Every key of the database with its serialised value (``DUMP``) and whether it expires."""
    return {name: (client.dump(name), client.pttl(name) > 0) for name in sorted(client.scan_iter(count=1000))}


def each_refused(
    component: Any,
    r: redis.Redis,
    values: st.SearchStrategy[Any],
    call: Callable[[Any, Any], Any],
    seen: Counter[str],
    entry: str,
) -> None:
    """For every value Hypothesis draws from ``values``, ``call(component, value)`` raises ``InvalidInput``
    and the keyspace stays as it was; ``seen[entry]`` counts the values refused."""
    before = snapshot(r)

    @given(value=values)
    def refused(value: Any) -> None:
        with pytest.raises(InvalidInput):
            call(component, value)
        seen[entry] += 1
        assert snapshot(r) == before

    refused()
