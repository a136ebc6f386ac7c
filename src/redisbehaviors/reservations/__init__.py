"""Lua scripting: all-or-nothing checkout stock reservation with expiring holds."""

from redisbehaviors.reservations.engine import LIBRARY_NAME, FunctionEngine, ScriptEngine, deploy_library
from redisbehaviors.reservations.errors import (
    LibraryNotLoaded,
    OrderConflict,
    OutOfStock,
    ReservationError,
    RestockConflict,
    Shortage,
    TooMuchContention,
    UnknownOrder,
    UnknownSku,
)
from redisbehaviors.reservations.keys import ReservationKeys
from redisbehaviors.reservations.model import Hold, HoldState, Outcome, Reservation, StockLevel, SweepResult
from redisbehaviors.reservations.optimistic import OptimisticReservations
from redisbehaviors.reservations.service import Reservations

__all__ = [
    "LIBRARY_NAME",
    "FunctionEngine",
    "Hold",
    "HoldState",
    "LibraryNotLoaded",
    "OptimisticReservations",
    "OrderConflict",
    "OutOfStock",
    "Outcome",
    "Reservation",
    "ReservationError",
    "ReservationKeys",
    "Reservations",
    "RestockConflict",
    "ScriptEngine",
    "Shortage",
    "StockLevel",
    "SweepResult",
    "TooMuchContention",
    "UnknownOrder",
    "UnknownSku",
    "deploy_library",
]
