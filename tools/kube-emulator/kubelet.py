"""The kubelet, simulated for the pods of ReplicaSets (Job pods run in jobcontroller.py): a
pod is created Pending by the ReplicaSet controller, starts `--pod-start-delay` later and is
then Running and Ready, unless its *outcome* makes it crash-loop.

The outcome of a pod is, in this order: the one set through the control API for its
ReplicaSet (`POST /deployments/NS/NAME/outcome`), else the pod's annotation
`emulator.tenant-provisioner.dev/outcome` (copied from the pod template), else ready.
Outcome JSON: {"crashLoop": true, "exitCode": 1, "reason": "Error", "message": "...",
"logs": ["..."], "restartEverySeconds": 0.5, "containers": {"name": {...the same keys...}}};
`{}` (or "crashLoop": false) is a healthy pod. A crash-looping container is never ready: each
`restartEverySeconds` (default 0.5) it restarts and fails again (restartCount + 1, the failure
in lastState.terminated, state.waiting.reason CrashLoopBackOff)."""

import copy
import json
import random
import string
import sys
import threading
import uuid

import resources as R
from jobcontroller import OUTCOME_ANNOTATION
from store import ADDED, DELETED
from timeutil import now_rfc3339

NODE = "emulator-node"
RESTART_EVERY = 0.5


def controller_ref(obj):
    return next((r for r in obj["metadata"].get("ownerReferences") or [] if r.get("controller")),
                None)


def _container_outcome(outcome, name):
    return dict(outcome, **(outcome.get("containers") or {}).get(name, {}))


def _pod_condition(pod, type_, status, now, reason=None, message=None):
    for cond in pod["status"].get("conditions") or []:
        if cond["type"] == type_:
            if cond["status"] != status:
                cond["lastTransitionTime"] = now
            cond["status"] = status
            cond.pop("reason", None)
            cond.pop("message", None)
            if reason:
                cond["reason"] = reason
            if message:
                cond["message"] = message


