"""The CronJob controller (v2), simulated on the cluster clock: when the clock passes a
scheduled time it creates the Job `<cronjob>-<scheduled time in minutes since the epoch>`
from the job template (owned by the CronJob, annotated with
`batch.kubernetes.io/cronjob-scheduled-timestamp`); only the most recent missed time is
started, within startingDeadlineSeconds; concurrencyPolicy Forbid waits and Replace deletes the
running Jobs; suspend stops scheduling. Status: `active`, `lastScheduleTime`,
`lastSuccessfulTime`. Finished Jobs beyond the history limits are deleted in the background,
oldest first. Events as the real controller writes them (source `cronjob-controller`).

`decide` is the pure part (the sync's decisions from the CronJob, its Jobs and the time);
CronJobController reads the store, applies the decisions and re-arms its timers."""

import copy
import datetime

import cron
import recorder
import resources as R
from admission import prepare_create
from kubelet import controller_ref
from status import ApiError
from timeutil import now_rfc3339, parse_rfc3339
from workqueue import WorkQueue

COMPONENT = "cronjob-controller"
SCHEDULED_TIMESTAMP = "batch.kubernetes.io/cronjob-scheduled-timestamp"
# nextScheduleDelta: the controller looks 100 ms after a scheduled time.
NEXT_SCHEDULE_DELTA = 0.1


def finished(job):
    """(True, "Complete" | "Failed") for a finished Job, else (False, None)."""
    for c in (job.get("status") or {}).get("conditions") or []:
        if c.get("type") in ("Complete", "Failed") and c.get("status") == "True":
            return True, c["type"]
    return False, None


def job_name(cronjob_name, scheduled):
    return f"{cronjob_name}-{int(scheduled // 60)}"


def scheduled_timestamp(scheduled, zone):
    """RFC 3339 in the CronJob's time zone, `Z` for a zero offset, as Go formats it."""
    d = datetime.datetime.fromtimestamp(scheduled, zone)
    offset = d.utcoffset()
    if not offset:
        return d.strftime("%Y-%m-%dT%H:%M:%SZ")
    text = d.strftime("%Y-%m-%dT%H:%M:%S%z")
    return text[:-2] + ":" + text[-2:]


def _time(text):
    return parse_rfc3339(text) if text else None


def _by_start_time(job):
    """byJobStartTime: by status.startTime (Jobs without one last), then by name."""
    start = (job.get("status") or {}).get("startTime")
    return (start is None, _time(start) or 0, job["metadata"]["name"])


def decide(cj, jobs, now):
    """syncCronJob, then cleanupFinishedJobs, as decisions. `jobs`: the Jobs the CronJob
    controls. Returns (status, actions, next_at): the status before any Job is created,
    actions in order — ("event", type, reason, message), ("delete", job, why),
    ("create", scheduled time) — and when to look again (Unix seconds) or None."""
    status, actions, next_at = _sync(cj, jobs, now)
    return status, actions + _cleanup(cj["spec"], jobs), next_at


