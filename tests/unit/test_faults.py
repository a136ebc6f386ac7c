"""The wire faults the harness injects do what the fault tests rely on."""

from __future__ import annotations

import contextlib

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from redisbehaviors.testing import wait_until
from redisbehaviors.testing.faults import ReplyDroppingProxy


def test_a_lost_reply_makes_a_retrying_client_apply_a_command_twice(lossy_proxy: ReplyDroppingProxy, r, key) -> None:
    retrying = redis.Redis.from_url(lossy_proxy.url, decode_responses=True, retry=Retry(NoBackoff(), 3))
    lossy_proxy.lose_reply_to(b"INCR")
    assert retrying.incr(key("n")) == 2  # the first INCR ran, its reply was lost, the retry ran again
    assert lossy_proxy.lost == 1
    assert r.get(key("n")) == "2"
    retrying.close()


def test_without_retries_a_lost_reply_is_a_connection_error_and_the_command_still_ran(
    lossy_proxy: ReplyDroppingProxy, r, key
) -> None:
    once = redis.Redis.from_url(lossy_proxy.url, decode_responses=True, retry=Retry(NoBackoff(), 0))
    lossy_proxy.lose_reply_to(b"INCR")
    try:
        once.incr(key("n"))
        raise AssertionError("the reply was delivered")
    except redis.ConnectionError:
        pass
    assert r.get(key("n")) == "1"
    assert once.incr(key("n")) == 2  # the proxy passes later requests through
    once.close()


def test_a_kill_storm_disconnects_other_clients_repeatedly(kill_storm, client_factory) -> None:
    victim = client_factory(retry=Retry(NoBackoff(), 10))  # reconnects after every kill

    def victim_pings_and_storm_killed_three_times() -> bool:
        with contextlib.suppress(redis.ConnectionError):  # killed between two pings: the next one reconnects
            victim.ping()
        return storm.kills >= 3

    with kill_storm(interval=0.005) as storm:
        wait_until(victim_pings_and_storm_killed_three_times, timeout=10, what="three kills")
    assert storm.kills >= 3
