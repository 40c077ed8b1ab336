"""Fixtures: each test module starts its own emulator process on free ports and stops it."""

import http.client
import json
import os
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.parse

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
EMULATOR = os.path.join(os.path.dirname(HERE), "emulator.py")
sys.path.insert(0, os.path.dirname(HERE))


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def json(self):
        return json.loads(self.body)

    def header_all(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]


class ControlResponse:
    def __init__(self, status, body):
        self.status = status
        self.body = body


class Emulator:
    def __init__(self, *args):
        self.dir = tempfile.mkdtemp(prefix="kube-emulator-test-")
        self.proc = subprocess.Popen([sys.executable, EMULATOR, "--state-dir", self.dir, *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("emulator did not start: " + self.proc.stderr.read())
        self.ready = json.loads(line)
        self.port = self.ready["port"]
        self.control_port = self.ready["controlPort"]
        self.token = self.ready["token"]
        self.kubeconfig = os.path.join(self.dir, "kubeconfig")
        self.ssl = ssl.create_default_context(cafile=os.path.join(self.dir, "ca.crt"))

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)

    # ---- Kubernetes API --------------------------------------------------------------------

    def connect(self, timeout=10):
        return http.client.HTTPSConnection("127.0.0.1", self.port, context=self.ssl,
                                           timeout=timeout)

    def api(self, method, path, body=None, token=None, headers=None, query=None, ctype=None):
        if query:
            path = path + "?" + urllib.parse.urlencode(query)
        hdrs = {"Authorization": f"Bearer {token or self.token}", "Accept": "application/json"}
        if body is not None:
            if not isinstance(body, (bytes, str)):
                body = json.dumps(body)
            hdrs["Content-Type"] = ctype or "application/json"
        hdrs.update(headers or {})
        conn = self.connect()
        try:
            conn.request(method, path, body=body, headers=hdrs)
            resp = conn.getresponse()
            return Response(resp.status, resp.getheaders(), resp.read())
        finally:
            conn.close()

    def create_job(self, name, ns="default", outcome=None, labels=None, spec=None, **extra):
        job = job_manifest(name, outcome=outcome, labels=labels, spec=spec)
        r = self.api("POST", f"/apis/batch/v1/namespaces/{ns}/jobs", job, **extra)
        assert r.status == 201, r.body
        return r.json

    def get_job(self, name, ns="default"):
        r = self.api("GET", f"/apis/batch/v1/namespaces/{ns}/jobs/{name}")
        return r.json if r.status == 200 else None

    def pods_of(self, job_name, ns="default"):
        r = self.api("GET", f"/api/v1/namespaces/{ns}/pods",
                     query={"labelSelector": f"batch.kubernetes.io/job-name={job_name}"})
        return r.json["items"]

    def wait_for(self, fn, timeout=5.0, what="condition"):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = fn()
            if value:
                return value
            time.sleep(0.02)
        raise AssertionError(f"timed out waiting for {what}")

    # ---- control API -----------------------------------------------------------------------

    def control(self, method, path, body=None):
        return self.control_raw(method, path, body).body

    def control_raw(self, method, path, body=None):
        """The control API's answer: .status and the decoded JSON .body."""
        conn = http.client.HTTPConnection("127.0.0.1", self.control_port, timeout=10)
        try:
            data = json.dumps(body) if body is not None else None
            conn.request(method, path, body=data, headers={"Content-Type": "application/json"})
            resp = conn.getresponse()
            return ControlResponse(resp.status, json.loads(resp.read() or b"null"))
        finally:
            conn.close()

    def kubectl(self, *args, kubeconfig=None, timeout=20, check=True):
        proc = subprocess.run(["kubectl", "--kubeconfig", kubeconfig or self.kubeconfig, *args],
                              capture_output=True, text=True, timeout=timeout)
        if check and proc.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed: {proc.stderr}")
        return proc


def job_manifest(name, outcome=None, labels=None, spec=None):
    job = {"apiVersion": "batch/v1", "kind": "Job",
           "metadata": {"name": name, "labels": labels or {"app": "test"}},
           "spec": {"backoffLimit": 0,
                    "template": {"metadata": {"labels": labels or {"app": "test"}},
                                 "spec": {"restartPolicy": "Never",
                                          "containers": [{"name": "main", "image": "busybox:1.36"}]}}}}
    if outcome is not None:
        job["metadata"]["annotations"] = {"emulator.tenant-provisioner.dev/outcome": json.dumps(outcome)}
    if spec:
        job["spec"].update(spec)
    return job


def deployment_manifest(name, labels=None, replicas=None, outcome=None, image="nginx:1.27",
                        spec=None):
    """An apps/v1 Deployment whose selector matches its template's labels."""
    labels = labels or {"app": name}
    template = {"metadata": {"labels": dict(labels)},
                "spec": {"containers": [{"name": "main", "image": image}]}}
    if outcome is not None:
        template["metadata"]["annotations"] = {OUTCOME: json.dumps(outcome)}
    d = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
         "spec": {"selector": {"matchLabels": dict(labels)}, "template": template}}
    if replicas is not None:
        d["spec"]["replicas"] = replicas
    d["spec"].update(spec or {})
    return d


def cronjob_manifest(name, schedule="*/5 * * * *", outcome=None, labels=None, spec=None):
    """A batch/v1 CronJob whose Jobs run the way `outcome` says (the Job outcome annotation)."""
    job_meta = {"labels": labels or {"app": name}}
    if outcome is not None:
        job_meta["annotations"] = {OUTCOME: json.dumps(outcome)}
    cj = {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": name},
          "spec": {"schedule": schedule,
                   "jobTemplate": {"metadata": job_meta, "spec": {
                       "backoffLimit": 0,
                       "template": {"spec": {"restartPolicy": "Never", "containers": [
                           {"name": "main", "image": "busybox:1.36"}]}}}}}}
    cj["spec"].update(spec or {})
    return cj


OUTCOME = "emulator.tenant-provisioner.dev/outcome"


@pytest.fixture(scope="module")
def emu():
    e = Emulator("--foreground-delay", "0.2", "--pod-start-delay", "0.02",
                 "--bookmark-interval", "0.3")
    yield e
    e.stop()


@pytest.fixture
def fresh(emu):
    emu.control("POST", "/reset")
    return emu


@pytest.fixture
def kube(fresh):
    """The official Python client (PyPI `kubernetes`), an independent client, talking to the
    emulator through its kubeconfig."""
    from kubernetes import config
    client = config.new_client_from_config(config_file=fresh.kubeconfig)
    yield client
    client.close()
