"""Selectors, pagination and watches."""

import json
import time

JOBS = "/apis/batch/v1/namespaces/default/jobs"


def names(r):
    return sorted(i["metadata"]["name"] for i in r.json["items"])


def make_jobs(emu):
    emu.create_job("a1", labels={"app": "a", "tier": "x"})
    emu.create_job("a2", labels={"app": "a", "tier": "y"})
    emu.create_job("b1", labels={"app": "b"})


def test_label_selectors(fresh):
    make_jobs(fresh)
    cases = {"app=a": ["a1", "a2"], "app==b": ["b1"], "app!=a": ["b1"],
             "tier in (x,z)": ["a1"], "tier notin (x)": ["a2", "b1"], "tier": ["a1", "a2"],
             "!tier": ["b1"], "app=a,tier=y": ["a2"]}
    for sel, want in cases.items():
        r = fresh.api("GET", JOBS, query={"labelSelector": sel})
        assert r.status == 200, (sel, r.body)
        assert names(r) == want, sel


def test_bad_label_selector_is_bad_request(fresh):
    r = fresh.api("GET", JOBS, query={"labelSelector": "app in x"})
    assert r.status == 400 and r.json["reason"] == "BadRequest"


def test_field_selectors(fresh):
    make_jobs(fresh)
    assert names(fresh.api("GET", JOBS, query={"fieldSelector": "metadata.name=b1"})) == ["b1"]
    r = fresh.api("GET", "/apis/batch/v1/jobs", query={"fieldSelector": "metadata.namespace!=default"})
    assert names(r) == []
    assert fresh.api("GET", JOBS, query={"fieldSelector": "spec.foo=1"}).status == 400


def test_cross_namespace_list(fresh):
    fresh.api("POST", "/api/v1/namespaces", {"metadata": {"name": "other"}})
    fresh.create_job("here")
    fresh.create_job("there", ns="other")
    r = fresh.api("GET", "/apis/batch/v1/jobs")
    assert r.json["kind"] == "JobList"
    assert names(r) == ["here", "there"]


def test_pagination_with_continue(fresh):
    for i in range(7):
        fresh.create_job(f"p{i}")
    seen, token, rvs = [], None, set()
    while True:
        q = {"limit": 3}
        if token:
            q["continue"] = token
        r = fresh.api("GET", JOBS, query=q).json
        seen += [i["metadata"]["name"] for i in r["items"]]
        rvs.add(r["metadata"]["resourceVersion"])
        token = r["metadata"].get("continue")
        if not token:
            break
        assert len(r["items"]) == 3
    assert seen == [f"p{i}" for i in range(7)]
    assert len(rvs) == 1  # every page reports the first page's resourceVersion


def test_expired_continue_is_gone(fresh):
    fresh.control("POST", "/config", {"goneWindow": 5})
    try:
        for i in range(3):
            fresh.create_job(f"e{i}")
        token = fresh.api("GET", JOBS, query={"limit": 1}).json["metadata"]["continue"]
        for i in range(10):
            fresh.api("POST", "/api/v1/namespaces/default/events",
                      {"metadata": {"name": f"ev{i}"}, "involvedObject": {"name": "x"}})
        r = fresh.api("GET", JOBS, query={"limit": 1, "continue": token})
        assert r.status == 410 and r.json["reason"] == "Expired"
    finally:
        fresh.control("POST", "/config", {"goneWindow": 1000})


class WatchStream:
    """Reads a chunked watch response line by line."""

    def __init__(self, emu, path, query, timeout=5):
        from urllib.parse import urlencode
        self.conn = emu.connect(timeout=timeout)
        self.conn.request("GET", path + "?" + urlencode(dict(query, watch="true")),
                          headers={"Authorization": f"Bearer {emu.token}"})
        self.resp = self.conn.getresponse()

    def next(self):
        line = self.resp.readline()
        return json.loads(line) if line.strip() else None

    def until(self, pred, limit=50):
        for _ in range(limit):
            ev = self.next()
            if ev is None:
                return None
            if pred(ev):
                return ev
        return None

    def close(self):
        self.conn.close()


def test_watch_from_zero_sends_synthetic_added_then_changes(fresh):
    fresh.create_job("w0")
    w = WatchStream(fresh, JOBS, {})
    try:
        assert w.resp.status == 200
        ev = w.next()
        assert ev["type"] == "ADDED" and ev["object"]["metadata"]["name"] == "w0"
        fresh.create_job("w1")
        assert w.until(lambda e: e["type"] == "ADDED" and e["object"]["metadata"]["name"] == "w1")
    finally:
        w.close()


