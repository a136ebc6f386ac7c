"""The short path's kept connections (redisbehaviors.evalsha): one per thread, still the pool's."""

from __future__ import annotations

import asyncio
import gc
import multiprocessing
import threading
from typing import Any

import pytest
import redis
import redis.asyncio
from redis.backoff import NoBackoff
from redis.retry import Retry

from redisbehaviors import evalsha
from redisbehaviors.evalsha import AsyncEvalsha, _borrowed, run_command
from redisbehaviors.testing.polling import wait_until
from tests.support import run_async


def in_use(client: redis.Redis) -> int:
    return len(client.connection_pool._in_use_connections)


def connection_id(client: redis.Redis) -> int:
    return run_command(client, ("CLIENT", "ID"))


def in_thread(work: Any) -> Any:
    result: list[Any] = []
    thread = threading.Thread(target=lambda: result.append(work()))
    thread.start()
    thread.join()
    gc.collect()
    return result[0]


def test_a_thread_keeps_one_connection_for_its_calls(client_factory: Any) -> None:
    client = client_factory()
    ids = {connection_id(client) for _ in range(20)}
    assert len(ids) == 1
    assert client.connection_pool._created_connections == 1
    assert in_use(client) == 1  # kept, and counted as in use so that no other thread gets it


def test_each_thread_keeps_its_own_and_gives_it_back_when_it_ends(client_factory: Any) -> None:
    client = client_factory()
    mine = connection_id(client)
    theirs = in_thread(lambda: connection_id(client))
    assert theirs != mine
    assert in_use(client) == 1  # the thread's connection went back to the pool when it ended
    assert client.connection_pool._created_connections == 2


def test_moving_to_another_pool_gives_the_first_connection_back(client_factory: Any) -> None:
    first, second = client_factory(), client_factory()
    connection_id(first)
    assert in_use(first) == 1
    connection_id(second)
    assert (in_use(first), in_use(second)) == (0, 1)


def test_a_pool_with_little_room_is_borrowed_from_as_before(client_factory: Any) -> None:
    client = client_factory(max_connections=2)  # keeps while fewer than 2 // 2 = 1 are in use
    connection_id(client)
    assert in_use(client) == 1
    during = in_thread(lambda: _borrowed(client, lambda _connection: in_use(client)))
    assert during == 2  # the kept one and the one borrowed for this call
    assert in_use(client) == 1  # which went back right after it


def test_a_blocking_pool_is_borrowed_from_as_before(redis_target: Any) -> None:
    pool = redis.BlockingConnectionPool(**redis_target.client().connection_pool.connection_kwargs)
    client = redis.Redis(connection_pool=pool)
    try:
        connection_id(client)
        kept = getattr(evalsha._threads, "kept", None)
        assert kept is None or kept.pool is not pool
        assert pool.pool.qsize() == pool.max_connections  # every connection is back in the queue
    finally:
        client.close()


def test_a_second_call_inside_the_first_on_the_same_thread_borrows_another(client_factory: Any) -> None:
    client = client_factory()
    outer = connection_id(client)
    inner = _borrowed(client, lambda _connection: connection_id(client))
    assert inner != outer
    assert connection_id(client) == outer


def test_a_killed_kept_connection_is_replaced_on_the_next_call(client_factory: Any, r: redis.Redis) -> None:
    client = client_factory(retry=Retry(NoBackoff(), 1))
    before = connection_id(client)
    r.client_kill_filter(_id=before)
    after = connection_id(client)  # the connection's Retry reconnects
    assert after != before
    assert connection_id(client) == after


def test_a_kept_connection_closed_while_idle_connects_again_without_a_retry(
    client_factory: Any, r: redis.Redis
) -> None:
    client = client_factory(retry=Retry(NoBackoff(), 0))
    before = connection_id(client)
    r.client_kill_filter(_id=before)
    wait_until(lambda: str(before) not in {c["id"] for c in r.client_list()}, 5, what="the kill")
    after = connection_id(client)  # the pool's own check (the socket reads as closed) runs on it first
    assert after != before


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


def async_in_use(client: redis.asyncio.Redis) -> int:
    return len(client.connection_pool._in_use_connections)


def idle(client: redis.asyncio.Redis) -> list[Any]:
    return list(evalsha._idle.get(client.connection_pool, []))


async def one(client: redis.asyncio.Redis) -> int:
    return await AsyncEvalsha(client, "return 1")(0)


def test_asyncio_calls_one_after_another_share_one_connection(redis_target: Any) -> None:
    async def scenario(client: redis.asyncio.Redis) -> tuple[list[int], int, int]:
        replies = [await one(client) for _ in range(20)]
        return replies, len(idle(client)), async_in_use(client)

    replies, idle_after, in_use_after = run_async(redis_target, scenario)
    assert replies == [1] * 20
    assert idle_after == in_use_after == 1  # idle between calls, still counted as in use by the pool


def test_concurrent_asyncio_calls_take_a_connection_each_and_reuse_them(redis_target: Any) -> None:
    async def scenario(client: redis.asyncio.Redis) -> tuple[int, int, bool]:
        await asyncio.gather(*(one(client) for _ in range(8)))
        first = {id(connection) for connection in idle(client)}
        await asyncio.gather(*(one(client) for _ in range(8)))
        second = {id(connection) for connection in idle(client)}
        return len(first), async_in_use(client), second == first

    taken, in_use_after, same = run_async(redis_target, scenario)
    assert 1 <= taken <= 8
    assert in_use_after == taken
    assert same  # the second burst ran on the same connections, none new


def test_an_asyncio_connection_closed_while_idle_is_replaced_without_a_retry(redis_target: Any, r: redis.Redis) -> None:
    async def scenario(client: redis.asyncio.Redis) -> int:
        await one(client)
        r.client_kill_filter(_type="normal", skipme=True)  # every client but this one: the idle one too
        await asyncio.sleep(0.05)  # let the loop read the server's close
        return await one(client)

    assert run_async(redis_target, scenario, retry=Retry(NoBackoff(), 0)) == 1


def test_a_cancelled_asyncio_call_gives_its_connection_back_to_the_pool(redis_target: Any) -> None:
    async def scenario(client: redis.asyncio.Redis) -> tuple[int, int, int]:
        await one(client)
        slow = AsyncEvalsha(client, "local i = 0 while i < 1e7 do i = i + 1 end return i")
        task = asyncio.ensure_future(slow(0))
        await asyncio.sleep(0.05)  # the script is running: the task waits for its reply
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return async_in_use(client), len(idle(client)), await one(client)

    in_use_after, idle_after, reply = run_async(redis_target, scenario)
    assert in_use_after == idle_after  # the cancelled call's connection is not among the idle ones
    assert reply == 1
