"""kubectl 1.32 (an independent client) with Deployments, ReplicaSets and CronJobs."""

import json

from conftest import deployment_manifest

DEPLOYMENT_YAML = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  replicas: 1
  progressDeadlineSeconds: {deadline}
  selector:
    matchLabels:
      app: {name}
  template:
    metadata:
      labels:
        app: {name}
      annotations:
        emulator.tenant-provisioner.dev/outcome: '{outcome}'
    spec:
      containers:
      - name: main
        image: nginx:1.27
"""


def write(tmp_path, name, outcome='{"logs":["serving"]}', deadline=600):
    path = tmp_path / f"{name}.yaml"
    path.write_text(DEPLOYMENT_YAML.format(name=name, outcome=outcome, deadline=deadline))
    return str(path)


def test_create_rollout_status_get_scale_and_logs(fresh, tmp_path):
    out = fresh.kubectl("create", "-f", write(tmp_path, "kc-web")).stdout
    assert "deployment.apps/kc-web created" in out
    status = fresh.kubectl("rollout", "status", "deployment/kc-web", "--timeout=20s").stdout
    assert 'deployment "kc-web" successfully rolled out' in status
    table = fresh.kubectl("get", "deployments").stdout.splitlines()
    assert table[0].split() == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert table[1].split()[:4] == ["kc-web", "1/1", "1", "1"]
    yaml = fresh.kubectl("get", "deploy", "kc-web", "-o", "yaml").stdout
    assert "kind: Deployment" in yaml and "deployment.kubernetes.io/revision: \"1\"" in yaml
    assert "reason: NewReplicaSetAvailable" in yaml
    assert "deployment.apps/kc-web scaled" in fresh.kubectl(
        "scale", "deployment", "kc-web", "--replicas=2").stdout
    fresh.kubectl("rollout", "status", "deployment/kc-web", "--timeout=20s")
    rs = fresh.kubectl("get", "rs", "-l", "app=kc-web").stdout.splitlines()
    assert rs[0].split() == ["NAME", "DESIRED", "CURRENT", "READY", "AGE"]
    assert rs[1].split()[1:4] == ["2", "2", "2"]
    assert fresh.kubectl("logs", "deploy/kc-web").stdout == "serving\n"


def test_rollout_status_reports_an_exceeded_progress_deadline(fresh, tmp_path):
    crash = '{"crashLoop":true,"exitCode":1,"reason":"Error","logs":["panic"]}'
    fresh.kubectl("create", "-f", write(tmp_path, "kc-crash", crash, deadline=1))
    proc = fresh.kubectl("rollout", "status", "deployment/kc-crash", "--timeout=20s", check=False)
    assert proc.returncode != 0
    assert 'deployment "kc-crash" exceeded its progress deadline' in proc.stderr
    pods = fresh.kubectl("get", "pods", "-l", "app=kc-crash").stdout.splitlines()
    assert pods[1].split()[1:3] == ["0/1", "CrashLoopBackOff"]


def test_kubectl_create_cronjob_and_get_cronjobs(fresh):
    fresh.control("POST", "/clock", {"now": "2026-03-01T10:00:00Z"})
    out = fresh.kubectl("create", "cronjob", "kc-cron", "--image=busybox:1.36",
                        "--schedule=*/10 * * * *").stdout
    assert "cronjob.batch/kc-cron created" in out
    fresh.control("POST", "/clock", {"advanceSeconds": 600})
    table = fresh.kubectl("get", "cronjobs").stdout.splitlines()
    assert table[0].split() == ["NAME", "SCHEDULE", "TIMEZONE", "SUSPEND", "ACTIVE",
                                "LAST", "SCHEDULE", "AGE"]
    assert table[1].split()[:7] == ["kc-cron", "*/10", "*", "*", "*", "*", "<none>"]
    assert table[1].split()[7:9] == ["False", "1"]
    jobs = json.loads(fresh.kubectl("get", "jobs", "-o", "json").stdout)["items"]
    assert [j["metadata"]["ownerReferences"][0]["name"] for j in jobs] == ["kc-cron"]


def test_get_all_lists_the_workloads(fresh):
    fresh.api("POST", "/apis/apps/v1/namespaces/default/deployments", deployment_manifest("kc-all"))
    names = fresh.kubectl("get", "all", "-o", "name").stdout.split()
    assert "deployment.apps/kc-all" in names
    assert any(n.startswith("replicaset.apps/kc-all-") for n in names)
