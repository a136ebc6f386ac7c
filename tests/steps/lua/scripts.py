"""Raw scripting steps of the Lua topic (features/lua/): scripts as docstrings, the script cache,
replicas, the cluster and Function libraries.

Scripts are written as docstrings, so the Lua reads as Lua (quotes and all)::

    When the client runs EVAL with keys "k1 k2" and arguments "a1":
      \"\"\"
      return {KEYS[1], ARGV[1], #KEYS, #ARGV}
      \"\"\"
    Then the reply is ["k1", "a1", 2, 1]

Replies are recorded in the shared ``raw`` helper (``redis_commands.py``), so ``the reply is …`` and
``the reply is an error saying …`` work after every step here.  What a scenario remembers besides
the reply (a loaded script's SHA-1, keys found in other slots) is in its :class:`ScriptWorld`.
"""

from __future__ import annotations

import hashlib
import shlex
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import redis
from pytest_bdd import given, parsers, step, then, when

from tests.steps.redis_commands import RawCommands, assert_reply


def words(text: str | None) -> list[str]:
    return shlex.split(text) if text else []


def script_command(command: str, script: str, keys: str | None, args: str | None) -> list[Any]:
    """``EVAL``-shaped arguments: the script, the number of keys, the keys, the arguments."""
    key_list = words(keys)
    return [command, script, len(key_list), *key_list, *words(args)]


@dataclass
class ScriptWorld:
    """What a scripting scenario remembers between its steps."""

    sha: str | None = None  # of the script SCRIPT LOAD cached
    twice: list[Any] = field(default_factory=list)  # the replies of one script run twice
    replicated_script: str | None = None  # the script the primary ran
    key_names: dict[str, str] = field(default_factory=dict)  # names a step gave to keys it found
    evicted_before: int = 0  # INFO evicted_scripts before the scenario's many scripts ran


@pytest.fixture
def script_world() -> ScriptWorld:
    return ScriptWorld()


# ---------------------------------------------------------------------------------------------------- scripts

RUNS = (
    r'(?:client "(?P<who>[^"]+)"|the client) (?:runs|has run) (?P<command>EVAL_RO|EVAL)'
    r'(?: with keys "(?P<keys>[^"]*)")?(?: and arguments "(?P<args>[^"]*)")?:'
)


@step(parsers.re(RUNS))
def run_script(
    raw: RawCommands, docstring: str, command: str, who: str | None, keys: str | None, args: str | None
) -> None:
    raw.execute(script_command(command, docstring, keys, args), who or "default")


@when(parsers.re(r'the client runs EVALSHA of that script(?: with keys "(?P<keys>[^"]*)")?'))
def run_evalsha(raw: RawCommands, script_world: ScriptWorld, keys: str | None) -> None:
    assert script_world.sha is not None, "no script was loaded"
    raw.execute(script_command("EVALSHA", script_world.sha, keys, None))


@given("the client has loaded the script:")
def load_script(raw: RawCommands, script_world: ScriptWorld, docstring: str) -> None:
    script_world.sha = raw.must(f"SCRIPT LOAD {shlex.quote(docstring)}")


@then(parsers.re(r"SCRIPT EXISTS of that script replies (?P<value>.+)"))
def script_exists(raw: RawCommands, script_world: ScriptWorld, value: str) -> None:
    raw.send(f"SCRIPT EXISTS {script_world.sha}")
    assert_reply(raw.last, value)


# ------------------------------------------------------------------------------------------- script eviction


def _info(raw: RawCommands) -> dict[str, str]:
    """INFO as the raw client gets it (one text), field by field."""
    text = raw.client("setup").execute_command("INFO")
    return dict(line.split(":", 1) for line in text.splitlines() if ":" in line and not line.startswith("#"))


@step(parsers.re(r'the client (?:runs|has run) EVAL of the scripts "return (?P<first>\d+)" to "return (?P<last>\d+)"'))
def run_many_scripts(raw: RawCommands, script_world: ScriptWorld, first: str, last: str) -> None:
    """One different script per number (``return 1``, ``return 2``…), pipelined."""
    numbers = range(int(first), int(last) + 1)
    script_world.evicted_before = int(_info(raw).get("evicted_scripts", 0))
    pipe = raw.client("setup").pipeline(transaction=False)
    for n in numbers:
        pipe.execute_command("EVAL", f"return {n}", 0)
    assert pipe.execute() == list(numbers)


