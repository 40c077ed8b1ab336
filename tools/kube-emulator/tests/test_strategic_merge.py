"""Strategic merge patch: lists merged by the merge keys of the official schemas, directives.
Checked over HTTP with kubectl (`kubectl patch` sends strategic merge patch by default) and
the Python client (a dict body is sent as strategic merge patch), and directly on the
merge function with the Job and Pod schemas."""

import json

import pytest

import patching
import schema
from status import ApiError

JOBS = "/apis/batch/v1/namespaces/default/jobs"
PODS = "/api/v1/namespaces/default/pods"
SMP = "application/strategic-merge-patch+json"


def pod_manifest(name):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"app": "x"}},
            "spec": {"containers": [
                {"name": "a", "image": "busybox:1.36", "env": [{"name": "A", "value": "1"}]},
                {"name": "b", "image": "busybox:1.36"}]}}


# ---- over HTTP -----------------------------------------------------------------------------

def test_kubectl_patch_merges_finalizers_as_a_set(fresh):
    job = {"apiVersion": "batch/v1", "kind": "Job",
           "metadata": {"name": "fin", "finalizers": ["example.com/a"]},
           "spec": {"suspend": True, "template": {"spec": {"restartPolicy": "Never",
                    "containers": [{"name": "main", "image": "busybox:1.36"}]}}}}
    assert fresh.api("POST", JOBS, job).status == 201
    fresh.kubectl("patch", "job", "fin", "-p", json.dumps(
        {"metadata": {"finalizers": ["example.com/b", "example.com/a"]}}))
    assert fresh.get_job("fin")["metadata"]["finalizers"] == ["example.com/a", "example.com/b"]
    fresh.kubectl("patch", "job", "fin", "--type", "strategic", "-p", json.dumps(
        {"metadata": {"$deleteFromPrimitiveList/finalizers": ["example.com/a"]}}))
    assert fresh.get_job("fin")["metadata"]["finalizers"] == ["example.com/b"]
    # A JSON merge patch of the same list replaces it.
    fresh.kubectl("patch", "job", "fin", "--type", "merge", "-p", json.dumps(
        {"metadata": {"finalizers": ["example.com/c"]}}))
    assert fresh.get_job("fin")["metadata"]["finalizers"] == ["example.com/c"]


def test_kubectl_patch_merges_containers_by_name(fresh):
    assert fresh.api("POST", PODS, pod_manifest("two")).status == 201
    fresh.kubectl("patch", "pod", "two", "-p", json.dumps(
        {"spec": {"containers": [{"name": "b", "image": "busybox:1.37"}]}}))
    pod = fresh.api("GET", f"{PODS}/two").json
    assert [(c["name"], c["image"]) for c in pod["spec"]["containers"]] == \
        [("a", "busybox:1.36"), ("b", "busybox:1.37")]
    assert pod["spec"]["containers"][0]["env"] == [{"name": "A", "value": "1"}]
    # As a JSON merge patch the list is replaced: container a would go, which a pod refuses.
    r = fresh.api("PATCH", f"{PODS}/two", {"spec": {"containers": [{"name": "b", "image": "busybox:1.38"}]}},
                  ctype="application/merge-patch+json")
    assert r.status == 422, r.body


def test_owner_references_merge_by_uid_and_delete_by_directive(fresh):
    assert fresh.api("POST", PODS, pod_manifest("owned")).status == 201
    ref = {"apiVersion": "v1", "kind": "ConfigMap", "name": "cm", "uid": "u-1"}
    for patch in ({"metadata": {"ownerReferences": [ref]}},
                  {"metadata": {"ownerReferences": [dict(ref, name="cm2", uid="u-2")]}}):
        r = fresh.api("PATCH", f"{PODS}/owned", patch, ctype=SMP)
        assert r.status == 200, r.body
    assert [o["uid"] for o in r.json["metadata"]["ownerReferences"]] == ["u-1", "u-2"]
    r = fresh.api("PATCH", f"{PODS}/owned",
                  {"metadata": {"ownerReferences": [{"uid": "u-1", "$patch": "delete"}]}}, ctype=SMP)
    assert [o["uid"] for o in r.json["metadata"]["ownerReferences"]] == ["u-2"]


