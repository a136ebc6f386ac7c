"""After every scenario, the shared server is as the next scenario needs it: checked, and repaired.

A scenario can leave the server it shares with the rest of the run in a state that breaks every
scenario after it: a script still running (everybody gets ``BUSY``), a ``CLIENT PAUSE``, a setting
changed by ``CONFIG SET`` and not restored, keys left behind, or no server at all.  The
:class:`Guard` of the run's server looks for each of these after every scenario, repairs what it
finds, and returns what it found, so that the harness fails that one scenario and nobody else:

* not answering ``PING`` (BUSY): ``SCRIPT KILL``, else ``FUNCTION KILL``; a script that has written
  cannot be killed (``UNKILLABLE``), so an owned server is restarted;
* paused: ``CLIENT UNPAUSE`` always (a ``WRITE`` pause lets ``PING`` through, so it cannot be seen
  cheaply); a pause of ``ALL`` commands blocks even ``CLIENT UNPAUSE``, so ``PING`` stays unanswered
  and an owned server is restarted;
* a setting differs from the one the server started with (``CONFIG GET *``): set back;
* keys: an owned server is flushed (with its scripts and functions), a shared one loses only the
  scenario's namespace; keys still there afterwards mean something is still writing;
* dead: an owned server is restarted.

The healthy case costs one round trip on one long-lived connection (a pipeline).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from redisbehaviors.serverinfo import Version

#: How long a PING may stay unanswered; a busy script only answers BUSY once past its threshold.
PING_TIMEOUT = 1.0
#: Settings that differ between two reads of CONFIG GET * without anyone setting them.
VOLATILE_SETTINGS: frozenset[str] = frozenset()


@dataclass
class Guard:
    """Checks and repairs one server after each scenario (see the module docstring)."""

    url: str
    version: Version
    owned: bool
    restart: Callable[[], None] | None = None  # given for a server the suite started
    problems: list[str] = field(default_factory=list)
    baseline: dict[str, str] = field(default_factory=dict)
    _client: redis.Redis | None = None

    # ------------------------------------------------------------------------------------------ connection

    def janitor(self) -> redis.Redis:
        """The guard's own connection (RESP2, short timeout), opened once and reused.

        It never retries by itself: :meth:`settle` decides what a lost connection means.
        """
        if self._client is None:
            self._client = redis.Redis.from_url(
                self.url,
                decode_responses=True,
                socket_timeout=PING_TIMEOUT,
                single_connection_client=True,
                retry=Retry(NoBackoff(), 0),
            )
        return self._client

    def _reconnect(self) -> None:
        if self._client is not None:
            self._client.close()
        self._client = None

    def close(self) -> None:
        self._reconnect()

    def remember_config(self) -> None:
        """Record the settings the server runs with now, to compare with after each scenario."""
        if self.owned:
            self.baseline = dict(self.janitor().config_get("*"))

    # ------------------------------------------------------------------------------------------ the checks

    def begin(self) -> None:
        self.problems = []

    def take(self) -> list[str]:
        found, self.problems = self.problems, []
        return found

    def settle(self) -> None:
        """Make the server answer PING again (kill a busy script, restart a stuck owned server)."""
        deadline = time.monotonic() + self._busy_threshold() + 2 * PING_TIMEOUT
        reconnected = False
        while True:
            try:
                self.janitor().ping()
                return
            except redis.ResponseError as exc:
                if str(exc).startswith("BUSY"):
                    self._kill_busy_script()
                    continue
                if not str(exc).startswith("LOADING"):
                    raise
            except redis.TimeoutError:
                # A busy script below its threshold, a DEBUG SLEEP, or CLIENT PAUSE ALL: wait, then restart.
                self._reconnect()
                if time.monotonic() > deadline:
                    self._restart("the server did not answer PING (paused, or a script still running)")
                    return
            except redis.ConnectionError:
                self._reconnect()
                # A scenario's CLIENT KILL (a kill storm) may have closed only this connection: a server
                # that refuses a fresh one as well is gone.
                if not reconnected:
                    reconnected = True
                    continue
                self._restart("the server was gone (shut down or crashed)")
                return

    def after_scenario(self, namespace: str) -> list[str]:
        """Check and repair everything; returns what was wrong (empty when the server was healthy)."""
        self.settle()
        client = self.janitor()
        pipe = client.pipeline(transaction=False)
        if self.version >= (6, 2, 0):
            pipe.execute_command("CLIENT", "UNPAUSE")
        if self.owned:
            pipe.flushall()
            pipe.script_flush()
            if self.version >= (7, 0, 0):
                pipe.function_flush()
            pipe.config_get("*")
            pipe.dbsize()
        replies = pipe.execute()
        if self.owned:
            self._restore_config(replies[-2])
            if replies[-1]:
                self._note(f"{replies[-1]} keys were written after the scenario ended (something still runs)")
                client.flushall()
        else:
            self._delete_namespace(client, namespace)
        return self.take()

    # ------------------------------------------------------------------------------------------ repairs

    def _note(self, problem: str) -> None:
        if problem not in self.problems:
            self.problems.append(problem)

    def _busy_threshold(self) -> float:
        name = "busy-reply-threshold" if self.version >= (7, 0, 0) else "lua-time-limit"
        return int(self.baseline.get(name, "5000")) / 1000

    def _kill_busy_script(self) -> None:
        for command in (("SCRIPT", "KILL"), ("FUNCTION", "KILL")):
            try:
                self.janitor().execute_command(*command)
            except redis.ResponseError as exc:
                if str(exc).startswith("NOTBUSY"):  # not a script: maybe a function
                    continue
                if str(exc).startswith("UNKILLABLE"):
                    self._restart("a script that had written was still running (UNKILLABLE)")
                    return
                raise
            self._note(f"a script or function was still running ({' '.join(command)} stopped it)")
            return

    def _restart(self, why: str) -> None:
        if self.restart is None:
            self._note(f"{why}; this server is not the suite's, so it was left as it is")
            return
        self.restart()
        self._reconnect()
        self._note(f"{why}: the server was restarted")

    def _restore_config(self, current: dict[str, str]) -> None:
        changed = {
            name: value
            for name, value in self.baseline.items()
            if name not in VOLATILE_SETTINGS and current.get(name, value) != value
        }
        for name, value in changed.items():
            if self.janitor().config_get(name).get(name) == value:
                continue  # an alias of a setting restored just before (lua-time-limit, busy-reply-threshold)
            self.janitor().config_set(name, value)
            self._note(f"setting {name} was left at {current[name]!r} (set back to {value!r})")

    def _delete_namespace(self, client: redis.Redis, namespace: str) -> None:
        for pattern in (f"{namespace}:*", f"{{{namespace}}}:*"):
            names = list(client.scan_iter(match=pattern, count=500))
            if names:
                client.delete(*names)


@dataclass
class ClusterGuard:
    """A cluster the suite started: each primary has its own :class:`Guard`, checked and repaired in turn
    (flushed with its scripts and functions, settings set back, pauses lifted, busy scripts killed)."""

    guards: list[Guard]

    def remember_config(self) -> None:
        for guard in self.guards:
            guard.remember_config()

    def begin(self) -> None:
        for guard in self.guards:
            guard.begin()

    def settle(self) -> None:
        for guard in self.guards:
            guard.settle()

    def after_scenario(self, namespace: str) -> list[str]:
        problems: list[str] = []
        for guard in self.guards:
            node = guard.url.rsplit(":", 1)[-1].split("/")[0]
            problems += [f"node {node}: {problem}" for problem in guard.after_scenario(namespace)]
        return problems

    def close(self) -> None:
        for guard in self.guards:
            guard.close()
