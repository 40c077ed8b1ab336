"""apps/v1 Deployments and ReplicaSets: validation, generation, the simulated Deployment and
ReplicaSet controllers (rollouts, crash loops, progress deadline), deletion, scale, RBAC."""

import time

import pytest

from conftest import OUTCOME, deployment_manifest
from test_list_watch import WatchStream

DEPLOYMENTS = "/apis/apps/v1/namespaces/default/deployments"
REPLICASETS = "/apis/apps/v1/namespaces/default/replicasets"
PODS = "/api/v1/namespaces/default/pods"
CRASH = {"crashLoop": True, "exitCode": 3, "reason": "Error", "logs": ["starting", "boom"]}


def get(emu, path):
    r = emu.api("GET", path)
    return r.json if r.status == 200 else None


def conditions(obj):
    return {c["type"]: c for c in (obj.get("status") or {}).get("conditions") or []}


def create(emu, manifest):
    r = emu.api("POST", DEPLOYMENTS, manifest)
    assert r.status == 201, r.body
    return r.json


def rolled_out(emu, name, timeout=5.0):
    """The Deployment once its latest generation is observed and fully available."""
    def check():
        d = get(emu, f"{DEPLOYMENTS}/{name}")
        conds = conditions(d or {})
        if d and d["status"].get("observedGeneration") == d["metadata"]["generation"] and \
                conds.get("Available", {}).get("status") == "True" and \
                conds.get("Progressing", {}).get("reason") == "NewReplicaSetAvailable":
            return d
        return None
    return emu.wait_for(check, timeout=timeout, what=f"Deployment {name} to roll out")


def progressing_reason(emu, name, reason, timeout=5.0):
    def check():
        d = get(emu, f"{DEPLOYMENTS}/{name}")
        return d if conditions(d or {}).get("Progressing", {}).get("reason") == reason else None
    return emu.wait_for(check, timeout=timeout, what=f"Progressing {reason} on {name}")


def replicasets_of(emu, d):
    uid = d["metadata"]["uid"]
    return [rs for rs in emu.api("GET", REPLICASETS).json["items"]
            if any(ref["uid"] == uid for ref in rs["metadata"].get("ownerReferences") or [])]


def pods_with(emu, selector):
    return emu.api("GET", PODS, query={"labelSelector": selector}).json["items"]


def assert_invalid(r, *needles):
    assert r.status == 422, r.body
    assert r.json["reason"] == "Invalid"
    for needle in needles:
        assert needle in r.json["message"], r.json["message"]
    return r.json


# ---- the API: defaults, validation, generation --------------------------------------------------

