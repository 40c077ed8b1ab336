"""batch/v1 CronJobs: validation, generation, and the simulated CronJob controller driven by the
emulator's clock (POST /clock), so no test waits for a schedule."""

import datetime

import pytest

from conftest import OUTCOME, cronjob_manifest

CRONJOBS = "/apis/batch/v1/namespaces/default/cronjobs"
JOBS = "/apis/batch/v1/namespaces/default/jobs"
START = "2026-03-01T10:00:00Z"  # the clock at the start of each scheduling test


def at(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def minutes(text):
    return int(at(text) // 60)


def create(emu, manifest):
    r = emu.api("POST", CRONJOBS, manifest)
    assert r.status == 201, r.body
    return r.json


def get(emu, name):
    r = emu.api("GET", f"{CRONJOBS}/{name}")
    return r.json if r.status == 200 else None


def jobs_of(emu, name):
    return sorted((j for j in emu.api("GET", JOBS).json["items"]
                   if any(ref["name"] == name and ref["kind"] == "CronJob"
                          for ref in j["metadata"].get("ownerReferences") or [])),
                  key=lambda j: j["metadata"]["name"])


def advance(emu, seconds):
    return emu.control("POST", "/clock", {"advanceSeconds": seconds})


def finished_jobs(emu, name, count, kind):
    """Waits until `count` of the CronJob's Jobs have the condition `kind` (Complete/Failed)."""
    def check():
        done = [j for j in jobs_of(emu, name)
                if any(c["type"] == kind and c["status"] == "True"
                       for c in (j.get("status") or {}).get("conditions") or [])]
        return done if len(done) == count else None
    return emu.wait_for(check, what=f"{count} {kind} Jobs of {name}")


def status_when(emu, name, pred, what):
    return emu.wait_for(lambda: (lambda cj: cj["status"] if cj and pred(cj["status"]) else None)(
        get(emu, name)), what=what)


def events_of(emu, name):
    return [(e["reason"], e["message"]) for e in emu.api(
        "GET", "/api/v1/namespaces/default/events",
        query={"fieldSelector": f"involvedObject.name={name},involvedObject.kind=CronJob"}).json["items"]]


@pytest.fixture
def clock(fresh):
    """The cluster clock stopped at START (POST /reset sets it back to real time)."""
    assert fresh.control("POST", "/clock", {"now": START}) == {
        "now": START, "unix": at(START), "frozen": True}
    return fresh


def assert_invalid(r, *needles):
    assert r.status == 422, r.body
    for needle in needles:
        assert needle in r.json["message"], r.json["message"]
    return r.json


# ---- validation and defaults --------------------------------------------------------------------

def test_create_sets_the_real_defaults_and_generation(fresh):
    cj = create(fresh, cronjob_manifest("defaults"))
    spec = cj["spec"]
    assert (spec["concurrencyPolicy"], spec["suspend"], spec["successfulJobsHistoryLimit"],
            spec["failedJobsHistoryLimit"]) == ("Allow", False, 3, 1)
    assert cj["metadata"]["generation"] == 1 and cj["status"] == {}
    # The pod template gets pod defaults; the Job defaults wait for the Job itself.
    assert spec["jobTemplate"]["spec"]["template"]["spec"]["dnsPolicy"] == "ClusterFirst"
    assert "completions" not in spec["jobTemplate"]["spec"]
    merge = "application/merge-patch+json"
    r = fresh.api("PATCH", f"{CRONJOBS}/defaults", {"metadata": {"labels": {"a": "b"}}}, ctype=merge)
    assert r.json["metadata"]["generation"] == 1
    r = fresh.api("PATCH", f"{CRONJOBS}/defaults", {"spec": {"schedule": "@hourly"}}, ctype=merge)
    assert r.json["metadata"]["generation"] == 2


def test_name_of_at_most_52_characters(fresh):
    create(fresh, cronjob_manifest("n" * 52))
    body = assert_invalid(fresh.api("POST", CRONJOBS, cronjob_manifest("n" * 53)),
                          f'metadata.name: Invalid value: "{"n" * 53}": must be no more than 52 '
                          "characters")
    assert body["details"]["causes"] == [{"reason": "FieldValueInvalid", "field": "metadata.name",
                                          "message": f'Invalid value: "{"n" * 53}": must be no '
                                                     "more than 52 characters"}]
    assert_invalid(fresh.api("POST", CRONJOBS, cronjob_manifest("Upper")), "RFC 1123 subdomain")


@pytest.mark.parametrize("schedule, message", [
    ("bad", "expected exactly 5 fields, found 1: [bad]"),
    ("61 * * * *", "end of range (61) above maximum (59): 61"),
    ("* * * * 8", "end of range (8) above maximum (6): 8"),
    ("*/0 * * * *", "step of range should be a positive number: */0"),
    ("x * * * *", 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax'),
    ("@fortnightly", "unrecognized descriptor: @fortnightly"),
    ("@every 5d", 'failed to parse duration @every 5d: time: unknown unit "d" in duration "5d"'),
    ("TZ=UTC 0 * * * *", "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"),
])
def test_invalid_schedules_are_refused(fresh, schedule, message):
    assert_invalid(fresh.api("POST", CRONJOBS, cronjob_manifest("sched", schedule=schedule)),
                   f'spec.schedule: Invalid value: "{schedule}": {message}')


@pytest.mark.parametrize("schedule", ["@hourly", "@every 90m", "0 9 * * mon-fri", "*/15 0-6 1,15 JAN-jun ?"])
def test_valid_schedules_are_accepted(fresh, schedule):
    create(fresh, cronjob_manifest("ok", schedule=schedule))


def test_missing_schedule_time_zone_and_job_template_rules(fresh):
    manifest = cronjob_manifest("rules", spec={"timeZone": "Mars/Olympus"})
    del manifest["spec"]["schedule"]
    manifest["spec"]["jobTemplate"]["spec"]["template"]["spec"]["restartPolicy"] = "Always"
    manifest["spec"]["jobTemplate"]["spec"]["selector"] = {"matchLabels": {"a": "b"}}
    body = assert_invalid(fresh.api("POST", CRONJOBS, manifest), "spec.schedule: Required value",
                          'spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus',
                          "spec.jobTemplate.spec.template.spec.restartPolicy: Required value",
                          "spec.jobTemplate.spec.selector", "`selector` will be auto-generated")
    assert [c["field"] for c in body["details"]["causes"]].count("spec.schedule") == 1
    assert_invalid(fresh.api("POST", CRONJOBS, cronjob_manifest("local", spec={"timeZone": "Local"})),
                   "timeZone must be an explicit time zone")


# ---- the controller, on the emulator's clock ----------------------------------------------------

def test_clock_passing_a_schedule_creates_exactly_one_job(clock):
    cj = create(clock, cronjob_manifest("tick", outcome={"result": "run"}, labels={"app": "tick"}))
    advance(clock, 299)
    assert jobs_of(clock, "tick") == []
    assert advance(clock, 1)["now"] == "2026-03-01T10:05:00Z"
    # The Job exists when the control call returns.
    [job] = jobs_of(clock, "tick")
    meta = job["metadata"]
    assert meta["name"] == f"tick-{minutes('2026-03-01T10:05:00Z')}"
    assert meta["labels"] == {"app": "tick"}
    assert meta["annotations"] == {
        OUTCOME: '{"result": "run"}',
        "batch.kubernetes.io/cronjob-scheduled-timestamp": "2026-03-01T10:05:00Z"}
    assert meta["ownerReferences"] == [{"apiVersion": "batch/v1", "kind": "CronJob",
                                        "name": "tick", "uid": cj["metadata"]["uid"],
                                        "controller": True, "blockOwnerDeletion": True}]
    assert job["spec"]["backoffLimit"] == 0 and job["spec"]["selector"]["matchLabels"]
    status = get(clock, "tick")["status"]
    assert status["lastScheduleTime"] == "2026-03-01T10:05:00Z"
    assert status["active"] == [{"kind": "Job", "namespace": "default", "name": meta["name"],
                                 "uid": meta["uid"], "apiVersion": "batch/v1",
                                 "resourceVersion": status["active"][0]["resourceVersion"]}]
    assert ("SuccessfulCreate", f"Created job {meta['name']}") in events_of(clock, "tick")
    # Missed schedules: an hour later only the most recent one is started.
    advance(clock, 3600)
    names = [j["metadata"]["name"] for j in jobs_of(clock, "tick")]
    assert names == [meta["name"], f"tick-{minutes('2026-03-01T11:05:00Z')}"]
    # The Jobs run through the Job controller.
    clock.wait_for(lambda: len(clock.pods_of(names[1])) == 1, what="the Job's pod")


def test_failed_then_successful_run_and_the_status(clock):
    clock.control("POST", "/outcomes", {"namePrefix": "runs-", "namespace": "default",
                                        "outcome": {"result": "fail", "exitCode": 2}})
    create(clock, cronjob_manifest("runs"))
    advance(clock, 300)
    [failed] = finished_jobs(clock, "runs", 1, "Failed")
    status = status_when(clock, "runs", lambda s: "active" not in s, "the failed run to end")
    assert status == {"lastScheduleTime": "2026-03-01T10:05:00Z"}
    assert ("SawCompletedJob", f"Saw completed job: {failed['metadata']['name']}, condition: Failed") \
        in events_of(clock, "runs")
    clock.control("POST", "/outcomes", {"namePrefix": "runs-", "namespace": "default",
                                        "outcome": {"result": "succeed"}})
    advance(clock, 300)
    [succeeded] = finished_jobs(clock, "runs", 1, "Complete")
    status = status_when(clock, "runs", lambda s: "lastSuccessfulTime" in s, "the successful run")
    assert status == {"lastScheduleTime": "2026-03-01T10:10:00Z",
                      "lastSuccessfulTime": succeeded["status"]["completionTime"]}
    assert succeeded["status"]["completionTime"] == "2026-03-01T10:10:00Z"  # the cluster clock
    assert len(jobs_of(clock, "runs")) == 2  # within both history limits


def test_history_limits_delete_the_oldest_finished_jobs(clock):
    clock.control("POST", "/outcomes", {"namePrefix": "hist-", "namespace": "default",
                                        "outcome": {"result": "fail"}})
    create(clock, cronjob_manifest("hist", spec={"successfulJobsHistoryLimit": 2}))
    for _ in range(2):
        advance(clock, 300)
        clock.wait_for(lambda: "active" not in get(clock, "hist")["status"], what="run to end")
    clock.control("POST", "/outcomes", {"namePrefix": "hist-", "namespace": "default",
                                        "outcome": {"result": "succeed"}})
    for _ in range(3):
        advance(clock, 300)
        clock.wait_for(lambda: "active" not in get(clock, "hist")["status"], what="run to end")
    expected = [f"hist-{minutes(t)}" for t in ("2026-03-01T10:10:00Z", "2026-03-01T10:20:00Z",
                                               "2026-03-01T10:25:00Z")]
    clock.wait_for(lambda: [j["metadata"]["name"] for j in jobs_of(clock, "hist")] == expected,
                   what="history limits")
    deleted = [m for r, m in events_of(clock, "hist") if r == "SuccessfulDelete"]
    assert deleted == [f"Deleted job hist-{minutes('2026-03-01T10:05:00Z')}",
                       f"Deleted job hist-{minutes('2026-03-01T10:15:00Z')}"]
    # A deleted Job's pods are collected too (background propagation).
    clock.wait_for(lambda: clock.pods_of(f"hist-{minutes('2026-03-01T10:05:00Z')}") == [],
                   what="pods of deleted Job")


def test_forbid_skips_while_a_run_is_active_then_starts_the_missed_one(clock):
    create(clock, cronjob_manifest("single", spec={"concurrencyPolicy": "Forbid"}))
    advance(clock, 300)
    [first] = jobs_of(clock, "single")
    advance(clock, 300)
    assert jobs_of(clock, "single") == [first]
    assert ("JobAlreadyActive", "Not starting job because prior execution is running and "
            "concurrency policy is Forbid") in events_of(clock, "single")
    assert get(clock, "single")["status"]["lastScheduleTime"] == "2026-03-01T10:05:00Z"
    clock.wait_for(lambda: clock.pods_of(first["metadata"]["name"]), what="pod")
    assert clock.control("POST", f"/jobs/default/{first['metadata']['name']}/finish",
                         {"result": "succeed"})["ok"]
    # Once it finished, the skipped 10:10 run starts (it is still the most recent one).
    clock.wait_for(lambda: len(jobs_of(clock, "single")) == 2, what="the skipped run")
    assert jobs_of(clock, "single")[1]["metadata"]["name"] == f"single-{minutes('2026-03-01T10:10:00Z')}"


def test_replace_deletes_the_running_job(clock):
    create(clock, cronjob_manifest("swap", spec={"concurrencyPolicy": "Replace"}))
    advance(clock, 300)
    [first] = jobs_of(clock, "swap")
    advance(clock, 300)
    [second] = jobs_of(clock, "swap")
    assert second["metadata"]["name"] == f"swap-{minutes('2026-03-01T10:10:00Z')}"
    assert [ref["name"] for ref in get(clock, "swap")["status"]["active"]] == [second["metadata"]["name"]]
    assert ("SuccessfulDelete", f"Deleted job {first['metadata']['name']}") in events_of(clock, "swap")


def test_suspended_cronjob_schedules_nothing_until_resumed(clock):
    create(clock, cronjob_manifest("paused", spec={"suspend": True}))
    advance(clock, 900)
    assert jobs_of(clock, "paused") == []
    r = clock.api("PATCH", f"{CRONJOBS}/paused", {"spec": {"suspend": False}},
                  ctype="application/merge-patch+json")
    assert r.status == 200
    # Resumed: the most recent missed time (10:15) is started, the earlier ones are not.
    clock.wait_for(lambda: [j["metadata"]["name"] for j in jobs_of(clock, "paused")] ==
                   [f"paused-{minutes('2026-03-01T10:15:00Z')}"], what="the missed run")


def test_starting_deadline_skips_a_run_that_is_too_late(clock):
    create(clock, cronjob_manifest("late", spec={"startingDeadlineSeconds": 30}))
    advance(clock, 340)  # 10:05:40: the 10:05 run is 40 s late
    assert jobs_of(clock, "late") == []
    advance(clock, 280)  # 10:10:20: on time, within 30 s
    assert [j["metadata"]["name"] for j in jobs_of(clock, "late")] == \
        [f"late-{minutes('2026-03-01T10:10:00Z')}"]


def test_time_zone_sets_the_schedule_and_the_annotation(clock):
    create(clock, cronjob_manifest("berlin", schedule="0 12 * * *",
                                   spec={"timeZone": "Europe/Berlin"}))
    advance(clock, 3600)  # 11:00Z is noon in Berlin (CET, +01:00)
    [job] = jobs_of(clock, "berlin")
    assert job["metadata"]["name"] == f"berlin-{minutes('2026-03-01T11:00:00Z')}"
    assert job["metadata"]["annotations"]["batch.kubernetes.io/cronjob-scheduled-timestamp"] == \
        "2026-03-01T12:00:00+01:00"


def test_delete_cascades_to_jobs_and_pods(clock):
    create(clock, cronjob_manifest("gone"))
    advance(clock, 300)
    [job] = jobs_of(clock, "gone")
    clock.wait_for(lambda: clock.pods_of(job["metadata"]["name"]), what="pod")
    r = clock.api("DELETE", f"{CRONJOBS}/gone")  # no policy: Background, like the real server
    assert r.status == 200 and r.json["status"] == "Success"
    assert get(clock, "gone") is None
    clock.wait_for(lambda: clock.get_job(job["metadata"]["name"]) is None and
                   not clock.pods_of(job["metadata"]["name"]), what="Jobs and pods collected")


# ---- the clock, independent clients and RBAC --------------------------------------------------------

def test_clock_follows_real_time_until_set(fresh):
    state = fresh.control("GET", "/clock")
    assert state["frozen"] is False and abs(state["unix"] - datetime.datetime.now().timestamp()) < 5
    assert fresh.control("POST", "/clock", {"now": "2030-01-01T00:00:00+02:00"})["now"] == \
        "2029-12-31T22:00:00Z"
    assert fresh.control("POST", "/clock", {"advanceSeconds": 90})["now"] == "2029-12-31T22:01:30Z"
    r = fresh.api("POST", JOBS, {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "stamp"},
                                 "spec": {"suspend": True, "template": {"spec": {
                                     "restartPolicy": "Never",
                                     "containers": [{"name": "c", "image": "busybox:1.36"}]}}}})
    assert r.json["metadata"]["creationTimestamp"] == "2029-12-31T22:01:30Z"
    assert fresh.control_raw("POST", "/clock", {"now": "yesterday"}).status == 400
    assert fresh.control_raw("POST", "/clock", {"now": "2030-01-01T00:00:00"}).status == 400
    assert fresh.control("POST", "/clock", {"realTime": True})["frozen"] is False


def test_python_client_reads_cronjobs_and_their_status(kube, clock):
    from kubernetes import client
    batch = client.BatchV1Api(kube)
    batch.create_namespaced_cron_job("default", cronjob_manifest("py"))
    advance(clock, 300)
    cj = batch.read_namespaced_cron_job("py", "default")
    assert cj.spec.concurrency_policy == "Allow" and cj.status.active[0].kind == "Job"
    assert cj.status.last_schedule_time == datetime.datetime(2026, 3, 1, 10, 5,
                                                             tzinfo=datetime.timezone.utc)


def test_a_token_without_cronjob_rules_is_forbidden(fresh):
    fresh.control("POST", "/tokens", {"token": "jobs-only", "user": "op", "rules": [
        {"apiGroups": ["batch"], "resources": ["jobs", "cronjobs"], "verbs": ["get", "list"]}]})
    assert fresh.api("GET", CRONJOBS, token="jobs-only").status == 200
    r = fresh.api("POST", CRONJOBS, cronjob_manifest("nope"), token="jobs-only")
    assert r.status == 403
    assert r.json["message"] == ('cronjobs.batch is forbidden: User "op" cannot create resource '
                                 '"cronjobs" in API group "batch" in the namespace "default"')
    create(fresh, cronjob_manifest("mine"))
    r = fresh.api("PUT", f"{CRONJOBS}/mine/status", get(fresh, "mine"), token="jobs-only")
    assert r.status == 403 and 'cannot update resource "cronjobs/status"' in r.json["message"]