@then(parsers.re(r'SCRIPT EXISTS of "(?P<script>[^"]+)" replies (?P<value>.+)'))
def script_text_exists(raw: RawCommands, script: str, value: str) -> None:
    raw.send(f"SCRIPT EXISTS {hashlib.sha1(script.encode()).hexdigest()}")
    assert_reply(raw.last, value)


@then(parsers.parse("INFO reports {cached:d} cached scripts and {evicted:d} more evicted_scripts"))
def info_scripts(raw: RawCommands, script_world: ScriptWorld, cached: int, evicted: int) -> None:
    info = _info(raw)
    assert int(info["number_of_cached_scripts"]) == cached, f"{info['number_of_cached_scripts']} cached scripts"
    assert "evicted_scripts" in info, "INFO has no evicted_scripts field"
    grown = int(info["evicted_scripts"]) - script_world.evicted_before
    assert grown == evicted, f"evicted_scripts grew by {grown}"


@then(parsers.parse("INFO reports {cached:d} cached scripts and no evicted_scripts field"))
def info_no_eviction(raw: RawCommands, cached: int) -> None:
    info = _info(raw)
    assert int(info["number_of_cached_scripts"]) == cached, f"{info['number_of_cached_scripts']} cached scripts"
    assert "evicted_scripts" not in info, f"INFO reports evicted_scripts {info['evicted_scripts']}"


@when("the client runs EVAL twice:")
def run_twice(raw: RawCommands, script_world: ScriptWorld, docstring: str) -> None:
    script_world.twice = [raw.must(shlex.join(["EVAL", docstring, "0"])) for _ in range(2)]


@then("the two replies differ")
def replies_differ(script_world: ScriptWorld) -> None:
    first, second = script_world.twice
    assert first != second, f"both runs replied {first!r}"


@when(parsers.re(r'(?P<clients>\d+) clients each run EVAL with keys "(?P<keys>[^"]*)" (?P<times>\d+) times:'))
def run_concurrently(
    raw: RawCommands, client_factory: Callable[..., Any], docstring: str, clients: str, keys: str, times: str
) -> None:
    args = raw.namespaced(script_command("EVAL", docstring, keys, None))
    errors: list[BaseException] = []

    def work(client: redis.Redis) -> None:
        try:
            for _ in range(int(times)):
                client.execute_command(*args)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    connections = [client_factory(single_connection_client=True) for _ in range(int(clients))]
    threads = [threading.Thread(target=work, args=(c,)) for c in connections]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, f"a client failed: {errors[0]!r}"


# ------------------------------------------------------------------------------------------------ replication


@pytest.fixture
def replica_keys(replica_set: Any) -> Iterator[list[str]]:
    """Keys a scenario wrote on the replica set, deleted afterwards: that set is shared by the whole run."""
    names: list[str] = []
    yield names
    if names:
        with replica_set.primary.client() as primary:
            primary.delete(*names)


@when(parsers.parse('the primary runs EVAL with keys "{keys}":'))
def primary_eval(
    replica_set: Any, replica_keys: list[str], ns: str, script_world: ScriptWorld, keys: str, docstring: str
) -> None:
    names = [f"{{{ns}}}:{k}" for k in words(keys)]
    replica_keys.extend(names)
    script_world.replicated_script = docstring
    with replica_set.primary.client() as primary:
        primary.execute_command("EVAL", docstring, len(names), *names)
        assert primary.wait(1, 10_000) == 1, "the replica did not acknowledge the write"


@then(parsers.parse('the replica holds the same value of "{name}" as the primary'))
def replica_same_value(replica_set: Any, ns: str, name: str) -> None:
    key = f"{{{ns}}}:{name}"
    with replica_set.primary.client() as primary, replica_set.replicas[0].client() as replica:
        value = primary.get(key)
        assert value is not None, f"{name} was not written on the primary"
        assert replica.get(key) == value, f"replica has {replica.get(key)!r}, primary {value!r}"


@then("the replica's script cache does not have the script")
def replica_lacks_script(replica_set: Any, script_world: ScriptWorld) -> None:
    assert script_world.replicated_script is not None, "the primary ran no script"
    sha = hashlib.sha1(script_world.replicated_script.encode()).hexdigest()
    with replica_set.primary.client() as primary, replica_set.replicas[0].client() as replica:
        assert primary.script_exists(sha) == [True], "EVAL caches the script on the primary"
        assert replica.script_exists(sha) == [False]


