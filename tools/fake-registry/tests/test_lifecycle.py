"""Start, readiness, the control API's own answers, and a clean stop."""

import json
import os
import signal

import pytest

from conftest import Registry, request


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_ready_json_matches_stdout_and_a_signal_stops_it_cleanly(sig):
    registry = Registry()
    try:
        with open(os.path.join(registry.dir, "ready.json")) as f:
            ready = json.load(f)
        assert ready == registry.ready
        assert set(ready) == {"port", "controlPort", "url", "pid"}
        assert ready["url"] == f"http://127.0.0.1:{ready['port']}"
        assert ready["pid"] == registry.proc.pid
        assert request(f"http://127.0.0.1:{ready['controlPort']}/healthz").status == 200
    finally:
        assert registry.stop(sig) == 0
    assert registry.proc.stderr.closed


def test_unknown_registry_paths_are_not_found(fresh):
    for path in ("/v2/acme/a/tags/list", "/v1/", "/"):
        r = fresh.get(path)
        assert r.status == 404 and r.body == b"404 page not found\n", path


def test_other_methods_on_a_manifest_are_unsupported(fresh):
    r = request(f"{fresh.url}/v2/acme/a/manifests/1", "PUT", body={"schemaVersion": 2})
    assert r.status == 405 and r.json["errors"][0]["code"] == "UNSUPPORTED"


def test_an_invalid_repository_name_is_name_invalid(fresh):
    r = fresh.manifest("Acme/Upper", "1")
    assert r.status == 400 and r.json["errors"][0]["code"] == "NAME_INVALID"


def test_control_refuses_bad_bodies_and_unknown_endpoints(fresh):
    for path, body in [("/tags", {"name": "Bad Name", "tag": "1"}),
                       ("/tags", {"name": "acme/a", "tag": "-x"}),
                       ("/tags", {"name": "acme/a", "tag": "1", "indexType": "helm"}),
                       ("/tags", {"tag": "1"}),
                       ("/users", {"username": "a:b", "password": "p"}),
                       ("/users", {"username": "u", "password": "p", "repositories": "acme/a"})]:
        assert request(fresh.control_url + path, "POST", body=body).status == 400, body
    assert request(fresh.control_url + "/nothing", "POST", body={}).status == 404
    assert request(fresh.control_url + "/nothing").status == 404


def test_reset_forgets_tags_users_tokens_and_the_outage(fresh):
    fresh.tag("acme/a", "1")
    token = fresh.bearer("acme/a")
    fresh.control("POST", "/outage", {"status": 503})
    fresh.control("POST", "/reset")
    assert fresh.get("/v2/", Authorization=token).status == 401
    assert fresh.manifest("acme/a", "1", token=fresh.bearer("acme/a")).status == 404
    assert fresh.control("GET", "/outage") == {"outage": None}
