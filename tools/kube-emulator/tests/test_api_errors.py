"""Status codes and error bodies of the API, checked over HTTPS."""

import copy

from conftest import job_manifest

JOBS = "/apis/batch/v1/namespaces/default/jobs"
LEASES = "/apis/coordination.k8s.io/v1/namespaces/default/leases"


def assert_status(r, code, reason):
    assert r.status == code, r.body
    body = r.json
    assert body["kind"] == "Status" and body["apiVersion"] == "v1"
    assert body["status"] == "Failure" and body["code"] == code and body["reason"] == reason
    return body


def test_create_existing_name_is_already_exists(fresh):
    fresh.create_job("dup")
    body = assert_status(fresh.api("POST", JOBS, job_manifest("dup")), 409, "AlreadyExists")
    assert body["message"] == 'jobs.batch "dup" already exists'
    assert body["details"] == {"name": "dup", "group": "batch", "kind": "jobs"}


def test_create_while_same_name_terminating_is_already_exists(fresh):
    fresh.control("POST", "/config", {"foregroundDelay": 2})
    try:
        fresh.create_job("term")
        r = fresh.api("DELETE", f"{JOBS}/term", {"propagationPolicy": "Foreground"})
        assert r.status == 200 and r.json["metadata"]["deletionTimestamp"]
        assert_status(fresh.api("POST", JOBS, job_manifest("term")), 409, "AlreadyExists")
    finally:
        fresh.control("POST", "/config", {"foregroundDelay": 0.2})


def test_update_with_stale_resource_version_is_conflict(fresh):
    job = fresh.create_job("stale")
    fresh.wait_for(lambda: fresh.get_job("stale")["metadata"]["resourceVersion"]
                   != job["metadata"]["resourceVersion"], what="status update")
    job["metadata"]["labels"]["x"] = "y"
    body = assert_status(fresh.api("PUT", f"{JOBS}/stale", job), 409, "Conflict")
    assert "the object has been modified" in body["message"]


def test_update_with_current_resource_version_succeeds_and_bumps_generation(fresh):
    fresh.create_job("fresh-update", spec={"suspend": True})
    job = fresh.get_job("fresh-update")
    job["spec"]["suspend"] = False
    r = fresh.api("PUT", f"{JOBS}/fresh-update", job)
    assert r.status == 200, r.body
    assert r.json["metadata"]["generation"] == 2
    assert int(r.json["metadata"]["resourceVersion"]) > int(job["metadata"]["resourceVersion"])


def test_selector_without_manual_selector_is_invalid(fresh):
    job = job_manifest("sel")
    job["spec"]["selector"] = {"matchLabels": {"app": "test"}}
    body = assert_status(fresh.api("POST", JOBS, job), 422, "Invalid")
    assert body["details"]["causes"][0]["field"] == "spec.selector"


def test_reposting_a_fetched_job_is_invalid(fresh):
    job = fresh.create_job("repost")
    copy_ = copy.deepcopy(job)
    copy_["metadata"] = {"name": "repost-2"}
    copy_.pop("status")
    assert_status(fresh.api("POST", JOBS, copy_), 422, "Invalid")


