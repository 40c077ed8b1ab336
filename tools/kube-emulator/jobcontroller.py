"""The Job controller and kubelet, simulated: each Job gets a Pod, and the Pod ends the way the
Job's *outcome* says (control-API script, else the Job's outcome annotation, else run forever).
All timing runs on the shared Scheduler thread."""

import copy
import json
import random
import string
import sys
import threading

import recorder
import resources as R
from store import ADDED, DELETED, MODIFIED
from timeutil import now_rfc3339

COMPONENT = "job-controller"

OUTCOME_ANNOTATION = "emulator.tenant-provisioner.dev/outcome"
NODE = "emulator-node"


class Run:
    """What the controller remembers about one Job (by uid)."""

    def __init__(self, ns, name, uid, outcome):
        self.ns, self.name, self.uid, self.outcome = ns, name, uid, outcome
        self.started = False      # first pod requested
        self.pod = None           # current pod name
        self.finished = False
        self.pods_created = 0
        self.failed = 0           # failed pods
        self.restarts = 0         # container restarts in place (restartPolicy OnFailure)

    @property
    def attempt(self):
        """How many container instances failed before the current one."""
        return self.failed + self.restarts

    def current_outcome(self):
        """The outcome of the current attempt: the Job's outcome with `attempts[i]` laid over
        it (the last entry repeats)."""
        base = self.outcome or {}
        attempts = base.get("attempts")
        if not attempts:
            return base
        merged = {k: v for k, v in base.items() if k != "attempts"}
        merged.update(attempts[min(self.attempt, len(attempts) - 1)])
        return merged


