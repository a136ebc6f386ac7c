"""Every component's main flow over TLS (``rediss://``), against a server started with generated certificates.

The server (:func:`redisbehaviors.testing.tls.start_tls_server`) listens with TLS only: its plain
port is closed once it answers over TLS, so nothing below can pass over plain text.  The clients
trust the throwaway CA and speak the run's protocol.  TLS in Redis:
https://redis.io/docs/latest/operate/oss_and_stack/management/security/encryption/
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis
import redis.asyncio

from redisbehaviors.media.pipeline import ServerFeatures
from redisbehaviors.testing.tls import TlsServer
from tests.support import running_tls_server
from tests.unit.component_flows import FLOWS


@pytest.fixture(scope="module")
def tls_server(redis_target: Any) -> Iterator[TlsServer]:
    yield from running_tls_server(redis_target)


@pytest.fixture
def tls_client(tls_server: TlsServer, redis_target: Any) -> Iterator[redis.Redis]:
    client = tls_server.client(protocol=redis_target.protocol)
    yield client
    client.flushall()
    client.close()


def flow_options(component: str, tls_server: TlsServer, client: redis.Redis, protocol: int) -> dict[str, Any]:
    if component == "locks":
        ca = str(tls_server.files.ca_cert)
        return {
            "async_client": lambda: redis.asyncio.Redis.from_url(
                tls_server.url, ssl_ca_certs=ca, decode_responses=True, protocol=protocol
            )
        }
    if component == "media":
        return {"features": ServerFeatures.detect(client)}
    return {}


@pytest.mark.parametrize("component", list(FLOWS))
def test_a_component_runs_its_main_flow_over_tls(
    component: str, tls_server: TlsServer, tls_client: redis.Redis, redis_target: Any
) -> None:
    ns = f"tls-{uuid.uuid4().hex[:8]}"
    FLOWS[component](tls_client, ns, **flow_options(component, tls_server, tls_client, redis_target.protocol))


def test_the_reservations_function_engine_runs_over_tls(tls_client: redis.Redis) -> None:
    FLOWS["reservations"](tls_client, "tls-fn", engine="function")
    assert tls_client.hget("tls-fn:{main}:stock", "A-1:sold") == "2"


def test_the_tls_server_accepts_no_plain_text(tls_server: TlsServer) -> None:
    with (
        tls_server.server.client(socket_connect_timeout=1, retry=None) as plain,
        pytest.raises(redis.ConnectionError, match="refused"),
    ):
        plain.ping()


def test_a_client_that_does_not_trust_the_ca_fails_the_handshake(tls_server: TlsServer) -> None:
    with (
        redis.Redis.from_url(tls_server.url, socket_connect_timeout=1, retry=None) as untrusting,
        pytest.raises(redis.ConnectionError, match="CERTIFICATE_VERIFY_FAILED"),
    ):
        untrusting.ping()


def test_a_client_certificate_signed_by_the_ca_is_accepted(tls_server: TlsServer, redis_target: Any) -> None:
    with tls_server.client(client_certificate=True, protocol=redis_target.protocol) as mutual:
        assert mutual.ping() is True
