"""The log of registry API requests: what a test may assert on. It holds the kind of credentials
and the user name, never a password or a token."""

import threading


class RequestLog:
    def __init__(self):
        self.lock = threading.Lock()
        self.entries = []

    def record(self, entry: dict):
        with self.lock:
            self.entries.append(dict(entry))

    def snapshot(self) -> dict:
        with self.lock:
            return {"log": [dict(e) for e in self.entries]}

    def reset(self):
        with self.lock:
            self.entries.clear()
