"""The manifest: which topic owns which component, feature file, command-line tool and docs page.

One topic of the roadmap is one folder of the same name in ``features/``, ``tests/steps/``,
``docs/`` and ``tests/benchmarks/``.  Inside a topic, a component has the same name everywhere::

    src/redisbehaviors/<component>/            the component
    features/<topic>/<component>.feature       its behaviour (the documentation)
    tests/steps/<topic>/<component>.py         the steps of that feature
    docs/<topic>/<component>.md                its usage page
    tests/benchmarks/<topic>/bench_<component>.py

The command line, the README's tables and the reports read this module; a unit test checks that
every path it names exists.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Component:
    name: str  # package under src/redisbehaviors/, and file name in every topic folder
    title: str
    cli: str | None = None  # sub-command of ``redisbehaviors``, when the component has one

    @property
    def module(self) -> str:
        return f"redisbehaviors.{self.name}"


@dataclass(frozen=True)
class Topic:
    name: str  # folder name in features/, tests/steps/, docs/ and tests/benchmarks/
    title: str
    teaches: str
    components: tuple[Component, ...]

    def feature(self, component: Component) -> str:
        return f"features/{self.name}/{component.name}.feature"

    def docs(self, component: Component) -> str:
        return f"docs/{self.name}/{component.name}.md"

    def steps(self, component: Component) -> str:
        return f"tests/steps/{self.name}/{component.name}.py"

    def benchmark(self, component: Component) -> str:
        return f"tests/benchmarks/{self.name}/bench_{component.name}.py"


TOPICS: tuple[Topic, ...] = (
    Topic(
        "fundamentals",
        "Fundamentals",
        "strings as atomic counters and what counts as an integer; hashes and their compact encoding; capped "
        "lists; sets and batched membership; sorted-set options, tie-breaks and float precision; MULTI, WATCH "
        "and why nothing rolls back",
        (Component("catalog", "Catalog: products, counters, likes, recently viewed and discovery"),),
    ),
    Topic(
        "ttl_locks",
        "TTL & locks",
        "how expiry really works, what clears or keeps a TTL; a lock with fencing tokens; rate limiters on the "
        "server's clock; server-side sessions",
        (
            Component("locks", "Profile-edit lock with fencing tokens"),
            Component("ratelimit", "Rate limiters on the server's clock"),
            Component("sessions", "Server-side sessions"),
        ),
    ),
    Topic(
        "pubsub",
        "Pub/Sub",
        "fire-and-forget delivery, ordering, slow subscribers, and when to prefer Streams",
        (Component("chat", "Room chat with typing indicators", cli="chat"),),
    ),
    Topic(
        "streams",
        "Streams & consumer groups",
        "consumer groups, pending entries, reclaim, retries and dead letters",
        (Component("media", "Media job pipeline", cli="media"),),
    ),
    Topic(
        "lua",
        "Lua",
        "script atomicity and what it does not give you (no rollback), NOSCRIPT, Functions, cluster slots",
        (Component("reservations", "Checkout stock reservation", cli="stock"),),
    ),
    Topic(
        "operations",
        "Operations",
        "replication is asynchronous; Sentinel and cluster failover and what clients see; maxmemory eviction "
        "policies; what AOF and RDB keep across kill -9; MOVED, ASK and TRYAGAIN while a slot migrates",
        (),
    ),
)


def topic(name: str) -> Topic:
    for candidate in TOPICS:
        if candidate.name == name:
            return candidate
    raise KeyError(name)


def components() -> list[tuple[Topic, Component]]:
    return [(t, c) for t in TOPICS for c in t.components]
