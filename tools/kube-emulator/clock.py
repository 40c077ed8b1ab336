"""The cluster's clock. It follows real time unless the control API set it (`POST /clock`):
then it stands still at the time set, and moves only when told to. Every timestamp the
emulator writes (creationTimestamp, conditions, Events, CronJob schedules) is read from it, so a
test can run a CronJob's schedule or a Deployment's progress deadline without waiting.
Durations the simulation waits (pod start, Job outcomes, garbage collection) stay real time."""

import threading
import time


class Clock:
    def __init__(self):
        self._lock = threading.Lock()
        self._frozen_at = None   # Unix seconds while set, None while following real time
        self._offset = 0.0       # seconds added to real time (advanced while following)
        self.listeners = []      # called as fn() after every change, outside the lock

    def now(self):
        with self._lock:
            if self._frozen_at is not None:
                return self._frozen_at
            return time.time() + self._offset

    @property
    def frozen(self):
        with self._lock:
            return self._frozen_at is not None

    def set(self, t):
        """Stops the clock at t (Unix seconds)."""
        with self._lock:
            self._frozen_at = float(t)
        self._changed()

    def advance(self, seconds):
        """Moves the clock forward (a stopped clock stays stopped)."""
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at += float(seconds)
            else:
                self._offset += float(seconds)
        self._changed()

    def follow_real_time(self, notify=True):
        with self._lock:
            self._frozen_at = None
            self._offset = 0.0
        if notify:
            self._changed()

    def seconds_until(self, t):
        """Real seconds until the clock reads t; None while it stands still (it gets there
        only when moved)."""
        with self._lock:
            if self._frozen_at is not None:
                return None
            return max(0.0, t - (time.time() + self._offset))

    def _changed(self):
        for fn in list(self.listeners):
            fn()


CLOCK = Clock()