def test_python_client_patches_job_status_conditions_by_type(fresh, kube):
    from kubernetes import client
    batch = client.BatchV1Api(kube)
    fresh.create_job("conds", spec={"suspend": True})
    first = {"type": "Suspended", "status": "True", "reason": "JobSuspended",
             "lastTransitionTime": "2026-01-02T03:04:05Z"}
    batch.patch_namespaced_job_status("conds", "default", {"status": {"conditions": [first]}})
    second = {"type": "Complete", "status": "False", "lastTransitionTime": "2026-01-02T03:04:06Z"}
    batch.patch_namespaced_job_status("conds", "default", {"status": {"conditions": [second]}})
    batch.patch_namespaced_job_status("conds", "default", {"status": {"conditions": [
        {"type": "Suspended", "status": "False", "reason": "JobResumed"}]}})
    conds = fresh.get_job("conds")["status"]["conditions"]
    assert [(c["type"], c["status"], c.get("reason")) for c in conds] == [
        ("Suspended", "False", "JobResumed"), ("Complete", "False", None)]
    assert conds[0]["lastTransitionTime"] == "2026-01-02T03:04:05Z"  # kept from the first patch
    log = fresh.control("GET", "/requests")["log"]
    assert any(e["method"] == "PATCH" for e in log)


def test_python_client_dict_patch_is_a_strategic_merge(fresh, kube):
    from kubernetes import client
    batch = client.BatchV1Api(kube)
    fresh.create_job("pyfin", spec={"suspend": True})
    batch.patch_namespaced_job("pyfin", "default", {"metadata": {"finalizers": ["example.com/x"]}})
    batch.patch_namespaced_job("pyfin", "default", {"metadata": {"finalizers": ["example.com/y"]}})
    assert fresh.get_job("pyfin")["metadata"]["finalizers"] == ["example.com/x", "example.com/y"]


def test_missing_merge_key_is_an_error(fresh):
    assert fresh.api("POST", PODS, pod_manifest("nokey")).status == 201
    r = fresh.api("PATCH", f"{PODS}/nokey", {"spec": {"containers": [{"image": "busybox:1.37"}]}},
                  ctype=SMP)
    assert r.status == 500, r.body
    assert r.json["reason"] == "Unknown"
    assert r.json["message"] == "map: map[image:busybox:1.37] does not contain declared merge key: name"


def test_map_directives_over_http(fresh):
    fresh.create_job("maps", labels={"app": "test", "tier": "x"}, spec={"suspend": True})
    r = fresh.api("PATCH", f"{JOBS}/maps",
                  {"metadata": {"labels": {"$patch": "replace", "only": "this"}}}, ctype=SMP)
    assert r.status == 200, r.body
    assert r.json["metadata"]["labels"] == {"only": "this"}
    r = fresh.api("PATCH", f"{JOBS}/maps", {"metadata": {"annotations": {"a": "1"}}}, ctype=SMP)
    r = fresh.api("PATCH", f"{JOBS}/maps", {"metadata": {"annotations": {"$patch": "delete"}}},
                  ctype=SMP)
    assert r.status == 200 and "annotations" not in r.json["metadata"]


# ---- the merge itself, on the official schemas --------------------------------------------

@pytest.fixture(scope="module")
def pod_schema():
    return schema.Schemas.root("", "Pod")


def merge(obj, patch, root):
    return patching.strategic_merge_patch(json.loads(json.dumps(obj)), patch, root)


