"""ConfigMaps (what the standalone restarter keeps its memory in): stored, listed by label,
updated with a resourceVersion, and validated like ValidateConfigMap."""

import json

CONFIGMAPS = "/api/v1/namespaces/default/configmaps"


def body(name="memory", data=None, labels=None):
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": name, "labels": labels or {"app.kubernetes.io/managed-by": "tenant-restarter"}},
            "data": data if data is not None else {"job": "sync", "manifest": json.dumps({"kind": "Job"})}}


def test_create_get_list_by_label_and_update_with_the_resource_version(fresh):
    created = fresh.api("POST", CONFIGMAPS, body())
    assert created.status == 201, created.body
    fresh.api("POST", CONFIGMAPS, body("other", labels={"app": "else"}))
    listed = fresh.api("GET", CONFIGMAPS, query={"labelSelector": "app.kubernetes.io/managed-by=tenant-restarter"}).json
    assert [i["metadata"]["name"] for i in listed["items"]] == ["memory"]
    update = body(data={"job": "sync", "manifest": "{}"})
    update["metadata"]["resourceVersion"] = created.json["metadata"]["resourceVersion"]
    assert fresh.api("PUT", f"{CONFIGMAPS}/memory", update).status == 200
    stale = fresh.api("PUT", f"{CONFIGMAPS}/memory", update)
    assert stale.status == 409 and stale.json["reason"] == "Conflict"


def test_a_key_that_is_not_a_config_key_is_invalid(fresh):
    r = fresh.api("POST", CONFIGMAPS, body(data={"bad key": "x"}))
    assert r.status == 422, r.body
    cause = r.json["details"]["causes"][0]
    assert cause["field"] == "data[bad key]" and "regex used for validation is '[-._a-zA-Z0-9]+'" in cause["message"]


def test_more_than_one_mebibyte_is_too_long(fresh):
    r = fresh.api("POST", CONFIGMAPS, body(data={"a": "x" * (1024 * 1024), "b": "y"}))
    assert r.status == 422, r.body
    assert "Too long: must have at most 1048576 bytes" in r.json["message"]


def test_kubectl_sees_them(fresh):
    fresh.api("POST", CONFIGMAPS, body())
    out = fresh.kubectl("get", "configmap", "memory", "-o", "jsonpath={.data.job}")
    assert out.stdout == "sync"
