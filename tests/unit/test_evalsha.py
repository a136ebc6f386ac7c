"""The short path borrows on its own (redisbehaviors.evalsha): idle connections, checked as the pool checks them."""

from __future__ import annotations

import asyncio
import multiprocessing
import select
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
import redis
import redis.asyncio
from redis.backoff import NoBackoff
from redis.retry import Retry

from redisbehaviors.evalsha import AsyncEvalsha, _borrowed, run_command
from redisbehaviors.testing.polling import wait_until
from tests.support import run_async


def in_use(client: Any) -> int:
    return len(client.connection_pool._in_use_connections)


def made(client: Any) -> int:
    pool = client.connection_pool
    return len(pool._in_use_connections) + len(pool._available_connections)


def connection_id(client: redis.Redis) -> int:
    return run_command(client, ("CLIENT", "ID"))


def test_calls_one_after_another_take_the_same_idle_connection_and_give_it_back(client_factory: Any) -> None:
    client = client_factory()
    ids = {connection_id(client) for _ in range(20)}
    assert len(ids) == 1
    assert (made(client), in_use(client)) == (1, 0)


def test_a_redis_py_command_and_a_short_path_call_share_the_pool(client_factory: Any) -> None:
    client = client_factory()
    client.ping()
    connection_id(client)
    client.ping()
    assert (made(client), in_use(client)) == (1, 0)  # one connection, as redis-py alone would use


def test_calls_on_two_threads_at_once_take_two_connections(client_factory: Any) -> None:
    client = client_factory()
    inside, release = threading.Event(), threading.Event()

    def hold() -> None:
        _borrowed(client, lambda _connection: (inside.set(), release.wait(10)))

    thread = threading.Thread(target=hold)
    thread.start()
    inside.wait(10)
    try:
        assert in_use(client) == 1
        connection_id(client)
        assert made(client) == 2
    finally:
        release.set()
        thread.join()
    assert in_use(client) == 0


def test_a_connection_closed_while_idle_connects_again_without_a_retry(client_factory: Any, r: redis.Redis) -> None:
    client = client_factory(retry=Retry(NoBackoff(), 0))
    before = connection_id(client)
    r.client_kill_filter(_id=before)
    wait_until(lambda: str(before) not in {c["id"] for c in r.client_list()}, 5, what="the kill")
    after = connection_id(client)  # the socket reads as closed: disconnected, then connected again
    assert after != before


def killed_after_handshake(admin: redis.Redis, kills: int) -> Callable[[Any], None]:
    """A ``redis_connect_func``: the server closes the first ``kills`` connections right after their
    handshake, before the pool checks them (the race a ``CLIENT KILL`` storm wins now and then)."""
    left = [kills]

    def connect(connection: Any) -> None:
        connection.on_connect()
        if left[0] > 0:
            left[0] -= 1
            connection.send_command("CLIENT", "ID")
            admin.client_kill_filter(_id=connection.read_response())
            select.select([connection._sock], [], [], 5)  # the server's close has reached the socket

    return connect


def test_redis_py_raises_when_a_connection_is_killed_again_right_after_the_pool_reconnects_it(
    client_factory: Any, r: redis.Redis
) -> None:
    """The fault itself: ``ConnectionPool.get_connection`` checks outside the client's ``Retry``."""
    client = client_factory(retry=Retry(NoBackoff(), 3), redis_connect_func=killed_after_handshake(r, 2))
    with pytest.raises(redis.ConnectionError, match="Connection"):
        client.get("k")


def test_the_short_path_takes_a_connection_again_when_it_is_killed_right_after_the_pool_reconnects_it(
    client_factory: Any, r: redis.Redis, ns: str
) -> None:
    r.set(f"{ns}:k", "v")
    client = client_factory(retry=Retry(NoBackoff(), 3), redis_connect_func=killed_after_handshake(r, 2))
    assert run_command(client, ("GET", f"{ns}:k")) == "v"
    assert (made(client), in_use(client)) == (1, 0)


class CountingBackoff(NoBackoff):
    """No wait between attempts, and how many retries asked for one."""

    def __init__(self) -> None:
        super().__init__()
        self.retries = 0

    def compute(self, failures: int) -> float:
        self.retries += 1
        return 0


def test_a_full_pool_is_reported_at_once_not_retried(client_factory: Any) -> None:
    backoff = CountingBackoff()
    client = client_factory(retry=Retry(backoff, 3), max_connections=1)
    inside, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=lambda: _borrowed(client, lambda _c: (inside.set(), release.wait(10))))
    holder.start()
    inside.wait(10)
    try:
        with pytest.raises(redis.exceptions.MaxConnectionsError):
            run_command(client, ("PING",))
    finally:
        release.set()
        holder.join()
    assert backoff.retries == 0
    assert run_command(client, ("PING",)) is True  # the connection came back


