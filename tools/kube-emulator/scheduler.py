"""One thread that runs timed callbacks from a heap: the whole cluster simulation (pod starts,
Job outcomes, deadlines, garbage collection) runs here, so 10,000 Jobs cost 10,000 heap
entries, not 10,000 threads."""

import heapq
import itertools
import sys
import threading
import time
import traceback


class Scheduler:
    def __init__(self):
        self._heap = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="scheduler", daemon=True)
        self._thread.start()

    def call_later(self, delay, fn, *args):
        with self._cond:
            heapq.heappush(self._heap, (time.monotonic() + max(0.0, delay), next(self._seq), fn, args))
            self._cond.notify()

    def clear(self):
        with self._cond:
            self._heap.clear()

    def stop(self):
        with self._cond:
            self._stopped = True
            self._cond.notify()
        self._thread.join(timeout=2)

    def _run(self):
        while True:
            with self._cond:
                while not self._stopped:
                    if self._heap:
                        wait = self._heap[0][0] - time.monotonic()
                        if wait <= 0:
                            break
                        self._cond.wait(wait)
                    else:
                        self._cond.wait()
                if self._stopped:
                    return
                _, _, fn, args = heapq.heappop(self._heap)
            try:
                fn(*args)
            except Exception:  # a bug in one callback must not stop the simulation
                traceback.print_exc(file=sys.stderr)
