"""Helpers shared by the unit tests."""

from __future__ import annotations

from typing import Any

import redis


class CountingConnection(redis.Connection):
    """A real connection that counts what it writes to the socket: one ``send_packed_command`` per round trip.

    Pass it as ``connection_class=`` and read (or reset) ``CountingConnection.sends``.
    """

    sends = 0

    def send_packed_command(self, command: Any, check_health: bool = True) -> None:
        CountingConnection.sends += 1
        super().send_packed_command(command, check_health)
