"""Raw-Redis steps of features/fundamentals/hashes.feature: hashes too large to write out in the text."""

from __future__ import annotations

from pytest_bdd import given, parsers

from tests.steps.redis_commands import RawCommands


@given(parsers.parse('the hash "{name}" has a field "{field}" whose value is {size:d} bytes long'))
def hash_with_long_value(raw: RawCommands, name: str, field: str, size: int) -> None:
    raw.must(f"HSET {name} {field} {'x' * size}")


@given(parsers.parse('the hash "{name}" has a field whose name is {size:d} bytes long'))
def hash_with_long_field(raw: RawCommands, name: str, size: int) -> None:
    raw.must(f"HSET {name} {'f' * size} v")


@given(parsers.parse('the hash "{name}" has {count:d} fields "f1" to "f{last:d}"'))
def hash_with_fields(raw: RawCommands, name: str, count: int, last: int) -> None:
    assert count == last, f"{count} fields cannot be named f1 to f{last}"
    fields = " ".join(f"f{n} v" for n in range(1, count + 1))
    raw.must(f"HSET {name} {fields}")
    assert raw.must(f"HLEN {name}") == count