class Kubelet:
    def __init__(self, store, scheduler, config):
        self.store = store
        self.scheduler = scheduler
        self.config = config
        self.lock = threading.Lock()
        self.overrides = {}   # ReplicaSet uid -> outcome set through the control API
        self.runs = {}        # pod uid -> generation of its current outcome (stale timers stop)
        self.logs = {}        # (ns, pod) -> {container: [lines of each instance, oldest first]}
        store.listeners.append(self._on_change)

    def reset(self):
        with self.lock:
            self.overrides.clear()
            self.runs.clear()
            self.logs.clear()

    def pod_logs(self, ns, name):
        return self.logs.get((ns, name))

    # ---- building a pod (for the ReplicaSet controller) -------------------------------------

    @staticmethod
    def new_pod(rs):
        """A Pending pod of the ReplicaSet's template, scheduled on the emulator's node."""
        meta = rs["metadata"]
        template = copy.deepcopy(rs["spec"].get("template") or {})
        tmeta = template.get("metadata") or {}
        spec = template.get("spec") or {}
        spec["nodeName"] = NODE
        spec.setdefault("serviceAccountName", "default")
        spec.setdefault("enableServiceLinks", True)
        now = now_rfc3339()
        suffix = "".join(random.choices(string.ascii_lowercase + string.digits, k=5))
        statuses = [{"name": c["name"], "image": c.get("image", ""), "imageID": "",
                     "restartCount": 0, "ready": False, "started": False, "lastState": {},
                     "state": {"waiting": {"reason": "ContainerCreating"}}}
                    for c in spec.get("containers") or []]
        unready = f"containers with unready status: [{' '.join(s['name'] for s in statuses)}]"
        conditions = []
        for type_, status in (("PodReadyToStartContainers", "False"), ("Initialized", "True"),
                              ("Ready", "False"), ("ContainersReady", "False"),
                              ("PodScheduled", "True")):
            cond = {"type": type_, "status": status, "lastProbeTime": None,
                    "lastTransitionTime": now}
            if type_ in ("Ready", "ContainersReady"):
                cond.update(reason="ContainersNotReady", message=unready)
            conditions.append(cond)
        pod = {
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {
                "name": f"{meta['name']}-{suffix}", "generateName": f"{meta['name']}-",
                "namespace": meta.get("namespace"), "uid": str(uuid.uuid4()),
                "creationTimestamp": now, "labels": dict(tmeta.get("labels") or {}),
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                                     "name": meta["name"], "uid": meta["uid"],
                                     "controller": True, "blockOwnerDeletion": True}],
            },
            "spec": spec,
            "status": {"phase": "Pending", "hostIP": "10.0.0.1", "startTime": now,
                       "qosClass": "BestEffort", "conditions": conditions,
                       "containerStatuses": statuses},
        }
        if tmeta.get("annotations"):
            pod["metadata"]["annotations"] = dict(tmeta["annotations"])
        return pod

    # ---- outcomes ----------------------------------------------------------------------------

    def set_outcome(self, rs_uids, pods, outcome):
        """Control API: the outcome of these ReplicaSets' pods from now on, applied at once to
        their started pods (a pod still starting takes it when it starts)."""
        with self.store.lock:
            with self.lock:
                for uid in rs_uids:
                    self.overrides[uid] = outcome
            for ns, name in pods:
                pod = self.store.get(R.PODS.key, ns, name)
                if pod is not None and pod["status"].get("phase") == "Running":
                    self._apply(pod, outcome)

    def _outcome(self, pod):
        ref = controller_ref(pod)
        with self.lock:
            override = self.overrides.get(ref.get("uid")) if ref else None
        if override is not None:
            return override
        text = (pod["metadata"].get("annotations") or {}).get(OUTCOME_ANNOTATION)
        if text:
            try:
                outcome = json.loads(text)
                if isinstance(outcome, dict):
                    return outcome
            except ValueError:
                pass
            print(f"emulator: ignoring pod {pod['metadata']['name']}: outcome annotation is "
                  "not a JSON object", file=sys.stderr)
        return {}

    # ---- reacting to changes (under the store lock) -----------------------------------------

    def _on_change(self, change):
        if change.key != R.PODS.key:
            return
        pod = change.entry.obj
        meta = pod["metadata"]
        if change.type == ADDED:
            ref = controller_ref(pod)
            if ref and ref.get("kind") == "ReplicaSet" and pod["status"].get("phase") == "Pending" \
                    and pod["spec"].get("nodeName") == NODE:
                self.scheduler.call_later(self.config.pod_start_delay, self._start,
                                          meta.get("namespace"), meta["name"], meta["uid"])
        elif change.type == DELETED:
            with self.lock:
                self.runs.pop(meta["uid"], None)
                self.logs.pop((meta.get("namespace"), meta["name"]), None)

    # ---- simulation steps (scheduler thread) ------------------------------------------------

    def _current(self, ns, name, uid):
        pod = self.store.get(R.PODS.key, ns, name)
        if pod is None or pod["metadata"]["uid"] != uid or pod["metadata"].get("deletionTimestamp"):
            return None
        return pod

    def _start(self, ns, name, uid):
        with self.store.lock:
            pod = self._current(ns, name, uid)
            if pod is not None and pod["status"].get("phase") == "Pending":
                self._apply(pod, self._outcome(pod))

    def _apply(self, pod, outcome):
        """Runs the pod's containers the way the outcome says, from now on."""
        pod = copy.deepcopy(pod)
        meta = pod["metadata"]
        key = (meta.get("namespace"), meta["name"])
        now = now_rfc3339()
        with self.lock:
            run = self.runs.get(meta["uid"], 0) + 1
            self.runs[meta["uid"]] = run
            logs = self.logs.setdefault(key, {})
        st = pod["status"]
        st["phase"] = "Running"
        st.setdefault("podIP", f"10.1.{random.randint(0, 255)}.{random.randint(1, 254)}")
        crashing = []
        for cs in st["containerStatuses"]:
            spec = _container_outcome(outcome, cs["name"])
            lines = list(spec.get("logs") or [])
            state = cs["state"]
            waiting = (state.get("waiting") or {}).get("reason")
            instances = logs.get(cs["name"]) or []
            if waiting == "CrashLoopBackOff":
                instances = instances[:-1]  # the waiting instance never ran
            if spec.get("crashLoop"):
                crashing.append(cs["name"])
                if "terminated" in state or waiting == "CrashLoopBackOff":
                    continue  # already failing: the next restart follows the new outcome
                if "running" in state:  # the running instance dies
                    cid = cs["containerID"]
                    started = state["running"].get("startedAt") or now
                else:  # it starts, and fails
                    cid = f"containerd://{random.getrandbits(64):016x}"
                    started = now
                    instances = instances + [lines]
                cs.update(ready=False, started=False, containerID=cid,
                          state={"terminated": self._termination(spec, cid, started, now)})
            elif "running" not in state:
                if "terminated" in state or waiting == "CrashLoopBackOff":
                    # one more restart, and this time it keeps running
                    last = state.get("terminated") or (cs.get("lastState") or {}).get("terminated")
                    cs["restartCount"] = cs.get("restartCount", 0) + 1
                    cs["lastState"] = {"terminated": last}
                cs.update(ready=True, started=True,
                          containerID=f"containerd://{random.getrandbits(64):016x}",
                          state={"running": {"startedAt": now}})
                instances = instances + [lines]
            logs[cs["name"]] = instances[-2:]
        _pod_condition(pod, "PodReadyToStartContainers", "True", now)
        if crashing:
            unready = f"containers with unready status: [{' '.join(crashing)}]"
            _pod_condition(pod, "Ready", "False", now, "ContainersNotReady", unready)
            _pod_condition(pod, "ContainersReady", "False", now, "ContainersNotReady", unready)
            every = float(outcome.get("restartEverySeconds") or RESTART_EVERY)
            self.scheduler.call_later(every, self._crash, key[0], key[1], meta["uid"], run,
                                      outcome, every)
        else:
            _pod_condition(pod, "Ready", "True", now)
            _pod_condition(pod, "ContainersReady", "True", now)
        self.store.put(R.PODS.key, pod)

    @staticmethod
    def _termination(spec, container_id, started, finished):
        code = int(spec.get("exitCode", 1))
        term = {"exitCode": code, "reason": spec.get("reason") or ("Completed" if code == 0 else "Error"),
                "startedAt": started, "finishedAt": finished, "containerID": container_id}
        if spec.get("message"):
            term["message"] = spec["message"]
        return term

    def _crash(self, ns, name, uid, run, outcome, every):
        """One more restart of each crash-looping container: it ran and failed again."""
        with self.store.lock:
            pod = self._current(ns, name, uid)
            with self.lock:
                if pod is None or self.runs.get(uid) != run:
                    return
                logs = self.logs.setdefault((ns, name), {})
            pod = copy.deepcopy(pod)
            now = now_rfc3339()
            for cs in pod["status"]["containerStatuses"]:
                spec = _container_outcome(outcome, cs["name"])
                if not spec.get("crashLoop"):
                    continue
                previous = (cs["state"].get("terminated") or
                            (cs.get("lastState") or {}).get("terminated") or {})
                cid = f"containerd://{random.getrandbits(64):016x}"
                cs["restartCount"] = cs.get("restartCount", 0) + 1
                cs["lastState"] = {"terminated": self._termination(
                    spec, cid, previous.get("finishedAt") or now, now)}
                back_off = min(10 * 2 ** (cs["restartCount"] - 1), 300)
                cs["state"] = {"waiting": {
                    "reason": "CrashLoopBackOff",
                    "message": f"back-off {_duration(back_off)} restarting failed "
                               f"container={cs['name']} pod={name}_{ns}({uid})"}}
                cs["containerID"] = cid
                # The failed instance's log is the last one; the waiting one has none yet.
                logs[cs["name"]] = [list(spec.get("logs") or []), []]
            self.store.put(R.PODS.key, pod)
            self.scheduler.call_later(every, self._crash, ns, name, uid, run, outcome, every)


def _duration(seconds):
    """Go's time.Duration String() for whole seconds: 10s, 1m20s, 5m0s."""
    if seconds < 60:
        return f"{seconds}s"
    return f"{seconds // 60}m{seconds % 60}s"
