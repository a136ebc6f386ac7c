"""How every command-line tool connects to Redis, and how it reports that it could not.

* ``--url`` takes ``redis://``, ``rediss://`` (TLS) and ``unix://`` URLs, with ``user:password@``
  for an ACL user (``:password@`` for the ``default`` user).  ``REDIS_URL`` is the default, which
  keeps the password out of the process list.  ``--tls-ca-cert``, ``--tls-cert`` and ``--tls-key``
  give the CA that signed the server's certificate and a client certificate (mutual TLS).
* A password never reaches the terminal: every message that names the server goes through
  :func:`redact`, and the text of an error is scrubbed of the password as well.
* A connection or authentication failure (unreachable, wrong password, ``NOAUTH``, a TLS
  handshake that fails, a command the ACL user may not run) ends the command with one line on
  stderr and exit status :data:`EXIT_UNAVAILABLE`, never with a traceback.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import redis
from redis.backoff import ExponentialBackoff, NoBackoff
from redis.retry import Retry

DEFAULT_URL = "redis://127.0.0.1:6379/0"
#: Exit status of a command that could not talk to Redis (1 and 2 keep their meaning per command).
EXIT_UNAVAILABLE = 3
MASK = "***"
#: What a failed connection, login or permission check raises (AuthenticationError is a ConnectionError).
CONNECTION_PROBLEMS: tuple[type[Exception], ...] = (
    redis.ConnectionError,
    redis.TimeoutError,
    redis.exceptions.NoPermissionError,
    redis.exceptions.AuthenticationWrongNumberOfArgsError,
)
_SCHEME = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<rest>.*)$", re.DOTALL)
_SECRET_PARAMETER = re.compile(r"(?i)([?&]password=)[^&#]*")


def add_connection_arguments(parser: argparse.ArgumentParser) -> None:
    """``--url`` and the TLS file options, the same in every tool."""
    parser.add_argument(
        "--url",
        default=os.environ.get("REDIS_URL") or DEFAULT_URL,
        help=f"redis://[user:password@]host:port/db, rediss://… for TLS (default: $REDIS_URL, else {DEFAULT_URL}); "
        "REDIS_URL keeps the password out of the process list",
    )
    parser.add_argument("--tls-ca-cert", default=None, help="PEM file of the CA that signed the server (rediss://)")
    parser.add_argument("--tls-cert", default=None, help="client certificate for mutual TLS (rediss://)")
    parser.add_argument("--tls-key", default=None, help="the client certificate's private key (rediss://)")


def redact(url: str) -> str:
    """``redis://ana:s3cret@host:6379/0`` -> ``redis://ana:***@host:6379/0``; anything else unchanged.

    A userinfo without ``:`` is masked whole (some clients read it as a password), and so is a
    ``password=`` query parameter.  The last ``@`` before the path ends the userinfo, since an
    unencoded password may itself contain ``@``.
    """
    match = _SCHEME.match(url)
    if match is None:
        return MASK if "@" in url else _SECRET_PARAMETER.sub(rf"\g<1>{MASK}", url)
    scheme, rest = match["scheme"], match["rest"]
    address, question, query = rest.partition("?")
    userinfo, at, host = address.rpartition("@")
    if at:
        user, colon, _ = userinfo.partition(":")
        address = f"{user}:{MASK}@{host}" if colon else f"{MASK}@{host}"
    query = _SECRET_PARAMETER.sub(rf"\g<1>{MASK}", question + query)
    return scheme + address + query


def secrets_of(url: str) -> list[str]:
    """The password (and a lone userinfo) of ``url``, as written and as decoded, to scrub from messages."""
    match = _SCHEME.match(url)
    rest = match["rest"] if match else url
    userinfo = rest.partition("?")[0].rpartition("@")[0]
    found = [userinfo.partition(":")[2] if ":" in userinfo else userinfo]
    found += [m.split("=", 1)[1] for m in re.findall(r"(?i)password=[^&#]*", rest)]
    return [s for secret in found if secret for s in {secret, unquote(secret)}]


def mask(text: str, url: str | None) -> str:
    """``text`` with every secret of ``url`` replaced by ``***``."""
    for secret in sorted(secrets_of(url or ""), key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


def scrub(text: str, url: str | None) -> str:
    """An error's text on one line, with every secret of ``url`` masked."""
    return " ".join(mask(text, url).split())


def connect(
    args: argparse.Namespace, *, retries: int = 0, socket_timeout: float | None = 10.0, **options: Any
) -> redis.Redis:
    """A client for ``args.url`` (``decode_responses=True``), with the TLS files when given.

    ``retries`` is how often redis-py may resend a command after a connection error: 0 for
    one-shot commands (fail fast, and never apply a change twice because its reply was lost),
    a few for long-running tools that ride out a short outage.  ``options`` go to redis-py as they are.
    """
    tls = {
        "ssl_ca_certs": args.tls_ca_cert,
        "ssl_certfile": args.tls_cert,
        "ssl_keyfile": args.tls_key,
    }
    tls = {name: value for name, value in tls.items() if value is not None}
    if tls and not args.url.startswith("rediss://"):
        raise UsageProblem("--tls-ca-cert, --tls-cert and --tls-key need a rediss:// URL")
    for path in tls.values():
        if not Path(path).is_file():
            raise UsageProblem(f"TLS file {path!r} does not exist")
    policy = Retry(ExponentialBackoff(cap=0.5), retries) if retries else Retry(NoBackoff(), 0)
    try:
        return redis.Redis.from_url(
            args.url,
            decode_responses=True,
            socket_connect_timeout=2,
            socket_timeout=socket_timeout,
            retry=policy,
            **tls,
            **options,
        )
    except (ValueError, TypeError) as exc:  # a malformed URL: redis-py names the part it could not read
        raise UsageProblem(f"cannot use --url {redact(args.url)}: {scrub(str(exc), args.url)}") from None


class UsageProblem(Exception):
    """A bad ``--url`` or TLS option, found before anything is sent: exit status 2."""


def describe(exc: BaseException, url: str | None) -> str:
    """One line saying what went wrong between the tool and Redis, with the URL redacted."""
    where = redact(url) if url else "Redis"
    reason = scrub(str(exc), url) or type(exc).__name__
    if isinstance(exc, redis.exceptions.NoPermissionError):
        return f"the Redis user of {where} may not do this: {reason}"
    if isinstance(exc, redis.AuthenticationError | redis.exceptions.AuthenticationWrongNumberOfArgsError):
        hint = "" if secrets_of(url or "") else " (the URL gives no password)"
        return f"Redis at {where} refused the login: {reason}{hint}"
    if "SSL" in reason or "TLS" in reason:
        return f"TLS handshake with Redis at {where} failed: {reason}"
    if (url or "").startswith("rediss://") and "Timeout connecting" in reason:
        # A plain-text port reads the TLS ClientHello as the start of a command and waits for more.
        return f"cannot reach Redis at {where}: {reason} (a port that does not speak TLS never answers the handshake)"
    return f"cannot reach Redis at {where}: {reason}"


def report(command: str, exc: BaseException, url: str | None) -> int:
    """Print :func:`describe` on stderr; the exit status for it."""
    print(f"redisbehaviors {command}: {describe(exc, url)}", file=sys.stderr)
    return EXIT_UNAVAILABLE


def report_usage(command: str, problem: UsageProblem) -> int:
    print(f"redisbehaviors {command}: {problem}", file=sys.stderr)
    return 2


def url_of(args: Any) -> str | None:
    return getattr(args, "url", None)
