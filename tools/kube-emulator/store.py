"""The object store: every object by resource and (namespace, name), one global
resourceVersion counter, a ring of recent changes, and the watch hub fed from it.

Objects held here are never mutated in place: a change stores a new dict, so a reader may keep
a reference (and its cached JSON) without copying."""

import bisect
import collections
import heapq
import json
import threading

import events
from status import expired

ADDED, MODIFIED, DELETED = "ADDED", "MODIFIED", "DELETED"


def dumps(obj):
    return json.dumps(obj, separators=(",", ":")).encode()


class Entry:
    """One stored object and its JSON, serialized once per form on first use: as the object
    (get, watch) or as a list item (no kind/apiVersion, as the real server writes `items`),
    and for resources that show another's storage (events.k8s.io/v1) converted."""
    __slots__ = ("obj", "_json", "_cache")

    def __init__(self, obj):
        self.obj = obj
        self._json = None
        self._cache = None

    @property
    def json(self):
        if self._json is None:
            self._json = dumps(self.obj)
        return self._json

    def _cached(self, key, make):
        if self._cache is None:
            self._cache = {}
        value = self._cache.get(key)
        if value is None:
            value = self._cache[key] = make()
        return value

    def view(self, res):
        """The object as `res` shows it."""
        if res is None or res.stored_as is None:
            return self.obj
        return self._cached(("view", res.group), lambda: events.view(res, self.obj))

    def render(self, res=None, item=False):
        """JSON bytes of the object as `res` shows it; as a list item with `item`."""
        converted = res is not None and res.stored_as is not None
        if not item and not converted:
            return self.json
        def make():
            obj = self.view(res)
            if item:
                obj = {k: v for k, v in obj.items() if k not in ("kind", "apiVersion")}
            return dumps(obj)
        return self._cached(("json", res.group if converted else None, item), make)

    @property
    def labels(self):
        return self.obj["metadata"].get("labels") or {}


class Change:
    __slots__ = ("rv", "key", "type", "entry", "old")

    def __init__(self, rv, key, type_, entry, old):
        self.rv, self.key, self.type, self.entry, self.old = rv, key, type_, entry, old


class Watcher:
    """One open watch: a filter and a queue of (type, Entry) the serving thread drains."""

    def __init__(self, key, namespace, label_sel, field_sel):
        self.key = key
        self.namespace = namespace
        self.label_sel = label_sel
        self.field_sel = field_sel
        self.cond = threading.Condition()
        self.queue = collections.deque()
        self.cut = None  # None, or {"midLine": bool} once the control API cut it

    def _matches(self, entry):
        if entry is None:
            return False
        meta = entry.obj["metadata"]
        if self.namespace is not None and meta.get("namespace") != self.namespace:
            return False
        if self.label_sel is not None and not self.label_sel.matches(entry.labels):
            return False
        if self.field_sel is not None and not self.field_sel.matches_entry(entry):
            return False
        return True

    def translate(self, change):
        """What this watcher sees of a change: like the real watch cache, an object that starts
        or stops matching the selectors shows up as ADDED or DELETED."""
        if change.key != self.key:
            return None
        new_ok = self._matches(change.entry)
        if change.type == MODIFIED:
            old_ok = self._matches(change.old)
            if new_ok and old_ok:
                return MODIFIED
            if new_ok:
                return ADDED
            if old_ok:
                return DELETED
            return None
        return change.type if new_ok else None

    def push(self, type_, entry):
        with self.cond:
            self.queue.append((type_, entry))
            self.cond.notify()

    def close(self, mid_line=False):
        with self.cond:
            self.cut = {"midLine": mid_line}
            self.cond.notify()


