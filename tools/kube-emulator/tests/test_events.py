"""Events: validation of core v1 Events, the Events the simulated Job controller writes, and
core v1 / events.k8s.io/v1 as one store seen two ways."""

import json

import pytest

from test_list_watch import WatchStream

CORE = "/api/v1/namespaces/default/events"
V1 = "/apis/events.k8s.io/v1/namespaces/default/events"


def core_event(name, **extra):
    ev = {"apiVersion": "v1", "kind": "Event", "metadata": {"name": name},
          "involvedObject": {"apiVersion": "batch/v1", "kind": "Job", "namespace": "default",
                             "name": "some-job", "uid": "1234"},
          "reason": "Tested", "message": "a core event", "type": "Normal",
          "source": {"component": "tester", "host": "node-1"},
          "firstTimestamp": "2026-01-02T03:04:05Z", "lastTimestamp": "2026-01-02T03:04:06Z",
          "count": 2}
    ev.update(extra)
    return ev


def v1_event(name, **extra):
    ev = {"apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": {"name": name},
          "eventTime": "2026-01-02T03:04:05.123456Z", "reportingController": "example.com/tester",
          "reportingInstance": "tester-1", "action": "Testing", "reason": "Tested",
          "regarding": {"apiVersion": "batch/v1", "kind": "Job", "namespace": "default",
                        "name": "some-job", "uid": "1234"},
          "note": "a v1 event", "type": "Warning"}
    ev.update(extra)
    return ev


def events_v1_list(kube, namespace, **kwargs):
    """events.k8s.io/v1 list through the Python client, as JSON: its EventsV1Event model
    refuses the `eventTime: null` a real server sends for Events written through core v1
    (kubernetes-client/python#1616), so the body is read without its models."""
    from kubernetes import client
    resp = client.EventsV1Api(kube).list_namespaced_event(namespace, _preload_content=False,
                                                          **kwargs)
    return json.loads(resp.data)["items"]


# ---- validation --------------------------------------------------------------------------

def test_core_event_about_an_object_in_another_namespace_is_invalid(fresh, kube):
    ev = core_event("elsewhere")
    ev["involvedObject"]["namespace"] = "other"
    r = fresh.api("POST", CORE, ev)
    assert r.status == 422, r.body
    assert r.json["message"] == ('Event "elsewhere" is invalid: involvedObject.namespace: '
                                 'Invalid value: "other": does not match event.namespace')
    assert r.json["details"]["causes"] == [{"reason": "FieldValueInvalid", "field": "involvedObject.namespace",
                                            "message": 'Invalid value: "other": does not match event.namespace'}]
    from kubernetes import client
    from kubernetes.client.rest import ApiException
    with pytest.raises(ApiException) as err:
        client.CoreV1Api(kube).create_namespaced_event("default", ev)
    assert err.value.status == 422


def test_core_event_without_involved_namespace_only_in_default(fresh):
    fresh.api("POST", "/api/v1/namespaces", {"metadata": {"name": "other"}})
    ev = core_event("nons")
    del ev["involvedObject"]["namespace"]
    assert fresh.api("POST", CORE, ev).status == 201
    r = fresh.api("POST", "/api/v1/namespaces/other/events", ev)
    assert r.status == 422 and r.json["details"]["causes"][0]["field"] == "involvedObject.namespace"


def test_new_style_event_may_be_about_another_namespace(fresh):
    # With eventTime set, the real validation only checks an empty regarding namespace.
    ev = v1_event("cross")
    ev["regarding"]["namespace"] = "other"
    assert fresh.api("POST", V1, ev).status == 201


def test_events_k8s_io_requires_the_new_fields_and_refuses_the_deprecated_ones(fresh):
    ev = v1_event("strict", deprecatedCount=3, type="Info")
    del ev["action"]
    r = fresh.api("POST", V1, ev)
    assert r.status == 422, r.body
    causes = {(c["field"], c["message"]) for c in r.json["details"]["causes"]}
    assert causes == {("action", "Required value"),
                      ("type", 'Invalid value: "": has invalid value: Info'),
                      ("count", 'Invalid value: "": needs to be unset')}


def test_times_come_back_in_utc_seconds_and_micro_times_with_microseconds(fresh):
    ev = core_event("times", firstTimestamp="2026-01-02T03:04:05.678+02:00",
                    lastTimestamp="2026-01-02T03:04:05.999Z")
    r = fresh.api("POST", CORE, ev)
    assert r.status == 201, r.body
    assert r.json["firstTimestamp"] == "2026-01-02T01:04:05Z"
    assert r.json["lastTimestamp"] == "2026-01-02T03:04:05Z"
    r = fresh.api("POST", V1, v1_event("micro", eventTime="2026-01-02T03:04:05.678000+02:00"))
    assert r.status == 201, r.body
    assert r.json["eventTime"] == "2026-01-02T01:04:05.678000Z"
    assert fresh.api("GET", f"{CORE}/micro").json["eventTime"] == "2026-01-02T01:04:05.678000Z"


