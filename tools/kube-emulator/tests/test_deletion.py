"""Propagation policies: Foreground, Background, Orphan (and the batch/v1 default, Orphan)."""

import time

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


def test_orphan_deletes_job_and_strips_owner_references(fresh):
    pod = running_job(fresh, "orph")
    r = fresh.api("DELETE", f"{JOBS}/orph", {"propagationPolicy": "Orphan"})
    assert r.status == 200
    assert fresh.get_job("orph") is None
    time.sleep(0.2)
    left = fresh.api("GET", f"/api/v1/namespaces/default/pods/{pod['metadata']['name']}")
    assert left.status == 200
    assert "ownerReferences" not in left.json["metadata"]


def test_job_deleted_without_policy_orphans_its_pods(fresh):
    pod = running_job(fresh, "default-policy")
    assert fresh.api("DELETE", f"{JOBS}/default-policy").status == 200
    time.sleep(0.2)
    assert fresh.api("GET", f"/api/v1/namespaces/default/pods/{pod['metadata']['name']}").status == 200


def test_pod_owner_reference_points_at_job(fresh):
    pod = running_job(fresh, "owned")
    job = fresh.get_job("owned")
    ref = pod["metadata"]["ownerReferences"][0]
    assert ref == {"apiVersion": "batch/v1", "kind": "Job", "name": "owned",
                   "uid": job["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}
