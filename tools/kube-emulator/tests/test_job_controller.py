"""The simulated Job controller: outcomes, pod statuses, logs."""

JOBS = "/apis/batch/v1/namespaces/default/jobs"


def conditions(job):
    return [(c["type"], c["status"], c.get("reason")) for c in job["status"].get("conditions", [])]


def finished(emu, name):
    def check():
        job = emu.get_job(name)
        types = [c["type"] for c in (job or {}).get("status", {}).get("conditions", [])]
        return job if ("Complete" in types or "Failed" in types) else None
    return emu.wait_for(check, what=f"Job {name} to finish")


def test_running_job_has_running_pod_and_active_status(fresh):
    fresh.create_job("runner")
    pod = fresh.wait_for(lambda: fresh.pods_of("runner"), what="pod")[0]
    assert pod["metadata"]["name"].startswith("runner-") and len(pod["metadata"]["name"]) == 12
    assert pod["status"]["phase"] == "Running"
    assert "running" in pod["status"]["containerStatuses"][0]["state"]
    job = fresh.wait_for(lambda: fresh.get_job("runner")["status"].get("active") == 1 and
                         fresh.get_job("runner"), what="active")
    assert job["status"]["startTime"].endswith("Z")


def test_succeeding_job_completes(fresh):
    fresh.create_job("ok", outcome={"result": "succeed", "afterSeconds": 0.05})
    job = finished(fresh, "ok")
    assert conditions(job) == [("SuccessCriteriaMet", "True", "CompletionsReached"),
                               ("Complete", "True", "CompletionsReached")]
    assert job["status"]["succeeded"] == 1 and job["status"]["completionTime"]
    pod = fresh.pods_of("ok")[0]
    assert pod["status"]["phase"] == "Succeeded"
    term = pod["status"]["containerStatuses"][0]["state"]["terminated"]
    assert term["exitCode"] == 0 and term["reason"] == "Completed"


def test_oom_killed_job_fails_with_exit_137_and_logs(fresh):
    fresh.create_job("oom", outcome={"result": "fail", "exitCode": 137, "reason": "OOMKilled",
                                     "logs": ["start", "allocating", "killed"]})
    job = finished(fresh, "oom")
    assert conditions(job) == [("FailureTarget", "True", "BackoffLimitExceeded"),
                               ("Failed", "True", "BackoffLimitExceeded")]
    assert job["status"]["failed"] == 1
    pod = fresh.pods_of("oom")[0]
    assert pod["status"]["phase"] == "Failed"
    term = pod["status"]["containerStatuses"][0]["state"]["terminated"]
    assert (term["exitCode"], term["reason"]) == (137, "OOMKilled")
    r = fresh.api("GET", f"/api/v1/namespaces/default/pods/{pod['metadata']['name']}/log",
                  query={"tailLines": 2})
    assert r.status == 200 and r.body == b"allocating\nkilled\n"
    assert dict(r.headers)["Content-Type"] == "text/plain"


def test_error_exit_1_per_container(fresh):
    spec = {"template": {"spec": {"restartPolicy": "Never", "containers": [
        {"name": "app", "image": "busybox:1.36"}, {"name": "sidecar", "image": "busybox:1.36"}]}}}
    fresh.create_job("err", spec=spec, outcome={
        "result": "fail", "exitCode": 1, "reason": "Error",
        "containers": {"sidecar": {"exitCode": 0, "reason": "Completed", "logs": ["side"]}},
        "logs": ["main line"]})
    finished(fresh, "err")
    pod = fresh.pods_of("err")[0]
    states = {c["name"]: c["state"]["terminated"] for c in pod["status"]["containerStatuses"]}
    assert (states["app"]["exitCode"], states["app"]["reason"]) == (1, "Error")
    assert states["sidecar"]["exitCode"] == 0
    base = f"/api/v1/namespaces/default/pods/{pod['metadata']['name']}/log"
    assert fresh.api("GET", base).status == 400  # two containers: one must be named
    assert fresh.api("GET", base, query={"container": "sidecar"}).body == b"side\n"
    assert fresh.api("GET", base, query={"container": "app", "limitBytes": 4}).body == b"main"


def test_evicted_pod_fails_job_without_container_exit(fresh):
    fresh.create_job("evict", outcome={"result": "fail", "evicted": True})
    finished(fresh, "evict")
    pod = fresh.pods_of("evict")[0]
    assert pod["status"]["phase"] == "Failed" and pod["status"]["reason"] == "Evicted"
    assert "terminated" not in pod["status"]["containerStatuses"][0]["state"]


def test_deadline_exceeded_outcome_fails_job_and_deletes_pods(fresh):
    fresh.create_job("late", outcome={"result": "run", "deadlineExceeded": True, "afterSeconds": 0.1})
    job = finished(fresh, "late")
    assert conditions(job)[-1] == ("Failed", "True", "DeadlineExceeded")
    assert fresh.pods_of("late") == []


def test_active_deadline_seconds_fails_running_job(fresh):
    fresh.create_job("ads", spec={"activeDeadlineSeconds": 1})
    job = finished(fresh, "ads")
    assert conditions(job)[-1] == ("Failed", "True", "DeadlineExceeded")