def test_create_sets_the_real_defaults_and_generation_1(fresh):
    d = create(fresh, deployment_manifest("defaults"))
    assert d["metadata"]["generation"] == 1 and d["status"] == {}
    spec = d["spec"]
    assert spec["replicas"] == 1
    assert spec["progressDeadlineSeconds"] == 600 and spec["revisionHistoryLimit"] == 10
    assert spec["strategy"] == {"type": "RollingUpdate",
                                "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}}
    assert spec["template"]["spec"]["restartPolicy"] == "Always"


def test_missing_selector_is_invalid(fresh):
    manifest = deployment_manifest("nosel")
    del manifest["spec"]["selector"]
    body = assert_invalid(fresh.api("POST", DEPLOYMENTS, manifest),
                          'Deployment.apps "nosel" is invalid', "spec.selector: Required value")
    assert [c["field"] for c in body["details"]["causes"]].count("spec.selector") == 1


def test_selector_must_match_template_labels(fresh):
    manifest = deployment_manifest("mismatch")
    manifest["spec"]["selector"] = {"matchLabels": {"app": "other"}}
    body = assert_invalid(fresh.api("POST", DEPLOYMENTS, manifest),
                          'spec.template.metadata.labels: Invalid value: '
                          'map[string]string{"app":"mismatch"}: `selector` does not match '
                          'template `labels`')
    assert body["details"]["causes"][0]["field"] == "spec.template.metadata.labels"


def test_selector_is_immutable_on_update_and_patch(fresh):
    d = create(fresh, deployment_manifest("fixed"))
    del d["metadata"]["resourceVersion"]  # unconditional: the controller writes meanwhile
    d["spec"]["selector"] = {"matchLabels": {"app": "fixed", "tier": "web"}}
    d["spec"]["template"]["metadata"]["labels"]["tier"] = "web"
    assert_invalid(fresh.api("PUT", f"{DEPLOYMENTS}/fixed", d),
                   'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string'
                   '{"app":"fixed", "tier":"web"}, MatchExpressions:[]v1.LabelSelectorRequirement'
                   '(nil)}: field is immutable')
    patch = {"spec": {"selector": {"matchLabels": {"tier": "web"}},
                      "template": {"metadata": {"labels": {"tier": "web"}}}}}
    assert_invalid(fresh.api("PATCH", f"{DEPLOYMENTS}/fixed", patch,
                             ctype="application/merge-patch+json"), "field is immutable")


def _set(path, value):
    """A change to a manifest: sets the value at a dotted path under it."""
    def change(manifest):
        *parents, last = path.split(".")
        node = manifest
        for key in parents:
            node = node[key]
        node[last] = value
    return change


@pytest.mark.parametrize("change, needle", [
    (_set("metadata.name", "Not_A_Name"), "a lowercase RFC 1123 subdomain"),
    (_set("spec.replicas", -1), "spec.replicas: Invalid value: -1: must be greater than or equal to 0"),
    (_set("spec.strategy", {"rollingUpdate": {"maxSurge": 0, "maxUnavailable": 0}}),
     "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0"),
    (_set("spec.strategy", {"type": "Recreate", "rollingUpdate": {"maxSurge": 1}}),
     "spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"),
    (_set("spec.template.spec.restartPolicy", "Never"),
     'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"'),
    (_set("spec.minReadySeconds", 5), "spec.progressDeadlineSeconds: Invalid value: 5: must be "
     "greater than minReadySeconds"),
    (_set("spec.selector", {}), "empty selector is invalid for deployment"),
])
def test_invalid_deployments_are_refused(fresh, change, needle):
    manifest = deployment_manifest("bad", spec={"progressDeadlineSeconds": 5})
    change(manifest)
    assert_invalid(fresh.api("POST", DEPLOYMENTS, manifest), needle)


def test_invalid_label_is_refused(fresh):
    manifest = deployment_manifest("labels", labels={"app": "bad value!"})
    assert_invalid(fresh.api("POST", DEPLOYMENTS, manifest), "spec.template.metadata.labels")


def test_unknown_field_and_wrong_type_are_bad_requests(fresh):
    manifest = deployment_manifest("strict")
    manifest["spec"]["replica"] = 2
    r = fresh.api("POST", DEPLOYMENTS, manifest, query={"fieldValidation": "Strict"})
    assert r.status == 400 and 'unknown field "spec.replica"' in r.json["message"]
    manifest = deployment_manifest("typed", replicas="2")
    r = fresh.api("POST", DEPLOYMENTS, manifest)
    assert r.status == 400 and "cannot unmarshal string" in r.json["message"], r.body


def test_generation_moves_on_spec_and_annotation_changes_only(fresh):
    create(fresh, deployment_manifest("gen"))
    path = f"{DEPLOYMENTS}/gen"
    merge = "application/merge-patch+json"
    r = fresh.api("PATCH", path, {"metadata": {"labels": {"team": "a"}}}, ctype=merge)
    assert r.status == 200 and r.json["metadata"]["generation"] == 1
    d = rolled_out(fresh, "gen")
    d["status"]["replicas"] = 7
    assert fresh.api("PUT", f"{path}/status", d).json["metadata"]["generation"] == 1
    # The real strategy bumps on annotation changes too (they are copied to ReplicaSets).
    r = fresh.api("PATCH", path, {"metadata": {"annotations": {"note": "x"}}}, ctype=merge)
    assert r.json["metadata"]["generation"] == 2
    r = fresh.api("PATCH", path, {"spec": {"replicas": 2}}, ctype=merge)
    assert r.json["metadata"]["generation"] == 3
    d = rolled_out(fresh, "gen")
    assert d["status"]["observedGeneration"] == 3 and d["status"]["replicas"] == 2


# ---- the controllers ----------------------------------------------------------------------------

def test_deployment_gets_a_replicaset_and_ready_pods(fresh):
    created = create(fresh, deployment_manifest("web", replicas=2))
    d = rolled_out(fresh, "web")
    assert d["metadata"]["uid"] == created["metadata"]["uid"]
    assert d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "1"
    st = d["status"]
    assert (st["replicas"], st["updatedReplicas"], st["readyReplicas"], st["availableReplicas"]) \
        == (2, 2, 2, 2)
    assert "unavailableReplicas" not in st  # zero counts are omitted, as Go's omitempty does
    cond = conditions(d)
    assert (cond["Available"]["status"], cond["Available"]["reason"],
            cond["Available"]["message"]) == ("True", "MinimumReplicasAvailable",
                                              "Deployment has minimum availability.")
    assert cond["Available"]["lastUpdateTime"].endswith("Z")
    [rs] = replicasets_of(fresh, d)
    digest = rs["metadata"]["labels"]["pod-template-hash"]
    assert rs["metadata"]["name"] == f"web-{digest}"
    assert cond["Progressing"]["message"] == f'ReplicaSet "web-{digest}" has successfully progressed.'
    assert rs["spec"]["selector"]["matchLabels"] == {"app": "web", "pod-template-hash": digest}
    assert rs["metadata"]["ownerReferences"] == [{
        "apiVersion": "apps/v1", "kind": "Deployment", "name": "web",
        "uid": d["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}]
    pods = pods_with(fresh, f"pod-template-hash={digest}")
    assert len(pods) == 2
    for pod in pods:
        assert pod["metadata"]["name"].startswith(f"web-{digest}-")
        assert pod["metadata"]["labels"] == {"app": "web", "pod-template-hash": digest}
        assert pod["metadata"]["ownerReferences"][0]["kind"] == "ReplicaSet"
        assert pod["status"]["phase"] == "Running"
        assert pod["status"]["containerStatuses"][0]["ready"] is True


def test_changed_template_rolls_out_a_new_replicaset(fresh):
    first = create(fresh, deployment_manifest("roll", replicas=2))
    rolled_out(fresh, "roll")
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "main", "image": "nginx:1.28"}]}}}}
    r = fresh.api("PATCH", f"{DEPLOYMENTS}/roll", patch,
                  ctype="application/strategic-merge-patch+json")
    assert r.status == 200 and r.json["metadata"]["generation"] == 2
    d = fresh.wait_for(lambda: (lambda x: x if x["status"].get("updatedReplicas") == 2 and
                                x["status"].get("replicas") == 2 and
                                x["status"].get("observedGeneration") == 2 and
                                conditions(x)["Progressing"]["reason"] == "NewReplicaSetAvailable"
                                else None)(get(fresh, f"{DEPLOYMENTS}/roll")), what="rollout")
    assert d["metadata"]["uid"] == first["metadata"]["uid"]
    assert conditions(d)["Available"]["status"] == "True"
    assert d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "2"
    rss = {rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"]: rs
           for rs in replicasets_of(fresh, d)}
    assert set(rss) == {"1", "2"}
    assert rss["1"]["spec"]["replicas"] == 0
    assert rss["2"]["spec"]["replicas"] == 2
    assert rss["2"]["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.28"
    fresh.wait_for(lambda: {p["spec"]["containers"][0]["image"]
                            for p in pods_with(fresh, "app=roll")} == {"nginx:1.28"},
                   what="old pods gone")
    events = fresh.api("GET", "/api/v1/namespaces/default/events",
                       query={"fieldSelector": "involvedObject.name=roll"}).json["items"]
    messages = [e["message"] for e in events if e["reason"] == "ScalingReplicaSet"]
    old, new = rss["1"]["metadata"]["name"], rss["2"]["metadata"]["name"]
    assert f"Scaled up replica set {new} from 0 to 1" in messages
    assert f"Scaled down replica set {old} from 1 to 0" in messages


def test_crash_loop_exceeds_the_progress_deadline(fresh):
    start = time.monotonic()
    create(fresh, deployment_manifest("crashy", outcome=CRASH,
                                      spec={"progressDeadlineSeconds": 1}))
    d = progressing_reason(fresh, "crashy", "ProgressDeadlineExceeded")
    assert time.monotonic() - start >= 1.0  # no earlier than the deadline after the last progress
    [rs] = replicasets_of(fresh, d)
    progressing = conditions(d)["Progressing"]
    assert progressing["status"] == "False"
    assert progressing["message"] == f'ReplicaSet "{rs["metadata"]["name"]}" has timed out progressing.'
    available = conditions(d)["Available"]
    assert (available["status"], available["reason"]) == ("False", "MinimumReplicasUnavailable")
    st = d["status"]
    assert st["replicas"] == 1 and st["updatedReplicas"] == 1 and st["unavailableReplicas"] == 1
    assert "readyReplicas" not in st and "availableReplicas" not in st

    def restarted_twice():
        pods = pods_with(fresh, "app=crashy")
        return pods and pods[0]["status"]["containerStatuses"][0]["restartCount"] >= 2 and pods[0]
    pod = fresh.wait_for(restarted_twice, what="restarts")
    cs = pod["status"]["containerStatuses"][0]
    assert cs["ready"] is False and cs["state"]["waiting"]["reason"] == "CrashLoopBackOff"
    term = cs["lastState"]["terminated"]
    assert (term["exitCode"], term["reason"]) == (3, "Error") and term["finishedAt"].endswith("Z")
    assert pod["status"]["phase"] == "Running"
    log = f"{PODS}/{pod['metadata']['name']}/log"
    assert fresh.api("GET", log).body == b"starting\nboom\n"
    assert fresh.api("GET", log, query={"previous": "true"}).body == b"starting\nboom\n"


def test_control_api_heals_and_breaks_the_pods_of_a_deployment(fresh):
    create(fresh, deployment_manifest("mend", outcome=CRASH, spec={"progressDeadlineSeconds": 1}))
    progressing_reason(fresh, "mend", "ProgressDeadlineExceeded")
    answer = fresh.control("POST", "/deployments/default/mend/outcome", {"logs": ["fine now"]})
    assert answer["ok"] and len(answer["pods"]) == 1
    d = rolled_out(fresh, "mend")
    assert conditions(d)["Progressing"]["status"] == "True"
    pod = pods_with(fresh, "app=mend")[0]
    cs = pod["status"]["containerStatuses"][0]
    assert cs["ready"] is True and "running" in cs["state"] and cs["restartCount"] >= 1
    log = f"{PODS}/{pod['metadata']['name']}/log"
    assert fresh.api("GET", log).body == b"fine now\n"
    assert fresh.api("GET", log, query={"previous": "true"}).body == b"starting\nboom\n"
    # And back: a healthy Deployment's pods crash on request.
    assert fresh.control("POST", "/deployments/default/mend/outcome", {"outcome": CRASH})["ok"]
    fresh.wait_for(lambda: get(fresh, f"{DEPLOYMENTS}/mend")["status"].get("readyReplicas") is None,
                   what="pods not ready")
    assert fresh.control("POST", "/deployments/default/ghost/outcome", {})["ok"] is False


def test_a_replicaset_on_its_own_keeps_its_replicas(fresh):
    rs = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "solo"},
          "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "solo"}},
                   "template": {"metadata": {"labels": {"app": "solo"}},
                                "spec": {"containers": [{"name": "main", "image": "nginx:1.27"}]}}}}
    r = fresh.api("POST", REPLICASETS, rs)
    assert r.status == 201 and r.json["metadata"]["generation"] == 1, r.body
    status = fresh.wait_for(lambda: (lambda x: x["status"] if x["status"].get("availableReplicas") == 2
                                     else None)(get(fresh, f"{REPLICASETS}/solo")), what="replicas")
    assert status == {"replicas": 2, "fullyLabeledReplicas": 2, "readyReplicas": 2,
                      "availableReplicas": 2, "observedGeneration": 1}
    r = fresh.api("PATCH", f"{REPLICASETS}/solo", {"spec": {"replicas": 1}},
                  ctype="application/merge-patch+json")
    assert r.json["metadata"]["generation"] == 2
    fresh.wait_for(lambda: len(pods_with(fresh, "app=solo")) == 1, what="scale down")