def _sync(cj, jobs, now):
    meta, spec = cj["metadata"], cj["spec"]
    status = copy.deepcopy(cj.get("status") or {})
    active = list(status.get("active") or [])
    actions = []
    by_uid = {j["metadata"]["uid"]: j for j in jobs}
    active_uids = {ref.get("uid") for ref in active}
    for job in jobs:
        done, kind = finished(job)
        uid = job["metadata"]["uid"]
        if not done:
            if uid not in active_uids:
                actions.append(("event", "Warning", "UnexpectedJob", "Saw a job that the "
                                f"controller did not create or forgot: {job['metadata']['name']}"))
            continue
        if uid in active_uids:
            active = [ref for ref in active if ref.get("uid") != uid]
            actions.append(("event", "Normal", "SawCompletedJob",
                            f"Saw completed job: {job['metadata']['name']}, condition: {kind}"))
        completion = (job.get("status") or {}).get("completionTime")
        if kind == "Complete" and completion:
            last = _time(status.get("lastSuccessfulTime"))
            if last is None or _time(completion) > last:
                status["lastSuccessfulTime"] = completion
    for ref in list(active):
        if ref.get("uid") not in by_uid:
            active = [r for r in active if r.get("uid") != ref.get("uid")]
            actions.append(("event", "Normal", "MissingJob",
                            f"Active job went missing: {ref.get('name')}"))
    _set_active(status, active)
    if meta.get("deletionTimestamp"):
        return status, actions, None
    zone_name = spec.get("timeZone")
    try:
        zone = cron.time_zone(zone_name)
    except cron.ScheduleError as e:
        actions.append(("event", "Warning", "UnknownTimeZone",
                        f'invalid timeZone: "{zone_name}": {e}'))
        return status, actions, None
    if spec.get("suspend"):
        return status, actions, None
    try:
        schedule = cron.parse(spec.get("schedule") or "", zone)
    except cron.ScheduleError as e:
        actions.append(("event", "Warning", "UnparseableSchedule",
                        f'unparseable schedule: "{spec.get("schedule")}" : {e}'))
        return status, actions, None

    created = _time(meta.get("creationTimestamp")) or now
    deadline = spec.get("startingDeadlineSeconds")
    earliest = _time(status.get("lastScheduleTime")) or created
    if deadline is not None:
        earliest = max(earliest, now - deadline)
    scheduled, missed = cron.most_recent(schedule, earliest, now)
    next_at = _next_at(schedule, status, created, now)
    if scheduled is None:
        return status, actions, next_at
    if missed > 100:
        actions.append(("event", "Warning", "TooManyMissedTimes", "too many missed start times. "
                        "Set or decrease .spec.startingDeadlineSeconds or check clock skew"))
    if deadline is not None and scheduled + deadline < now:
        stamp = datetime.datetime.fromtimestamp(scheduled, datetime.timezone.utc)
        actions.append(("event", "Warning", "MissSchedule", "Missed scheduled time to start a "
                        f"job: {stamp.strftime('%a, %d %b %Y %H:%M:%S +0000')}"))
        return status, actions, next_at
    name = job_name(meta["name"], scheduled)
    if any(ref.get("name") == name for ref in active) or \
            _time(status.get("lastScheduleTime")) == scheduled:
        return status, actions, next_at
    policy = spec.get("concurrencyPolicy") or "Allow"
    if policy == "Forbid" and active:
        actions.append(("event", "Normal", "JobAlreadyActive", "Not starting job because prior "
                        "execution is running and concurrency policy is Forbid"))
        return status, actions, next_at
    if policy == "Replace":
        for ref in active:
            job = by_uid.get(ref.get("uid"))
            if job is not None:
                actions.append(("delete", job, "replace"))
    actions.append(("create", scheduled))
    return status, actions, _next_after(schedule, scheduled)


def _set_active(status, active):
    if active:
        status["active"] = active
    else:
        status.pop("active", None)


def _next_after(schedule, most_recent):
    nxt = schedule.next(most_recent)
    return None if nxt is None else nxt + NEXT_SCHEDULE_DELTA


def _next_at(schedule, status, created, now):
    """nextScheduleTimeDuration (without the starting deadline): the time after the most
    recent scheduled one, or after the last known one when none is due."""
    earliest = _time(status.get("lastScheduleTime")) or created
    recent, missed = cron.most_recent(schedule, earliest, now)
    if recent is None:
        recent = earliest if missed == 0 else now
    return _next_after(schedule, recent)


def _cleanup(spec, jobs):
    """cleanupFinishedJobs: the oldest finished Jobs beyond the history limits."""
    out = []
    for kind, field in (("Complete", "successfulJobsHistoryLimit"),
                        ("Failed", "failedJobsHistoryLimit")):
        limit = spec.get(field)
        if limit is None:
            continue
        done = sorted((j for j in jobs if finished(j) == (True, kind)), key=_by_start_time)
        out += [("delete", job, "history") for job in done[:max(0, len(done) - limit)]]
    return out


