"""The emulator's parts wired together: store, simulation, RBAC, faults, request log."""

import threading

import resources as R
from admission import prepare_create
from clock import CLOCK
from cronjob import CronJobController
from deployment import DeploymentController
from faults import Faults, RequestLog
from garbage import GarbageCollector
from jobcontroller import JobController
from kubelet import Kubelet
from rbac import Rbac
from replicaset import ReplicaSetController
from scheduler import Scheduler
from store import Store


class Config:
    def __init__(self, foreground_delay=0.2, gone_window=1000, bookmark_interval=1.0,
                 pod_start_delay=0.05, schema_validation=True):
        self.foreground_delay = foreground_delay
        self.gone_window = gone_window
        self.bookmark_interval = bookmark_interval
        self.pod_start_delay = pod_start_delay
        self.schema_validation = schema_validation

    def as_dict(self):
        return {"foregroundDelay": self.foreground_delay, "goneWindow": self.gone_window,
                "bookmarkInterval": self.bookmark_interval, "podStartDelay": self.pod_start_delay,
                "schemaValidation": self.schema_validation}


class App:
    def __init__(self, config, admin_token):
        self.config = config
        self.store = Store(config.gone_window)
        self.scheduler = Scheduler()
        self.gc = GarbageCollector(self.store, self.scheduler, config)
        self.controller = JobController(self.store, self.scheduler, self.gc, config)
        self.clock = CLOCK
        self.kubelet = Kubelet(self.store, self.scheduler, config)
        self.replicasets = ReplicaSetController(self.store, self.scheduler, self.gc, self.kubelet,
                                                self.clock)
        self.deployments = DeploymentController(self.store, self.scheduler, self.gc, self.clock)
        self.cronjobs = CronJobController(self.store, self.scheduler, self.gc, self.clock)
        self.rbac = Rbac(admin_token)
        self.faults = Faults()
        self.requests = RequestLog()
        self.reset_lock = threading.Lock()
        self._seed()

    def _seed(self):
        for ns in ("default", "kube-system"):
            self.store.put(R.NAMESPACES.key, prepare_create(R.NAMESPACES, {"metadata": {"name": ns}}, None))

    def configure(self, body):
        c = self.config
        if "foregroundDelay" in body:
            c.foreground_delay = float(body["foregroundDelay"])
        if "bookmarkInterval" in body:
            c.bookmark_interval = float(body["bookmarkInterval"])
        if "podStartDelay" in body:
            c.pod_start_delay = float(body["podStartDelay"])
        if "schemaValidation" in body:
            c.schema_validation = bool(body["schemaValidation"])
        if "goneWindow" in body:
            c.gone_window = int(body["goneWindow"])
            self.store.set_gone_window(c.gone_window)

    def reset(self):
        with self.store.lock:
            self.scheduler.clear()
            self.store.clear()
            self.gc.reset()
            self.controller.reset()
            self.kubelet.reset()
            for controller in (self.replicasets, self.deployments, self.cronjobs):
                controller.reset()
            self.clock.follow_real_time(notify=False)
            self._seed()
        self.faults.clear()
        self.requests.reset()
        self.rbac.reset()

    def pod_logs(self, ns, name):
        """The log instances of a pod, from whichever simulation runs it."""
        return self.controller.pod_logs(ns, name) or self.kubelet.pod_logs(ns, name)

    def deployment_outcome(self, ns, name, outcome):
        """Control API: the outcome of a Deployment's current pods (and of the pods its current
        ReplicaSets create later). The names of the pods it was applied to, or None when there
        is no such Deployment."""
        with self.store.lock:
            d = self.store.get(R.DEPLOYMENTS.key, ns, name)
            if d is None:
                return None
            rs_uids, pods = [], []
            for rns, rname in self.gc.dependents(d["metadata"]["uid"], R.REPLICASETS.key):
                rs = self.store.get(R.REPLICASETS.key, rns, rname)
                if rs is None:
                    continue
                rs_uids.append(rs["metadata"]["uid"])
                pods += self.gc.dependents(rs["metadata"]["uid"])
            self.kubelet.set_outcome(rs_uids, pods, outcome)
            return [pod for _, pod in pods]

    def delete_namespace(self, name):
        """Removes a namespace and everything in it at once (the real one goes Terminating)."""
        with self.store.lock:
            for res in R.ALL:
                if not res.namespaced:
                    continue
                for entry in self.store.list(res.key, name)[1]:
                    self.store.remove(res.key, name, entry.obj["metadata"]["name"])
            self.store.remove(R.NAMESPACES.key, None, name)

    def stop(self):
        self.store.cut_watches(False)
        self.scheduler.stop()
