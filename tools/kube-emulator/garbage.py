"""Deletion with propagation policies, like the real garbage collector: Foreground keeps the
owner (deletionTimestamp + `foregroundDeletion` finalizer) until its dependents are gone,
Background deletes the owner at once and its dependents shortly after, Orphan deletes the
owner and strips the ownerReferences from its dependents."""

import collections
import copy

import resources as R
from store import ADDED, DELETED, MODIFIED
from timeutil import now_rfc3339

BACKGROUND_DELAY = 0.05


class GarbageCollector:
    def __init__(self, store, scheduler, config):
        self.store = store
        self.scheduler = scheduler
        self.config = config
        self.owned = collections.defaultdict(set)  # owner uid -> {(ns, pod name)}
        store.listeners.append(self._on_change)

    def reset(self):
        self.owned.clear()

    def _on_change(self, change):
        if change.key != R.PODS.key:
            return
        if change.old is not None:
            for ref in change.old.obj["metadata"].get("ownerReferences") or []:
                self.owned[ref.get("uid")].discard(_k(change.old.obj))
        if change.type in (ADDED, MODIFIED):
            for ref in change.entry.obj["metadata"].get("ownerReferences") or []:
                self.owned[ref.get("uid")].add(_k(change.entry.obj))

    def dependents(self, uid):
        return sorted(self.owned.get(uid, ()))

    def delete(self, res, obj, policy):
        """Deletes obj under the store lock. Returns (gone_now, object_after)."""
        meta = obj["metadata"]
        ns, name, uid = meta.get("namespace"), meta["name"], meta["uid"]
        if meta.get("deletionTimestamp"):
            return False, obj  # already terminating: nothing more to do
        if policy == "Foreground":
            obj = copy.deepcopy(obj)
            obj["metadata"]["deletionTimestamp"] = now_rfc3339()
            obj["metadata"]["deletionGracePeriodSeconds"] = 0
            fins = list(obj["metadata"].get("finalizers") or [])
            if "foregroundDeletion" not in fins:
                fins.append("foregroundDeletion")
            obj["metadata"]["finalizers"] = fins
            self.store.put(res.key, obj)
            self.scheduler.call_later(0, self._foreground_dependents, res, ns, name, uid)
            return False, obj
        if meta.get("finalizers"):
            obj = copy.deepcopy(obj)
            obj["metadata"]["deletionTimestamp"] = now_rfc3339()
            obj["metadata"]["deletionGracePeriodSeconds"] = 0
            self.store.put(res.key, obj)
            if policy == "Orphan":
                self._orphan(uid)
            else:
                self.scheduler.call_later(BACKGROUND_DELAY, self._delete_dependents, uid)
            return False, obj
        gone = self.store.remove(res.key, ns, name)
        if policy == "Orphan":
            self._orphan(uid)
        else:
            self.scheduler.call_later(BACKGROUND_DELAY, self._delete_dependents, uid)
        return True, gone

    def _orphan(self, uid):
        with self.store.lock:
            for ns, name in self.dependents(uid):
                pod = self.store.get(R.PODS.key, ns, name)
                if pod is None:
                    continue
                pod = copy.deepcopy(pod)
                refs = [r for r in pod["metadata"].get("ownerReferences") or [] if r.get("uid") != uid]
                if refs:
                    pod["metadata"]["ownerReferences"] = refs
                else:
                    pod["metadata"].pop("ownerReferences", None)
                self.store.put(R.PODS.key, pod)

    def _delete_dependents(self, uid):
        with self.store.lock:
            for ns, name in self.dependents(uid):
                self.store.remove(R.PODS.key, ns, name)
            self.owned.pop(uid, None)

    def _foreground_dependents(self, res, ns, name, uid):
        self._delete_dependents(uid)
        self.scheduler.call_later(self.config.foreground_delay, self._finish_foreground,
                                  res, ns, name, uid)

    def _finish_foreground(self, res, ns, name, uid):
        with self.store.lock:
            if self.dependents(uid):  # a dependent appeared meanwhile: go round again
                self.scheduler.call_later(0, self._foreground_dependents, res, ns, name, uid)
                return
            obj = self.store.get(res.key, ns, name)
            if obj is None or obj["metadata"]["uid"] != uid:
                return
            fins = [f for f in obj["metadata"].get("finalizers") or [] if f != "foregroundDeletion"]
            if fins:
                obj = copy.deepcopy(obj)
                obj["metadata"]["finalizers"] = fins
                self.store.put(res.key, obj)
            else:
                self.store.remove(res.key, ns, name)

    def remove_if_finalized(self, res, obj):
        """After an update: a terminating object whose last finalizer was removed goes away."""
        meta = obj["metadata"]
        if meta.get("deletionTimestamp") and not meta.get("finalizers"):
            self.store.remove(res.key, meta.get("namespace"), meta["name"])
            return True
        return False


def _k(obj):
    return (obj["metadata"].get("namespace") or "", obj["metadata"]["name"])
