"""Spread requests over a site's doors; demote a failing or slow door while others carry on.

Each request goes to the usable door with the lowest expected wait, ``(in flight + 1) x
average answer time``, so a slow door gets fewer requests without being shut out. A door
whose request times out or loses its connection is demoted for a cool-down that doubles with
each consecutive fault (up to ``MAX_COOLDOWN``); one good answer restores it. When every
door is demoted the one that comes back first is used anyway: a walk never stalls on
bookkeeping, and the engine's retries decide what becomes unlisted.
"""
from __future__ import annotations

import threading
import time

import attrs

from .siteurl import ServerURL

BASE_COOLDOWN = 2.0
MAX_COOLDOWN = 120.0
# weight of the newest answer time in the moving average
EWMA = 0.2
FIRST_GUESS = 0.01


@attrs.define(eq=False)
class Door:
    url: ServerURL
    client: object  # pyxrootd FileSystem bound to url.address
    in_flight: int = 0
    latency: float = FIRST_GUESS
    faults: int = 0  # consecutive
    demoted_until: float = 0.0
    served: int = 0
    failed: int = 0

    def cost(self) -> float:
        return (self.in_flight + 1) * self.latency


class DoorPool:
    def __init__(self, doors: list[Door], clock=time.monotonic):
        if not doors:
            raise ValueError("a door pool needs at least one door")
        self.doors = doors
        self._lock = threading.Lock()
        self._clock = clock

    def acquire(self) -> Door:
        """The door for the next request (counted in flight until ``release``)."""
        with self._lock:
            now = self._clock()
            usable = [d for d in self.doors if d.demoted_until <= now]
            if usable:
                door = min(usable, key=Door.cost)
            else:
                door = min(self.doors, key=lambda d: d.demoted_until)
            door.in_flight += 1
            return door

    def release(self, door: Door, elapsed: float, fault: bool) -> None:
        """A request to ``door`` ended after ``elapsed`` s; ``fault``: the door failed, not
        the directory."""
        with self._lock:
            door.in_flight -= 1
            if fault:
                door.failed += 1
                door.faults += 1
                cooldown = min(BASE_COOLDOWN * 2 ** (door.faults - 1), MAX_COOLDOWN)
                door.demoted_until = self._clock() + cooldown
                return
            door.served += 1
            door.faults = 0
            door.demoted_until = 0.0
            door.latency += EWMA * (elapsed - door.latency)

    def remove(self, door: Door) -> None:
        with self._lock:
            if len(self.doors) > 1:
                self.doors.remove(door)

    def describe(self) -> str:
        return ", ".join(f"{d.url} ({d.served} ok, {d.failed} failed)" for d in self.doors)
