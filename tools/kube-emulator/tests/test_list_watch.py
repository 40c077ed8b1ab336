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


def list_page(emu, token=None, limit=3):
    q = {"limit": limit}
    if token:
        q["continue"] = token
    r = emu.api("GET", JOBS, query=q)
    assert r.status == 200, r.body
    return r.json


def test_later_pages_are_a_snapshot_at_the_first_pages_resource_version(fresh):
    for i in range(7):
        fresh.create_job(f"p{i}", spec={"suspend": True})  # no controller writes
    first = list_page(fresh)
    rv = first["metadata"]["resourceVersion"]
    assert [i["metadata"]["name"] for i in first["items"]] == ["p0", "p1", "p2"]
    # Changes between the pages: a new Job that sorts into page 2, a change, a deletion.
    fresh.create_job("p3a", spec={"suspend": True})
    before = fresh.get_job("p4")
    r = fresh.api("PATCH", f"{JOBS}/p4", {"metadata": {"labels": {"changed": "yes"}}},
                  ctype="application/merge-patch+json")
    assert r.status == 200
    assert fresh.api("DELETE", f"{JOBS}/p5", query={"propagationPolicy": "Background"}).status == 200
    second = list_page(fresh, first["metadata"]["continue"])
    assert second["metadata"]["resourceVersion"] == rv
    assert [i["metadata"]["name"] for i in second["items"]] == ["p3", "p4", "p5"]
    p4 = second["items"][1]
    assert "changed" not in p4["metadata"]["labels"]
    assert p4["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]
    assert all(int(i["metadata"]["resourceVersion"]) <= int(rv) for i in second["items"])
    third = list_page(fresh, second["metadata"]["continue"])
    assert third["metadata"]["resourceVersion"] == rv
    assert [i["metadata"]["name"] for i in third["items"]] == ["p6"]
    assert "continue" not in third["metadata"]
    # A new list sees the present.
    now = [i["metadata"]["name"] for i in fresh.api("GET", JOBS).json["items"]]
    assert now == ["p0", "p1", "p2", "p3", "p3a", "p4", "p6"]


def test_snapshot_pages_with_a_label_selector_and_a_namespace(fresh):
    for i in range(4):
        fresh.create_job(f"s{i}", labels={"app": "snap"}, spec={"suspend": True})
    first = fresh.api("GET", JOBS, query={"limit": 2, "labelSelector": "app=snap"}).json
    fresh.api("DELETE", f"{JOBS}/s2", query={"propagationPolicy": "Background"})
    fresh.create_job("s1b", labels={"app": "snap"}, spec={"suspend": True})
    rest = fresh.api("GET", JOBS, query={"limit": 5, "labelSelector": "app=snap",
                                         "continue": first["metadata"]["continue"]}).json
    assert [i["metadata"]["name"] for i in rest["items"]] == ["s2", "s3"]


def test_list_items_carry_no_kind_or_api_version(fresh, kube):
    fresh.create_job("typed", spec={"suspend": True})
    body = fresh.api("GET", JOBS).json
    assert (body["kind"], body["apiVersion"]) == ("JobList", "batch/v1")
    (item,) = body["items"]
    assert "kind" not in item and "apiVersion" not in item
    got = fresh.api("GET", f"{JOBS}/typed").json
    assert (got["kind"], got["apiVersion"]) == ("Job", "batch/v1")
    assert {k: v for k, v in got.items() if k not in ("kind", "apiVersion")} == item
    from kubernetes import client
    jobs = client.BatchV1Api(kube).list_namespaced_job("default")
    assert [j.metadata.name for j in jobs.items] == ["typed"] and jobs.items[0].kind is None
    w = WatchStream(fresh, JOBS, {})
    try:
        ev = w.next()  # watch events carry whole objects, with their kind
        assert (ev["object"]["kind"], ev["object"]["apiVersion"]) == ("Job", "batch/v1")
    finally:
        w.close()


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
    w = WatchStream(fresh, JOBS, {"resourceVersion": fresh.api("GET", JOBS).json["metadata"]["resourceVersion"],
                                  "allowWatchBookmarks": "true"})
    try:
        assert w.next()["type"] == "BOOKMARK"  # the watch is registered
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
