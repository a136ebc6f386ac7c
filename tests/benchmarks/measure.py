"""Measurements the benchmark report shows beside the ratio groups: where a call's time goes, interleaved
ratios and memory per entity.  Each returns a plain dict that a benchmark stores in ``extra_info``
(``kind`` names the report section); ``redisbehaviors.reports.bench`` lays them out.

- :func:`split_call` splits one component call's median time into the network round trip (a raw
  ``ECHO`` of the call's request/reply size, as many as the call makes round trips, on the same
  client), the server's own time (``INFO commandstats`` ``usec_per_call`` of every command the call
  sent, after ``CONFIG RESETSTAT``) and the client's time (the rest), and profiles the call with
  cProfile into ``<report dir>/profiles/<component>.txt``.
- :func:`interleaved_medians` times candidates one call each in shuffled turns, so that load drift
  on a shared machine hits them all alike; :func:`interleaved_table` turns medians into rows.
- :func:`memory_per_entity` fills a fresh server with entities and reads the ``used_memory`` delta
  and the ``OBJECT ENCODING`` of each kind of key.
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import random
import re
import statistics
import time
from collections import Counter
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

import redis

from redisbehaviors.reports.bench import REFERENCE_ENV

SPLIT_CALLS = int(os.environ.get("REDISBEHAVIORS_BENCH_SPLIT_CALLS", "2000"))
ENTITIES = int(os.environ.get("REDISBEHAVIORS_BENCH_ENTITIES", "100000"))
#: The goal of a group timed round after round whose comparison also runs interleaved: the verdict is there.
#: On this project's 2-vCPU VM a loopback round trip is about 110 µs while the CPUs idle and about 24 µs
#: while any process keeps one busy (``INCR`` medians, measured; docs/reports.md), so a baseline timed in
#: another stretch of a run than its subject can be 5x off; interleaved turns see the same stretch.
INTERLEAVED_GOAL = "see the interleaved table"
SCRIPT_COMMANDS = ("EVALSHA", "EVAL", "EVALSHA_RO", "EVAL_RO", "FCALL", "FCALL_RO")


# ---------------------------------------------------------------------------------------------- metering


class Meter(redis.Connection):
    """A real connection that records what its client sends: round trips and command names.

    One ``send_packed_command`` is one round trip (a pipeline sends all its commands at once).
    It records only while ``recording`` (inside :func:`_window`): reading the names out of a request is
    Python work per argument, which must not be charged to the calls that are timed.
    """

    sends: ClassVar[int] = 0
    names: ClassVar[Counter[str]] = Counter()
    recording: ClassVar[bool] = False

    @classmethod
    def reset(cls) -> None:
        cls.sends, cls.names = 0, Counter()

    def send_packed_command(self, command: Any, check_health: bool = True) -> None:
        if not Meter.recording:
            super().send_packed_command(command, check_health)
            return
        Meter.sends += 1
        data = command if isinstance(command, bytes | str) else b"".join(command)
        for name in command_names(data.encode() if isinstance(data, str) else data):
            Meter.names[name] += 1
        super().send_packed_command(command, check_health)


def command_names(data: bytes) -> list[str]:
    """The names of the commands in a RESP request buffer (arrays of bulk strings, as clients send)."""
    names, at = [], 0
    while at < len(data):
        end = data.index(b"\r\n", at)
        count, at = int(data[at + 1 : end]), end + 2  # "*<count>"
        for index in range(count):
            end = data.index(b"\r\n", at)
            size, at = int(data[at + 1 : end]), end + 2  # "$<size>"
            if index == 0:
                names.append(_name(data[at : at + size]))
            at += size + 2
    return names


def _name(value: Any) -> str:
    text = value.decode() if isinstance(value, bytes) else str(value)
    return text.split()[0].upper()


def metered_client(url: str, protocol: int) -> redis.Redis:
    """A client whose connections are :class:`Meter`: give it to the component under measurement."""
    return redis.Redis.from_url(url, decode_responses=True, protocol=protocol, connection_class=Meter)


def _server_usec(commandstats: Mapping[str, Any], sent: Mapping[str, float]) -> float:
    """µs the server spent per call: each sent command's ``usec_per_call`` times how often it was sent.

    A script's own entry already contains the commands it ran (they are also listed on their own,
    which is why only the commands the client sent are added up).
    """
    total = 0.0
    for name, count in sent.items():
        stat = commandstats.get(f"cmdstat_{name.lower()}")
        if stat is None:  # a container command (XINFO, CONFIG): its subcommands are counted apart
            subs = [v for k, v in commandstats.items() if k.startswith(f"cmdstat_{name.lower()}|")]
            calls = sum(v["calls"] for v in subs)
            total += count * (sum(v["usec"] for v in subs) / calls if calls else 0.0)
        else:
            total += count * float(stat["usec_per_call"])
    return total


def _net_bytes(admin: redis.Redis) -> tuple[int, int]:
    stats = admin.info("stats")
    return int(stats["total_net_input_bytes"]), int(stats["total_net_output_bytes"])


def _window(admin: redis.Redis, action: Callable[[], object], calls: int) -> dict[str, Any]:
    """Run ``action`` ``calls`` times after CONFIG RESETSTAT; what was sent, its bytes and server time."""
    empty_in, empty_out = _bytes_delta(admin, lambda: None)
    admin.config_resetstat()
    Meter.reset()
    start_in, start_out = _net_bytes(admin)
    Meter.recording = True
    try:
        for _ in range(calls):
            action()
    finally:
        Meter.recording = False
    end_in, end_out = _net_bytes(admin)
    sent = {name: count / calls for name, count in Meter.names.items()}
    return {
        "round_trips": Meter.sends / calls,
        "sent": sent,
        "request_bytes": max(0.0, (end_in - start_in - empty_in) / calls),
        "reply_bytes": max(0.0, (end_out - start_out - empty_out) / calls),
        "server_us": _server_usec(admin.info("commandstats"), sent),
    }


def _bytes_delta(admin: redis.Redis, action: Callable[[], object]) -> tuple[int, int]:
    """The bytes two INFO stats add to the counters around ``action`` (subtracted from every window)."""
    before_in, before_out = _net_bytes(admin)
    action()
    after_in, after_out = _net_bytes(admin)
    return after_in - before_in, after_out - before_out


# ---------------------------------------------------------------------------------------------- interleaving


def interleaved_medians(
    candidates: Mapping[str, Callable[[], object]],
    rotations: int,
    seed: int = 7,
    clock: Callable[[], float] = time.perf_counter,
    setups: Mapping[str, Callable[[], Any]] | None = None,
) -> dict[str, float]:
    """Median seconds per call of each candidate, one call each per rotation in a shuffled order
    (``clock``: wall time by default; ``time.thread_time`` gives the calling thread's CPU time).
    With ``setups``, each call is ``candidate(setup())``, the setup untimed."""
    times: dict[str, list[float]] = {name: [] for name in candidates}
    order = list(candidates)
    shuffler = random.Random(seed)
    for _ in range(rotations):
        shuffler.shuffle(order)
        for name in order:
            call = candidates[name]
            if setups is not None:
                call = partial(call, setups[name]())
            started = clock()
            call()
            times[name].append(clock() - started)
    return {name: statistics.median(values) for name, values in times.items()}


def interleaved_table(
    title: str, medians_s: Mapping[str, float], comparisons: list[tuple[str, str, str]], note: str = ""
) -> dict[str, Any]:
    """``extra_info`` of an interleaved comparison: every candidate's median µs, and the comparisons
    that matter as ``(subject, against, goal)`` (goal like ``"ratio <= 1.15"``, or ``""``)."""
    return {
        "kind": "interleaved",
        "interleaved": {
            "title": title,
            "medians_us": {name: round(seconds * 1e6, 2) for name, seconds in medians_s.items()},
            "comparisons": [{"subject": s, "against": a, "goal": g} for s, a, g in comparisons],
            "note": note,
        },
    }


# ---------------------------------------------------------------------------------------------- the split


def report_dir() -> Path | None:
    """The report folder of a ``redisbehaviors report bench`` run (beside its reference file), else None."""
    path = os.environ.get(REFERENCE_ENV)
    return Path(path).parent if path else None


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-").lower()


def split_call(
    component: str,
    call_name: str,
    call: Callable[[], object],
    client: redis.Redis,
    admin: redis.Redis,
    *,
    calls: int = SPLIT_CALLS,
    warmup: int = 200,
) -> dict[str, Any]:
    """Where one call's median time goes: round trip + server + client (see the module docstring).

    ``client`` must be a :func:`metered_client` (the component's own); ``admin`` another client of the
    same server, used for CONFIG RESETSTAT and INFO.
    """
    for _ in range(warmup):  # scripts loaded, connection made, caches warm
        call()
    window = _window(admin, call, calls)
    trips = max(1, round(window["round_trips"]))
    size = int(max(window["request_bytes"], window["reply_bytes"]) / trips)
    payload = "x" * max(1, size - 24)  # ECHO's own framing is about 24 bytes each way

    def stand_in() -> None:
        for _ in range(trips):
            client.echo(payload)

    echo = _window(admin, stand_in, calls)
    medians = interleaved_medians({"call": call, "stand-in": stand_in}, calls)
    total_us, raw_us = medians["call"] * 1e6, medians["stand-in"] * 1e6
    cpu = interleaved_medians({"call": call, "stand-in": stand_in}, calls, clock=time.thread_time)
    client_cpu_us = (cpu["call"] - cpu["stand-in"]) * 1e6
    round_trip_us = max(0.0, raw_us - echo["server_us"])
    server_us = window["server_us"]
    split = {
        "component": component,
        "call": call_name,
        "total_us": round(total_us, 2),
        "round_trip_us": round(round_trip_us, 2),
        "server_us": round(server_us, 2),
        "client_us": round(total_us - round_trip_us - server_us, 2),
        "client_cpu_us": round(client_cpu_us, 2),
        "round_trips": round(window["round_trips"], 3),
        "request_bytes": round(window["request_bytes"]),
        "reply_bytes": round(window["reply_bytes"]),
        "sent": {name: round(count, 3) for name, count in window["sent"].items()},
        "stand_in": f"{trips} × ECHO of {size} bytes",
        "profile": _profile(component, call_name, call, split_text(total_us, round_trip_us, server_us)),
    }
    return {"kind": "split", "split": split}


def split_text(total_us: float, round_trip_us: float, server_us: float) -> str:
    client_us = total_us - round_trip_us - server_us
    return (
        f"median {total_us:.1f} µs = round trip {round_trip_us:.1f} + server {server_us:.1f} "
        f"+ client {client_us:.1f} ({client_us / total_us:.0%} of the total)"
    )


def _profile(component: str, call_name: str, call: Callable[[], object], summary: str, calls: int = 2000) -> str:
    """cProfile of ``calls`` calls, top functions by own time and by cumulative time; returns its path
    relative to the report (empty when not run by ``report bench``)."""
    folder = report_dir()
    if folder is None:
        return ""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(calls):
        call()
    profiler.disable()
    text = io.StringIO()
    text.write(f"{component}: {call_name}, {calls} calls under cProfile (times inflated by the profiler)\n")
    text.write(f"split measured without the profiler: {summary}\n")
    text.write("socket recv/send and the read of the reply are the round trip; the rest is the client\n\n")
    stats = pstats.Stats(profiler, stream=text)
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats(25)
    relative = f"profiles/{slug(component)}-{slug(call_name)}.txt"
    (folder / "profiles").mkdir(parents=True, exist_ok=True)
    (folder / relative).write_text(text.getvalue().replace(str(Path.cwd()) + "/", ""))
    return relative


# ---------------------------------------------------------------------------------------------- memory


def key_shape(key: str) -> str:
    """``"ns:{s417}:session:417.AbC…"`` -> ``"*:*:session:*"``: the kind of key, without its ids."""
    return ":".join(part if part.isalpha() else "*" for part in key.split(":"))


def encodings(admin: redis.Redis, sample: int = 3000) -> dict[str, dict[str, int]]:
    """``{shape: {"hash/listpack": n, …}}`` over up to ``sample`` keys of the server."""
    found: dict[str, Counter[str]] = {}
    for index, key in enumerate(admin.scan_iter(count=1000)):
        if index >= sample:
            break
        kind = f"{admin.type(key)}/{admin.object('encoding', key)}"
        found.setdefault(key_shape(key), Counter())[kind] += 1
    return {shape: dict(kinds) for shape, kinds in sorted(found.items())}


def used_memory(admin: redis.Redis) -> int:
    return int(admin.info("memory")["used_memory"])


def memory_per_entity(
    admin: redis.Redis,
    component: str,
    entity: str,
    fill: Callable[[int, int], object],
    count: int = ENTITIES,
    note: str = "",
) -> dict[str, Any]:
    """Bytes per entity on a fresh server (a record of ``extra_info["memory"]``, a list):
    ``fill(start, stop)`` makes entities ``start..stop-1``.

    The first entity is made before the first reading, so that loaded scripts and the first key of a
    shared structure are not charged to the others.
    """
    fill(0, 1)
    keys_before, before = admin.dbsize(), used_memory(admin)
    started = time.perf_counter()
    fill(1, count)
    seconds = time.perf_counter() - started
    after, keys_after = used_memory(admin), admin.dbsize()
    memory = {
        "component": component,
        "entity": entity,
        "count": count,
        "bytes_per_entity": round((after - before) / (count - 1), 1),
        "keys_per_entity": round((keys_after - keys_before) / (count - 1), 3),
        "encodings": encodings(admin),
        "fill_seconds": round(seconds, 1),
        "note": note,
    }
    return memory
