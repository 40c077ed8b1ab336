"""pods/log like the API server and kubelet: container choice, current and previous
instance, and the 400s with the real messages."""

import json

import pytest

from test_list_watch import WatchStream

PODS = "/api/v1/namespaces/default/pods"
JOBS = "/apis/batch/v1/namespaces/default/jobs"


def log_path(pod):
    return f"{PODS}/{pod}/log"


def first_pod(emu, job):
    return emu.wait_for(lambda: emu.pods_of(job), what=f"pod of {job}")[0]["metadata"]["name"]


def bad_request(r, message):
    assert r.status == 400, r.body
    body = r.json
    assert (body["kind"], body["reason"], body["code"]) == ("Status", "BadRequest", 400)
    assert body["message"] == message


def test_previous_without_an_earlier_instance_is_bad_request(fresh, kube):
    fresh.create_job("once", outcome={"result": "run", "logs": ["hello"]})
    pod = first_pod(fresh, "once")
    assert fresh.api("GET", log_path(pod)).body == b"hello\n"
    message = f'previous terminated container "main" in pod "{pod}" not found'
    bad_request(fresh.api("GET", log_path(pod), query={"previous": "true"}), message)
    proc = fresh.kubectl("logs", pod, "--previous", check=False)
    assert proc.returncode != 0 and message in proc.stderr, proc.stderr
    from kubernetes import client
    from kubernetes.client.rest import ApiException
    with pytest.raises(ApiException) as err:
        client.CoreV1Api(kube).read_namespaced_pod_log(pod, "default", previous=True)
    assert err.value.status == 400 and json.loads(err.value.body)["message"] == message


def test_container_must_be_named_and_valid_on_a_multi_container_pod(fresh):
    spec = {"template": {"spec": {"restartPolicy": "Never", "containers": [
        {"name": "app", "image": "busybox:1.36"}, {"name": "sidecar", "image": "busybox:1.36"}]}}}
    fresh.create_job("two", spec=spec, outcome={"result": "run", "logs": ["x"]})
    pod = first_pod(fresh, "two")
    bad_request(fresh.api("GET", log_path(pod)),
                f"a container name must be specified for pod {pod}, choose one of: [app sidecar]")
    bad_request(fresh.api("GET", log_path(pod), query={"container": "nope"}),
                f"container nope is not valid for pod {pod}")
    assert fresh.api("GET", log_path(pod), query={"container": "sidecar"}).body == b"x\n"
    proc = fresh.kubectl("logs", pod, "-c", "nope", check=False)
    assert proc.returncode != 0 and f"container nope is not valid for pod {pod}" in proc.stderr


def test_waiting_container_has_no_log_yet(fresh):
    fresh.create_job("pending", outcome={"result": "fail", "podFailsBeforeStart": True,
                                         "afterSeconds": 30})
    pod = first_pod(fresh, "pending")
    bad_request(fresh.api("GET", log_path(pod)),
                f'container "main" in pod "{pod}" is waiting to start: ContainerCreating')


def wait_for_restart(emu, w, count):
    ev = w.until(lambda e: e["type"] == "MODIFIED" and
                 e["object"]["status"]["containerStatuses"][0]["restartCount"] == count)
    assert ev, f"no restart #{count}"
    return ev["object"]


def test_on_failure_restart_keeps_the_previous_instance_log(fresh, kube):
    spec = {"backoffLimit": 3, "template": {"spec": {"restartPolicy": "OnFailure", "containers": [
        {"name": "main", "image": "busybox:1.36"}]}}}
    rv = fresh.api("GET", PODS).json["metadata"]["resourceVersion"]
    w = WatchStream(fresh, PODS, {"resourceVersion": rv})
    try:
        fresh.create_job("flaky", spec=spec, outcome={"attempts": [
            {"result": "fail", "exitCode": 3, "logs": ["first try"]},
            {"result": "run", "logs": ["second try"]}]})
        pod = wait_for_restart(fresh, w, 1)
    finally:
        w.close()
    name = pod["metadata"]["name"]
    cs = pod["status"]["containerStatuses"][0]
    assert pod["status"]["phase"] == "Running" and "running" in cs["state"]
    assert cs["lastState"]["terminated"]["exitCode"] == 3
    assert cs["lastState"]["terminated"]["containerID"] != cs["containerID"]
    assert fresh.api("GET", log_path(name)).body == b"second try\n"
    assert fresh.api("GET", log_path(name), query={"previous": "true"}).body == b"first try\n"
    assert fresh.kubectl("logs", name, "--previous").stdout == "first try\n"
    from kubernetes import client
    assert client.CoreV1Api(kube).read_namespaced_pod_log(name, "default", previous=True) == "first try\n"
    job = fresh.get_job("flaky")
    assert job["status"]["active"] == 1 and not job["status"].get("failed")


def test_on_failure_restarts_up_to_the_backoff_limit_then_fail_the_job(fresh):
    spec = {"backoffLimit": 2, "template": {"spec": {"restartPolicy": "OnFailure", "containers": [
        {"name": "main", "image": "busybox:1.36"}]}}}
    fresh.create_job("crashy", spec=spec, outcome={"result": "fail", "exitCode": 1})

    def failed():
        job = fresh.get_job("crashy")
        conds = [c["type"] for c in job["status"].get("conditions", [])]
        return job if "Failed" in conds else None
    job = fresh.wait_for(failed, what="Job failure")
    assert job["status"]["conditions"][-1]["reason"] == "BackoffLimitExceeded"
    assert job["status"]["failed"] == 1
    assert fresh.pods_of("crashy") == []  # the controller deleted the restarting pod
