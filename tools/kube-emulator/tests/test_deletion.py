"""Propagation policies: Foreground, Background, Orphan (and the batch/v1 default, Orphan)."""

import time

import pytest

from conftest import job_manifest
from test_list_watch import WatchStream

JOBS = "/apis/batch/v1/namespaces/default/jobs"


def running_job(emu, name):
    emu.create_job(name)
    return emu.wait_for(lambda: emu.pods_of(name), what=f"pod of {name}")[0]


def test_foreground_keeps_job_until_pods_are_gone_then_deletes(fresh):
    pod = running_job(fresh, "fg")
    rv = fresh.api("GET", JOBS).json["metadata"]["resourceVersion"]
    w = WatchStream(fresh, JOBS, {"resourceVersion": rv})
    try:
        start = time.monotonic()
        r = fresh.api("DELETE", f"{JOBS}/fg", {"kind": "DeleteOptions", "apiVersion": "v1",
                                               "propagationPolicy": "Foreground"})
        assert r.status == 200
        assert r.json["metadata"]["deletionTimestamp"]
        assert "foregroundDeletion" in r.json["metadata"]["finalizers"]
        ev = w.next()
        assert ev["type"] == "MODIFIED" and ev["object"]["metadata"]["deletionTimestamp"]
        ev = w.until(lambda e: e["type"] == "DELETED")
        assert ev["object"]["metadata"]["name"] == "fg"
        assert time.monotonic() - start >= 0.2  # --foreground-delay
        assert fresh.api("GET", f"/api/v1/namespaces/default/pods/{pod['metadata']['name']}").status == 404
    finally:
        w.close()
    log = fresh.control("GET", "/requests")["log"]
    assert [e["propagationPolicy"] for e in log if e["verb"] == "delete"] == ["Foreground"]


def test_background_deletes_job_at_once_and_pods_shortly_after(fresh):
    pod = running_job(fresh, "bg")
    r = fresh.api("DELETE", f"{JOBS}/bg", query={"propagationPolicy": "Background"})
    assert r.status == 200 and r.json["kind"] == "Status" and r.json["status"] == "Success"
    assert fresh.get_job("bg") is None
    path = f"/api/v1/namespaces/default/pods/{pod['metadata']['name']}"
    fresh.wait_for(lambda: fresh.api("GET", path).status == 404, what="pod removal")


def rv_now(emu):
    return emu.api("GET", JOBS).json["metadata"]["resourceVersion"]


@pytest.fixture
def slow_collector(fresh):
    """The collector takes 1.5 s to release an owner, so a create right after the delete
    meets the terminating Job even on a loaded machine."""
    fresh.control("POST", "/config", {"foregroundDelay": 1.5})
    yield fresh
    fresh.control("POST", "/config", {"foregroundDelay": 0.2})