# ---------------------------------------------------------------------------------------------------- cluster


def _node_of(cluster_client: redis.RedisCluster, key: str) -> redis.Redis:
    """A plain connection to the primary serving ``key``: redis-py's cluster client would refuse
    cross-slot keys itself, and a library loaded there exists on that node only."""
    return cluster_client.get_redis_connection(cluster_client.get_node_from_key(key))


@when(
    parsers.re(
        r'the cluster node of "(?P<first>[^"]+)" is sent EVAL with keys "(?P<keys>[^"]*)"'
        r'(?: and arguments "(?P<args>[^"]*)")?:'
    )
)
def cluster_eval(
    cluster_client: redis.RedisCluster,
    raw: RawCommands,
    script_world: ScriptWorld,
    first: str,
    keys: str,
    args: str | None,
    docstring: str,
) -> None:
    arguments = " ".join(script_world.key_names.get(word, word) for word in words(args))
    connection = _node_of(cluster_client, first)
    raw.record(lambda: connection.execute_command(*script_command("EVAL", docstring, keys, arguments)))


@given(parsers.parse('"{name}" names a key in another slot served by the node of "{key}"'))
def key_in_another_slot(cluster_client: redis.RedisCluster, script_world: ScriptWorld, name: str, key: str) -> None:
    """Find such a key rather than hard-coding one: slot ownership depends on the cluster.  The search
    hashes on the client (thousands of candidates); the key it finds is confirmed by the server."""
    node, slot = cluster_client.get_node_from_key(key).name, cluster_client.keyslot(key)
    for n in range(10_000):
        candidate = f"other:{n}"
        if cluster_client.keyslot(candidate) != slot and cluster_client.get_node_from_key(candidate).name == node:
            assert cluster_client.cluster_keyslot(candidate) != cluster_client.cluster_keyslot(key)
            script_world.key_names[name] = candidate
            return
    raise AssertionError(f"no key found in another slot of the node serving {key!r}")


@given(parsers.parse('"{name}" names a key served by another node than the node of "{key}"'))
def key_on_another_node(cluster_client: redis.RedisCluster, script_world: ScriptWorld, name: str, key: str) -> None:
    node = cluster_client.get_node_from_key(key).name
    for n in range(10_000):
        candidate = f"far:{n}"
        if cluster_client.get_node_from_key(candidate).name != node:
            script_world.key_names[name] = candidate
            return
    raise AssertionError(f"no key found on a node other than the one serving {key!r}")


@given(parsers.parse('the cluster node of "{key}" has loaded the library:'))
def cluster_load_library(cluster_client: redis.RedisCluster, key: str, docstring: str) -> None:
    _node_of(cluster_client, key).execute_command("FUNCTION", "LOAD", docstring)


@when(
    parsers.re(
        r'the cluster node of "(?P<first>[^"]+)" is sent FCALL "(?P<function>[^"]+)" with keys "(?P<keys>[^"]*)"'
        r'(?: and arguments "(?P<args>[^"]*)")?$'
    )
)
def cluster_fcall(
    cluster_client: redis.RedisCluster,
    raw: RawCommands,
    script_world: ScriptWorld,
    first: str,
    function: str,
    keys: str,
    args: str | None,
) -> None:
    key_list = [script_world.key_names.get(word, word) for word in words(keys)]
    arguments = [script_world.key_names.get(word, word) for word in words(args)]
    connection = _node_of(cluster_client, first)
    raw.record(lambda: connection.execute_command("FCALL", function, len(key_list), *key_list, *arguments))


@then(parsers.parse('"{a}" and "{b}" hash to the same slot'))
def same_slot(cluster_client: redis.RedisCluster, a: str, b: str) -> None:
    """Asked of the server (CLUSTER KEYSLOT), not of redis-py's own copy of the hashing rule."""
    slot_a, slot_b = cluster_client.cluster_keyslot(a), cluster_client.cluster_keyslot(b)
    assert slot_a == slot_b, f"CLUSTER KEYSLOT says {a!r} is in slot {slot_a}, {b!r} in slot {slot_b}"


# -------------------------------------------------------------------------------------------------- functions


@step(parsers.re(r"the client (?:loads|has loaded) the library(?P<replace> with REPLACE)?:"))
def load_library(raw: RawCommands, docstring: str, replace: str | None) -> None:
    raw.execute(["FUNCTION", "LOAD", *(["REPLACE"] if replace else []), docstring])
