"""Control API: faults, request log, reset."""

import http.client
import ssl
import time

JOBS = "/apis/batch/v1/namespaces/default/jobs"


def test_status_fault_answers_count_times_then_clears(fresh):
    fresh.control("POST", "/faults", {"pathPrefix": "/apis/batch/v1", "method": "GET",
                                      "count": 2, "status": 500})
    codes = [fresh.api("GET", JOBS).status for _ in range(3)]
    assert codes == [500, 500, 200]
    fresh.control("POST", "/faults", {"pathPrefix": "/apis/batch/v1", "method": "GET",
                                      "count": 1, "status": 500})
    assert fresh.create_job("not-faulted")["metadata"]["name"] == "not-faulted"  # POST not matched
    assert fresh.api("GET", JOBS).status == 500
    r = fresh.api("GET", "/api/v1/namespaces/default/pods")
    assert r.status == 200


def test_429_fault_carries_retry_after(fresh):
    fresh.control("POST", "/faults", {"pathPrefix": "/apis/batch", "count": 1, "status": 429,
                                      "retryAfter": 2})
    r = fresh.api("GET", JOBS)
    assert r.status == 429
    assert dict(r.headers)["Retry-After"] == "2"
    assert r.json["reason"] == "TooManyRequests" and r.json["code"] == 429


def test_drop_fault_closes_connection_without_answer(fresh):
    fresh.control("POST", "/faults", {"pathPrefix": "/apis/batch", "count": 1, "drop": True})
    conn = fresh.connect()
    try:
        conn.request("GET", JOBS, headers={"Authorization": f"Bearer {fresh.token}"})
        try:
            conn.getresponse()
            answered = True
        except (http.client.RemoteDisconnected, ConnectionError, ssl.SSLError):
            answered = False
        assert not answered
    finally:
        conn.close()
    assert fresh.api("GET", JOBS).status == 200


def test_latency_fault_delays_answer(fresh):
    fresh.control("POST", "/faults", {"pathPrefix": "/apis/batch", "count": 1, "latencyMs": 300})
    start = time.monotonic()
    assert fresh.api("GET", JOBS).status == 200
    assert time.monotonic() - start >= 0.3


def test_delete_faults_clears_them(fresh):
    fresh.control("POST", "/faults", {"pathPrefix": "/", "count": 5, "status": 503})
    fresh.control("DELETE", "/faults")
    assert fresh.api("GET", JOBS).status == 200


def test_requests_are_counted_by_verb_and_resource_and_reset(fresh):
    fresh.control("POST", "/requests/reset")
    fresh.create_job("counted")
    fresh.api("GET", JOBS)
    fresh.api("GET", f"{JOBS}/counted")
    fresh.api("DELETE", f"{JOBS}/counted", {"propagationPolicy": "Background"})
    data = fresh.control("GET", "/requests")
    assert data["counts"] == {"create jobs": 1, "list jobs": 1, "get jobs": 1, "delete jobs": 1}
    entry = data["log"][-1]
    assert entry["method"] == "DELETE" and entry["code"] == 200 and entry["user"] == "admin"
    assert entry["propagationPolicy"] == "Background" and entry["t"] > 1.7e9
    fresh.control("POST", "/requests/reset")
    assert fresh.control("GET", "/requests") == {"counts": {}, "log": []}


def test_reset_removes_objects_but_keeps_default_namespace(fresh):
    fresh.create_job("gone-after-reset")
    fresh.control("POST", "/reset")
    assert fresh.get_job("gone-after-reset") is None
    assert fresh.api("GET", "/api/v1/namespaces/default").status == 200


def test_discovery_documents(fresh):
    assert fresh.api("GET", "/version").json["major"] == "1"
    groups = {g["name"] for g in fresh.api("GET", "/apis").json["groups"]}
    assert {"batch", "coordination.k8s.io", "events.k8s.io"} <= groups
    res = {r["name"] for r in fresh.api("GET", "/api/v1").json["resources"]}
    assert {"pods", "pods/log", "events", "namespaces"} <= res