def test_replicaset_replaces_a_deleted_pod(fresh):
    create(fresh, deployment_manifest("heal", replicas=1))
    rolled_out(fresh, "heal")
    [pod] = pods_with(fresh, "app=heal")
    assert fresh.api("DELETE", f"{PODS}/{pod['metadata']['name']}").status == 200
    replacement = fresh.wait_for(lambda: [p for p in pods_with(fresh, "app=heal")
                                          if p["metadata"]["name"] != pod["metadata"]["name"]],
                                 what="replacement pod")
    assert len(replacement) == 1


def test_scale_subresource_reads_and_sets_replicas(fresh):
    create(fresh, deployment_manifest("scaled"))
    rolled_out(fresh, "scaled")
    scale = fresh.api("GET", f"{DEPLOYMENTS}/scaled/scale").json
    assert (scale["kind"], scale["apiVersion"]) == ("Scale", "autoscaling/v1")
    assert scale["spec"] == {"replicas": 1}
    assert scale["status"] == {"replicas": 1, "selector": "app=scaled"}
    r = fresh.api("PATCH", f"{DEPLOYMENTS}/scaled/scale", {"spec": {"replicas": 3}},
                  ctype="application/merge-patch+json")
    assert r.status == 200 and r.json["spec"]["replicas"] == 3
    d = rolled_out(fresh, "scaled")
    assert d["metadata"]["generation"] == 2 and d["status"]["availableReplicas"] == 3
    assert len(pods_with(fresh, "app=scaled")) == 3
    scale["spec"]["replicas"] = -1
    assert_invalid(fresh.api("PUT", f"{DEPLOYMENTS}/scaled/scale", scale),
                   'Scale.autoscaling "scaled" is invalid: spec.replicas: Invalid value: -1')


