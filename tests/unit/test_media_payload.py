"""The media pipeline's payload encoding, checked without Redis: the C encoder made once
(``_C_ENCODE``) writes exactly what ``json.JSONEncoder.encode`` with the same settings writes, and
refuses what it refuses."""

from __future__ import annotations

import json
import math
from collections import OrderedDict
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from redisbehaviors.errors import InvalidInput
from redisbehaviors.media.pipeline import _C_ENCODE, _JSON, _encode_payload

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(),  # every code point, lone surrogates included
)
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.tuples(inner, inner),
        st.dictionaries(st.text(max_size=8), inner, max_size=4),
    ),
    max_leaves=20,
)


def _reference(payload: dict[str, Any]) -> str | type[Exception]:
    try:
        text = _JSON.encode(payload)
    except (TypeError, ValueError) as error:
        return type(error)
    return text


def test_the_c_encoder_is_in_use_on_cpython() -> None:
    assert _C_ENCODE is not None


@given(st.dictionaries(st.text(max_size=8), _values, max_size=6))
def test_a_payload_encodes_to_the_text_json_encoder_writes(payload: dict[str, Any]) -> None:
    expected = _reference(payload)
    if isinstance(expected, str):
        assert _encode_payload(payload) == expected
        assert json.loads(expected) == json.loads(_encode_payload(payload))
    else:  # NaN or an infinity somewhere: refused by both
        with pytest.raises(InvalidInput, match="JSON-serialisable"):
            _encode_payload(payload)


def test_a_mapping_that_is_not_a_dict_encodes_like_its_dict() -> None:
    assert _encode_payload(OrderedDict([("b", 1), ("a", [1.5, "é"])])) == '{"a":[1.5,"\\u00e9"],"b":1}'


@pytest.mark.parametrize(
    "payload",
    [
        {"x": math.nan},
        {"x": object()},
        {1: 1, "a": 2},  # keys that cannot be sorted together
        {"x": 10**5000},  # beyond Python's int-to-text limit
    ],
    ids=["nan", "object", "mixed keys", "huge int"],
)
def test_what_json_refuses_is_refused_with_invalid_input(payload: dict[Any, Any]) -> None:
    with pytest.raises(InvalidInput, match="JSON-serialisable"):
        _encode_payload(payload)


def test_a_payload_that_contains_itself_is_refused() -> None:
    payload: dict[str, Any] = {}
    payload["self"] = payload
    with pytest.raises(InvalidInput, match="JSON-serialisable"):
        _encode_payload(payload)
