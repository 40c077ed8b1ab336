"""Leases refuse unconditional updates (their strategy's AllowUnconditionalUpdate is false)."""

import json

import pytest

LEASES = "/apis/coordination.k8s.io/v1/namespaces/default/leases"
MESSAGE = ('leases.coordination.k8s.io "leader" is invalid: metadata.resourceVersion: '
           'Invalid value: 0x0: must be specified for an update')


def lease_body(holder="pod-a"):
    return {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
            "metadata": {"name": "leader"},
            "spec": {"holderIdentity": holder, "leaseDurationSeconds": 15,
                     "renewTime": "2026-11-23T17:50:03.123456Z"}}


def test_put_without_resource_version_is_invalid(fresh):
    created = fresh.api("POST", LEASES, lease_body())
    assert created.status == 201, created.body
    r = fresh.api("PUT", f"{LEASES}/leader", lease_body("pod-b"))
    assert r.status == 422, r.body
    assert r.json["reason"] == "Invalid" and r.json["message"] == MESSAGE
    assert r.json["details"] == {"name": "leader", "group": "coordination.k8s.io", "kind": "leases",
                                 "causes": [{"reason": "FieldValueInvalid",
                                             "message": "Invalid value: 0x0: must be specified for an update",
                                             "field": "metadata.resourceVersion"}]}
    stored = fresh.api("GET", f"{LEASES}/leader").json
    assert stored["spec"]["holderIdentity"] == "pod-a"
    assert stored["metadata"]["resourceVersion"] == created.json["metadata"]["resourceVersion"]


def test_put_with_the_current_resource_version_updates(fresh):
    created = fresh.api("POST", LEASES, lease_body()).json
    body = lease_body("pod-b")
    body["metadata"]["resourceVersion"] = created["metadata"]["resourceVersion"]
    r = fresh.api("PUT", f"{LEASES}/leader", body)
    assert r.status == 200, r.body
    assert r.json["spec"]["holderIdentity"] == "pod-b"


def test_patch_needs_no_resource_version(fresh):
    fresh.api("POST", LEASES, lease_body())
    r = fresh.api("PATCH", f"{LEASES}/leader", {"spec": {"holderIdentity": "pod-c"}},
                  ctype="application/merge-patch+json")
    assert r.status == 200 and r.json["spec"]["holderIdentity"] == "pod-c"


def test_kubectl_replace_reads_the_resource_version_first(fresh, tmp_path):
    # kubectl replace -f of a manifest without resourceVersion GETs the live object and PUTs
    # with its resourceVersion, so it works against a server that refuses unconditional updates.
    fresh.api("POST", LEASES, lease_body())
    path = tmp_path / "lease.json"
    path.write_text(json.dumps(lease_body("pod-k")))
    fresh.control("POST", "/requests/reset")
    fresh.kubectl("replace", "-f", str(path))
    calls = [(e["verb"], e["code"]) for e in fresh.control("GET", "/requests")["log"]
             if e["resource"] == "leases"]
    assert calls == [("get", 200), ("update", 200)], calls
    assert fresh.api("GET", f"{LEASES}/leader").json["spec"]["holderIdentity"] == "pod-k"


def test_python_client_replace_without_resource_version_is_422(kube):
    from kubernetes import client
    from kubernetes.client.rest import ApiException
    api = client.CoordinationV1Api(kube)
    api.create_namespaced_lease("default", lease_body())
    body = client.V1Lease(metadata=client.V1ObjectMeta(name="leader"),
                          spec=client.V1LeaseSpec(holder_identity="pod-p"))
    with pytest.raises(ApiException) as err:
        api.replace_namespaced_lease("leader", "default", body)
    assert err.value.status == 422
    assert json.loads(err.value.body)["message"] == MESSAGE
    current = api.read_namespaced_lease("leader", "default")
    body.metadata.resource_version = current.metadata.resource_version
    assert api.replace_namespaced_lease("leader", "default", body).spec.holder_identity == "pod-p"


def test_micro_times_come_back_in_utc_with_microseconds(fresh):
    body = lease_body()
    body["spec"]["acquireTime"] = "2026-01-02T03:04:05.678000+02:00"
    body["spec"]["renewTime"] = "2026-01-02T03:04:05.678901-01:30"
    r = fresh.api("POST", LEASES, body)
    assert r.status == 201, r.body
    assert r.json["spec"]["acquireTime"] == "2026-01-02T01:04:05.678000Z"
    assert r.json["spec"]["renewTime"] == "2026-01-02T04:34:05.678901Z"
    assert fresh.api("GET", f"{LEASES}/leader").json["spec"] == r.json["spec"]
