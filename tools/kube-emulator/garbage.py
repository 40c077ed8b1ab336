"""Deletion with propagation policies, like the registry store and the real garbage collector:
Foreground keeps the owner (deletionTimestamp + `foregroundDeletion` finalizer) until its
dependents are gone, Background deletes the owner at once and its dependents shortly after,
Orphan keeps the owner (deletionTimestamp + `orphan` finalizer) until the collector has
stripped the ownerReferences from its dependents. batch/v1 Jobs default to Orphan.

Dependents of any kind are tracked (Pods of Jobs and ReplicaSets, ReplicaSets of Deployments,
Jobs of CronJobs). As the real collector does, a dependent of an owner deleted in the foreground
that has dependents itself is deleted in the foreground too, so the owner waits for the whole
tree; any other dependent is deleted in the background (unless it carries a GC finalizer)."""

import collections
import copy

import resources as R
from store import ADDED, DELETED, MODIFIED
from timeutil import now_rfc3339

BACKGROUND_DELAY = 0.05
ORPHAN = "orphan"
FOREGROUND = "foregroundDeletion"


class GarbageCollector:
    def __init__(self, store, scheduler, config):
        self.store = store
        self.scheduler = scheduler
        self.config = config
        self.owned = collections.defaultdict(set)  # owner uid -> {(key, ns, name)}
        store.listeners.append(self._on_change)

    def reset(self):
        self.owned.clear()

    def _on_change(self, change):
        if change.old is not None:
            for ref in change.old.obj["metadata"].get("ownerReferences") or []:
                deps = self.owned.get(ref.get("uid"))
                if deps is not None:
                    deps.discard(_k(change.key, change.old.obj))
                    if not deps:
                        del self.owned[ref.get("uid")]
        if change.type in (ADDED, MODIFIED):
            for ref in change.entry.obj["metadata"].get("ownerReferences") or []:
                self.owned[ref.get("uid")].add(_k(change.key, change.entry.obj))
        elif change.type == DELETED:
            # An owner gone from storage: its remaining dependents (not orphaned, not already
            # deleted in the foreground) go shortly after, as with Background propagation.
            uid = change.entry.obj["metadata"].get("uid")
            if self.owned.get(uid):
                self.scheduler.call_later(BACKGROUND_DELAY, self._delete_dependents, uid)

    def dependents(self, uid, key=R.PODS.key):
        """(namespace, name) of the dependents of one kind (pods by default)."""
        return sorted((ns, name) for k, ns, name in self.owned.get(uid, ()) if k == key)

    def all_dependents(self, uid):
        return sorted(self.owned.get(uid, ()))

    def delete(self, res, obj, policy):
        """Deletes obj under the store lock, like the generic registry store with garbage
        collection on. `policy` is the request's propagationPolicy (orphanDependents already
        mapped to it), or None. Returns (gone_now, object_after).

        Orphan (the default for batch/v1 Jobs) and Foreground add their finalizer (`orphan`,
        `foregroundDeletion`) and set deletionTimestamp; the collector then works on the
        dependents and removes the finalizer, and the object goes when no finalizer is left.
        Background deletes the object now (unless other finalizers hold it)."""
        meta = obj["metadata"]
        ns, name, uid = meta.get("namespace"), meta["name"], meta["uid"]
        old_fins = list(meta.get("finalizers") or [])
        orphan, foreground = self._gc_choice(res, old_fins, policy)
        fins = [f for f in old_fins if f not in (ORPHAN, FOREGROUND)]
        if orphan:
            fins.append(ORPHAN)
        if foreground:
            fins.append(FOREGROUND)
        changed = set(fins) != set(old_fins)
        if not (old_fins or changed or meta.get("deletionTimestamp")):
            return True, self.store.remove(res.key, ns, name)
        if not fins:  # a terminating object whose finalizers were all dropped
            return True, self.store.remove(res.key, ns, name)
        obj = copy.deepcopy(obj)
        m = obj["metadata"]
        if not m.get("deletionTimestamp"):
            m["deletionTimestamp"] = now_rfc3339()
            m["deletionGracePeriodSeconds"] = 0
        m["finalizers"] = fins
        if changed or obj != self.store.get(res.key, ns, name):
            self.store.put(res.key, obj)
        if changed and orphan:
            self.scheduler.call_later(0, self._orphan_dependents, res, ns, name, uid)
        elif changed and foreground:
            self.scheduler.call_later(0, self._foreground_dependents, res, ns, name, uid)
        return False, obj

    @staticmethod
    def _gc_choice(res, finalizers, policy):
        """(orphan, foreground): shouldOrphanDependents / shouldDeleteDependents. An explicit
        policy wins, then a GC finalizer already on the object, then the resource's default."""
        if policy is not None:
            return policy == "Orphan", policy == "Foreground"
        if ORPHAN in finalizers:
            return True, False
        if FOREGROUND in finalizers:
            return False, True
        return res.default_gc_policy == "Orphan", False

    def _orphan(self, uid):
        with self.store.lock:
            for key, ns, name in self.all_dependents(uid):
                obj = self.store.get(key, ns, name)
                if obj is None:
                    continue
                obj = copy.deepcopy(obj)
                refs = [r for r in obj["metadata"].get("ownerReferences") or [] if r.get("uid") != uid]
                if refs:
                    obj["metadata"]["ownerReferences"] = refs
                else:
                    obj["metadata"].pop("ownerReferences", None)
                self.store.put(key, obj)

    def _delete_dependents(self, uid, foreground=False):
        """attemptToDeleteItem for each dependent: in the foreground when the owner is deleted
        in the foreground and the dependent has dependents of its own; else as its GC
        finalizers say, else in the background."""
        with self.store.lock:
            for key, ns, name in self.all_dependents(uid):
                obj = self.store.get(key, ns, name)
                if obj is None:
                    continue
                fins = obj["metadata"].get("finalizers") or []
                if foreground and self.owned.get(obj["metadata"]["uid"]):
                    policy = "Foreground"
                elif ORPHAN in fins:
                    policy = "Orphan"
                elif FOREGROUND in fins:
                    policy = "Foreground"
                else:
                    policy = "Background"
                self.delete(R.by_key(key), obj, policy)

    def _foreground_dependents(self, res, ns, name, uid):
        self._delete_dependents(uid, foreground=True)
        self.scheduler.call_later(self.config.foreground_delay, self._finish_foreground,
                                  res, ns, name, uid)

    def _finish_foreground(self, res, ns, name, uid):
        with self.store.lock:
            if self.all_dependents(uid):  # dependents still there (or new ones): go round again
                self.scheduler.call_later(0, self._foreground_dependents, res, ns, name, uid)
                return
            self._drop_finalizer(res, ns, name, uid, FOREGROUND)

    def _orphan_dependents(self, res, ns, name, uid):
        """attemptToOrphan: the dependents lose their ownerReference to the owner, then (after
        --foreground-delay, the collector's latency) the owner loses its `orphan` finalizer."""
        self._orphan(uid)
        self.scheduler.call_later(self.config.foreground_delay, self._finish_orphan,
                                  res, ns, name, uid)

    def _finish_orphan(self, res, ns, name, uid):
        with self.store.lock:
            if self.all_dependents(uid):  # adopted meanwhile: orphan those too
                self._orphan(uid)
            self._drop_finalizer(res, ns, name, uid, ORPHAN)

    def _drop_finalizer(self, res, ns, name, uid, finalizer):
        """Removes one GC finalizer; the object goes once no finalizer is left."""
        obj = self.store.get(res.key, ns, name)
        if obj is None or obj["metadata"]["uid"] != uid:
            return
        fins = list(obj["metadata"].get("finalizers") or [])
        if finalizer not in fins:
            return
        fins.remove(finalizer)
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


def _k(key, obj):
    return (key, obj["metadata"].get("namespace") or "", obj["metadata"]["name"])