# ---- deletion -----------------------------------------------------------------------------------

def test_foreground_delete_removes_replicasets_and_pods_before_the_deployment(fresh):
    create(fresh, deployment_manifest("fg", replicas=2))
    d = rolled_out(fresh, "fg")
    [rs] = replicasets_of(fresh, d)
    rv = fresh.api("GET", DEPLOYMENTS).json["metadata"]["resourceVersion"]
    deps = WatchStream(fresh, DEPLOYMENTS, {"resourceVersion": rv, "fieldSelector": "metadata.name=fg"})
    sets = WatchStream(fresh, REPLICASETS, {"resourceVersion": rv})
    pods = WatchStream(fresh, PODS, {"resourceVersion": rv, "labelSelector": "app=fg"})
    try:
        r = fresh.api("DELETE", f"{DEPLOYMENTS}/fg", {"propagationPolicy": "Foreground"})
        assert r.status == 200 and r.json["metadata"]["deletionTimestamp"]
        assert "foregroundDeletion" in r.json["metadata"]["finalizers"]
        gone = deps.until(lambda e: e["type"] == "DELETED")
        rs_gone = sets.until(lambda e: e["type"] == "DELETED")
        pod_events = [pods.until(lambda e: e["type"] == "DELETED") for _ in range(2)]
        assert gone and rs_gone and all(pod_events)
        assert rs_gone["object"]["metadata"]["name"] == rs["metadata"]["name"]
        rv_of = lambda e: int(e["object"]["metadata"]["resourceVersion"])  # noqa: E731
        assert max(rv_of(e) for e in pod_events) < rv_of(rs_gone) < rv_of(gone)
    finally:
        deps.close()
        sets.close()
        pods.close()
    assert replicasets_of(fresh, d) == [] and pods_with(fresh, "app=fg") == []


