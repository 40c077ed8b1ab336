"""A controller's work queue on the shared scheduler thread: sync requests for the same key
coalesce, and a request for now replaces one for later (the sync re-arms its own timers)."""

import threading
import time


class WorkQueue:
    def __init__(self, scheduler, sync):
        self.scheduler = scheduler
        self.sync = sync
        self.lock = threading.Lock()
        self.due = {}  # key -> monotonic time of the earliest pending run

    def add(self, key, delay=0.0):
        at = time.monotonic() + max(0.0, delay)
        with self.lock:
            pending = self.due.get(key)
            if pending is not None and pending <= at:
                return
            self.due[key] = at
        self.scheduler.call_later(max(0.0, delay), self._run, key, at)

    def clear(self):
        with self.lock:
            self.due.clear()

    def _run(self, key, at):
        with self.lock:
            if self.due.get(key) != at:
                return  # superseded by an earlier run
            del self.due[key]
        self.sync(key)