def test_the_short_path_gives_the_reply_redis_pys_method_gives(r: redis.Redis, ns: str) -> None:
    """The command's reply callback is applied (XRANGE's pairs, XPENDING's rows with ``parse_detail``)."""
    stream = f"{ns}:s"
    r.xadd(stream, {"a": "1"}, id="1-0")
    r.xgroup_create(stream, "g", id="0")
    r.xreadgroup("g", "c", {stream: ">"})
    assert run_command(r, ("XRANGE", stream, "-", "+")) == r.xrange(stream) == [("1-0", {"a": "1"})]
    detail = run_command(r, ("XPENDING", stream, "g", "-", "+", 10, "c"), parse_detail=True)
    [row] = r.xpending_range(stream, "g", min="-", max="+", count=10, consumername="c")
    assert [(d["message_id"], d["consumer"], d["times_delivered"]) for d in detail] == [("1-0", "c", 1)]
    assert (row["message_id"], row["consumer"], row["times_delivered"]) == ("1-0", "c", 1)


def test_a_blocking_pool_is_borrowed_from_its_own_way(redis_target: Any) -> None:
    pool = redis.BlockingConnectionPool(**redis_target.client().connection_pool.connection_kwargs)
    client = redis.Redis(connection_pool=pool)
    try:
        assert len({connection_id(client) for _ in range(5)}) == 1
        assert pool.pool.qsize() == pool.max_connections  # every connection is back in the queue
    finally:
        client.close()


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="needs fork()")
def test_a_forked_child_never_uses_its_parents_connection(client_factory: Any) -> None:
    client = client_factory()
    parent = connection_id(client)
    context = multiprocessing.get_context("fork")
    queue = context.Queue()

    def child() -> None:
        queue.put([connection_id(client) for _ in range(5)])

    process = context.Process(target=child)
    process.start()
    ids = queue.get(timeout=30)
    process.join(timeout=30)
    assert process.exitcode == 0
    assert len(set(ids)) == 1 and ids[0] != parent
    assert connection_id(client) == parent  # the parent's connection is still in step


# ------------------------------------------------------------------------------------------------ asyncio


async def one(client: redis.asyncio.Redis) -> int:
    return await AsyncEvalsha(client, "return 1")(0)


def test_asyncio_calls_one_after_another_take_the_same_idle_connection(redis_target: Any) -> None:
    async def scenario(client: redis.asyncio.Redis) -> tuple[list[int], int, int]:
        replies = [await one(client) for _ in range(20)]
        return replies, made(client), in_use(client)

    assert run_async(redis_target, scenario) == ([1] * 20, 1, 0)


def test_concurrent_asyncio_calls_reuse_the_connections_they_made(redis_target: Any) -> None:
    async def scenario(client: redis.asyncio.Redis) -> tuple[int, int, int]:
        await asyncio.gather(*(one(client) for _ in range(8)))
        first = made(client)
        await asyncio.gather(*(one(client) for _ in range(8)))
        return first, made(client), in_use(client)

    first, second, in_use_after = run_async(redis_target, scenario)
    assert first == 8  # each task finds no idle connection while the others still wait for theirs
    assert (second, in_use_after) == (8, 0)


def test_an_asyncio_connection_closed_while_idle_connects_again_without_a_retry(
    redis_target: Any, r: redis.Redis
) -> None:
    async def scenario(client: redis.asyncio.Redis) -> int:
        await one(client)
        idle = client.connection_pool._available_connections[-1]
        r.client_kill_filter(_type="normal", skipme=True)  # every client but this one: the idle one too
        deadline = time.monotonic() + 5
        while not await idle.can_read():  # the loop reads the server's close when it gets to run
            assert time.monotonic() < deadline, "the close never reached the client"
            await asyncio.sleep(0.005)
        return await one(client)

    assert run_async(redis_target, scenario, retry=Retry(NoBackoff(), 0)) == 1


def test_a_cancelled_asyncio_call_gives_its_connection_back_closed(redis_target: Any) -> None:
    async def scenario(client: redis.asyncio.Redis) -> tuple[int, int]:
        await one(client)
        slow = AsyncEvalsha(client, "local i = 0 while i < 1e7 do i = i + 1 end return i")
        task = asyncio.ensure_future(slow(0))
        await asyncio.sleep(0.05)  # the script is running: the task waits for its reply
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return in_use(client), await one(client)

    assert run_async(redis_target, scenario) == (0, 1)
