"""The main flows of every component, written once for the ACL and the TLS tests.

Each flow takes a client (made by the caller: as an ACL user, over TLS, ...) and the namespace,
drives the component's public API the way an application does, and checks concrete results.
``FLOWS`` maps a component (as in ``redisbehaviors.topics``) to its flow.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable
from typing import Any

import redis
import redis.asyncio

from redisbehaviors.catalog import Catalog
from redisbehaviors.chat import Chat
from redisbehaviors.chat.payload import ChatMessage
from redisbehaviors.locks import FencedLock, FencedResource
from redisbehaviors.locks.aio import AsyncFencedLock
from redisbehaviors.locks.errors import StaleFencingToken
from redisbehaviors.media.monitor import Monitor
from redisbehaviors.media.pipeline import MediaPipeline, ServerFeatures
from redisbehaviors.media.worker import Worker
from redisbehaviors.ratelimit import (
    FixedWindowLimiter,
    Limit,
    SlidingLogLimiter,
    SlidingWindowCounterLimiter,
    TokenBucketLimiter,
)
from redisbehaviors.reservations import Reservations
from redisbehaviors.sessions.store import SessionStore
from redisbehaviors.testing import wait_until

Flow = Callable[..., None]


def catalog_flow(client: redis.Redis, ns: str, **_: Any) -> None:
    shop = Catalog(client, namespace=ns)
    assert shop.put_product("p1", {"name": "mug", "price": 9.5, "stock": 3}) is True
    shop.put_product("p2", {"name": "cup", "price": 4})
    shop.update_product("p1", {"colour": "blue"})
    assert shop.product("p1")["colour"] == "blue"
    assert shop.product_fields("p1", ["name", "none"]) == {"name": "mug", "none": None}
    assert shop.record_view("p1", "u1") == 1
    assert shop.record_view("p1") == 2
    assert shop.adjust_stock("p1", -1) == 2
    assert shop.like("u1", "p1").likes == 1
    assert shop.like("u1", "p1").changed is False  # liking twice counts once
    assert shop.likers("p1") == {"u1"}
    assert shop.favorites("u1") == {"p1"} and shop.favorite_count("u1") == 1
    assert shop.are_favorites("u1", ["p1", "p2"]) == [True, False]
    assert shop.unlike("u1", "p1").likes == 0
    assert shop.recently_viewed("u1") == ["p1"]
    assert shop.trending(2) == [("p1", 2)]
    assert shop.in_price_range(0, 5) == [("p2", 4.0)]
    cards = shop.cards(["p1", "missing"], user_id="u1")
    assert cards[0] is not None and cards[0].views == 2 and cards[1] is None


def locks_flow(client: redis.Redis, ns: str, *, async_client: Callable[[], Any] | None = None, **_: Any) -> None:
    lock = FencedLock(client, "profile-7", namespace=ns, ttl_ms=5_000, max_wait=0.05)
    resource = FencedResource(client, "profile-7", namespace=ns, log_length=5)
    first = lock.try_acquire()
    assert first is not None and first.fence == 1
    assert lock.is_locked() and first.is_held()
    assert lock.try_acquire() is None
    first.extend(6_000)
    resource.write(first.fence, {"email": "a@example.org"})
    waiter = FencedLock(client, "profile-7", namespace=ns, ttl_ms=5_000, max_wait=5)
    pool = concurrent.futures.ThreadPoolExecutor(1)
    waiting = pool.submit(waiter.acquire, 5)  # a waiter's path: try, mark, BLPOP, woken by the release
    wait_until(lambda: client.exists(waiter.keys.waiting), timeout=5, what="the waiter's marker")
    first.release()
    with waiting.result(timeout=10) as second:
        resource.write(second.fence, {"email": "b@example.org"})
        try:
            resource.write(first.fence, {"email": "stale"})
        except StaleFencingToken:
            pass
        else:
            raise AssertionError("a stale fencing token was accepted")
        renewal = second.keep_alive(every_ms=50, max_renewals=2)
        wait_until(lambda: renewal.renewals == 2, timeout=5, what="two renewals")
    assert resource.read() == {"email": "b@example.org"}
    assert resource.highest_written() == 2 and resource.accepted_log() == [1, 2]
    assert lock.last_fence() == 2 and not lock.is_locked()
    pool.shutdown()
    if async_client is not None:
        asyncio.run(_async_lock_flow(async_client, ns))


async def _async_lock_flow(make: Callable[[], Any], ns: str) -> None:
    client = make()
    try:
        lock = AsyncFencedLock(client, "profile-8", namespace=ns, ttl_ms=5_000)
        lease = await lock.acquire(timeout=1)
        assert lease.fence == 1
        await lease.release()
    finally:
        await client.aclose()


def ratelimit_flow(client: redis.Redis, ns: str, **_: Any) -> None:
    limits = [Limit(2, 60_000), Limit(10, 3_600_000)]
    for kind in (FixedWindowLimiter, SlidingLogLimiter, SlidingWindowCounterLimiter, TokenBucketLimiter):
        limiter = kind(client, limits, namespace=ns)
        assert limiter.peek("203.0.113.7", "login").allowed
        assert [limiter.hit("203.0.113.7", "login").allowed for _ in range(3)] == [True, True, False], kind
        limiter.reset("203.0.113.7", "login")
        assert limiter.hit("203.0.113.7", "login").allowed


def sessions_flow(client: redis.Redis, ns: str, **_: Any) -> None:
    store = SessionStore(client, namespace=ns)
    token = store.create("u1", {"theme": "dark"})
    session = store.get(token)
    assert session is not None and session.user_id == "u1" and session.data == {"theme": "dark"}
    assert store.set(token, {"cart": "3"}) == 1
    assert store.delete_fields(token, ["theme"]) == 1
    rotated = store.rotate(token)
    assert store.get(token) is None
    assert store.get(rotated, ["cart"]).data == {"cart": "3"}  # type: ignore[union-attr]
    other = store.create("u1")
    assert sorted(store.sessions_of("u1")) == sorted([rotated, other])
    assert store.revoke(other) is True
    assert store.revoke_all("u1") == 1
    assert store.sessions_of("u1") == []


def chat_flow(client: redis.Redis, ns: str, **_: Any) -> None:
    chat = Chat(client, namespace=ns, typing_interval=0)
    chat.send("lobby", "bob", "earlier")
    with chat.feed("lobby", me="ana", backlog=5) as feed:
        opened = feed.open()
        assert [(m.sender, m.body) for m in opened if isinstance(m, ChatMessage)] == [("bob", "earlier")]
        assert chat.heartbeat("lobby", "ana") == ["ana"]
        assert chat.typing("lobby", "bob") is True
        assert chat.send("lobby", "bob", "hi ana").receivers == 1
        seen: list[Any] = []
        wait_until(
            lambda: seen.extend(feed.poll(0.1)) or any(isinstance(e, ChatMessage) for e in seen),
            timeout=5,
            what="the live message",
        )
        assert [e.body for e in seen if isinstance(e, ChatMessage)] == ["hi ana"]
    history = chat.history("lobby")
    assert [m.body for m in history] == ["earlier", "hi ana"]
    assert [m.body for m in chat.history("lobby", after=history[0].id)] == ["hi ana"]
    with chat.feed("lobby", since=history[0].id) as late:  # a member back from a break catches up
        assert [e.body for e in late.open() if isinstance(e, ChatMessage)] == ["hi ana"]
    assert chat.last_id("lobby") == chat.history("lobby")[-1].id
    assert chat.online("lobby") == ["ana"]
    assert chat.leave("lobby", "ana") == []
    brief = Chat(client, namespace=ns, presence_ttl_ms=20)
    brief.heartbeat("lobby", "cleo")
    wait_until(lambda: brief.online("lobby") == [], timeout=5, what="cleo timed out")  # pruned by the read


def media_flow(
    client: redis.Redis, ns: str, *, features: ServerFeatures | None = None, delete_on_ack: bool = False, **_: Any
) -> None:
    pipeline = MediaPipeline(
        client, namespace=ns, lease_ms=1_000, max_deliveries=1, features=features, delete_on_ack=delete_on_ack
    )
    assert pipeline.ensure_group() is True
    first = pipeline.submit("transcode", {"source": "a.mov"}, job_id="a-mov")
    assert pipeline.submit("transcode", {"source": "a.mov"}, job_id="a-mov").duplicate is True
    pipeline.submit_many([("thumbnail", {"source": "b.png"}, "b-png"), ("tag", {"fail": "always"}, None)])

    def handler(job: Any, lease: Any) -> dict[str, str]:
        if job.payload.get("fail"):
            raise ValueError("unsupported codec")
        lease.extend()
        return {"output": job.kind}

    stats = Worker(pipeline, "w1", handler, block_ms=10).run(max_jobs=3)
    assert (stats.applied, stats.dead_lettered) == (2, 1), stats
    assert pipeline.outcome(first.job_id) == "applied"
    [letter] = pipeline.dead_letters()
    assert letter.kind == "tag" and pipeline.dead_letter_count() == 1
    assert pipeline.replay(letter.dead_id)
    [job] = pipeline.read_new("w2", count=10)
    assert pipeline.release("w2", [job.entry_id]) == 1
    assert pipeline.reclaim("w3", min_idle_ms=0).jobs[0].entry_id == job.entry_id
    assert pipeline.extend_lease("w3", [job.entry_id]) == [job.entry_id]
    assert pipeline.retire_consumer("w3", "w4").moved == 1
    gone = pipeline.submit("tag", {"source": "c.png"})
    pipeline.read_new("w5")
    client.xdel(pipeline.keys.jobs, gone.entry_id)  # deleted while pending: recorded as a dead letter
    assert pipeline.read_own_pending("w5")[1] == [gone.entry_id]
    health = Monitor(pipeline).check()
    assert health.pending == 1 and health.dead_letters == 1, health
    assert pipeline.server_time_ms() > 0


def reservations_flow(client: redis.Redis, ns: str, *, engine: str = "script", **_: Any) -> None:
    service = Reservations(client, namespace=ns, engine=engine, audit_cap=100)  # type: ignore[arg-type]
    assert service.set_stock("A-1", 3).available == 3
    assert service.restock("A-1", 2, "delivery-7") is True
    assert service.restock("A-1", 2, "delivery-7") is False
    held = service.reserve("order-1", [("A-1", 2)], 60_000)
    assert held.outcome.value == "held"
    assert service.hold("order-1").lines == {"A-1": 2}
    assert service.extend("order-1", 90_000).value == "extended"
    assert service.confirm("order-1").value == "confirmed"
    service.reserve("order-2", [("A-1", 1)], 60_000)
    assert service.cancel("order-2").value == "cancelled"
    assert service.sweep().expired == 0
    level = service.stock("A-1")
    assert (level.available, level.sold, level.total) == (3, 2, 5)
    assert len(service.audit_log()) >= 4
    forgetful = Reservations(client, namespace=ns, engine=engine, retention_ms=1)  # type: ignore[arg-type]
    forgotten: list[int] = []
    wait_until(lambda: forgotten.append(forgetful.sweep().forgotten) or sum(forgotten) == 2, timeout=5, what="sweep")
    assert forgetful.stock("A-1").sold == 2


FLOWS: dict[str, Flow] = {
    "catalog": catalog_flow,
    "locks": locks_flow,
    "ratelimit": ratelimit_flow,
    "sessions": sessions_flow,
    "chat": chat_flow,
    "media": media_flow,
    "reservations": reservations_flow,
}