# ---- one store, two views ----------------------------------------------------------------

def test_core_event_is_seen_through_events_k8s_io_converted(fresh):
    created = fresh.api("POST", CORE, core_event("from-core")).json
    r = fresh.api("GET", f"{V1}/from-core")
    assert r.status == 200, r.body
    v1 = r.json
    assert (v1["apiVersion"], v1["kind"]) == ("events.k8s.io/v1", "Event")
    assert v1["metadata"] == created["metadata"]
    assert v1["regarding"] == created["involvedObject"]
    assert v1["note"] == "a core event" and v1["reason"] == "Tested" and v1["type"] == "Normal"
    assert v1["deprecatedSource"] == {"component": "tester", "host": "node-1"}
    assert v1["deprecatedFirstTimestamp"] == "2026-01-02T03:04:05Z"
    assert v1["deprecatedLastTimestamp"] == "2026-01-02T03:04:06Z"
    assert v1["deprecatedCount"] == 2
    assert v1["eventTime"] is None and "reportingController" not in v1
    for core_only in ("involvedObject", "message", "source", "firstTimestamp", "count"):
        assert core_only not in v1
    assert created["reportingComponent"] == "" and created["eventTime"] is None


def test_events_k8s_io_event_is_seen_through_core_converted(fresh):
    series = {"count": 3, "lastObservedTime": "2026-01-02T03:05:00.000000Z"}
    r = fresh.api("POST", V1, v1_event("from-v1", series=series, related={"kind": "Pod", "name": "p"}))
    assert r.status == 201, r.body
    core = fresh.api("GET", f"{CORE}/from-v1").json
    assert (core["apiVersion"], core["kind"]) == ("v1", "Event")
    assert core["involvedObject"]["name"] == "some-job" and core["message"] == "a v1 event"
    assert core["reportingComponent"] == "example.com/tester" and core["reportingInstance"] == "tester-1"
    assert core["eventTime"] == "2026-01-02T03:04:05.123456Z" and core["action"] == "Testing"
    assert core["series"] == series and core["related"] == {"kind": "Pod", "name": "p"}
    assert core["source"] == {} and core["firstTimestamp"] is None and "count" not in core
    assert core["metadata"]["resourceVersion"] == r.json["metadata"]["resourceVersion"]


def test_both_lists_and_both_watches_see_every_event(fresh, kube):
    rv = fresh.api("GET", CORE).json["metadata"]["resourceVersion"]
    core_w = WatchStream(fresh, CORE, {"resourceVersion": rv})
    v1_w = WatchStream(fresh, V1, {"resourceVersion": rv})
    try:
        assert fresh.api("POST", CORE, core_event("a-core")).status == 201
        assert fresh.api("POST", V1, v1_event("b-v1")).status == 201
        got_core = [core_w.next() for _ in range(2)]
        got_v1 = [v1_w.next() for _ in range(2)]
    finally:
        core_w.close()
        v1_w.close()
    assert [(e["type"], e["object"]["metadata"]["name"], e["object"]["apiVersion"]) for e in got_core] == \
        [("ADDED", "a-core", "v1"), ("ADDED", "b-v1", "v1")]
    assert [(e["type"], e["object"]["metadata"]["name"], e["object"]["apiVersion"]) for e in got_v1] == \
        [("ADDED", "a-core", "events.k8s.io/v1"), ("ADDED", "b-v1", "events.k8s.io/v1")]
    assert got_v1[0]["object"]["note"] == "a core event"
    assert got_core[1]["object"]["message"] == "a v1 event"
    from kubernetes import client
    core_names = [e.metadata.name for e in client.CoreV1Api(kube).list_namespaced_event("default").items]
    v1_names = [e["metadata"]["name"] for e in events_v1_list(kube, "default")]
    assert core_names == v1_names == ["a-core", "b-v1"]
    out = json.loads(fresh.kubectl("get", "events.v1.events.k8s.io", "-o", "json").stdout)
    assert [i["metadata"]["name"] for i in out["items"]] == ["a-core", "b-v1"]