@pytest.mark.parametrize("how", ["no options", "Orphan", "orphanDependents"])
def test_orphaning_delete_keeps_the_job_until_the_collector_released_its_pods(slow_collector, how):
    fresh = slow_collector
    # batch/v1 Jobs default to Orphan: the Job gets deletionTimestamp and the `orphan`
    # finalizer, the collector strips the pods' ownerReferences, then removes the finalizer.
    name = "orph-" + how.lower().replace(" ", "-")
    pod = running_job(fresh, name)
    pod_path = f"/api/v1/namespaces/default/pods/{pod['metadata']['name']}"
    rv = rv_now(fresh)
    jobs = WatchStream(fresh, JOBS, {"resourceVersion": rv, "fieldSelector": f"metadata.name={name}"})
    pods = WatchStream(fresh, "/api/v1/namespaces/default/pods",
                       {"resourceVersion": rv, "fieldSelector": f"metadata.name={pod['metadata']['name']}"})
    try:
        body = {"no options": None, "Orphan": {"propagationPolicy": "Orphan"},
                "orphanDependents": {"orphanDependents": True}}[how]
        r = fresh.api("DELETE", f"{JOBS}/{name}", body)
        assert r.status == 200, r.body
        assert r.json["kind"] == "Job"
        assert r.json["metadata"]["deletionTimestamp"] and r.json["metadata"]["finalizers"] == ["orphan"]
        again = fresh.api("POST", JOBS, job_manifest(name))
        assert again.status == 409 and again.json["reason"] == "AlreadyExists", again.body

        ev = jobs.next()
        assert ev["type"] == "MODIFIED" and ev["object"]["metadata"]["finalizers"] == ["orphan"]
        assert ev["object"]["metadata"]["deletionTimestamp"]
        gone = jobs.until(lambda e: e["type"] == "DELETED")
        assert gone, "the Job was not deleted"
        released = pods.until(lambda e: e["type"] == "MODIFIED"
                              and "ownerReferences" not in e["object"]["metadata"])
        assert released, "the pod kept its ownerReference"
        # The pod was released before the Job went.
        assert int(released["object"]["metadata"]["resourceVersion"]) < \
            int(gone["object"]["metadata"]["resourceVersion"])
    finally:
        jobs.close()
        pods.close()
    left = fresh.api("GET", pod_path)
    assert left.status == 200 and "ownerReferences" not in left.json["metadata"]
    assert fresh.api("POST", JOBS, job_manifest(name)).status == 201


def test_python_client_delete_then_create_of_the_same_name_conflicts(kube, slow_collector):
    fresh = slow_collector
    from kubernetes import client
    from kubernetes.client.rest import ApiException
    batch = client.BatchV1Api(kube)
    batch.create_namespaced_job("default", job_manifest("again"))
    fresh.wait_for(lambda: fresh.pods_of("again"), what="pod")
    w = WatchStream(fresh, JOBS, {"resourceVersion": rv_now(fresh),
                                  "fieldSelector": "metadata.name=again"})
    try:
        batch.delete_namespaced_job("again", "default")  # no propagationPolicy
        with pytest.raises(ApiException) as err:
            batch.create_namespaced_job("default", job_manifest("again"))
        assert err.value.status == 409
        assert w.until(lambda e: e["type"] == "MODIFIED")["object"]["metadata"]["finalizers"] == ["orphan"]
        assert w.until(lambda e: e["type"] == "DELETED")
    finally:
        w.close()
    batch.create_namespaced_job("default", job_manifest("again"))
    assert len(fresh.pods_of("again")) >= 1  # the orphaned pod of the first Job is still there


def test_background_delete_of_a_job_with_another_finalizer_waits_for_it(fresh):
    job = job_manifest("held")
    job["metadata"]["finalizers"] = ["example.com/hold"]
    assert fresh.api("POST", JOBS, job).status == 201
    pod = fresh.wait_for(lambda: fresh.pods_of("held"), what="pod")[0]
    r = fresh.api("DELETE", f"{JOBS}/held", query={"propagationPolicy": "Background"})
    assert r.status == 200 and r.json["metadata"]["finalizers"] == ["example.com/hold"]
    assert r.json["metadata"]["deletionTimestamp"]
    pod_path = f"/api/v1/namespaces/default/pods/{pod['metadata']['name']}"
    assert fresh.api("GET", pod_path).status == 200  # dependents wait for the owner to go
    r = fresh.api("PATCH", f"{JOBS}/held", {"metadata": {"finalizers": None}},
                  ctype="application/merge-patch+json")
    assert r.status == 200
    assert fresh.get_job("held") is None
    fresh.wait_for(lambda: fresh.api("GET", pod_path).status == 404, what="pod removal")


def test_pod_owner_reference_points_at_job(fresh):
    pod = running_job(fresh, "owned")
    job = fresh.get_job("owned")
    ref = pod["metadata"]["ownerReferences"][0]
    assert ref == {"apiVersion": "batch/v1", "kind": "Job", "name": "owned",
                   "uid": job["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}