def test_job_gets_generated_selector_and_template_labels(fresh):
    job = fresh.create_job("labels")
    uid = job["metadata"]["uid"]
    assert job["spec"]["selector"] == {"matchLabels": {"batch.kubernetes.io/controller-uid": uid}}
    labels = job["spec"]["template"]["metadata"]["labels"]
    assert labels["controller-uid"] == uid and labels["batch.kubernetes.io/controller-uid"] == uid
    assert labels["job-name"] == "labels" and labels["batch.kubernetes.io/job-name"] == "labels"
    assert job["metadata"]["generation"] == 1
    assert job["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] == 30


def test_long_or_bad_names_and_labels_are_invalid(fresh):
    for name in ("x" * 64, "Bad_Name", "-lead"):
        body = assert_status(fresh.api("POST", JOBS, job_manifest(name)), 422, "Invalid")
        assert body["details"]["causes"][0]["field"] == "metadata.name"
    assert_status(fresh.api("POST", JOBS, job_manifest("badkey", labels={"bad key": "v"})),
                  422, "Invalid")
    assert_status(fresh.api("POST", JOBS, job_manifest("badval", labels={"k": "v" * 64})),
                  422, "Invalid")


def test_updating_job_template_is_invalid(fresh):
    fresh.create_job("immutable", spec={"suspend": True})  # no pod: nothing races the PUT
    job = fresh.get_job("immutable")
    job["spec"]["template"]["spec"]["containers"][0]["image"] = "busybox:1.37"
    body = assert_status(fresh.api("PUT", f"{JOBS}/immutable", job), 422, "Invalid")
    assert "field is immutable" in body["message"]


def test_wrong_json_type_is_bad_request(fresh):
    job = job_manifest("typed")
    job["spec"]["backoffLimit"] = "3"
    body = assert_status(fresh.api("POST", JOBS, job), 400, "BadRequest")
    assert "cannot unmarshal string" in body["message"] and "spec.backoffLimit" in body["message"]
    job["spec"]["backoffLimit"] = 3.0
    assert_status(fresh.api("POST", JOBS, job), 400, "BadRequest")


def test_unknown_field_is_dropped_with_warning(fresh):
    job = job_manifest("unknown")
    job["spec"]["foo"] = 1
    r = fresh.api("POST", JOBS, job)
    assert r.status == 201
    assert r.header_all("Warning") == ['299 - "unknown field \\"spec.foo\\""']
    assert "foo" not in r.json["spec"]


def test_unknown_field_with_strict_validation_is_bad_request(fresh):
    job = job_manifest("strict")
    job["spec"]["template"]["spec"]["containers"][0]["imagePullPolicyy"] = "Always"
    body = assert_status(fresh.api("POST", JOBS, job, query={"fieldValidation": "Strict"}),
                         400, "BadRequest")
    assert 'unknown field "spec.template.spec.containers[0].imagePullPolicyy"' in body["message"]
    assert fresh.get_job("strict") is None


def test_unknown_token_is_unauthorized(fresh):
    assert_status(fresh.api("GET", JOBS, token="nope"), 401, "Unauthorized")


def test_denied_verb_is_forbidden_with_the_usual_message(fresh):
    fresh.control("POST", "/tokens", {"token": "reader", "user": "system:serviceaccount:default:r",
                                      "rules": [{"apiGroups": ["batch"], "resources": ["jobs"],
                                                 "verbs": ["get", "list"]}]})
    assert fresh.api("GET", JOBS, token="reader").status == 200
    body = assert_status(fresh.api("POST", JOBS, job_manifest("nope"), token="reader"),
                         403, "Forbidden")
    assert body["message"] == ('jobs.batch is forbidden: User "system:serviceaccount:default:r" '
                               'cannot create resource "jobs" in API group "batch" in the '
                               'namespace "default"')


def test_role_manifest_grants_subresource_and_resource_names(fresh):
    role = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
            "rules": [{"apiGroups": [""], "resources": ["pods/log"], "verbs": ["get"]},
                      {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"],
                       "resourceNames": ["mine"], "verbs": ["get"]}]}
    fresh.control("POST", "/tokens", {"token": "roled", "user": "u", "role": role})
    assert fresh.api("GET", "/api/v1/namespaces/default/pods", token="roled").status == 403
    assert fresh.api("GET", f"{LEASES}/mine", token="roled").status == 404
    assert fresh.api("GET", f"{LEASES}/other", token="roled").status == 403


def test_missing_object_is_not_found_status(fresh):
    body = assert_status(fresh.api("GET", f"{JOBS}/ghost"), 404, "NotFound")
    assert body["message"] == 'jobs.batch "ghost" not found'
    assert_status(fresh.api("DELETE", f"{JOBS}/ghost"), 404, "NotFound")