def test_one_name_one_object_across_both_apis(fresh):
    assert fresh.api("POST", CORE, core_event("shared")).status == 201
    r = fresh.api("POST", V1, v1_event("shared"))
    assert r.status == 409 and r.json["reason"] == "AlreadyExists"
    assert fresh.api("DELETE", f"{V1}/shared").status == 200
    assert fresh.api("GET", f"{CORE}/shared").status == 404


def test_field_selector_on_the_events_k8s_io_view(fresh):
    fresh.api("POST", CORE, core_event("sel-a"))
    other = core_event("sel-b")
    other["involvedObject"]["name"] = "another-job"
    fresh.api("POST", CORE, other)
    r = fresh.api("GET", V1, query={"fieldSelector": "regarding.name=another-job"})
    assert [i["metadata"]["name"] for i in r.json["items"]] == ["sel-b"]
    r = fresh.api("GET", CORE, query={"fieldSelector": "involvedObject.name=some-job"})
    assert [i["metadata"]["name"] for i in r.json["items"]] == ["sel-a"]


# ---- the Job controller's events ----------------------------------------------------------

def job_events(emu, job_name, until_reason):
    """The Events about the Job, in order, once one with `until_reason` was written."""
    w = WatchStream(emu, CORE, {"fieldSelector": f"involvedObject.name={job_name}"})
    try:
        assert w.until(lambda e: e["object"]["reason"] == until_reason), until_reason
    finally:
        w.close()
    items = emu.api("GET", CORE, query={"fieldSelector": f"involvedObject.name={job_name}"}).json["items"]
    return sorted(items, key=lambda e: int(e["metadata"]["resourceVersion"]))


def check_source(ev, job):
    assert ev["source"] == {"component": "job-controller"}
    assert ev["reportingComponent"] == "job-controller"
    ref = ev["involvedObject"]
    assert (ref["apiVersion"], ref["kind"], ref["name"], ref["namespace"], ref["uid"]) == \
        ("batch/v1", "Job", job["metadata"]["name"], "default", job["metadata"]["uid"])
    assert ev["metadata"]["name"].startswith(job["metadata"]["name"] + ".")
    assert ev["count"] == 1 and ev["firstTimestamp"] == ev["lastTimestamp"]


def test_completed_job_events(fresh):
    job = fresh.create_job("done", outcome={"result": "succeed", "afterSeconds": 0.05})
    evs = job_events(fresh, "done", "Completed")
    pod = fresh.pods_of("done")[0]["metadata"]["name"]
    assert [(e["type"], e["reason"], e["message"]) for e in evs] == [
        ("Normal", "SuccessfulCreate", f"Created pod: {pod}"),
        ("Normal", "Completed", "Job completed")]
    for ev in evs:
        check_source(ev, job)


def test_failed_job_events(fresh):
    job = fresh.create_job("broken", spec={"backoffLimit": 1}, outcome={"result": "fail"})
    evs = job_events(fresh, "broken", "BackoffLimitExceeded")
    pods = sorted(p["metadata"]["name"] for p in fresh.pods_of("broken"))
    got = [(e["type"], e["reason"], e["message"]) for e in evs]
    assert got[-1] == ("Warning", "BackoffLimitExceeded", "Job has reached the specified backoff limit")
    assert sorted(m for t, r, m in got if r == "SuccessfulCreate") == [f"Created pod: {p}" for p in pods]
    assert len(got) == 3
    for ev in evs:
        check_source(ev, job)


def test_deadline_exceeded_job_events(fresh, kube):
    job = fresh.create_job("slow", spec={"activeDeadlineSeconds": 1})
    pod = fresh.wait_for(lambda: fresh.pods_of("slow"), what="pod")[0]["metadata"]["name"]
    evs = job_events(fresh, "slow", "DeadlineExceeded")
    assert [(e["type"], e["reason"], e["message"]) for e in evs] == [
        ("Normal", "SuccessfulCreate", f"Created pod: {pod}"),
        ("Normal", "SuccessfulDelete", f"Deleted pod: {pod}"),
        ("Warning", "DeadlineExceeded", "Job was active longer than specified deadline")]
    for ev in evs:
        check_source(ev, job)
    seen = events_v1_list(kube, "default", field_selector="regarding.name=slow")
    assert sorted(e["reason"] for e in seen) == ["DeadlineExceeded", "SuccessfulCreate", "SuccessfulDelete"]
    assert {e["deprecatedSource"]["component"] for e in seen} == {"job-controller"}
    assert {e["eventTime"] for e in seen} == {None}
    described = fresh.kubectl("describe", "job", "slow").stdout
    assert "DeadlineExceeded" in described and "job-controller" in described
