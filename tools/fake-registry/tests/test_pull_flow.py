"""The pull flow of a container runtime: the challenge, the token endpoint, the manifest; public
and private repositories; credentials."""

import datetime
import http.client
import re
import urllib.parse

from conftest import OCI_INDEX, basic, request

CHALLENGE = re.compile(r'Bearer realm="([^"]+)",service="([^"]+)",scope="([^"]+)"')


def unauthorized(r, name):
    assert r.status == 401, r.body
    assert r.json["errors"][0]["code"] == "UNAUTHORIZED"
    assert r.json["errors"][0]["detail"] == [
        {"Type": "repository", "Class": "", "Name": name, "Action": "pull"}]


def test_base_endpoint_challenges_anonymous_and_opens_with_a_token(fresh):
    r = fresh.get("/v2/")
    assert r.status == 401
    assert r.headers["WWW-Authenticate"] == (
        f'Bearer realm="{fresh.url}/token",service="fake-registry"')
    assert r.headers["Docker-Distribution-Api-Version"] == "registry/2.0"
    assert r.json["errors"][0]["code"] == "UNAUTHORIZED"
    ok = fresh.get("/v2/", Authorization=fresh.bearer())
    assert (ok.status, ok.json) == (200, {})


def test_anonymous_pull_of_a_public_repository_follows_the_challenge(fresh):
    created = fresh.tag("acme/worker", "1.4")
    r = fresh.manifest("acme/worker", "1.4", accept=OCI_INDEX)
    unauthorized(r, "acme/worker")
    challenge = r.headers["WWW-Authenticate"]
    assert challenge == (f'Bearer realm="{fresh.url}/token",service="fake-registry",'
                         'scope="repository:acme/worker:pull"')
    realm, service, scope = CHALLENGE.fullmatch(challenge).groups()
    query = urllib.parse.urlencode({"service": service, "scope": scope})
    t = request(f"{realm}?{query}")
    assert t.status == 200, t.body
    assert set(t.json) == {"token", "access_token", "expires_in", "issued_at"}
    assert t.json["token"] == t.json["access_token"] and t.json["expires_in"] == 300
    issued = datetime.datetime.fromisoformat(t.json["issued_at"].replace("Z", "+00:00"))
    assert abs((datetime.datetime.now(datetime.timezone.utc) - issued).total_seconds()) < 60
    ok = fresh.manifest("acme/worker", "1.4", token="Bearer " + t.json["token"], accept=OCI_INDEX)
    assert ok.status == 200
    assert ok.headers["Docker-Content-Digest"] == created["digest"]


def test_head_refusal_has_the_challenge_and_no_body(fresh):
    fresh.tag("acme/worker", "1.4")
    r = fresh.manifest("acme/worker", "1.4", method="HEAD")
    assert r.status == 401 and r.body == b""
    assert 'scope="repository:acme/worker:pull"' in r.headers["WWW-Authenticate"]


def test_a_name_with_several_components(fresh):
    created = fresh.tag("team/acme/tools/worker", "v2")
    token = fresh.bearer("team/acme/tools/worker")
    r = fresh.manifest("team/acme/tools/worker", "v2", token=token, accept=OCI_INDEX)
    assert r.headers["Docker-Content-Digest"] == created["digest"]


def test_private_repository_is_refused_to_anonymous(fresh):
    fresh.tag("acme/private", "1", private=True)
    unauthorized(fresh.manifest("acme/private", "1"), "acme/private")
    # The token endpoint answers anonymous with a token that does not cover the repository
    # (as Docker Hub does), so the manifest stays refused.
    token = fresh.bearer("acme/private")
    r = fresh.manifest("acme/private", "1", token=token)
    unauthorized(r, "acme/private")
    assert r.headers["WWW-Authenticate"].endswith(',error="insufficient_scope"')


def test_private_repository_with_the_right_credentials(fresh):
    created = fresh.tag("acme/private", "1", private=True)
    fresh.control("POST", "/users", {"username": "ci", "password": "s3cret",
                                     "repositories": ["acme/private"]})
    token = fresh.bearer("acme/private", authorization=basic("ci", "s3cret"))
    r = fresh.manifest("acme/private", "1", token=token, accept=OCI_INDEX)
    assert r.status == 200 and r.headers["Docker-Content-Digest"] == created["digest"]