def test_create_in_missing_namespace_is_not_found(fresh):
    r = fresh.api("POST", "/apis/batch/v1/namespaces/nowhere/jobs", job_manifest("x"))
    assert_status(r, 404, "NotFound")


def lease(renew):
    return {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
            "metadata": {"name": "leader"},
            "spec": {"holderIdentity": "pod-a", "leaseDurationSeconds": 15, "renewTime": renew,
                     "acquireTime": renew}}


def test_lease_micro_time_needs_six_fractional_digits(fresh):
    for bad in ("2026-11-23T17:50:03Z", "2026-11-23T17:50:03.123Z",
                "2026-11-23T17:50:03.1234567Z"):
        assert_status(fresh.api("POST", LEASES, lease(bad)), 400, "BadRequest")
    r = fresh.api("POST", LEASES, lease("2026-11-23T17:50:03.123456Z"))
    assert r.status == 201, r.body
    assert r.json["spec"]["renewTime"] == "2026-11-23T17:50:03.123456Z"


def test_time_fields_accept_fractional_seconds(fresh):
    ev = {"apiVersion": "v1", "kind": "Event", "metadata": {"name": "ev1"},
          "involvedObject": {"kind": "Job", "namespace": "default", "name": "x"},
          "reason": "Test", "message": "m", "type": "Normal",
          "firstTimestamp": "2026-11-23T17:50:03.5Z", "lastTimestamp": "2026-11-23T17:50:03Z"}
    assert fresh.api("POST", "/api/v1/namespaces/default/events", ev).status == 201
    ev["metadata"]["name"] = "ev2"
    ev["firstTimestamp"] = "yesterday"
    assert_status(fresh.api("POST", "/api/v1/namespaces/default/events", ev), 400, "BadRequest")


def test_events_k8s_io_event_requires_event_time(fresh):
    ev = {"apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": {"name": "e"},
          "regarding": {"kind": "Job", "namespace": "default", "name": "x"},
          "reason": "Failed", "note": "n", "type": "Warning", "action": "Restart",
          "reportingController": "tenant-provisioner", "reportingInstance": "pod-a"}
    path = "/apis/events.k8s.io/v1/namespaces/default/events"
    assert_status(fresh.api("POST", path, ev), 422, "Invalid")
    ev["eventTime"] = "2026-11-23T17:50:03.123456Z"
    assert fresh.api("POST", path, ev).status == 201


def test_merge_patch_updates_lease_and_checks_resource_version(fresh):
    created = fresh.api("POST", LEASES, lease("2026-11-23T17:50:03.123456Z")).json
    patch = {"spec": {"holderIdentity": "pod-b"}}
    r = fresh.api("PATCH", f"{LEASES}/leader", patch, ctype="application/merge-patch+json")
    assert r.status == 200 and r.json["spec"]["holderIdentity"] == "pod-b"
    stale = {"metadata": {"resourceVersion": created["metadata"]["resourceVersion"]},
             "spec": {"holderIdentity": "pod-c"}}
    r = fresh.api("PATCH", f"{LEASES}/leader", stale, ctype="application/merge-patch+json")
    assert_status(r, 409, "Conflict")


def test_unchanged_update_does_not_bump_resource_version(fresh):
    created = fresh.api("POST", LEASES, lease("2026-11-23T17:50:03.123456Z")).json
    r = fresh.api("PUT", f"{LEASES}/leader", created)
    assert r.status == 200
    assert r.json["metadata"]["resourceVersion"] == created["metadata"]["resourceVersion"]


def test_json_patch_and_unsupported_patch_type(fresh):
    fresh.api("POST", LEASES, lease("2026-11-23T17:50:03.123456Z"))
    ops = [{"op": "replace", "path": "/spec/holderIdentity", "value": "pod-z"}]
    r = fresh.api("PATCH", f"{LEASES}/leader", ops, ctype="application/json-patch+json")
    assert r.status == 200 and r.json["spec"]["holderIdentity"] == "pod-z"
    r = fresh.api("PATCH", f"{LEASES}/leader", {"spec": {}}, ctype="application/apply-patch+yaml")
    assert_status(r, 415, "UnsupportedMediaType")


