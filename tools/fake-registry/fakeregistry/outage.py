"""An outage of the registry API (control API): every request answers one status, is dropped,
or hangs, until cleared."""

import threading
from dataclasses import dataclass


@dataclass(frozen=True)
class Failure:
    """What a request gets during an outage: `status` (0 = the connection is closed without an
    answer) or `hang` (no answer until the outage is cleared, then the connection is closed)."""
    status: int
    hang: bool
    released: threading.Event


def parse_rule(body: dict) -> dict:
    hang = bool(body.get("hang"))
    status = body.get("status", 0 if hang else None)
    if not isinstance(status, int) or isinstance(status, bool) or not (status == 0 or 100 <= status <= 599):
        raise ValueError("status must be 0 or an HTTP status code (100-599)")
    count = body.get("count")
    if count is not None and (not isinstance(count, int) or count < 1):
        raise ValueError("count must be a positive integer")
    return {"status": status, "hang": hang, "count": count}


class Outage:
    def __init__(self):
        self.lock = threading.Lock()
        self.rule = None
        self.released = threading.Event()

    def start(self, rule: dict):
        with self.lock:
            self.rule = dict(rule)

    def clear(self):
        """Ends the outage and lets every hung request go (its connection is closed)."""
        with self.lock:
            self.rule = None
            self.released.set()
            self.released = threading.Event()

    def take(self) -> Failure | None:
        """The failure for the next request, if an outage is on (a `count` runs down)."""
        with self.lock:
            rule = self.rule
            if rule is None:
                return None
            if rule["count"] is not None:
                rule["count"] -= 1
                if rule["count"] <= 0:
                    self.rule = None
            return Failure(rule["status"], rule["hang"], self.released)

    def describe(self):
        with self.lock:
            return dict(self.rule) if self.rule else None