def test_delete_without_policy_is_background(fresh):
    create(fresh, deployment_manifest("bg"))
    d = rolled_out(fresh, "bg")
    r = fresh.api("DELETE", f"{DEPLOYMENTS}/bg")
    assert r.status == 200 and r.json["kind"] == "Status" and r.json["status"] == "Success"
    assert get(fresh, f"{DEPLOYMENTS}/bg") is None
    fresh.wait_for(lambda: not replicasets_of(fresh, d) and not pods_with(fresh, "app=bg"),
                   what="dependents collected")


# ---- independent clients and RBAC -------------------------------------------------------------------

def test_discovery_serves_the_apps_group(fresh):
    groups = {g["name"]: g["preferredVersion"]["groupVersion"]
              for g in fresh.api("GET", "/apis").json["groups"]}
    assert groups["apps"] == "apps/v1"
    assert fresh.api("GET", "/apis/apps").json["versions"] == [{"groupVersion": "apps/v1", "version": "v1"}]
    resources = {r["name"]: r for r in fresh.api("GET", "/apis/apps/v1").json["resources"]}
    assert resources["deployments"]["shortNames"] == ["deploy"]
    assert resources["replicasets"]["shortNames"] == ["rs"]
    assert {k: resources["deployments/scale"][k] for k in ("group", "version", "kind")} == \
        {"group": "autoscaling", "version": "v1", "kind": "Scale"}
    assert "cronjobs/status" in {r["name"] for r in fresh.api("GET", "/apis/batch/v1").json["resources"]}


