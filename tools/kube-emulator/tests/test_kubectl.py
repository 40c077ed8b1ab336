"""kubectl 1.32 (an independent client) against the emulator."""

import json
import os
import signal
import subprocess

import pytest

JOB_YAML = """apiVersion: batch/v1
kind: Job
metadata:
  name: {name}
  labels:
    app: kubectl-test
  annotations:
    emulator.tenant-provisioner.dev/outcome: '{outcome}'
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: main
        image: busybox:1.36
"""


@pytest.fixture
def manifest(fresh, tmp_path):
    def write(name, outcome='{"result":"run","logs":["hello from ' + "x" + '"]}'):
        path = tmp_path / f"{name}.yaml"
        path.write_text(JOB_YAML.format(name=name, outcome=outcome))
        return str(path)
    return write


def test_create_and_get_with_label_selector(fresh, manifest):
    out = fresh.kubectl("create", "-f", manifest("kc-one")).stdout
    assert "job.batch/kc-one created" in out
    fresh.create_job("other", labels={"app": "else"})
    names = fresh.kubectl("get", "jobs", "-l", "app=kubectl-test", "-o", "name").stdout.split()
    assert names == ["job.batch/kc-one"]
    table = fresh.kubectl("get", "jobs", "-l", "app=kubectl-test").stdout
    assert table.splitlines()[0].split()[:3] == ["NAME", "STATUS", "COMPLETIONS"]


def test_create_with_unknown_field_is_rejected_by_strict_validation(fresh, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(JOB_YAML.format(name="kc-bad", outcome="{}").replace(
        "backoffLimit: 0", "backoffLimit: 0\n  bogus: 1"))
    proc = fresh.kubectl("create", "-f", str(path), check=False)
    assert proc.returncode != 0
    assert 'unknown field "spec.bogus"' in proc.stderr


def test_delete_cascade_foreground_waits_and_is_seen_as_foreground(fresh, manifest):
    fresh.kubectl("create", "-f", manifest("kc-fg"))
    fresh.wait_for(lambda: fresh.pods_of("kc-fg"), what="pod")
    fresh.control("POST", "/requests/reset")
    out = fresh.kubectl("delete", "job", "kc-fg", "--cascade=foreground").stdout
    assert 'job.batch "kc-fg" deleted' in out
    assert fresh.get_job("kc-fg") is None  # kubectl waited until it was gone
    assert fresh.pods_of("kc-fg") == []
    deletes = [e for e in fresh.control("GET", "/requests")["log"] if e["verb"] == "delete"]
    assert [e["propagationPolicy"] for e in deletes] == ["Foreground"]


def test_logs_of_job_and_pod(fresh, manifest):
    fresh.kubectl("create", "-f", manifest("kc-logs", '{"result":"succeed","logs":["line one","line two"]}'))
    pod = fresh.wait_for(lambda: fresh.pods_of("kc-logs"), what="pod")[0]["metadata"]["name"]
    assert fresh.kubectl("logs", "job/kc-logs").stdout == "line one\nline two\n"
    assert fresh.kubectl("logs", pod, "--tail=1").stdout == "line two\n"


def test_get_watch_shows_added_events(fresh, manifest):
    fresh.create_job("kc-w1", labels={"app": "kubectl-test"}, spec={"suspend": True})
    proc = subprocess.Popen(["kubectl", "--kubeconfig", fresh.kubeconfig, "get", "jobs", "-w",
                             "-o", "name", "--request-timeout", "20s"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # kubectl prints the listed Job, then watches from the list's resourceVersion: a Job
        # created after that line is shown whenever the watch request gets there.
        assert proc.stdout.readline().strip() == "job.batch/kc-w1"
        fresh.create_job("kc-w2", labels={"app": "kubectl-test"}, spec={"suspend": True})
        assert proc.stdout.readline().strip() == "job.batch/kc-w2"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=5)


def test_restricted_token_is_forbidden(fresh):
    fresh.create_job("kc-keep")
    fresh.control("POST", "/tokens", {"token": "viewer-token", "user": "viewer",
                                      "rules": [{"apiGroups": ["batch"], "resources": ["jobs"],
                                                 "verbs": ["get", "list", "watch"]}]})
    ok = fresh.kubectl("--token", "viewer-token", "get", "jobs", "-o", "name").stdout
    assert "job.batch/kc-keep" in ok
    proc = fresh.kubectl("--token", "viewer-token", "delete", "job", "kc-keep", check=False)
    assert proc.returncode != 0
    assert "Error from server (Forbidden)" in proc.stderr
    assert 'User "viewer" cannot delete resource "jobs" in API group "batch"' in proc.stderr
    assert fresh.get_job("kc-keep") is not None


def test_client_certificate_kubeconfig_works(fresh):
    fresh.create_job("kc-cert")
    cert_config = os.path.join(fresh.dir, "kubeconfig-cert")
    out = fresh.kubectl("get", "job", "kc-cert", "-o", "json", kubeconfig=cert_config).stdout
    assert json.loads(out)["metadata"]["name"] == "kc-cert"
    users = {e["user"] for e in fresh.control("GET", "/requests")["log"] if e["verb"] == "get"}
    assert users == {"admin"}


def test_delete_cascade_orphan_waits_for_the_collector_and_keeps_the_pod(fresh, manifest):
    fresh.kubectl("create", "-f", manifest("kc-orph"))
    pod = fresh.wait_for(lambda: fresh.pods_of("kc-orph"), what="pod")[0]["metadata"]["name"]
    fresh.control("POST", "/requests/reset")
    out = fresh.kubectl("delete", "job", "kc-orph", "--cascade=orphan").stdout
    assert 'job.batch "kc-orph" deleted' in out
    assert fresh.get_job("kc-orph") is None  # kubectl waited out the orphan finalizer
    left = fresh.api("GET", f"/api/v1/namespaces/default/pods/{pod}").json
    assert "ownerReferences" not in left["metadata"]
    deletes = [e for e in fresh.control("GET", "/requests")["log"] if e["verb"] == "delete"]
    assert [e["propagationPolicy"] for e in deletes] == ["Orphan"]