def test_watch_from_resource_version_replays_later_changes_only(fresh):
    # Suspended Jobs get no pod, so the simulated controller never writes them: every change
    # after `rv` is one this test made. (With running Jobs the controller's status update of
    # "before" could land after `rv` on a loaded machine and be replayed first.)
    fresh.create_job("before", spec={"suspend": True})
    rv = fresh.api("GET", JOBS).json["metadata"]["resourceVersion"]
    fresh.create_job("after", spec={"suspend": True})
    r = fresh.api("PATCH", f"{JOBS}/before", {"metadata": {"annotations": {"touched": "yes"}}},
                  ctype="application/merge-patch+json")
    assert r.status == 200, r.body
    w = WatchStream(fresh, JOBS, {"resourceVersion": rv, "labelSelector": "app=test"})
    try:
        fresh.create_job("marker", spec={"suspend": True})
        seen = []
        while not seen or seen[-1][1] != "marker":
            ev = w.next()
            assert ev is not None, seen
            seen.append((ev["type"], ev["object"]["metadata"]["name"],
                         int(ev["object"]["metadata"]["resourceVersion"])))
        assert [(t, n) for t, n, _ in seen] == [("ADDED", "after"), ("MODIFIED", "before"),
                                                ("ADDED", "marker")], (rv, seen)
        assert all(v > int(rv) for _, _, v in seen)
    finally:
        w.close()


def test_watch_from_too_old_resource_version_sends_410_error_event(fresh):
    fresh.control("POST", "/config", {"goneWindow": 3})
    try:
        rv = fresh.api("GET", JOBS).json["metadata"]["resourceVersion"]
        for i in range(5):
            fresh.create_job(f"old{i}")
        w = WatchStream(fresh, JOBS, {"resourceVersion": rv})
        try:
            assert w.resp.status == 200
            ev = w.next()
            assert ev["type"] == "ERROR"
            assert ev["object"]["code"] == 410 and ev["object"]["reason"] == "Expired"
            assert w.next() is None
        finally:
            w.close()
    finally:
        fresh.control("POST", "/config", {"goneWindow": 1000})


def test_watch_sends_bookmarks_when_allowed(fresh):
    w = WatchStream(fresh, JOBS, {"allowWatchBookmarks": "true",
                                  "resourceVersion": fresh.api("GET", JOBS).json["metadata"]["resourceVersion"]})
    try:
        ev = w.next()
        assert ev["type"] == "BOOKMARK"
        assert ev["object"]["kind"] == "Job" and int(ev["object"]["metadata"]["resourceVersion"]) > 0
    finally:
        w.close()


def test_watch_ends_after_timeout_seconds(fresh):
    start = time.monotonic()
    w = WatchStream(fresh, JOBS, {"timeoutSeconds": "1",
                                  "resourceVersion": fresh.api("GET", JOBS).json["metadata"]["resourceVersion"]})
    try:
        assert w.next() is None
        assert 0.9 <= time.monotonic() - start < 3
    finally:
        w.close()


def test_cut_watch_mid_line_leaves_partial_json(fresh):
    w = WatchStream(fresh, JOBS, {"resourceVersion": fresh.api("GET", JOBS).json["metadata"]["resourceVersion"]})
    try:
        time.sleep(0.2)
        assert fresh.control("POST", "/watches/cut", {"midLine": True})["cut"] >= 1
        data = b""
        try:
            while True:
                chunk = w.resp.read1(65536) if hasattr(w.resp, "read1") else w.resp.read(1)
                if not chunk:
                    break
                data += chunk
        except Exception:
            pass  # the connection ends without the final chunk
        assert data and not data.endswith(b"\n")
        try:
            json.loads(data)
            parsed = True
        except ValueError:
            parsed = False
        assert not parsed
    finally:
        w.close()


def test_object_leaving_selector_is_deleted_for_the_watcher(fresh):
    fresh.create_job("mover", labels={"app": "test"})
    rv = fresh.api("GET", JOBS).json["metadata"]["resourceVersion"]
    w = WatchStream(fresh, JOBS, {"resourceVersion": rv, "labelSelector": "app=test"})
    try:
        r = fresh.api("PATCH", f"{JOBS}/mover", {"metadata": {"labels": {"app": "gone"}}},
                      ctype="application/merge-patch+json")
        assert r.status == 200
        ev = w.until(lambda e: e["type"] == "DELETED")
        assert ev and ev["object"]["metadata"]["name"] == "mover"
    finally:
        w.close()


def test_many_open_watches_do_not_block_requests(fresh):
    rv = fresh.api("GET", JOBS).json["metadata"]["resourceVersion"]
    streams = [WatchStream(fresh, JOBS, {"resourceVersion": rv}) for _ in range(100)]
    try:
        start = time.monotonic()
        fresh.create_job("busy")
        assert fresh.get_job("busy") is not None
        assert time.monotonic() - start < 2
        for s in streams[:5]:
            assert s.until(lambda e: e["object"]["metadata"]["name"] == "busy")
    finally:
        for s in streams:
            s.close()
