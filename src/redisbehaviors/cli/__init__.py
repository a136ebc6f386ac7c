"""The ``redisbehaviors`` command.

Each component that has a command line names it in the manifest (:mod:`redisbehaviors.topics`);
its module here, ``redisbehaviors.cli.<command>``, adds the sub-command.  ``report`` comes from the
report tooling, which needs the ``reports`` extra.

Every tool connects through :mod:`redisbehaviors.cli.connection`: when Redis cannot be reached, refuses
the login or the TLS handshake, or the ACL user may not run a command, :func:`main` prints one line
(the URL's password masked) and returns :data:`~redisbehaviors.cli.connection.EXIT_UNAVAILABLE`.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from redisbehaviors.cli.connection import CONNECTION_PROBLEMS, UsageProblem, report, report_usage, url_of
from redisbehaviors.topics import components

REPORT_MODULE = "redisbehaviors.reports.cli"


def command_modules() -> dict[str, str]:
    """sub-command -> module exposing ``register(subparsers)``, in the manifest's order."""
    commands = {c.cli: f"redisbehaviors.cli.{c.cli}" for _, c in components() if c.cli}
    commands["report"] = REPORT_MODULE
    return commands


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="redisbehaviors", description="The components of redisbehaviors from the command line, and its reports."
    )
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name, module_name in command_modules().items():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if name != "report" or (exc.name or "").startswith("redisbehaviors"):
                raise
            missing = exc.name
            subparsers.add_parser(name, help=f"(needs: pip install 'redisbehaviors[reports]'; {missing} is missing)")
            continue
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        print(f"redisbehaviors {args.command}: install the reports extra: pip install 'redisbehaviors[reports]'")
        return 2
    try:
        return int(handler(args) or 0)
    except UsageProblem as problem:
        return report_usage(args.command, problem)
    except CONNECTION_PROBLEMS as exc:
        return report(args.command, exc, url_of(args))


if __name__ == "__main__":
    sys.exit(main())