def test_python_client_creates_and_reads_deployments(kube, fresh):
    from kubernetes import client
    apps = client.AppsV1Api(kube)
    apps.create_namespaced_deployment("default", deployment_manifest("py"))
    rolled_out(fresh, "py")
    d = apps.read_namespaced_deployment("py", "default")
    assert d.spec.strategy.rolling_update.max_surge == "25%"
    assert d.status.available_replicas == 1
    assert {c.type: c.status for c in d.status.conditions} == {"Available": "True",
                                                               "Progressing": "True"}
    assert d.status.conditions[0].last_update_time.tzinfo is not None
    [rs] = apps.list_namespaced_replica_set("default", label_selector="app=py").items
    assert rs.metadata.owner_references[0].name == "py"
    assert apps.read_namespaced_deployment_scale("py", "default").status.replicas == 1


def test_a_token_without_deployment_rules_is_forbidden(fresh):
    create(fresh, deployment_manifest("guarded"))
    fresh.control("POST", "/tokens", {"token": "jobs-only", "user": "system:serviceaccount:default:op",
                                      "rules": [{"apiGroups": ["batch"], "resources": ["jobs"],
                                                 "verbs": ["*"]},
                                                {"apiGroups": ["apps"], "resources": ["deployments"],
                                                 "verbs": ["get"]}]})
    r = fresh.api("GET", DEPLOYMENTS, token="jobs-only")
    assert r.status == 403 and r.json["reason"] == "Forbidden"
    assert r.json["message"] == ('deployments.apps is forbidden: User "system:serviceaccount:default:op" '
                                 'cannot list resource "deployments" in API group "apps" in the '
                                 'namespace "default"')
    assert r.json["details"] == {"group": "apps", "kind": "deployments"}
    assert fresh.api("GET", f"{DEPLOYMENTS}/guarded", token="jobs-only").status == 200
    r = fresh.api("PATCH", f"{DEPLOYMENTS}/guarded/scale", {"spec": {"replicas": 2}},
                  token="jobs-only", ctype="application/merge-patch+json")
    assert r.status == 403
    assert 'cannot patch resource "deployments/scale" in API group "apps"' in r.json["message"]
    r = fresh.api("DELETE", f"{DEPLOYMENTS}/guarded", token="jobs-only")
    assert r.status == 403 and 'deployments.apps "guarded" is forbidden' in r.json["message"]
    r = fresh.api("GET", REPLICASETS, token="jobs-only")
    assert r.status == 403 and 'cannot list resource "replicasets"' in r.json["message"]


def test_outcome_annotation_of_the_template_reaches_the_pods(fresh):
    create(fresh, deployment_manifest("annotated", outcome={"logs": ["hello"]}))
    rolled_out(fresh, "annotated")
    [pod] = pods_with(fresh, "app=annotated")
    assert OUTCOME in pod["metadata"]["annotations"]
    assert fresh.api("GET", f"{PODS}/{pod['metadata']['name']}/log").body == b"hello\n"
