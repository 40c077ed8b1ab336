"""The pure parts, table-driven: cron schedules (robfig/cron's standard parser and its Next),
the CronJob controller's most recent missed time, Go durations, and the Deployment
controller's rollout arithmetic. No emulator process."""

import datetime

import pytest

import cron
import rollout

UTC = datetime.timezone.utc


def at(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def iso(t):
    return None if t is None else datetime.datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# 2026-03-07 is a Saturday.
@pytest.mark.parametrize("spec, after, expected", [
    ("*/5 * * * *", "2026-03-07T10:02:30Z", "2026-03-07T10:05:00Z"),
    ("*/5 * * * *", "2026-03-07T10:05:00Z", "2026-03-07T10:10:00Z"),  # strictly after
    ("0 9 * * 1-5", "2026-03-07T10:00:00Z", "2026-03-09T09:00:00Z"),
    ("0 9 * * mon-fri", "2026-03-06T08:00:00Z", "2026-03-06T09:00:00Z"),
    ("@hourly", "2026-03-07T10:59:59Z", "2026-03-07T11:00:00Z"),
    ("@daily", "2026-03-07T10:00:00Z", "2026-03-08T00:00:00Z"),
    ("@weekly", "2026-03-07T10:00:00Z", "2026-03-08T00:00:00Z"),  # Sunday
    ("@monthly", "2026-03-07T10:00:00Z", "2026-04-01T00:00:00Z"),
    ("@yearly", "2026-03-07T10:00:00Z", "2027-01-01T00:00:00Z"),
    ("30 6-16/4 * * *", "2026-03-07T11:00:00Z", "2026-03-07T14:30:00Z"),
    ("0 0 13 * 5", "2026-03-07T00:00:00Z", "2026-03-13T00:00:00Z"),  # day 13 OR a Friday
    ("0 0 13 * *", "2026-03-14T00:00:00Z", "2026-04-13T00:00:00Z"),
    ("0 0 * feb sun", "2026-03-07T00:00:00Z", "2027-02-07T00:00:00Z"),
    ("0 0 30 2 *", "2026-03-07T00:00:00Z", None),  # never
    ("@every 90s", "2026-03-07T10:00:10.5Z", "2026-03-07T10:01:40Z"),
])
def test_next_scheduled_time(spec, after, expected):
    assert iso(cron.parse(spec).next(at(after))) == expected


def test_time_zone_of_the_schedule():
    schedule = cron.parse("0 3 * * *", cron.time_zone("Europe/Berlin"))
    assert iso(schedule.next(at("2026-07-01T00:00:00Z"))) == "2026-07-01T01:00:00Z"  # CEST
    assert iso(schedule.next(at("2026-01-01T00:00:00Z"))) == "2026-01-01T02:00:00Z"  # CET


@pytest.mark.parametrize("spec, message", [
    ("", "empty spec string"),
    ("* * * *", "expected exactly 5 fields, found 4: [* * * *]"),
    ("* * * * * *", "expected exactly 5 fields, found 6: [* * * * * *]"),
    ("5-1 * * * *", "beginning of range (5) beyond end of range (1): 5-1"),
    ("* * 0 * *", "beginning of range (0) below minimum (1): 0"),
    ("1-2-3 * * * *", "too many hyphens: 1-2-3"),
    ("1/2/3 * * * *", "too many slashes: 1/2/3"),
    ("-1 * * * *", 'failed to parse int from : strconv.Atoi: parsing "": invalid syntax'),
    ("* * * smarch *", 'failed to parse int from smarch: strconv.Atoi: parsing "smarch": invalid syntax'),
    ("@every 5", 'failed to parse duration @every 5: time: missing unit in duration "5"'),
    ("TZ=Nowhere/Land * * * * *", "provided bad location Nowhere/Land: unknown time zone Nowhere/Land"),
    ("TZ=UTC", "invalid timezone specification: TZ=UTC"),
])
def test_parse_errors_are_the_libraries(spec, message):
    with pytest.raises(cron.ScheduleError) as err:
        cron.parse(spec)
    assert str(err.value) == message


@pytest.mark.parametrize("spec, earliest, now, expected", [
    ("*/5 * * * *", "2026-01-01T00:00:00Z", "2026-01-01T00:04:59Z", None),
    ("*/5 * * * *", "2026-01-01T00:00:00Z", "2026-01-01T00:05:00Z", "2026-01-01T00:05:00Z"),
    ("*/5 * * * *", "2026-01-01T00:00:00Z", "2026-01-01T01:07:00Z", "2026-01-01T01:05:00Z"),
    ("0 9 * * 1-5", "2026-03-06T09:00:00Z", "2026-03-10T08:00:00Z", "2026-03-09T09:00:00Z"),
    ("@every 7m", "2026-01-01T00:00:10Z", "2026-01-01T01:07:00Z", "2026-01-01T01:03:10Z"),
])
def test_most_recent_missed_time(spec, earliest, now, expected):
    assert iso(cron.most_recent(cron.parse(spec), at(earliest), at(now))[0]) == expected


@pytest.mark.parametrize("text, seconds", [("90s", 90), ("1h30m", 5400), ("1.5h", 5400),
                                           ("300ms", 0.3), ("-2m", -120), ("0", 0)])
def test_go_durations(text, seconds):
    assert cron.parse_go_duration(text) == pytest.approx(seconds)


def deployment(replicas, surge="25%", unavailable="25%", kind="RollingUpdate"):
    strategy = {"type": kind}
    if kind == "RollingUpdate":
        strategy["rollingUpdate"] = {"maxSurge": surge, "maxUnavailable": unavailable}
    return {"metadata": {"name": "d", "generation": 1},
            "spec": {"replicas": replicas, "strategy": strategy}}


def rs(name, replicas, available=0, created="2026-01-01T00:00:00Z"):
    return {"metadata": {"name": name, "creationTimestamp": created},
            "spec": {"replicas": replicas}, "status": {"availableReplicas": available}}


@pytest.mark.parametrize("replicas, surge, unavailable, expected", [
    (1, "25%", "25%", (1, 0)),     # surge rounds up, unavailable down
    (4, "25%", "25%", (1, 1)),
    (10, "25%", "25%", (3, 2)),
    (3, 0, 0, (0, 1)),             # both zero: one may be unavailable
    (5, 2, "50%", (2, 2)),
])
def test_surge_and_unavailable(replicas, surge, unavailable, expected):
    assert rollout.surge_and_unavailable(deployment(replicas, surge, unavailable)) == expected


def test_new_replicaset_grows_within_the_surge():
    d = deployment(4)  # surge 1
    old = rs("old", 4, 4)
    assert rollout.new_rs_replicas(d, [old, rs("new", 0)], 0) == 1
    assert rollout.new_rs_replicas(d, [rs("old", 3, 3), rs("new", 1)], 1) == 2
    assert rollout.new_rs_replicas(deployment(4, kind="Recreate"), [old], 0) == 4


def test_old_replicasets_shrink_within_max_unavailable():
    d = deployment(4)  # max unavailable 1: at least 3 available
    old, new = rs("old", 4, 4), rs("new", 1, 0, "2026-01-02T00:00:00Z")
    assert rollout.old_scale_down(d, [old, new], [old], new) == {"old": 3}
    # Unhealthy old replicas go first: they count against nothing that is available.
    old, ready_new = rs("old", 4, 1), rs("new", 1, 1, "2026-01-02T00:00:00Z")
    assert rollout.old_scale_down(d, [old, ready_new], [old], ready_new) == {"old": 2}
    # Nothing may go while the new replicas are not available yet and none is spare.
    old = rs("old", 3, 3)
    assert rollout.old_scale_down(d, [old, new], [old], new) == {}


def test_template_hash_is_stable_and_changes_with_the_template():
    t1 = {"metadata": {"labels": {"app": "a"}}, "spec": {"containers": [{"name": "c", "image": "x:1"}]}}
    t2 = {"metadata": {"labels": {"app": "a"}}, "spec": {"containers": [{"name": "c", "image": "x:2"}]}}
    h1 = rollout.template_hash(t1)
    assert h1 == rollout.template_hash(dict(t1)) and h1 != rollout.template_hash(t2)
    assert h1 != rollout.template_hash(t1, collision_count=1)
    assert set(h1) <= set("bcdfghjklmnpqrstvwxz2456789")
