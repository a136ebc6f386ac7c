"""Each component runs as an ACL user holding exactly the rule its docs page documents, and no more.

The rule is read from the page's "Privileges" section (the ``ACL SETUSER`` lines of its ``text``
block; a ``# when …`` comment line picks a variant, ``# since Redis X.Y`` a version), so the
documentation and this test cannot drift apart.  The user is created on the run's server and
deleted afterwards; the flows speak the run's protocol (run the suite with ``--redis-protocol 2``
too).  Besides success, each test checks two refusals: a command outside the rule, and the same
component under a namespace outside the key (and channel) pattern.

ACL rules: https://redis.io/docs/latest/operate/oss_and_stack/management/security/acl/ ; commands a
script calls are checked against the caller's user (redis/redis ``tests/unit/acl.tcl``, "Script
permissions are checked for EVAL").
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis
import redis.asyncio

from redisbehaviors.media.pipeline import ServerFeatures
from redisbehaviors.serverinfo import parse_version
from redisbehaviors.topics import TOPICS
from tests.unit.component_flows import FLOWS

ROOT = Path(__file__).resolve().parents[2]
#: A component whose docs page has no Privileges section yet keeps its rule here until it has one.
PENDING_PAGES = {
    "catalog": "ACL SETUSER catalog-app on ><password> resetkeys ~<ns>:* resetchannels -@all +evalsha "
    "+script|load +get +set +exists +hset +hget +hgetall +hmget +hincrby +sadd +srem +smembers +scard "
    "+smismember +lpush +lrem +ltrim +lrange +pexpire +zadd +zincrby +zrange +zrevrange",
}
#: (component, variant label or "") for every flow; a variant selects ``# when <variant>`` rule lines.
CASES = [
    ("catalog", ""),
    ("locks", ""),
    ("ratelimit", ""),
    ("sessions", ""),
    ("chat", ""),
    ("media", ""),
    ("media", "delete_on_ack=True"),
    ("reservations", 'engine="script"'),
    ("reservations", 'engine="function"'),
]
#: The refusal of a key or channel outside the rule: Redis 7.0 says "this user has no permissions to
#: access one of the keys used as arguments", 8.2 "No permissions to access a key" (and "a channel").
NOPERM_KEY = re.compile(r"(?i)no permissions to access (one of the keys|a key)")
NOPERM_CHANNEL = re.compile(r"(?i)no permissions to access (one of the channels|a channel)")
SINCE = re.compile(r"since Redis (\d+\.\d+(?:\.\d+)?)")


@dataclass(frozen=True)
class RuleLine:
    label: str  # the comment line above it, "" when none
    tokens: list[str]  # what follows ``ACL SETUSER <name>``


def docs_page(component: str) -> Path:
    for topic in TOPICS:
        for candidate in topic.components:
            if candidate.name == component:
                return ROOT / topic.docs(candidate)
    raise KeyError(component)


def privileges_block(text: str) -> str:
    """The first ```text block of the page's "## Privileges" section."""
    section = text.split("\n## Privileges\n", 1)[1].split("\n## ", 1)[0]
    match = re.search(r"```text\n(.*?)```", section, re.DOTALL)
    assert match, "the Privileges section has no ```text block with the ACL rule"
    return match.group(1)


def documented_rule(component: str) -> list[RuleLine]:
    page = docs_page(component)
    text = page.read_text(encoding="utf-8") if page.exists() else ""
    if "\n## Privileges\n" not in text and component in PENDING_PAGES:
        block = PENDING_PAGES[component]
    else:
        block = privileges_block(text)
    lines: list[RuleLine] = []
    label = ""
    for raw in block.splitlines():
        line = raw.strip()
        if line.startswith("#"):
            label = line.lstrip("# ")
        elif line:
            words = line.split()
            assert words[:2] == ["ACL", "SETUSER"], line
            lines.append(RuleLine(label, words[3:]))
            label = ""
    return lines


def applies(line: RuleLine, variant: str, version: tuple[int, ...]) -> bool:
    since = SINCE.search(line.label)
    if since and version < parse_version(since.group(1)):
        return False
    if line.label.startswith("when "):
        return bool(variant) and variant in line.label
    return True


@dataclass(frozen=True)
class AclUser:
    name: str
    password: str


@pytest.fixture
def acl_user(r: redis.Redis, redis_target: Any, ns: str) -> Iterator[Callable[..., AclUser]]:
    """``acl_user("chat", "")``: the documented user of a component, for this test's namespace.

    ``namespace=`` puts the user's key and channel patterns elsewhere; ``drop=`` leaves grants out.
    """
    if not redis_target.owned:
        pytest.skip("creates ACL users: needs a server the suite started")
    if redis_target.version < (6, 2, 0):
        pytest.skip("channel rules (resetchannels, &pattern) need Redis >= 6.2")
    created: list[str] = []

    def make(component: str, variant: str, *, namespace: str | None = None, drop: tuple[str, ...] = ()) -> AclUser:
        user = AclUser(f"rbt-{component}-{secrets.token_hex(4)}", secrets.token_urlsafe(16))
        created.append(user.name)
        for line in documented_rule(component):
            if applies(line, variant, redis_target.version):
                tokens = [t.replace("<ns>", namespace or ns).replace("<password>", user.password) for t in line.tokens]
                r.execute_command("ACL", "SETUSER", user.name, *[t for t in tokens if t not in drop])
        return user

    yield make
    for name in created:
        r.execute_command("ACL", "DELUSER", name)


