"""The ``redisbehaviors`` command.  Each topic contributes its own sub-commands from its own module."""

from __future__ import annotations

import argparse
import importlib
import sys

#: sub-command -> module exposing ``register(subparsers)``; modules that are absent are skipped.
COMMAND_MODULES = {
    "chat": "redisbehaviors.chat.cli",
    "media": "redisbehaviors.media.cli",
    "stock": "redisbehaviors.reservations.cli",
    "report": "redisbehaviors.reports.cli",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="redisbehaviors", description="The components of redisbehaviors from the command line, and its reports."
    )
    subparsers = parser.add_subparsers(dest="command", required=True)
    for module_name in COMMAND_MODULES.values():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and module_name.startswith(exc.name):
                continue
            raise
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.handler(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
