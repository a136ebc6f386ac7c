"""``redisbehaviors stock …``: look at and change an inventory partition from the terminal.

    redisbehaviors stock set A-1 10            # stock-take: 10 units of A-1 available
    redisbehaviors stock restock A-1 5 --id delivery-7
    redisbehaviors stock reserve order-1 A-1=2 B-2=1 --ttl-ms 900000
    redisbehaviors stock confirm order-1       # or: cancel, hold, extend order-1 --ttl-ms …
    redisbehaviors stock show A-1 B-2          # available / reserved / sold / total
    redisbehaviors stock sweep                 # expire due holds (run it from cron or a loop)

Every command prints one line per result; refusals (out of stock, unknown SKU, conflicts) go to
stderr with exit status 1.  ``--url`` takes ``redis://``/``rediss://`` URLs with ``user:password@``
(default ``$REDIS_URL``); when Redis cannot be reached or refuses the login, one line says so on
stderr (the password masked) and the exit status is 3.  Each action is sent once, without retries.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from redisbehaviors.cli.connection import add_connection_arguments, connect
from redisbehaviors.errors import RedisBehaviorsError
from redisbehaviors.reservations.errors import OutOfStock
from redisbehaviors.reservations.service import Reservations


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "stock",
        help="stock reservations (Lua scripts)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_connection_arguments(parser)
    parser.add_argument("--namespace", default="stock", help="key namespace (default: stock)")
    parser.add_argument("--partition", default="main", help="inventory partition = hash tag (default: main)")
    parser.add_argument("--engine", choices=["script", "function"], default="script", help="EVALSHA or FCALL")
    actions = parser.add_subparsers(dest="action", required=True)
    setter = actions.add_parser("set", help="set the available units of a SKU")
    setter.add_argument("sku")
    setter.add_argument("units", type=int)
    restock = actions.add_parser("restock", help="add units once per restock id")
    restock.add_argument("sku")
    restock.add_argument("units", type=int)
    restock.add_argument("--id", required=True, dest="restock_id", help="delivery note / idempotency id")
    show = actions.add_parser("show", help="available, reserved, sold and total of SKUs")
    show.add_argument("skus", nargs="+")
    reserve = actions.add_parser("reserve", help="hold every line of an order, or none")
    reserve.add_argument("order_id")
    reserve.add_argument("lines", nargs="+", metavar="SKU=QTY")
    reserve.add_argument("--ttl-ms", type=int, default=15 * 60 * 1000)
    for name in ("confirm", "cancel", "hold"):
        actions.add_parser(name, help=f"{name} an order").add_argument("order_id")
    extend = actions.add_parser("extend", help="move a live hold's deadline")
    extend.add_argument("order_id")
    extend.add_argument("--ttl-ms", type=int, required=True)
    sweep = actions.add_parser("sweep", help="expire due holds, forget old orders")
    sweep.add_argument("--limit", type=int, default=1000)
    parser.set_defaults(handler=run)


def _lines(texts: list[str]) -> list[tuple[str, int]]:
    pairs = []
    for text in texts:
        sku, sep, qty = text.partition("=")
        if not sep or not qty.lstrip("-").isdigit():
            raise SystemExit(f"order line {text!r} must look like SKU=QTY")
        pairs.append((sku, int(qty)))
    return pairs


def execute(service: Reservations, args: argparse.Namespace) -> list[str]:
    """Run one action and return the lines to print."""
    action = args.action
    if action == "set":
        return [f"{args.sku}: {service.set_stock(args.sku, args.units)}"]
    if action == "restock":
        applied = service.restock(args.sku, args.units, args.restock_id)
        return [f"{args.sku}: {'added' if applied else 'already added'} ({service.stock(args.sku)})"]
    if action == "show":
        return [f"{sku}: {service.stock(sku)}" for sku in args.skus]
    if action == "reserve":
        held = service.reserve(args.order_id, _lines(args.lines), args.ttl_ms)
        return [f"{held.order_id}: {held.outcome} until {held.deadline_ms} (server ms)"]
    if action in ("confirm", "cancel"):
        return [f"{args.order_id}: {getattr(service, action)(args.order_id)}"]
    if action == "hold":
        return [f"{args.order_id}: {service.hold(args.order_id)}"]
    if action == "extend":
        return [f"{args.order_id}: {service.extend(args.order_id, args.ttl_ms)}"]
    return [f"sweep: {service.sweep(args.limit)}"]


def run(args: argparse.Namespace) -> int:
    with connect(args) as client:
        service = Reservations(client, namespace=args.namespace, partition=args.partition, engine=args.engine)
        try:
            lines = execute(service, args)
        except OutOfStock as exc:
            for sku, shortage in exc.shortages.items():
                print(f"short: {sku} wanted {shortage.wanted}, available {shortage.available}", file=sys.stderr)
            return 1
        except RedisBehaviorsError as exc:
            print(f"refused: {exc}", file=sys.stderr)
            return 1
    print("\n".join(lines))
    return 0
