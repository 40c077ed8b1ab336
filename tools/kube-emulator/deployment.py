"""The Deployment controller, simulated: one ReplicaSet per pod template, named
`<deployment>-<pod-template-hash>`, owned by the Deployment; a changed template gets a new
ReplicaSet and the old ones are scaled down (RollingUpdate within maxSurge / maxUnavailable, or
Recreate); revisions in `deployment.kubernetes.io/revision`; old ReplicaSets beyond
revisionHistoryLimit deleted; status and the Available / Progressing conditions written as the
real controller writes them, including ProgressDeadlineExceeded once a rollout made no
progress for progressDeadlineSeconds (read on the cluster clock). Decisions come from
rollout.py; this file reads the store and carries them out. Events: ScalingReplicaSet, source
`deployment-controller`."""

import copy

import recorder
import resources as R
import rollout
from admission import prepare_create
from kubelet import controller_ref
from replicaset import is_active, selects
from status import ApiError
from workqueue import WorkQueue

COMPONENT = "deployment-controller"


class DeploymentController:
    def __init__(self, store, scheduler, gc, clock):
        self.store = store
        self.gc = gc
        self.clock = clock
        self.queue = WorkQueue(scheduler, self.sync)
        # Deployment uid -> exact time its Progressing condition's lastUpdateTime was set.
        self.progress_at = {}
        store.listeners.append(self._on_change)
        clock.listeners.append(self._on_clock)

    def reset(self):
        self.queue.clear()
        self.progress_at.clear()

    # ---- triggers -------------------------------------------------------------------------------

    def _on_change(self, change):
        obj = change.entry.obj
        meta = obj["metadata"]
        ns = meta.get("namespace")
        if change.key == R.DEPLOYMENTS.key:
            if change.type != "DELETED":
                self.queue.add((ns, meta["name"]))
            else:
                self.progress_at.pop(meta["uid"], None)
        elif change.key == R.REPLICASETS.key:
            ref = controller_ref(obj)
            if ref is not None:
                if ref.get("kind") == "Deployment":
                    self.queue.add((ns, ref.get("name")))
            elif change.type != "DELETED":
                for entry in self.store.list(R.DEPLOYMENTS.key, ns or "")[1]:
                    if selects(entry.obj["spec"].get("selector") or {}, meta.get("labels") or {}):
                        self.queue.add((ns, entry.obj["metadata"]["name"]))

    def _on_clock(self):
        with self.store.lock:
            for entry in self.store.list(R.DEPLOYMENTS.key)[1]:
                meta = entry.obj["metadata"]
                self.queue.add((meta.get("namespace"), meta["name"]))

    # ---- reading ---------------------------------------------------------------------------------

    def _replicasets(self, d):
        """The Deployment's ReplicaSets, adopting orphans its selector matches (not while the
        Deployment is being deleted)."""
        meta = d["metadata"]
        ns, uid = meta.get("namespace"), meta["uid"]
        out = []
        for rns, name in self.gc.dependents(uid, R.REPLICASETS.key):
            rs = self.store.get(R.REPLICASETS.key, rns, name)
            ref = controller_ref(rs) if rs else None
            if ref is not None and ref.get("uid") == uid:
                out.append(rs)
        if meta.get("deletionTimestamp"):
            return out
        selector = d["spec"].get("selector") or {}
        for entry in self.store.list(R.REPLICASETS.key, ns or "")[1]:
            rs = entry.obj
            if controller_ref(rs) is None and not rs["metadata"].get("deletionTimestamp") and \
                    selects(selector, rs["metadata"].get("labels") or {}):
                rs = copy.deepcopy(rs)
                rs["metadata"]["ownerReferences"] = \
                    list(rs["metadata"].get("ownerReferences") or []) + [self._owner_ref(d)]
                out.append(self._put_rs(rs, bump=False))
        return out

    @staticmethod
    def _owner_ref(d):
        return {"apiVersion": "apps/v1", "kind": "Deployment", "name": d["metadata"]["name"],
                "uid": d["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}

    def _old_pods_running(self, olds):
        for rs in olds:
            for ns, name in self.gc.dependents(rs["metadata"]["uid"]):
                pod = self.store.get(R.PODS.key, ns, name)
                if pod is not None and is_active(pod):
                    return True
        return False

    # ---- writing ---------------------------------------------------------------------------------

    def _put_rs(self, rs, bump=True):
        """Stores a changed ReplicaSet; a spec change bumps its generation as the API would."""
        if bump:
            rs["metadata"]["generation"] = rs["metadata"].get("generation", 1) + 1
        self.store.put(R.REPLICASETS.key, rs)
        return rs

    def _scale(self, d, rs, count):
        """Scales a ReplicaSet (and refreshes its replica annotations), with the event."""
        old = rollout.replicas(rs)
        rs = copy.deepcopy(rs)
        rs["spec"]["replicas"] = count
        annotations = rs["metadata"].setdefault("annotations", {})
        annotations[rollout.DESIRED_REPLICAS] = str(d["spec"].get("replicas", 1))
        annotations[rollout.MAX_REPLICAS] = str(d["spec"].get("replicas", 1) + rollout.max_surge(d))
        rs = self._put_rs(rs, bump=old != count)
        if old != count:
            direction = "up" if count > old else "down"
            recorder.record(self.store, d, COMPONENT, "Normal", "ScalingReplicaSet",
                            f"Scaled {direction} replica set {rs['metadata']['name']} "
                            f"from {old} to {count}")
        return rs

    def _put_deployment(self, d, new, now):
        """Stores the Deployment if the controller changed it (its status, or the revision
        annotation as the controller's status update may): no generation change."""
        if new == d:
            return d
        cond = rollout.get_condition(new.get("status") or {}, rollout.PROGRESSING)
        before = rollout.get_condition(d.get("status") or {}, rollout.PROGRESSING)
        if cond is not None and (before is None or
                                 before.get("lastUpdateTime") != cond.get("lastUpdateTime")):
            self.progress_at[new["metadata"]["uid"]] = now
        self.store.put(R.DEPLOYMENTS.key, new)
        return new

    # ---- sync ------------------------------------------------------------------------------------

    def sync(self, key):
        ns, name = key
        with self.store.lock:
            d = self.store.get(R.DEPLOYMENTS.key, ns, name)
            if d is None:
                return
            rss = self._replicasets(d)
            now = self.clock.now()
            if d["metadata"].get("deletionTimestamp"):
                new_rs = rollout.find_new(d, rss)
                return self._status_only(d, rss, new_rs, now)
            d = self._paused_conditions(d, now)
            if d["spec"].get("paused"):
                return self._status_only(d, rss, rollout.find_new(d, rss), now)
            if rollout.is_rolling(d):
                self._rolling(d, rss, now)
            else:
                self._recreate(d, rss, now)

    def _status_only(self, d, rss, new_rs, now):
        status = rollout.calculate_status(d, rss, new_rs, now)
        new = copy.deepcopy(d)
        new["status"] = rollout.omit_zero(status)
        self._put_deployment(d, new, now)

    def _paused_conditions(self, d, now):
        """checkPausedConditions: Progressing Unknown while paused, and once resumed."""
        if not rollout.has_deadline(d):
            return d
        status = copy.deepcopy(d.get("status") or {})
        cond = rollout.get_condition(status, rollout.PROGRESSING)
        if cond is not None and cond.get("reason") == rollout.TIMED_OUT:
            return d
        paused_cond = cond is not None and cond.get("reason") == rollout.PAUSED
        if d["spec"].get("paused") and not paused_cond:
            rollout.set_condition(status, rollout.condition(
                rollout.PROGRESSING, "Unknown", rollout.PAUSED, "Deployment is paused", now))
        elif not d["spec"].get("paused") and paused_cond:
            rollout.set_condition(status, rollout.condition(
                rollout.PROGRESSING, "Unknown", rollout.RESUMED, "Deployment is resumed", now))
        else:
            return d
        new = copy.deepcopy(d)
        new["status"] = status
        return self._put_deployment(d, new, now)

    def _new_and_old(self, d, rss, now, create):
        """getAllReplicaSetsAndSyncRevision: (new ReplicaSet or None, old ones, Deployment),
        creating the new one when asked, with revisions and the first Progressing condition."""
        new_rs = rollout.find_new(d, rss)
        olds = [rs for rs in rss if rs is not new_rs]
        next_revision = max((rollout.revision(rs) for rs in olds), default=0) + 1
        nd = copy.deepcopy(d)
        status = nd.setdefault("status", {})
        if new_rs is not None:
            if rollout.revision(new_rs) < next_revision or self._annotations_differ(d, new_rs):
                # A template seen before becomes the newest revision again (a rollback).
                rs = copy.deepcopy(new_rs)
                rs["metadata"]["annotations"] = self._rs_annotations(
                    d, rs, max(rollout.revision(new_rs), next_revision))
                new_rs = self._put_rs(rs, bump=False)
            if rollout.has_deadline(d) and rollout.get_condition(status, rollout.PROGRESSING) is None:
                rollout.set_condition(status, rollout.condition(
                    rollout.PROGRESSING, "True", rollout.FOUND_NEW_RS,
                    f'Found new replica set "{new_rs["metadata"]["name"]}"', now))
        elif create:
            new_rs = self._create_rs(nd, olds, next_revision, now)
            if new_rs is None:
                return None, olds, self._put_deployment(d, nd, now)
            if rollout.has_deadline(d):
                rollout.set_condition(status, rollout.condition(
                    rollout.PROGRESSING, "True", rollout.NEW_RS_CREATED,
                    f'Created new replica set "{new_rs["metadata"]["name"]}"', now))
        if new_rs is not None:
            nd["metadata"].setdefault("annotations", {})[rollout.REVISION] = \
                str(rollout.revision(new_rs))
        return new_rs, olds, self._put_deployment(d, nd, now)

    def _rs_annotations(self, d, rs, revision):
        annotations = {k: v for k, v in (rs["metadata"].get("annotations") or {}).items()}
        for k, v in (d["metadata"].get("annotations") or {}).items():
            if k not in rollout.NOT_COPIED:
                annotations[k] = v
        annotations[rollout.REVISION] = str(revision)
        annotations.setdefault(rollout.DESIRED_REPLICAS, str(d["spec"].get("replicas", 1)))
        annotations.setdefault(rollout.MAX_REPLICAS,
                               str(d["spec"].get("replicas", 1) + rollout.max_surge(d)))
        return annotations

    @staticmethod
    def _annotations_differ(d, rs):
        have = rs["metadata"].get("annotations") or {}
        return any(have.get(k) != v for k, v in (d["metadata"].get("annotations") or {}).items()
                   if k not in rollout.NOT_COPIED)

    def _create_rs(self, d, olds, revision, now):
        """The new ReplicaSet of the Deployment's template; on a name clash with a different
        ReplicaSet, status.collisionCount goes up and the hash changes."""
        meta, spec = d["metadata"], d["spec"]
        ns = meta.get("namespace")
        status = d["status"]
        for _ in range(10):
            digest = rollout.template_hash(spec["template"], status.get("collisionCount") or 0)
            name = f"{meta['name']}-{digest}"
            if self.store.get(R.REPLICASETS.key, ns, name) is None:
                break
            status["collisionCount"] = (status.get("collisionCount") or 0) + 1
        else:
            return None
        template = copy.deepcopy(spec["template"])
        tmeta = template.setdefault("metadata", {})
        tmeta["labels"] = dict(tmeta.get("labels") or {}, **{rollout.HASH_LABEL: digest})
        selector = copy.deepcopy(spec.get("selector") or {})
        selector["matchLabels"] = dict(selector.get("matchLabels") or {},
                                       **{rollout.HASH_LABEL: digest})
        count = rollout.new_rs_replicas(d, olds, 0)
        rs = {"apiVersion": "apps/v1", "kind": "ReplicaSet",
              "metadata": {"name": name, "namespace": ns, "labels": dict(tmeta["labels"]),
                           "ownerReferences": [self._owner_ref(d)]},
              "spec": {"replicas": count, "selector": selector, "template": template}}
        if spec.get("minReadySeconds"):
            rs["spec"]["minReadySeconds"] = spec["minReadySeconds"]
        rs["metadata"]["annotations"] = self._rs_annotations(d, rs, revision)
        try:
            rs = prepare_create(R.REPLICASETS, rs, ns)
        except ApiError as e:
            recorder.record(self.store, d, COMPONENT, "Warning", "FailedCreate",
                            f"Failed to create new replica set {name!r}: {e.message}")
            return None
        self.store.put(R.REPLICASETS.key, rs)
        if count > 0:
            recorder.record(self.store, d, COMPONENT, "Normal", "ScalingReplicaSet",
                            f"Scaled up replica set {name} from 0 to {count}")
        return rs

    def _rolling(self, d, rss, now):
        new_rs, olds, d = self._new_and_old(d, rss, now, create=True)
        if new_rs is None:
            return
        all_rss = olds + [new_rs]
        desired = d["spec"].get("replicas", 1)
        have = rollout.replicas(new_rs)
        target = desired if have > desired else rollout.new_rs_replicas(d, all_rss, have)
        if target != have:
            new_rs = self._scale(d, new_rs, target)
            return self._rollout_status(d, olds + [new_rs], new_rs, now)
        plan = rollout.old_scale_down(d, all_rss, olds, new_rs)
        if plan:
            olds = [self._scale(d, rs, plan[rs["metadata"]["name"]])
                    if rs["metadata"]["name"] in plan else rs for rs in olds]
            return self._rollout_status(d, olds + [new_rs], new_rs, now)
        if rollout.complete(d, d.get("status") or {}):
            olds = self._cleanup(d, olds)
        self._rollout_status(d, olds + [new_rs], new_rs, now)

    def _recreate(self, d, rss, now):
        new_rs, olds, d = self._new_and_old(d, rss, now, create=False)
        active = [rs for rs in olds if rollout.replicas(rs) > 0]
        if active:
            olds = [self._scale(d, rs, 0) if rollout.replicas(rs) > 0 else rs for rs in olds]
            return self._rollout_status(d, olds + ([new_rs] if new_rs else []), new_rs, now)
        if self._old_pods_running(olds):
            return self._rollout_status(d, olds + ([new_rs] if new_rs else []), new_rs, now)
        if new_rs is None:
            new_rs, olds, d = self._new_and_old(d, olds, now, create=True)
            if new_rs is None:
                return
        desired = d["spec"].get("replicas", 1)
        if rollout.replicas(new_rs) != desired:
            new_rs = self._scale(d, new_rs, desired)
        if rollout.complete(d, d.get("status") or {}):
            olds = self._cleanup(d, olds)
        self._rollout_status(d, olds + [new_rs], new_rs, now)

    def _cleanup(self, d, olds):
        """cleanupDeployment: old ReplicaSets beyond revisionHistoryLimit, fully scaled down,
        oldest revision first, are deleted."""
        limit = d["spec"].get("revisionHistoryLimit")
        alive = [rs for rs in olds if not rs["metadata"].get("deletionTimestamp")]
        if limit is None or len(alive) <= limit:
            return olds
        gone = set()
        for rs in sorted(alive, key=rollout.revision)[:len(alive) - limit]:
            if rollout.status_of(rs, "replicas") or rollout.replicas(rs) or \
                    rs["metadata"].get("generation", 1) > rollout.status_of(rs, "observedGeneration"):
                continue
            self.gc.delete(R.REPLICASETS, rs, "Background")
            gone.add(rs["metadata"]["name"])
        return [rs for rs in olds if rs["metadata"]["name"] not in gone]

    def _rollout_status(self, d, all_rss, new_rs, now):
        uid = d["metadata"]["uid"]
        new = copy.deepcopy(d)
        new["status"] = rollout.rollout_status(d, all_rss, new_rs, now, self.progress_at.get(uid))
        d = self._put_deployment(d, new, now)
        # requeueStuckDeployment: look again when the deadline passes without progress.
        at = rollout.deadline_at(d, d["status"], self.progress_at.get(uid))
        if at is not None and not rollout.complete(d, d["status"]):
            wait = self.clock.seconds_until(at)
            if wait is not None:
                meta = d["metadata"]
                self.queue.add((meta.get("namespace"), meta["name"]), wait + 0.05)