class JobController:
    def __init__(self, store, scheduler, gc, config):
        self.store = store
        self.scheduler = scheduler
        self.gc = gc
        self.config = config
        self.lock = threading.Lock()
        self.runs = {}
        self.scripts = []
        self.default_outcome = None
        self.logs = {}  # (ns, pod) -> {container: [lines of each instance, oldest first]}
        store.listeners.append(self._on_change)

    # ---- outcome scripting (control API) ---------------------------------------------------

    def reset(self):
        with self.lock:
            self.runs.clear()
            self.scripts.clear()
            self.default_outcome = None
            self.logs.clear()

    def add_script(self, job, prefix, namespace, outcome):
        with self.lock:
            self.scripts.append({"job": job, "namePrefix": prefix,
                                 "namespace": namespace or "default", "outcome": outcome})

    def set_default(self, outcome):
        with self.lock:
            self.default_outcome = outcome

    def _resolve_outcome(self, job):
        meta = job["metadata"]
        with self.lock:
            for s in reversed(self.scripts):
                if s["namespace"] != meta.get("namespace"):
                    continue
                if s["job"] is not None and s["job"] != meta["name"]:
                    continue
                if s["namePrefix"] is not None and not meta["name"].startswith(s["namePrefix"]):
                    continue
                return s["outcome"]
            default = self.default_outcome
        text = (meta.get("annotations") or {}).get(OUTCOME_ANNOTATION)
        if text:
            try:
                return json.loads(text)
            except ValueError:
                print(f"emulator: ignoring Job {meta['name']}: outcome annotation is not JSON",
                      file=sys.stderr)
        return default or {"result": "run"}

    def finish(self, ns, name, outcome):
        """Applies an outcome to a Job now (control API). False if the Job is unknown."""
        with self.store.lock:
            job = self.store.get(R.JOBS.key, ns, name)
            if job is None:
                return False
            run = self.runs.get(job["metadata"]["uid"])
            if run is None or run.finished:
                return False
            run.outcome = dict(outcome, afterSeconds=0)
            run.outcome.pop("attempts", None)
            if run.pod:
                self.scheduler.call_later(0, self._finish, run.uid, run.pod, run.attempt)
            return True

    # ---- reacting to changes (called under the store lock) ---------------------------------

    def _on_change(self, change):
        if change.key == R.JOBS.key:
            job = change.entry.obj
            uid = job["metadata"]["uid"]
            if change.type == ADDED:
                run = Run(job["metadata"].get("namespace"), job["metadata"]["name"], uid,
                          self._resolve_outcome(job))
                self.runs[uid] = run
                self._maybe_start(run, job)
            elif change.type == MODIFIED:
                run = self.runs.get(uid)
                if run is not None:
                    self._maybe_start(run, job)
            elif change.type == DELETED:
                self.runs.pop(uid, None)
        elif change.key == R.PODS.key and change.type == DELETED:
            meta = change.entry.obj["metadata"]
            self.logs.pop((meta.get("namespace"), meta["name"]), None)

    def _maybe_start(self, run, job):
        if run.started or run.finished or (job.get("spec") or {}).get("suspend") \
                or job["metadata"].get("deletionTimestamp"):
            return
        run.started = True
        self.scheduler.call_later(self.config.pod_start_delay, self._start_pod, run.uid)
        ads = (job.get("spec") or {}).get("activeDeadlineSeconds")
        if isinstance(ads, int) and ads > 0:
            self.scheduler.call_later(ads, self._deadline, run.uid)

    # ---- simulation steps (scheduler thread) -----------------------------------------------

    def _live(self, uid):
        """(run, job) if the Job still exists, is not terminating and not finished."""
        run = self.runs.get(uid)
        if run is None or run.finished:
            return None, None
        job = self.store.get(R.JOBS.key, run.ns, run.name)
        if job is None or job["metadata"]["uid"] != uid or job["metadata"].get("deletionTimestamp"):
            return None, None
        return run, job

    def _start_pod(self, uid):
        with self.store.lock:
            run, job = self._live(uid)
            if run is None:
                return
            outcome = run.current_outcome()
            fails_before_start = bool(outcome.get("podFailsBeforeStart"))
            pod = self._new_pod(job, pending=fails_before_start)
            run.pod = pod["metadata"]["name"]
            run.pods_created += 1
            self.logs[(run.ns, run.pod)] = {c: [lines] for c, lines in
                                            self._logs_for(outcome, pod).items()}
            self.store.put(R.PODS.key, pod)
            self._record(job, "Normal", "SuccessfulCreate", f"Created pod: {run.pod}")
            job = copy.deepcopy(job)
            status = job.setdefault("status", {})
            status.setdefault("startTime", now_rfc3339())
            status["active"] = 1
            status["ready"] = 0 if fails_before_start else 1
            status["terminating"] = 0
            status["uncountedTerminatedPods"] = {}
            self.store.put(R.JOBS.key, job)
            self._schedule_finish(run, outcome)

    def _schedule_finish(self, run, outcome):
        if outcome.get("result") in ("succeed", "fail") or outcome.get("deadlineExceeded") \
                or outcome.get("podFailsBeforeStart"):
            self.scheduler.call_later(float(outcome.get("afterSeconds") or 0), self._finish,
                                      run.uid, run.pod, run.attempt)

    def _new_pod(self, job, pending):
        meta = job["metadata"]
        template = copy.deepcopy((job.get("spec") or {}).get("template") or {})
        tmeta = template.get("metadata") or {}
        spec = template.get("spec") or {}
        suffix = "".join(random.choices(string.ascii_lowercase + string.digits, k=5))
        now = now_rfc3339()
        spec["nodeName"] = NODE
        spec.setdefault("serviceAccountName", "default")
        spec.setdefault("enableServiceLinks", True)
        containers = spec.get("containers") or []
        statuses = []
        for c in containers:
            st = {"name": c["name"], "image": c.get("image", ""), "imageID": "",
                  "containerID": f"containerd://{random.getrandbits(64):016x}",
                  "restartCount": 0, "ready": not pending, "started": not pending,
                  "lastState": {}}
            st["state"] = {"waiting": {"reason": "ContainerCreating"}} if pending \
                else {"running": {"startedAt": now}}
            statuses.append(st)
        pod = {
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {
                "name": f"{meta['name']}-{suffix}", "generateName": f"{meta['name']}-",
                "namespace": meta.get("namespace"), "uid": _uuid(), "creationTimestamp": now,
                "labels": dict(tmeta.get("labels") or {}),
                "ownerReferences": [{"apiVersion": "batch/v1", "kind": "Job", "name": meta["name"],
                                     "uid": meta["uid"], "controller": True,
                                     "blockOwnerDeletion": True}],
                "finalizers": ["batch.kubernetes.io/job-tracking"],
            },
            "spec": spec,
            "status": {
                "phase": "Pending" if pending else "Running",
                "hostIP": "10.0.0.1", "podIP": f"10.1.{random.randint(0, 255)}.{random.randint(1, 254)}",
                "startTime": now, "qosClass": "BestEffort",
                "conditions": [{"type": t, "status": "False" if pending and t != "PodScheduled" else "True",
                                "lastProbeTime": None, "lastTransitionTime": now}
                               for t in ("PodReadyToStartContainers", "Initialized", "Ready",
                                         "ContainersReady", "PodScheduled")],
                "containerStatuses": statuses,
            },
        }
        if tmeta.get("annotations"):
            pod["metadata"]["annotations"] = dict(tmeta["annotations"])
        # The real pod loses the job-tracking finalizer once counted; the emulator counts at once.
        del pod["metadata"]["finalizers"]
        return pod

    @staticmethod
    def _logs_for(outcome, pod):
        common = list(outcome.get("logs") or [])
        per = outcome.get("containers") or {}
        out = {}
        for c in pod["spec"].get("containers") or []:
            lines = per.get(c["name"], {}).get("logs")
            out[c["name"]] = list(lines) if lines is not None else list(common)
        return out

    def _finish(self, uid, pod_name, attempt):
        with self.store.lock:
            run, job = self._live(uid)
            if run is None or run.pod != pod_name or run.attempt != attempt:
                return
            pod = self.store.get(R.PODS.key, run.ns, pod_name)
            outcome = run.current_outcome()
            if outcome.get("deadlineExceeded"):
                self._fail_job(run, job, "DeadlineExceeded",
                               "Job was active longer than specified deadline")
                return
            if pod is None:
                return
            now = now_rfc3339()
            pod = copy.deepcopy(pod)
            st = pod["status"]
            result = outcome.get("result")
            if outcome.get("podFailsBeforeStart"):
                result = "fail"
            for cond in st.get("conditions") or []:
                if cond["type"] in ("Ready", "ContainersReady"):
                    cond["status"] = "False"
                    cond["lastTransitionTime"] = now
            if result == "succeed":
                st["phase"] = "Succeeded"
                for cs in st["containerStatuses"]:
                    started = (cs["state"].get("running") or {}).get("startedAt", now)
                    cs.update(ready=False, started=False, state={"terminated": {
                        "exitCode": 0, "reason": "Completed", "startedAt": started,
                        "finishedAt": now, "containerID": cs["containerID"]}})
                self.store.put(R.PODS.key, pod)
                self._succeed_job(run, job)
                return
            if pod["spec"].get("restartPolicy") == "OnFailure" and not outcome.get("evicted"):
                self._restart_in_place(run, job, pod, outcome, now)
                return
            st["phase"] = "Failed"
            if outcome.get("evicted"):
                st["reason"] = "Evicted"
                st["message"] = outcome.get("message") or \
                    "The node was low on resource: memory. Threshold quantity: 100Mi, available: 50Mi."
                for cs in st["containerStatuses"]:
                    cs.update(ready=False, started=False, state={})
            else:
                for cs in st["containerStatuses"]:
                    cs.update(ready=False, started=False,
                              state={"terminated": self._termination(outcome, cs, now)})
            self.store.put(R.PODS.key, pod)
            run.failed += 1
            limit = (job.get("spec") or {}).get("backoffLimit", 6)
            if run.failed <= (limit or 0):
                job = copy.deepcopy(job)
                job["status"].update(active=0, ready=0, failed=run.failed)
                self.store.put(R.JOBS.key, job)
                run.pod = None
                self.scheduler.call_later(self.config.pod_start_delay, self._start_pod, uid)
                return
            self._fail_job(run, job, "BackoffLimitExceeded", "Job has reached the specified backoff limit")

    @staticmethod
    def _termination(outcome, cs, now):
        """state.terminated of a container that failed the way the outcome says."""
        spec = dict(outcome, **(outcome.get("containers") or {}).get(cs["name"], {}))
        started = (cs["state"].get("running") or {}).get("startedAt", now)
        if outcome.get("podFailsBeforeStart"):
            return {"exitCode": int(spec.get("exitCode", 128)),
                    "reason": spec.get("reason") or "StartError",
                    "message": spec.get("message") or "failed to create containerd task",
                    "startedAt": "1970-01-01T00:00:00Z", "finishedAt": now,
                    "containerID": cs["containerID"]}
        code = int(spec.get("exitCode", 1))
        term = {"exitCode": code, "reason": spec.get("reason") or
                ("Completed" if code == 0 else "Error"),
                "startedAt": started, "finishedAt": now, "containerID": cs["containerID"]}
        if spec.get("message"):
            term["message"] = spec["message"]
        return term

    def _restart_in_place(self, run, job, pod, outcome, now):
        """restartPolicy OnFailure: the kubelet restarts each failed container in the same pod
        (restartCount + 1, the failure in lastState.terminated, a new container and log). The
        Job fails once the restarts reach backoffLimit (more than 0 when it is 0), like the
        real controller's pastBackoffLimitOnFailure; it then deletes the pod."""
        st = pod["status"]
        key = (run.ns, pod["metadata"]["name"])
        restarted = []
        for cs in st["containerStatuses"]:
            term = self._termination(outcome, cs, now)
            if term["exitCode"] == 0:
                cs.update(ready=False, started=False, state={"terminated": term})
                continue
            cs["lastState"] = {"terminated": term}
            cs["restartCount"] = cs.get("restartCount", 0) + 1
            cs["containerID"] = f"containerd://{random.getrandbits(64):016x}"
            cs.update(ready=True, started=True, state={"running": {"startedAt": now}})
            restarted.append(cs["name"])
        run.restarts += 1
        limit = (job.get("spec") or {}).get("backoffLimit", 6) or 0
        restarts = sum(cs.get("restartCount", 0) for cs in st["containerStatuses"])
        if restarts > 0 if limit == 0 else restarts >= limit:
            self.store.put(R.PODS.key, pod)
            self._fail_job(run, job, "BackoffLimitExceeded",
                           "Job has reached the specified backoff limit")
            return
        if not restarted:  # every container exited 0 after all
            st["phase"] = "Succeeded"
            self.store.put(R.PODS.key, pod)
            self._succeed_job(run, job)
            return
        st["phase"] = "Running"
        for cond in st.get("conditions") or []:
            if cond["type"] in ("Ready", "ContainersReady"):
                cond["status"] = "True"
        nxt = run.current_outcome()
        logs = self._logs_for(nxt, pod)
        instances = self.logs.setdefault(key, {})
        for name in restarted:
            instances.setdefault(name, []).append(logs.get(name, []))
        self.store.put(R.PODS.key, pod)
        self._schedule_finish(run, nxt)

    def _deadline(self, uid):
        with self.store.lock:
            run, job = self._live(uid)
            if run is not None:
                self._fail_job(run, job, "DeadlineExceeded",
                               "Job was active longer than specified deadline")

    def _succeed_job(self, run, job):
        run.finished = True
        now = now_rfc3339()
        job = copy.deepcopy(job)
        st = job["status"]
        st.update(active=0, ready=0, succeeded=1, terminating=0)
        cond = {"type": "SuccessCriteriaMet", "status": "True", "reason": "CompletionsReached",
                "message": "Reached expected number of succeeded pods",
                "lastProbeTime": now, "lastTransitionTime": now}
        st["conditions"] = list(st.get("conditions") or []) + [cond]
        self.store.put(R.JOBS.key, job)
        job = copy.deepcopy(job)
        job["status"]["conditions"].append(dict(cond, type="Complete"))
        job["status"]["completionTime"] = now
        self.store.put(R.JOBS.key, job)
        self._record(job, "Normal", "Completed", "Job completed")
        self._after_finish(job)

    def _fail_job(self, run, job, reason, message):
        """The Job failed: its active pods are deleted (and counted as failed)."""
        run.finished = True
        now = now_rfc3339()
        active = []
        for ns, name in self.gc.dependents(run.uid):
            pod = self.store.get(R.PODS.key, ns, name)
            if pod and pod["status"].get("phase") in ("Pending", "Running"):
                active.append(name)
                self.store.remove(R.PODS.key, ns, name)
                self._record(job, "Normal", "SuccessfulDelete", f"Deleted pod: {name}")
        job = copy.deepcopy(job)
        st = job.setdefault("status", {})
        failed = run.failed + len(active)
        st.update(active=0, ready=0, terminating=0, failed=failed)
        cond = {"type": "FailureTarget", "status": "True", "reason": reason, "message": message,
                "lastProbeTime": now, "lastTransitionTime": now}
        st["conditions"] = list(st.get("conditions") or []) + [cond]
        self.store.put(R.JOBS.key, job)
        job = copy.deepcopy(job)
        job["status"]["conditions"].append(dict(cond, type="Failed"))
        self.store.put(R.JOBS.key, job)
        self._record(job, "Warning", reason, message)
        self._after_finish(job)

    def _after_finish(self, job):
        ttl = (job.get("spec") or {}).get("ttlSecondsAfterFinished")
        if isinstance(ttl, int):
            meta = job["metadata"]
            self.scheduler.call_later(ttl, self._ttl_delete, meta.get("namespace"), meta["name"],
                                      meta["uid"])

    def _ttl_delete(self, ns, name, uid):
        with self.store.lock:
            job = self.store.get(R.JOBS.key, ns, name)
            if job is not None and job["metadata"]["uid"] == uid:
                # The TTL-after-finished controller deletes in the foreground.
                self.gc.delete(R.JOBS, job, "Foreground")

    def _record(self, job, type_, reason, message):
        recorder.record(self.store, job, COMPONENT, type_, reason, message)

    def pod_logs(self, ns, name):
        return self.logs.get((ns, name))


def _uuid():
    import uuid
    return str(uuid.uuid4())