def test_wrong_password_or_unknown_user_is_refused_at_the_token_endpoint(fresh):
    fresh.tag("acme/private", "1", private=True)
    fresh.control("POST", "/users", {"username": "ci", "password": "s3cret",
                                     "repositories": ["acme/private"]})
    for authorization in (basic("ci", "wrong"), basic("nobody", "s3cret"), "Basic !!!"):
        r = fresh.token("acme/private", authorization=authorization)
        assert r.status == 401, authorization
        assert r.json["errors"][0]["code"] == "UNAUTHORIZED"


def test_a_user_pulls_only_the_private_repositories_granted(fresh):
    fresh.tag("acme/private", "1", private=True)
    fresh.tag("acme/other", "1", private=True)
    fresh.tag("acme/public", "1")
    fresh.control("POST", "/users", {"username": "ci", "password": "p",
                                     "repositories": ["acme/private"]})
    token = fresh.bearer("acme/private", "acme/other", "acme/public",
                         authorization=basic("ci", "p"))
    assert fresh.manifest("acme/private", "1", token=token).status == 200
    assert fresh.manifest("acme/public", "1", token=token).status == 200
    unauthorized(fresh.manifest("acme/other", "1", token=token), "acme/other")


def test_a_token_covers_only_the_repositories_in_its_scope(fresh):
    fresh.tag("acme/a", "1")
    fresh.tag("acme/b", "1")
    token = fresh.bearer("acme/a")
    assert fresh.manifest("acme/a", "1", token=token).status == 200
    r = fresh.manifest("acme/b", "1", token=token)
    assert r.status == 401
    assert r.headers["WWW-Authenticate"].endswith('scope="repository:acme/b:pull",error="insufficient_scope"')


def test_an_unknown_token_is_an_invalid_token(fresh):
    fresh.tag("acme/a", "1")
    r = fresh.manifest("acme/a", "1", token="Bearer not-a-token")
    assert r.status == 401 and r.headers["WWW-Authenticate"].endswith(',error="invalid_token"')


def test_basic_credentials_on_the_registry_itself_get_the_challenge(fresh):
    fresh.tag("acme/a", "1")
    fresh.control("POST", "/users", {"username": "ci", "password": "p", "repositories": []})
    r = fresh.manifest("acme/a", "1", token=basic("ci", "p"))
    assert r.status == 401 and "error=" not in r.headers["WWW-Authenticate"]


def test_unknown_tag_digest_and_repository_are_manifest_unknown(fresh):
    fresh.tag("acme/a", "1")
    token = fresh.bearer("acme/a", "acme/nothing")
    for name, reference in [("acme/a", "2"), ("acme/a", "sha256:" + "0" * 64),
                            ("acme/nothing", "1")]:
        r = fresh.manifest(name, reference, token=token)
        assert r.status == 404, (name, reference)
        assert r.json["errors"][0]["code"] == "MANIFEST_UNKNOWN"
        head = fresh.manifest(name, reference, method="HEAD", token=token)
        assert head.status == 404 and head.body == b""


def test_an_unknown_repository_is_refused_to_anonymous_first(fresh):
    unauthorized(fresh.manifest("acme/nothing", "1"), "acme/nothing")


def test_token_endpoint_refuses_another_service_and_a_malformed_scope(fresh):
    assert request(f"{fresh.url}/token?service=registry.docker.io").status == 400
    assert request(f"{fresh.url}/token?service=fake-registry&scope=repository:acme").status == 400


def test_requests_share_one_keep_alive_connection(fresh):
    fresh.tag("acme/a", "1")
    token = fresh.bearer("acme/a")
    conn = http.client.HTTPConnection("127.0.0.1", fresh.ready["port"], timeout=5)
    try:
        for method in ("HEAD", "GET", "HEAD", "GET"):
            conn.request(method, "/v2/acme/a/manifests/1", headers={"Authorization": token})
            r = conn.getresponse()
            body = r.read()
            assert r.status == 200 and not r.will_close
            assert (body == b"") == (method == "HEAD")
        conn.request("GET", "/v2/acme/a/manifests/1")  # an anonymous 401 keeps it open too
        r = conn.getresponse()
        r.read()
        assert r.status == 401 and not r.will_close
    finally:
        conn.close()