def test_env_ports_volumes_merge_by_their_keys(pod_schema):
    pod = {"spec": {"containers": [{"name": "a", "image": "i",
                                    "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
                                    "ports": [{"containerPort": 80, "name": "http"}]}],
                    "volumes": [{"name": "v1", "emptyDir": {}}],
                    "imagePullSecrets": [{"name": "s1"}],
                    "tolerations": [{"key": "k1", "operator": "Exists"}]}}
    patch = {"spec": {"containers": [{"name": "a",
                                      "env": [{"name": "B", "value": "22"}, {"name": "C", "value": "3"},
                                              {"name": "A", "$patch": "delete"}],
                                      "ports": [{"containerPort": 80, "protocol": "TCP"},
                                                {"containerPort": 443}]}],
                      "volumes": [{"name": "v2", "configMap": {"name": "cm"}}],
                      "imagePullSecrets": [{"name": "s2"}],
                      "tolerations": [{"key": "k2", "operator": "Exists"}]}}
    out = merge(pod, patch, pod_schema)["spec"]
    c = out["containers"][0]
    assert c["env"] == [{"name": "B", "value": "22"}, {"name": "C", "value": "3"}]
    assert c["ports"] == [{"containerPort": 80, "name": "http", "protocol": "TCP"}, {"containerPort": 443}]
    assert [v["name"] for v in out["volumes"]] == ["v1", "v2"]
    assert out["imagePullSecrets"] == [{"name": "s1"}, {"name": "s2"}]
    assert out["tolerations"] == [{"key": "k2", "operator": "Exists"}]  # atomic: replaced


def test_list_replace_directive_and_set_element_order(pod_schema):
    pod = {"spec": {"containers": [{"name": "a", "image": "i"}, {"name": "b", "image": "j"}]}}
    out = merge(pod, {"spec": {"containers": [{"$patch": "replace"}, {"name": "c", "image": "k"}]}},
                pod_schema)
    assert out["spec"]["containers"] == [{"name": "c", "image": "k"}]
    out = merge(pod, {"spec": {"$setElementOrder/containers": [{"name": "b"}, {"name": "a"}],
                               "containers": [{"name": "a", "image": "i2"}]}}, pod_schema)
    assert [(c["name"], c["image"]) for c in out["spec"]["containers"]] == [("b", "j"), ("a", "i2")]


def test_retain_keys_clears_the_other_members_of_a_volume(pod_schema):
    pod = {"spec": {"volumes": [{"name": "v", "emptyDir": {}}]}}
    out = merge(pod, {"spec": {"volumes": [{"name": "v", "$retainKeys": ["name", "configMap"],
                                            "configMap": {"name": "cm"}}]}}, pod_schema)
    assert out["spec"]["volumes"] == [{"name": "v", "configMap": {"name": "cm"}}]
    with pytest.raises(ApiError) as err:
        merge(pod, {"spec": {"volumes": [{"name": "v", "$retainKeys": ["name"],
                                          "secret": {"secretName": "s"}}]}}, pod_schema)
    assert err.value.code == 422


def test_pod_conditions_merge_by_type(pod_schema):
    pod = {"status": {"conditions": [{"type": "Ready", "status": "False"},
                                     {"type": "PodScheduled", "status": "True"}]}}
    out = merge(pod, {"status": {"conditions": [{"type": "Ready", "status": "True"}]}}, pod_schema)
    assert out["status"]["conditions"] == [{"type": "Ready", "status": "True"},
                                           {"type": "PodScheduled", "status": "True"}]


def test_null_deletes_and_unknown_directive_fails(pod_schema):
    pod = {"metadata": {"labels": {"a": "1", "b": "2"}}}
    assert merge(pod, {"metadata": {"labels": {"a": None}}}, pod_schema)["metadata"]["labels"] == {"b": "2"}
    with pytest.raises(ApiError) as err:
        merge(pod, {"metadata": {"labels": {"$patch": "explode"}}}, pod_schema)
    assert err.value.code == 500 and "unknown patch type: explode" in err.value.message
