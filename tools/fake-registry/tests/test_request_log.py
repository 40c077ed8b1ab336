"""The request log: what each registry request was, never a password or a token."""

import json

from conftest import OCI_INDEX, basic


def test_each_request_is_logged_with_its_kind_of_credentials_and_status(fresh):
    fresh.tag("acme/private", "1", private=True)
    fresh.control("POST", "/users", {"username": "ci", "password": "hunter2-secret",
                                     "repositories": ["acme/private"]})
    fresh.control("POST", "/requests/reset")
    fresh.manifest("acme/private", "1", accept=f"{OCI_INDEX}, application/json;q=0.5")
    token = fresh.bearer("acme/private", authorization=basic("ci", "hunter2-secret"))
    fresh.manifest("acme/private", "1", method="HEAD", token=token)
    fresh.token("acme/private", authorization=basic("ci", "wrong-password"))
    log = fresh.log()
    assert [(e["method"], e["path"], e["authorization"], e["user"], e["status"]) for e in log] == [
        ("GET", "/v2/acme/private/manifests/1", "none", None, 401),
        ("GET", "/token", "basic", "ci", 200),
        ("HEAD", "/v2/acme/private/manifests/1", "bearer", "ci", 200),
        ("GET", "/token", "basic", "ci", 401),
    ]
    assert log[0]["accept"] == [OCI_INDEX, "application/json;q=0.5"]
    assert log[1]["query"] == "service=fake-registry&scope=repository%3Aacme%2Fprivate%3Apull"
    assert all(isinstance(e["t"], float) for e in log)
    text = json.dumps(log)
    for secret in ("hunter2-secret", "wrong-password", token.split()[1],
                   basic("ci", "hunter2-secret").split()[1]):
        assert secret not in text


def test_the_log_can_be_reset(fresh):
    fresh.get("/v2/")
    assert len(fresh.log()) == 1
    fresh.control("POST", "/requests/reset")
    assert fresh.log() == []