def flow_options(component: str, variant: str, make_async: Callable[[], Any], admin: redis.Redis) -> dict[str, Any]:
    if component == "locks":
        return {"async_client": make_async}
    if component == "media":
        # INFO is @dangerous: the pipeline gets its features from elsewhere (here: the admin's INFO).
        return {"features": ServerFeatures.detect(admin), "delete_on_ack": variant == "delete_on_ack=True"}
    if component == "reservations":
        return {"engine": variant.split('"')[1]}
    return {}


def refusals_of(admin: redis.Redis, user: str) -> list[str]:
    """Commands, keys or channels refused to ``user`` (ACL LOG), but for redis-py's CLIENT SETINFO."""
    entries = admin.acl_log(count=1000)
    mine = [e for e in entries if e["username"] == user and e["object"] != "client|setinfo"]
    return [f"{e['reason']} {e['object']}" for e in mine]


@pytest.mark.parametrize(("component", "variant"), CASES, ids=[f"{c}{'-' + v if v else ''}" for c, v in CASES])
def test_a_component_runs_as_a_user_with_only_its_documented_acl_rule(
    component: str, variant: str, acl_user: Callable[..., AclUser], redis_target: Any, r: redis.Redis, ns: str
) -> None:
    user = acl_user(component, variant)
    client = redis_target.client(username=user.name, password=user.password)

    def make_async() -> redis.asyncio.Redis:
        return redis.asyncio.Redis.from_url(
            redis_target.url,
            username=user.name,
            password=user.password,
            decode_responses=True,
            protocol=redis_target.protocol,
        )

    options = flow_options(component, variant, make_async, r)
    try:
        FLOWS[component](client, ns, **options)
        assert refusals_of(r, user.name) == []
        with pytest.raises(redis.exceptions.NoPermissionError, match="no permissions to run the 'keys' command"):
            client.execute_command("KEYS", "*")
        with pytest.raises(redis.exceptions.NoPermissionError, match=NOPERM_KEY):
            FLOWS[component](client, f"{ns}-intruder", **options)
        assert r.keys(f"{ns}-intruder*") == []
    finally:
        client.close()


def test_the_chat_user_may_not_use_channels_outside_its_namespace(
    acl_user: Callable[..., AclUser], redis_target: Any, ns: str
) -> None:
    user = acl_user("chat", "")
    with redis_target.client(username=user.name, password=user.password) as client:
        assert client.publish(f"{ns}:{{room:lobby}}:live", "hi") == 0
        with pytest.raises(redis.exceptions.NoPermissionError, match=NOPERM_CHANNEL):
            client.publish("elsewhere:{room:lobby}:live", "hi")


def test_a_wrong_password_is_refused_at_login(acl_user: Callable[..., AclUser], redis_target: Any) -> None:
    user = acl_user("ratelimit", "")
    with (
        redis_target.client(username=user.name, password=user.password + "x") as client,
        pytest.raises(redis.AuthenticationError, match="invalid username-password pair"),
    ):
        client.execute_command("EVALSHA", "0" * 40, 0)


#: Grants no flow needs, and why they are in the rule anyway.
NOT_IN_THE_FLOWS = {"chat": {"+ping": "the health check of the terminal client's connections"}}


@pytest.mark.parametrize(("component", "variant"), CASES, ids=[f"{c}{'-' + v if v else ''}" for c, v in CASES])
def test_every_command_a_rule_grants_is_needed_by_the_component(
    component: str, variant: str, acl_user: Callable[..., AclUser], redis_target: Any, r: redis.Redis, ns: str
) -> None:
    """Leave one grant out and the flows fail on it: the documented rule has nothing to spare."""
    grants = [
        token
        for line in documented_rule(component)
        if applies(line, variant, redis_target.version)
        for token in line.tokens
        if token.startswith("+") and token not in NOT_IN_THE_FLOWS.get(component, {})
    ]
    assert grants
    for index, grant in enumerate(grants):
        namespace = f"{ns}-{index}"
        user = acl_user(component, variant, namespace=namespace, drop=(grant,))
        with redis_target.client(username=user.name, password=user.password) as client:

            def make_async(user: AclUser = user) -> redis.asyncio.Redis:
                return redis.asyncio.Redis.from_url(
                    redis_target.url, username=user.name, password=user.password, decode_responses=True
                )

            options = flow_options(component, variant, make_async, r)
            # A command a script calls fails the script with a message that does not name it (7.0), a
            # refused MULTI makes EXEC fail, and the media worker dead-letters a job whose apply.lua was
            # refused (the flow's assertion notices): the ACL LOG says what was refused, however it surfaced.
            try:
                FLOWS[component](client, namespace, **options)
            except (redis.RedisError, AssertionError):
                pass
            else:
                pytest.fail(f"the {component} flows ran without {grant}")
        assert grant[1:] in refused_commands(r, user.name), grant


def refused_commands(admin: redis.Redis, user: str) -> set[str]:
    return {entry["object"] for entry in admin.acl_log(count=1000) if entry["username"] == user}