def test_deleting_namespace_removes_its_objects(fresh):
    assert fresh.api("POST", "/api/v1/namespaces", {"metadata": {"name": "scratch"}}).status == 201
    fresh.create_job("inside", ns="scratch")
    assert fresh.api("DELETE", "/api/v1/namespaces/scratch").status == 200
    assert fresh.api("GET", "/apis/batch/v1/namespaces/scratch/jobs/inside").status == 404
    assert fresh.api("GET", "/api/v1/namespaces/scratch").status == 404


def test_chunked_request_body_is_read(fresh):
    import json as _json
    body = _json.dumps(job_manifest("chunked")).encode()
    conn = fresh.connect()
    try:
        conn.putrequest("POST", JOBS)
        conn.putheader("Authorization", f"Bearer {fresh.token}")
        conn.putheader("Content-Type", "application/json")
        conn.putheader("Transfer-Encoding", "chunked")
        conn.endheaders()
        for i in range(0, len(body), 100):
            part = body[i:i + 100]
            conn.send(b"%x\r\n%s\r\n" % (len(part), part))
        conn.send(b"0\r\n\r\n")
        resp = conn.getresponse()
        assert resp.status == 201, resp.read()
    finally:
        conn.close()
    assert fresh.get_job("chunked") is not None


def test_role_rules_hold_in_the_role_namespace_only(fresh):
    role = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
            "metadata": {"name": "reader", "namespace": "default"},
            "rules": [{"apiGroups": ["batch"], "resources": ["jobs"], "verbs": ["list"]},
                      {"apiGroups": [""], "resources": ["namespaces"], "verbs": ["list"]}]}
    fresh.control("POST", "/tokens", {"token": "scoped", "user": "u", "role": role})
    assert fresh.api("GET", JOBS, token="scoped").status == 200
    body = assert_status(fresh.api("GET", "/apis/batch/v1/namespaces/kube-system/jobs", token="scoped"),
                         403, "Forbidden")
    assert 'in the namespace "kube-system"' in body["message"]
    # A Role cannot grant anything at the cluster scope, even a resource it names.
    body = assert_status(fresh.api("GET", "/api/v1/namespaces", token="scoped"), 403, "Forbidden")
    assert "at the cluster scope" in body["message"]


def test_cluster_role_rules_hold_everywhere(fresh):
    role = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
            "metadata": {"name": "reader"},
            "rules": [{"apiGroups": ["batch"], "resources": ["jobs"], "verbs": ["list"]}]}
    fresh.control("POST", "/tokens", {"token": "wide", "user": "u", "role": role})
    assert fresh.api("GET", JOBS, token="wide").status == 200
    assert fresh.api("GET", "/apis/batch/v1/namespaces/kube-system/jobs", token="wide").status == 200


def test_invalid_role_is_refused(fresh):
    base = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "r"}}
    for rules, needle in (([{"apiGroups": ["batch"], "resources": ["jobs"], "verb": ["get"]}], "verb"),
                          ([{"apiGroups": ["batch"], "resources": ["jobs"]}], "verbs"),
                          ([{"resources": ["jobs"], "verbs": ["get"]}], "apiGroups"),
                          ([{"nonResourceURLs": ["/healthz"], "verbs": ["get"]}], "nonResourceURLs")):
        r = fresh.control_raw("POST", "/tokens", {"token": "bad", "user": "u", "role": dict(base, rules=rules)})
        assert r.status == 400, (rules, r.status)
        assert needle in r.body["error"], r.body
    assert fresh.control_raw("POST", "/tokens", {"token": "bad", "user": "u",
                                                  "role": dict(base, kind="RoleBinding")}).status == 400
    assert fresh.api("GET", JOBS, token="bad").status == 401
