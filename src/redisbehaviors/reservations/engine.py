"""How the service runs its Lua: as cached scripts (EVALSHA) or as a Function library (FCALL).

Both are built from the same ``.lua`` files, read through :mod:`redisbehaviors.scripts`: the shared
prelude and ``_common.lua`` (the reservations' helpers) are put in front of each script.  For the
Function library every script body becomes a Lua function whose parameters are named ``KEYS`` and
``ARGV``, so the bodies run unchanged.

The difference that matters in operation:

* the script cache is volatile: ``SCRIPT FLUSH``, a restart or a failover to a replica empties
  it (scripts are not replicated since 7.0), and ``EVALSHA`` then answers ``NOSCRIPT``; the
  engine loads the script again and retries once (``reloads`` counts this);
* a Function library is part of the dataset: it survives ``SCRIPT FLUSH`` and ``FLUSHALL``, is
  replicated and saved in RDB/AOF, and is loaded once per deployment (``FUNCTION LOAD REPLACE``).
  The library name carries a version, so two deployments never overwrite each other's functions.
  ``FUNCTION LOAD`` names no key, so a user allowed to run it may replace any library on the server:
  give that grant to a deployment step (:func:`deploy_library` as an admin) and construct the
  application's engine with ``load=False``, so that the application user needs only ``FCALL``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any, Protocol

import redis
from redis.exceptions import NoScriptError, ResponseError

from redisbehaviors import scripts
from redisbehaviors.errors import InvalidInput
from redisbehaviors.evalsha import run_command
from redisbehaviors.reservations.errors import LibraryNotLoaded
from redisbehaviors.validation import validate_client

SCRIPT_NAMES = ("set_stock", "restock", "reserve", "confirm", "cancel", "extend", "hold", "sweep")
LIBRARY_NAME = "reservations_v1"
#: The reservations' helpers, after the shared prelude (``_common.lua``).
PRELUDES = ("_common",)

Arg = str | int


def script_source(name: str) -> str:
    """The text sent with ``SCRIPT LOAD``: a ``#!lua`` line, the helpers, then the script.

    The shebang (7.0+) makes Redis hold the script to what it declares: in a cluster it may only
    touch keys of its declared slot, and under ``maxmemory`` pressure it is refused before it
    starts instead of failing at its first write.
    """
    return scripts.script_source(__package__, name, preludes=PRELUDES, shebang="#!lua")


def function_name(name: str) -> str:
    """``reserve`` -> ``reservations_v1_reserve`` (function names are global on a server)."""
    return f"{LIBRARY_NAME}_{name}"


def library_source() -> str:
    """The Function library: the helpers once, then every script as a registered function."""
    parts = [f"#!lua name={LIBRARY_NAME}", scripts.helpers(__package__, PRELUDES)]
    for name in SCRIPT_NAMES:
        parts.append(f"local function fn_{name}(KEYS, ARGV)\n{scripts.read_lua(__package__, name)}\nend")
        parts.append(f"redis.register_function('{function_name(name)}', fn_{name})")
    return "\n".join(parts) + "\n"


class Engine(Protocol):
    reloads: int

    def call(self, name: str, keys: Sequence[str], args: Sequence[Arg]) -> Any: ...


class ScriptEngine:
    """Runs each script with ``EVALSHA``; loads all of them once, and again after ``NOSCRIPT``."""

    def __init__(self, client: redis.Redis | redis.RedisCluster) -> None:
        self.client = validate_client(client)  # type: ignore[assignment]
        self.sources = {name: script_source(name) for name in SCRIPT_NAMES}
        self.shas = {name: hashlib.sha1(src.encode()).hexdigest() for name, src in self.sources.items()}
        self.reloads = 0
        for name in SCRIPT_NAMES:
            self._load(name)

    def _load(self, name: str) -> None:
        sha = self.client.script_load(self.sources[name])
        # A cluster client answers with one SHA per primary; all equal the SHA-1 of the text.
        shas = set(sha.values()) if isinstance(sha, dict) else {sha}
        if shas != {self.shas[name]}:
            raise RuntimeError(f"SCRIPT LOAD of {name}.lua returned {shas}, expected {self.shas[name]}")

    def call(self, name: str, keys: Sequence[str], args: Sequence[Arg]) -> Any:
        try:
            return run_command(self.client, ("EVALSHA", self.shas[name], len(keys), *keys, *args))
        except NoScriptError:
            # The cache was emptied (SCRIPT FLUSH, restart, failover).  Loading and retrying is
            # safe: NOSCRIPT means the script did not run at all.
            self.reloads += 1
            self._load(name)
            return run_command(self.client, ("EVALSHA", self.shas[name], len(keys), *keys, *args))


def deploy_library(client: redis.Redis | redis.RedisCluster) -> None:
    """Load the ``reservations_v1`` library (``FUNCTION LOAD REPLACE``), as a deployment step.

    REPLACE: deploying the same version twice is harmless; a new version has a new name.
    """
    validate_client(client)
    client.function_load(library_source(), replace=True)


class FunctionEngine:
    """Runs the same logic with ``FCALL`` on the ``reservations_v1`` library (Redis 7.0+).

    ``load=True`` (the default) loads the library at construction and again when the server lost it;
    ``load=False`` expects it deployed (:func:`deploy_library`) and raises :class:`LibraryNotLoaded`
    when it is missing, so the client's user needs ``+fcall`` and no ``+function|load``.
    """

    def __init__(self, client: redis.Redis | redis.RedisCluster, *, load: bool = True) -> None:
        if not isinstance(load, bool):
            raise InvalidInput(f"load must be True or False, got {type(load).__name__}")
        self.client = validate_client(client)  # type: ignore[assignment]
        self.code = library_source()
        self.load = load
        self.reloads = 0
        if load:
            self._load()

    def _load(self) -> None:
        deploy_library(self.client)

    def call(self, name: str, keys: Sequence[str], args: Sequence[Arg]) -> Any:
        try:
            return run_command(self.client, ("FCALL", function_name(name), len(keys), *keys, *args))
        except ResponseError as exc:
            if "Function not found" not in str(exc):
                raise
            if not self.load:
                raise LibraryNotLoaded(
                    f"the Function library {LIBRARY_NAME} is not loaded on the server: deploy it with "
                    "redisbehaviors.reservations.deploy_library(admin_client)"
                ) from exc
            self.reloads += 1  # FUNCTION FLUSH/DELETE, or a server restarted without persistence
            self._load()
            return run_command(self.client, ("FCALL", function_name(name), len(keys), *keys, *args))
