"""Outages of the registry API (status, dropped connection, hang) and token expiry."""

import http.client
import socket
import time
import urllib.error

import pytest

from conftest import Registry, request


def test_outage_answers_every_registry_request_until_cleared(fresh):
    fresh.tag("acme/a", "1")
    token = fresh.bearer("acme/a")
    fresh.control("POST", "/outage", {"status": 503})
    for r in (fresh.get("/v2/"), fresh.token("acme/a"), fresh.manifest("acme/a", "1", token=token)):
        assert r.status == 503
        assert r.headers["Retry-After"] == "1"
        assert r.json["errors"][0]["code"] == "UNAVAILABLE"
    head = fresh.manifest("acme/a", "1", method="HEAD", token=token)
    assert head.status == 503 and head.body == b""
    assert fresh.control("GET", "/healthz") == {"ok": True}  # the control API is not affected
    fresh.control("DELETE", "/outage")
    assert fresh.manifest("acme/a", "1", token=token).status == 200


def test_rate_limit_outage_has_retry_after_and_other_statuses_do_not(fresh):
    fresh.control("POST", "/outage", {"status": 429})
    r = fresh.get("/v2/")
    assert r.status == 429 and r.headers["Retry-After"] == "1"
    assert r.json["errors"][0]["code"] == "TOOMANYREQUESTS"
    fresh.control("POST", "/outage", {"status": 500})
    r = fresh.get("/v2/")
    assert r.status == 500 and r.headers["Retry-After"] is None


def test_outage_with_a_count_fails_that_many_requests(fresh):
    fresh.control("POST", "/outage", {"status": 502, "count": 2})
    assert [fresh.get("/v2/").status for _ in range(3)] == [502, 502, 401]


def test_status_zero_closes_the_connection_without_an_answer(fresh):
    fresh.control("POST", "/outage", {"status": 0})
    with pytest.raises((urllib.error.URLError, http.client.HTTPException, ConnectionError)):
        fresh.get("/v2/")
    assert fresh.log()[-1]["status"] == 0


def test_hang_never_answers_until_the_outage_is_cleared(fresh):
    fresh.control("POST", "/outage", {"hang": True})
    conn = http.client.HTTPConnection("127.0.0.1", fresh.ready["port"], timeout=0.3)
    try:
        conn.request("GET", "/v2/")
        with pytest.raises((socket.timeout, TimeoutError)):
            conn.getresponse()
        assert fresh.log()[-1]["path"] == "/v2/" and fresh.log()[-1]["status"] == 0
    finally:
        conn.close()
    fresh.control("DELETE", "/outage")
    assert fresh.get("/v2/").status == 401


def test_expiring_all_tokens_makes_them_invalid_and_new_ones_work(fresh):
    fresh.tag("acme/a", "1")
    token = fresh.bearer("acme/a")
    assert fresh.manifest("acme/a", "1", token=token).status == 200
    assert fresh.control("POST", "/tokens/expire")["expired"] >= 1
    r = fresh.manifest("acme/a", "1", token=token)
    assert r.status == 401
    assert r.headers["WWW-Authenticate"].endswith(',error="invalid_token"')
    assert fresh.get("/v2/", Authorization=token).status == 401
    assert fresh.manifest("acme/a", "1", token=fresh.bearer("acme/a")).status == 200


def test_a_token_expires_after_expires_in_seconds():
    registry = Registry("--token-lifetime", "1")
    try:
        registry.tag("acme/a", "1")
        t = registry.token("acme/a")
        assert t.json["expires_in"] == 1
        token = "Bearer " + t.json["token"]
        assert registry.manifest("acme/a", "1", token=token).status == 200
        time.sleep(1.05)
        assert registry.manifest("acme/a", "1", token=token).status == 401
    finally:
        assert registry.stop() == 0


def test_bad_outage_bodies_are_refused(fresh):
    for body in ({"status": 42}, {"status": "503"}, {"status": 503, "count": 0}, {}):
        r = request(fresh.control_url + "/outage", "POST", body=body)
        assert r.status == 400, body
