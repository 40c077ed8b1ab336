"""Injected faults (control API) and the log of requests the API served."""

import collections
import threading
import time


class Faults:
    def __init__(self):
        self.lock = threading.Lock()
        self.rules = []

    def add(self, rule):
        rule = {"pathPrefix": rule.get("pathPrefix") or "/", "method": rule.get("method"),
                "count": int(rule.get("count", 1)), "status": rule.get("status"),
                "retryAfter": rule.get("retryAfter"), "drop": bool(rule.get("drop")),
                "latencyMs": int(rule.get("latencyMs") or 0)}
        with self.lock:
            self.rules.append(rule)

    def clear(self):
        with self.lock:
            self.rules.clear()

    def take(self, method, path):
        """The first rule matching this request, its count decremented; None if none."""
        with self.lock:
            for rule in self.rules:
                if rule["count"] <= 0 or not path.startswith(rule["pathPrefix"]):
                    continue
                if rule["method"] and rule["method"].upper() != method:
                    continue
                rule["count"] -= 1
                return dict(rule)
        return None


class RequestLog:
    def __init__(self):
        self.lock = threading.Lock()
        self.counts = collections.Counter()
        self.log = []

    def record(self, entry):
        with self.lock:
            if entry.get("verb") and entry.get("resource"):
                self.counts[f"{entry['verb']} {entry['resource']}"] += 1
            self.log.append(entry)

    def snapshot(self):
        with self.lock:
            return {"counts": dict(self.counts), "log": [dict(e) for e in self.log]}

    def reset(self):
        with self.lock:
            self.counts.clear()
            self.log.clear()


def new_entry(method, path, query):
    return {"t": round(time.time(), 6), "method": method, "path": path, "query": query,
            "verb": "", "resource": "", "code": 0, "user": None}