class Store:
    def __init__(self, gone_window=1000):
        self.lock = threading.RLock()
        self.rv = 1
        self.objects = collections.defaultdict(dict)   # key -> {(ns, name): Entry}
        self._sorted = {}                               # key -> sorted [(ns, name)] cache
        self.ring = collections.deque()
        self.gone_window = gone_window
        self.expired_before = 0   # a watch must start at or after this resourceVersion
        self.watchers = set()
        self.listeners = []       # called as fn(change) under the lock, in commit order

    # ---- reads -------------------------------------------------------------------------

    def current_rv(self):
        with self.lock:
            return self.rv

    def get(self, key, ns, name):
        entry = self.objects[key].get((ns or "", name))
        return entry.obj if entry else None

    def entry(self, key, ns, name):
        return self.objects[key].get((ns or "", name))

    def sorted_keys(self, key):
        keys = self._sorted.get(key)
        if keys is None:
            keys = sorted(self.objects[key])
            self._sorted[key] = keys
        return keys

    def list(self, key, ns=None, label_sel=None, field_sel=None, after=None, limit=0, at_rv=None):
        """Entries in key order (namespace, name) matching the filters, starting after the
        `after` key; at most `limit` (0 = all). With `at_rv`, the objects as they were at that
        resourceVersion (a later page of a paginated list: the changes since are undone from
        the change ring; the caller checked that they are all still there).
        Returns (rv, entries, more_after_last)."""
        with self.lock:
            objs = self.objects[key]
            keys = self.sorted_keys(key)
            overlay = self._state_at(key, at_rv) if at_rv is not None and at_rv < self.rv else {}
            lo = (ns, "") if ns is not None else None
            if after is not None:
                after = tuple(after)
            start = bisect.bisect_left(keys, lo) if lo is not None else 0
            if after is not None:
                start = max(start, bisect.bisect_right(keys, after))
            candidates = keys[start:] if not overlay else heapq.merge(
                keys[start:], sorted(k for k in overlay if k not in objs and
                                     (lo is None or k >= lo) and (after is None or k > after)))
            label_sel = None if label_sel is None or label_sel.empty else label_sel
            field_sel = None if field_sel is None or field_sel.empty else field_sel
            out = []
            more = False
            for k in candidates:
                if ns is not None and k[0] != ns:
                    break
                entry = overlay[k] if k in overlay else objs[k]
                if entry is None:  # created after at_rv
                    continue
                if label_sel is not None and not label_sel.matches(entry.labels):
                    continue
                if field_sel is not None and not field_sel.matches_entry(entry):
                    continue
                if limit and len(out) == limit:
                    more = True
                    break
                out.append(entry)
            return (at_rv if at_rv is not None else self.rv), out, more

    def _state_at(self, key, rv):
        """{(ns, name): Entry or None} for every object of `key` changed after `rv`: how it
        was at `rv` (None: it did not exist)."""
        state = {}
        for change in reversed(self.ring):
            if change.rv <= rv:
                break
            if change.key == key:
                meta = change.entry.obj["metadata"]
                state[(meta.get("namespace") or "", meta["name"])] = change.old
        return state

    # ---- writes ------------------------------------------------------------------------

    def put(self, key, obj):
        """Stores obj (ADDED if new, else MODIFIED), stamping the next resourceVersion.
        Returns the stored object."""
        with self.lock:
            meta = obj["metadata"]
            k = (meta.get("namespace") or "", meta["name"])
            old = self.objects[key].get(k)
            self.rv += 1
            meta["resourceVersion"] = str(self.rv)
            entry = Entry(obj)
            self.objects[key][k] = entry
            if old is None:
                self._sorted.pop(key, None)
            self._commit(Change(self.rv, key, MODIFIED if old else ADDED, entry, old))
            return obj

    def remove(self, key, ns, name):
        """Deletes the object; the DELETED event carries it with a new resourceVersion."""
        with self.lock:
            old = self.objects[key].pop((ns or "", name), None)
            if old is None:
                return None
            self._sorted.pop(key, None)
            self.rv += 1
            obj = dict(old.obj)
            obj["metadata"] = dict(obj["metadata"], resourceVersion=str(self.rv))
            entry = Entry(obj)
            self._commit(Change(self.rv, key, DELETED, entry, old))
            return obj

    def _commit(self, change):
        self.ring.append(change)
        while len(self.ring) > self.gone_window:
            self.expired_before = self.ring.popleft().rv
        for w in self.watchers:
            t = w.translate(change)
            if t:
                w.push(t, change.entry)
        for fn in self.listeners:
            fn(change)

    def set_gone_window(self, n):
        with self.lock:
            self.gone_window = max(1, int(n))
            while len(self.ring) > self.gone_window:
                self.expired_before = self.ring.popleft().rv

    def clear(self):
        """Drops every object silently (control API reset); resourceVersions keep growing."""
        with self.lock:
            self.objects.clear()
            self._sorted.clear()
            self.expired_before = self.rv
            self.ring.clear()
            for w in list(self.watchers):
                w.close()
            self.watchers.clear()

    # ---- watch -------------------------------------------------------------------------

    def watch(self, key, ns, label_sel, field_sel, since_rv):
        """Registers a watcher. since_rv None/0: synthetic ADDED events for current objects
        first. Otherwise replays the changes after since_rv from the ring, or raises 410
        Expired when they are no longer all there."""
        label_sel = None if label_sel is None or label_sel.empty else label_sel
        field_sel = None if field_sel is None or field_sel.empty else field_sel
        w = Watcher(key, ns, label_sel, field_sel)
        with self.lock:
            if not since_rv:
                for entry in self.list(key, ns, label_sel, field_sel)[1]:
                    w.queue.append((ADDED, entry))
            else:
                if since_rv < self.expired_before:
                    raise expired(f"too old resource version: {since_rv} ({self.expired_before})")
                start = bisect.bisect_right([c.rv for c in self.ring], since_rv) \
                    if self.ring and self.ring[0].rv <= since_rv else 0
                for i in range(start, len(self.ring)):
                    c = self.ring[i]
                    t = w.translate(c)
                    if t:
                        w.queue.append((t, c.entry))
            self.watchers.add(w)
        return w

    def unwatch(self, w):
        with self.lock:
            self.watchers.discard(w)

    def cut_watches(self, mid_line):
        with self.lock:
            ws = list(self.watchers)
        for w in ws:
            w.close(mid_line)
        return len(ws)