class CronJobController:
    def __init__(self, store, scheduler, gc, clock):
        self.store = store
        self.gc = gc
        self.clock = clock
        self.queue = WorkQueue(scheduler, self.sync)
        self.recent_events = {}  # CronJob uid -> (reason, message) of its last Event
        store.listeners.append(self._on_change)
        clock.listeners.append(self._on_clock)

    def reset(self):
        self.queue.clear()
        self.recent_events.clear()

    # ---- triggers -------------------------------------------------------------------------------

    def _on_change(self, change):
        obj = change.entry.obj
        meta = obj["metadata"]
        if change.key == R.CRONJOBS.key:
            if change.type == "DELETED":
                self.recent_events.pop(meta["uid"], None)
            else:
                self.queue.add((meta.get("namespace"), meta["name"]))
        elif change.key == R.JOBS.key:
            ref = controller_ref(obj)
            if ref is not None and ref.get("kind") == "CronJob":
                self.queue.add((meta.get("namespace"), ref.get("name")))

    def _on_clock(self):
        """The clock moved: every CronJob is synced now, so the Jobs the new time calls for
        exist when the control call returns."""
        with self.store.lock:
            for entry in self.store.list(R.CRONJOBS.key)[1]:
                meta = entry.obj["metadata"]
                self.sync((meta.get("namespace"), meta["name"]))

    # ---- sync ------------------------------------------------------------------------------------

    def _jobs(self, cj):
        uid = cj["metadata"]["uid"]
        out = []
        for ns, name in self.gc.dependents(uid, R.JOBS.key):
            job = self.store.get(R.JOBS.key, ns, name)
            ref = controller_ref(job) if job else None
            if ref is not None and ref.get("uid") == uid:
                out.append(job)
        return out

    def sync(self, key):
        ns, name = key
        with self.store.lock:
            cj = self.store.get(R.CRONJOBS.key, ns, name)
            if cj is None:
                return
            status, actions, next_at = decide(cj, self._jobs(cj), self.clock.now())
            for action in actions:
                if action[0] == "event":
                    self._event(cj, *action[1:])
                elif action[0] == "delete":
                    self._delete(cj, action[1], status)
                else:
                    self._create(cj, action[1], status)
            if status != (cj.get("status") or {}):
                cj = copy.deepcopy(cj)
                cj["status"] = status
                self.store.put(R.CRONJOBS.key, cj)
            if next_at is not None:
                wait = self.clock.seconds_until(next_at)
                if wait is not None:
                    self.queue.add(key, wait)

    def _event(self, cj, type_, reason, message):
        # One Event per occurrence; a repeat of the last one is not written again (the real
        # recorder would only count it up).
        if self.recent_events.get(cj["metadata"]["uid"]) == (reason, message):
            return
        self.recent_events[cj["metadata"]["uid"]] = (reason, message)
        recorder.record(self.store, cj, COMPONENT, type_, reason, message)

    def _delete(self, cj, job, status):
        current = self.store.get(R.JOBS.key, job["metadata"].get("namespace"), job["metadata"]["name"])
        if current is None or current["metadata"]["uid"] != job["metadata"]["uid"]:
            return
        self.gc.delete(R.JOBS, current, "Background")
        _set_active(status, [r for r in status.get("active") or []
                             if r.get("uid") != job["metadata"]["uid"]])
        self._event(cj, "Normal", "SuccessfulDelete", f"Deleted job {job['metadata']['name']}")

    def _create(self, cj, scheduled, status):
        meta, spec = cj["metadata"], cj["spec"]
        ns = meta.get("namespace")
        template = spec.get("jobTemplate") or {}
        tmeta = template.get("metadata") or {}
        annotations = dict(tmeta.get("annotations") or {})
        annotations[SCHEDULED_TIMESTAMP] = scheduled_timestamp(
            scheduled, cron.time_zone(spec.get("timeZone")))
        name = job_name(meta["name"], scheduled)
        job = {"apiVersion": "batch/v1", "kind": "Job",
               "metadata": {"name": name, "namespace": ns, "annotations": annotations,
                            "ownerReferences": [{"apiVersion": "batch/v1", "kind": "CronJob",
                                                 "name": meta["name"], "uid": meta["uid"],
                                                 "controller": True, "blockOwnerDeletion": True}]},
               "spec": copy.deepcopy(template.get("spec") or {})}
        if tmeta.get("labels"):
            job["metadata"]["labels"] = dict(tmeta["labels"])
        existing = self.store.get(R.JOBS.key, ns, name)
        if existing is not None:
            # Created before (status not updated then), or by someone else: only a Job this
            # CronJob controls goes into its active list.
            ref = controller_ref(existing)
            if ref is None or ref.get("uid") != meta["uid"] or \
                    any(r.get("uid") == existing["metadata"]["uid"] for r in status.get("active") or []):
                return
            created = existing
        else:
            try:
                created = self.store.put(R.JOBS.key, prepare_create(R.JOBS, job, ns))
            except ApiError as e:
                self._event(cj, "Warning", "FailedCreate", f"Error creating job: {e.message}")
                return
            self._event(cj, "Normal", "SuccessfulCreate", f"Created job {name}")
        cmeta = created["metadata"]
        _set_active(status, list(status.get("active") or []) + [{
            "kind": "Job", "namespace": ns, "name": cmeta["name"], "uid": cmeta["uid"],
            "apiVersion": "batch/v1", "resourceVersion": cmeta["resourceVersion"]}])
        status["lastScheduleTime"] = now_rfc3339(scheduled)
