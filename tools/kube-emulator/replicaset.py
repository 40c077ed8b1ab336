"""The ReplicaSet controller, simulated: keeps `spec.replicas` pods of each ReplicaSet (creates
the missing ones, deletes the surplus, least useful first; replaces deleted pods), adopts
orphaned pods its selector matches, and writes the status (replicas, fullyLabeledReplicas,
readyReplicas, availableReplicas after `minReadySeconds`, observedGeneration). A ReplicaSet
being deleted is left alone. Events as the real controller writes them (`SuccessfulCreate`,
`SuccessfulDelete`, source `replicaset-controller`)."""

import copy

import recorder
import resources as R
from kubelet import controller_ref
from selection import LabelSelector
from timeutil import parse_rfc3339
from workqueue import WorkQueue

COMPONENT = "replicaset-controller"


def selects(selector, labels):
    try:
        return LabelSelector.from_label_selector(selector).matches(labels)
    except (KeyError, TypeError, AttributeError):
        return False


def is_active(pod):
    return pod["status"].get("phase") not in ("Succeeded", "Failed") and \
        not pod["metadata"].get("deletionTimestamp")


def ready_since(pod):
    """lastTransitionTime of the pod's Ready condition when it is True, else None."""
    for cond in pod["status"].get("conditions") or []:
        if cond.get("type") == "Ready":
            return parse_rfc3339(cond["lastTransitionTime"]) if cond.get("status") == "True" \
                else None
    return None


def _deletion_rank(pod):
    """Which pods go first on scale-down (ActivePods ordering, simplified): not yet running,
    not ready, more restarts, newer."""
    cs = pod["status"].get("containerStatuses") or []
    created = pod["metadata"].get("creationTimestamp")
    return (pod["status"].get("phase") == "Running", ready_since(pod) is not None,
            -sum(c.get("restartCount", 0) for c in cs),
            -(parse_rfc3339(created) if created else 0))


class ReplicaSetController:
    def __init__(self, store, scheduler, gc, kubelet, clock):
        self.store = store
        self.gc = gc
        self.kubelet = kubelet
        self.clock = clock
        self.queue = WorkQueue(scheduler, self.sync)
        store.listeners.append(self._on_change)
        clock.listeners.append(self._on_clock)

    def reset(self):
        self.queue.clear()

    # ---- triggers -------------------------------------------------------------------------------

    def _on_change(self, change):
        obj = change.entry.obj
        meta = obj["metadata"]
        if change.key == R.REPLICASETS.key:
            if change.type != "DELETED":
                self.queue.add((meta.get("namespace"), meta["name"]))
        elif change.key == R.PODS.key:
            ref = controller_ref(obj)
            if ref is not None:
                if ref.get("kind") == "ReplicaSet":
                    self.queue.add((meta.get("namespace"), ref.get("name")))
            elif change.type != "DELETED":
                # An orphan: a ReplicaSet whose selector matches may adopt it.
                for entry in self.store.list(R.REPLICASETS.key, meta.get("namespace") or "")[1]:
                    rs = entry.obj
                    if selects(rs["spec"].get("selector") or {}, meta.get("labels") or {}):
                        self.queue.add((meta.get("namespace"), rs["metadata"]["name"]))

    def _on_clock(self):
        with self.store.lock:
            for entry in self.store.list(R.REPLICASETS.key)[1]:
                meta = entry.obj["metadata"]
                self.queue.add((meta.get("namespace"), meta["name"]))

    # ---- sync -----------------------------------------------------------------------------------

    def _pods(self, rs):
        """The ReplicaSet's pods, adopting orphans its selector matches (not while deleting)."""
        meta = rs["metadata"]
        ns, uid = meta.get("namespace"), meta["uid"]
        pods = []
        for pns, name in self.gc.dependents(uid):
            pod = self.store.get(R.PODS.key, pns, name)
            ref = controller_ref(pod) if pod else None
            if ref is not None and ref.get("uid") == uid:
                pods.append(pod)
        if meta.get("deletionTimestamp"):
            return pods
        selector = rs["spec"].get("selector") or {}
        for entry in self.store.list(R.PODS.key, ns or "")[1]:
            pod = entry.obj
            if controller_ref(pod) is None and is_active(pod) and \
                    selects(selector, pod["metadata"].get("labels") or {}):
                pod = copy.deepcopy(pod)
                pod["metadata"]["ownerReferences"] = \
                    list(pod["metadata"].get("ownerReferences") or []) + [
                        {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": meta["name"],
                         "uid": uid, "controller": True, "blockOwnerDeletion": True}]
                self.store.put(R.PODS.key, pod)
                pods.append(pod)
        return pods

    def sync(self, key):
        ns, name = key
        with self.store.lock:
            rs = self.store.get(R.REPLICASETS.key, ns, name)
            if rs is None:
                return
            pods = [p for p in self._pods(rs) if is_active(p)]
            if not rs["metadata"].get("deletionTimestamp"):
                pods = self._manage(rs, pods)
            self._write_status(rs, pods)

    def _manage(self, rs, pods):
        want = rs["spec"].get("replicas", 1)
        if len(pods) < want:
            for _ in range(want - len(pods)):
                pod = self.kubelet.new_pod(rs)
                self.store.put(R.PODS.key, pod)
                pods.append(pod)
                recorder.record(self.store, rs, COMPONENT, "Normal", "SuccessfulCreate",
                                f"Created pod: {pod['metadata']['name']}")
        elif len(pods) > want:
            pods = sorted(pods, key=_deletion_rank)
            for pod in pods[:len(pods) - want]:
                self.gc.delete(R.PODS, pod, "Background")
                recorder.record(self.store, rs, COMPONENT, "Normal", "SuccessfulDelete",
                                f"Deleted pod: {pod['metadata']['name']}")
            pods = pods[len(pods) - want:]
        return pods

    def _write_status(self, rs, pods):
        now = self.clock.now()
        min_ready = rs["spec"].get("minReadySeconds") or 0
        labels = ((rs["spec"].get("template") or {}).get("metadata") or {}).get("labels") or {}
        ready = available = labelled = 0
        next_check = None
        for pod in pods:
            plabels = pod["metadata"].get("labels") or {}
            if all(plabels.get(k) == v for k, v in labels.items()):
                labelled += 1
            since = ready_since(pod)
            if since is None:
                continue
            ready += 1
            if since + min_ready <= now:
                available += 1
            else:
                next_check = min(next_check or since + min_ready, since + min_ready)
        status = {"replicas": len(pods)}  # written even when 0; the other counts only when set
        for field, value in (("fullyLabeledReplicas", labelled), ("readyReplicas", ready),
                             ("availableReplicas", available),
                             ("observedGeneration", rs["metadata"].get("generation", 1))):
            if value:
                status[field] = value
        if status != rs.get("status"):
            rs = copy.deepcopy(rs)
            rs["status"] = status
            self.store.put(R.REPLICASETS.key, rs)
        if next_check is not None:
            wait = self.clock.seconds_until(next_check)
            if wait is not None:
                meta = rs["metadata"]
                self.queue.add((meta.get("namespace"), meta["name"]), wait + 0.01)