def test_backoff_limit_retries_with_new_pods(fresh):
    fresh.create_job("retry", spec={"backoffLimit": 2}, outcome={"result": "fail", "exitCode": 2})
    job = finished(fresh, "retry")
    assert job["status"]["failed"] == 3
    assert len(fresh.pods_of("retry")) == 3


def test_control_script_outcome_wins_over_annotation(fresh):
    fresh.control("POST", "/outcomes", {"namePrefix": "scripted-", "namespace": "default",
                                        "outcome": {"result": "succeed"}})
    fresh.create_job("scripted-1", outcome={"result": "fail"})
    assert conditions(finished(fresh, "scripted-1"))[-1][0] == "Complete"


def test_finish_endpoint_ends_a_running_job(fresh):
    fresh.create_job("later")
    fresh.wait_for(lambda: fresh.pods_of("later"), what="pod")
    r = fresh.control("POST", "/jobs/default/later/finish",
                      {"result": "fail", "exitCode": 137, "reason": "OOMKilled"})
    assert r["ok"]
    assert conditions(finished(fresh, "later"))[-1][0] == "Failed"


def test_default_outcome_applies_to_unscripted_jobs(fresh):
    fresh.control("POST", "/outcomes", {"default": {"result": "succeed"}})
    fresh.create_job("plain")
    assert conditions(finished(fresh, "plain"))[-1][0] == "Complete"


def test_suspended_job_gets_no_pod_until_resumed(fresh):
    fresh.create_job("susp", spec={"suspend": True})
    import time
    time.sleep(0.15)
    assert fresh.pods_of("susp") == []
    r = fresh.api("PATCH", f"{JOBS}/susp", {"spec": {"suspend": False}},
                  ctype="application/merge-patch+json")
    assert r.status == 200
    fresh.wait_for(lambda: fresh.pods_of("susp"), what="pod after resume")


def test_ttl_after_finished_deletes_job(fresh):
    fresh.create_job("ttl", spec={"ttlSecondsAfterFinished": 0}, outcome={"result": "succeed"})
    fresh.wait_for(lambda: fresh.get_job("ttl") is None, what="TTL deletion")


def test_pod_failing_before_start_fails_job_with_start_error(fresh):
    fresh.create_job("nostart", outcome={"result": "fail", "podFailsBeforeStart": True})
    assert conditions(finished(fresh, "nostart"))[-1] == ("Failed", "True", "BackoffLimitExceeded")
    pod = fresh.pods_of("nostart")[0]
    term = pod["status"]["containerStatuses"][0]["state"]["terminated"]
    assert pod["status"]["phase"] == "Failed" and term["reason"] == "StartError"


def test_status_subresource_changes_only_status(fresh):
    fresh.create_job("statusonly", spec={"suspend": True})  # no pod: nothing races the PUT
    job = fresh.get_job("statusonly")
    job["status"] = {"active": 5}
    job["metadata"]["labels"]["changed"] = "yes"
    r = fresh.api("PUT", f"{JOBS}/statusonly/status", job)
    assert r.status == 200, r.body
    assert r.json["status"] == {"active": 5} and "changed" not in r.json["metadata"]["labels"]


def test_attempts_give_each_retry_pod_its_own_outcome(fresh):
    fresh.create_job("second-time", spec={"backoffLimit": 1}, outcome={"attempts": [
        {"result": "fail", "exitCode": 2, "logs": ["boom"]}, {"result": "succeed", "logs": ["ok"]}]})
    job = finished(fresh, "second-time")
    assert conditions(job)[-1][0] == "Complete"
    assert job["status"]["failed"] == 1 and job["status"]["succeeded"] == 1
    pods = {p["status"]["phase"]: p["metadata"]["name"] for p in fresh.pods_of("second-time")}
    assert set(pods) == {"Failed", "Succeeded"}
    log = "/api/v1/namespaces/default/pods/{}/log"
    assert fresh.api("GET", log.format(pods["Failed"])).body == b"boom\n"
    assert fresh.api("GET", log.format(pods["Succeeded"])).body == b"ok\n"


def test_status_times_are_stored_in_utc_whole_seconds(fresh):
    fresh.create_job("stamped", spec={"suspend": True})
    job = fresh.get_job("stamped")
    job["status"] = {"conditions": [{"type": "Suspended", "status": "True",
                                     "lastTransitionTime": "2026-01-02T03:04:05.678+02:00",
                                     "lastProbeTime": "2026-01-02T03:04:05Z"}],
                     "startTime": "2026-01-02T03:04:05.5-00:30"}
    r = fresh.api("PUT", f"{JOBS}/stamped/status", job)
    assert r.status == 200, r.body
    cond = r.json["status"]["conditions"][0]
    assert cond["lastTransitionTime"] == "2026-01-02T01:04:05Z"
    assert cond["lastProbeTime"] == "2026-01-02T03:04:05Z"
    assert r.json["status"]["startTime"] == "2026-01-02T03:34:05Z"
    assert fresh.get_job("stamped")["status"] == r.json["status"]
