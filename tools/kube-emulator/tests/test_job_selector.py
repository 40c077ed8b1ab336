"""A Job's generated selector and template labels, checked like the real job strategy and
validateGeneratedSelector: labels the client sent are kept, and must be the ones this Job's
uid and name would get."""

import copy
import re

import pytest

from conftest import job_manifest

JOBS = "/apis/batch/v1/namespaces/default/jobs"
UID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def fetched_without_selector(emu, name, new_name=None):
    """A created Job as a client would re-post it: server-owned metadata and status dropped,
    spec.selector removed, the template labels the server added still there."""
    job = emu.create_job(name, spec={"suspend": True})
    job = copy.deepcopy(job)
    job["metadata"] = {"name": new_name or name, "labels": job["metadata"]["labels"]}
    job.pop("status")
    del job["spec"]["selector"]
    return job


def test_repost_with_old_uid_labels_and_no_selector_is_invalid(fresh):
    job = fetched_without_selector(fresh, "repost")
    old_uid = job["spec"]["template"]["metadata"]["labels"]["controller-uid"]
    r = fresh.api("DELETE", f"{JOBS}/repost", query={"propagationPolicy": "Background"})
    assert r.status == 200
    r = fresh.api("POST", JOBS, job)
    assert r.status == 422, r.body
    body = r.json
    assert body["reason"] == "Invalid" and body["details"]["kind"] == "Job"
    causes = body["details"]["causes"]
    # The job-name labels equal the Job's name, so only the uid labels and the selector fail.
    assert [c["field"] for c in causes] == [
        "spec.template.metadata.labels[controller-uid]",
        "spec.template.metadata.labels[batch.kubernetes.io/controller-uid]",
        "spec.template.metadata.labels"]
    assert [c["reason"] for c in causes] == ["FieldValueInvalid"] * 3
    new_uids = set()
    for c in causes[:2]:
        m = re.fullmatch(r"Invalid value: map\[string\]string\{(.*)\}: must be '(.*)'", c["message"])
        assert m, c["message"]
        assert f'"controller-uid":"{old_uid}"' in m.group(1)
        new_uids.add(m.group(2))
    (new_uid,) = new_uids
    assert UID.match(new_uid) and new_uid != old_uid
    assert causes[2]["message"].endswith(": `selector` does not match template `labels`")
    assert body["message"].startswith('Job.batch "repost" is invalid: '
                                      "[spec.template.metadata.labels[controller-uid]: "
                                      "Invalid value: map[string]string{")
    assert fresh.get_job("repost") is None


def test_repost_under_another_name_also_fails_on_the_job_name_labels(fresh):
    job = fetched_without_selector(fresh, "orig", new_name="copy")
    r = fresh.api("POST", JOBS, job)
    assert r.status == 422, r.body
    fields = [c["field"] for c in r.json["details"]["causes"]]
    assert fields == ["spec.template.metadata.labels[controller-uid]",
                      "spec.template.metadata.labels[job-name]",
                      "spec.template.metadata.labels[batch.kubernetes.io/controller-uid]",
                      "spec.template.metadata.labels[batch.kubernetes.io/job-name]",
                      "spec.template.metadata.labels"]
    msg = r.json["details"]["causes"][1]["message"]
    assert msg.endswith(": must be 'copy'")


def test_job_name_labels_equal_to_the_name_are_accepted_and_kept(fresh):
    job = job_manifest("named")
    job["spec"]["template"]["metadata"]["labels"].update(
        {"job-name": "named", "batch.kubernetes.io/job-name": "named"})
    r = fresh.api("POST", JOBS, job)
    assert r.status == 201, r.body
    uid = r.json["metadata"]["uid"]
    labels = r.json["spec"]["template"]["metadata"]["labels"]
    assert labels == {"app": "test", "job-name": "named", "batch.kubernetes.io/job-name": "named",
                      "controller-uid": uid, "batch.kubernetes.io/controller-uid": uid}
    assert r.json["spec"]["selector"] == {"matchLabels": {"batch.kubernetes.io/controller-uid": uid}}


def test_a_controller_uid_label_with_another_uid_is_invalid(fresh):
    job = job_manifest("wronguid")
    job["spec"]["template"]["metadata"]["labels"]["batch.kubernetes.io/controller-uid"] = \
        "00000000-0000-0000-0000-000000000000"
    r = fresh.api("POST", JOBS, job)
    assert r.status == 422, r.body
    assert [c["field"] for c in r.json["details"]["causes"]] == [
        "spec.template.metadata.labels[batch.kubernetes.io/controller-uid]",
        "spec.template.metadata.labels"]


def test_a_selector_without_manual_selector_is_not_auto_generated(fresh):
    job = job_manifest("picked")
    job["spec"]["selector"] = {"matchLabels": {"app": "test"}}
    r = fresh.api("POST", JOBS, job)
    assert r.status == 422, r.body
    (cause,) = r.json["details"]["causes"]
    assert cause["field"] == "spec.selector"
    assert re.fullmatch(r'Invalid value: v1\.LabelSelector\{MatchLabels:map\[string\]string\{'
                        r'"app":"test", "batch\.kubernetes\.io/controller-uid":"[-0-9a-f]{36}"\}, '
                        r'MatchExpressions:\[\]v1\.LabelSelectorRequirement\(nil\)\}: '
                        r'`selector` not auto-generated', cause["message"]), cause["message"]


def test_manual_selector_keeps_the_clients_selector_and_labels(fresh):
    job = job_manifest("manual")
    job["spec"]["manualSelector"] = True
    job["spec"]["selector"] = {"matchLabels": {"app": "test"}}
    r = fresh.api("POST", JOBS, job)
    assert r.status == 201, r.body
    assert r.json["spec"]["selector"] == {"matchLabels": {"app": "test"}}
    assert r.json["spec"]["template"]["metadata"]["labels"] == {"app": "test"}


def test_job_without_labels_takes_the_template_labels(fresh):
    job = job_manifest("unlabelled")
    del job["metadata"]["labels"]
    r = fresh.api("POST", JOBS, job)
    assert r.status == 201, r.body
    assert r.json["metadata"]["labels"] == {"app": "test"}
    assert r.json["spec"]["manualSelector"] is False


def test_python_client_repost_of_a_read_job_is_rejected(kube):
    from kubernetes import client
    from kubernetes.client.rest import ApiException
    batch = client.BatchV1Api(kube)
    body = client.V1Job(
        metadata=client.V1ObjectMeta(name="pyjob"),
        spec=client.V1JobSpec(suspend=True, backoff_limit=0, template=client.V1PodTemplateSpec(
            spec=client.V1PodSpec(restart_policy="Never", containers=[
                client.V1Container(name="main", image="busybox:1.36")]))))
    batch.create_namespaced_job("default", body)
    job = batch.read_namespaced_job("pyjob", "default")
    batch.delete_namespaced_job("pyjob", "default", propagation_policy="Background")
    job.metadata = client.V1ObjectMeta(name="pyjob")
    job.spec.selector = None
    job.status = None
    with pytest.raises(ApiException) as err:
        batch.create_namespaced_job("default", job)
    assert err.value.status == 422
    assert "spec.template.metadata.labels[controller-uid]: Invalid value" in err.value.body
