"""Accept negotiation of a multi-arch tag (OCI image index or Docker manifest list), and GET by
digest."""

import hashlib
import http.client
import json

import pytest

from conftest import ALL_TYPES, DOCKER_LIST, DOCKER_MANIFEST, OCI_INDEX, OCI_MANIFEST

KINDS = {"oci": (OCI_INDEX, OCI_MANIFEST), "docker": (DOCKER_LIST, DOCKER_MANIFEST)}


@pytest.fixture(params=["oci", "docker"])
def tagged(fresh, request):
    kind = request.param
    created = fresh.tag("acme/worker", "1.4", indexType=kind)
    return fresh, kind, created, fresh.bearer("acme/worker")


def served(registry, token, accept, reference="1.4"):
    r = registry.manifest("acme/worker", reference, token=token, accept=accept)
    assert r.status == 200, r.body
    return r


def test_accepting_the_index_type_serves_the_index(tagged):
    registry, kind, created, token = tagged
    index_type, _ = KINDS[kind]
    r = served(registry, token, f"{index_type}, {OCI_MANIFEST}, {DOCKER_MANIFEST}")
    assert r.headers["Content-Type"] == index_type
    assert r.headers["Docker-Content-Digest"] == created["digest"]
    body = r.json
    assert body["mediaType"] == index_type
    platforms = {f"{m['platform']['os']}/{m['platform']['architecture']}": m["digest"]
                 for m in body["manifests"]}
    assert platforms == created["platformDigests"]


def test_accepting_both_index_types_serves_the_index(tagged):
    registry, _, created, token = tagged
    r = served(registry, token, ALL_TYPES)
    assert r.headers["Docker-Content-Digest"] == created["digest"]


def test_only_single_manifest_types_get_the_amd64_manifest(tagged):
    registry, kind, created, token = tagged
    _, manifest_type = KINDS[kind]
    for accept in (manifest_type, f"{OCI_MANIFEST},{DOCKER_MANIFEST}", None, "*/*"):
        r = served(registry, token, accept)
        assert r.headers["Docker-Content-Digest"] == created["platformDigests"]["linux/amd64"], accept
        assert r.headers["Content-Type"] == manifest_type
        assert r.json["mediaType"] == manifest_type


def test_the_other_index_type_alone_gets_the_amd64_manifest(tagged):
    registry, kind, created, token = tagged
    other = DOCKER_LIST if kind == "oci" else OCI_INDEX
    r = served(registry, token, other)
    assert r.headers["Docker-Content-Digest"] == created["platformDigests"]["linux/amd64"]


def test_an_index_type_with_q_zero_is_not_accepted(tagged):
    registry, kind, created, token = tagged
    index_type, manifest_type = KINDS[kind]
    r = served(registry, token, f"{index_type};q=0, {manifest_type}")
    assert r.headers["Docker-Content-Digest"] == created["platformDigests"]["linux/amd64"]
    r = served(registry, token, f"{manifest_type};q=1.0, {index_type} ; q=0.5")
    assert r.headers["Docker-Content-Digest"] == created["digest"]


def test_the_index_type_in_a_second_accept_header_counts(tagged):
    registry, kind, created, token = tagged
    index_type, manifest_type = KINDS[kind]
    conn = http.client.HTTPConnection("127.0.0.1", registry.ready["port"], timeout=5)
    try:
        conn.putrequest("GET", "/v2/acme/worker/manifests/1.4")
        conn.putheader("Authorization", token)
        conn.putheader("Accept", manifest_type)
        conn.putheader("Accept", index_type)
        conn.endheaders()
        r = conn.getresponse()
        r.read()
        assert r.getheader("Docker-Content-Digest") == created["digest"]
    finally:
        conn.close()


def test_every_manifest_is_served_by_digest_whatever_the_accept(tagged):
    registry, kind, created, token = tagged
    index_type, manifest_type = KINDS[kind]
    wanted = {created["digest"]: index_type,
              **{d: manifest_type for d in created["platformDigests"].values()}}
    for digest, media_type in wanted.items():
        for accept in (None, manifest_type, ALL_TYPES):
            r = served(registry, token, accept, reference=digest)
            assert r.headers["Docker-Content-Digest"] == digest
            assert r.headers["Content-Type"] == media_type
            assert "sha256:" + hashlib.sha256(r.body).hexdigest() == digest


def test_the_platform_manifests_describe_their_platforms(tagged):
    registry, kind, created, token = tagged
    index = served(registry, token, ALL_TYPES).json
    arm = next(m for m in index["manifests"] if m["platform"]["architecture"] == "arm64")
    assert arm["platform"] == {"architecture": "arm64", "os": "linux", "variant": "v8"}
    for entry in index["manifests"]:
        body = served(registry, token, None, reference=entry["digest"]).body
        assert entry["size"] == len(body)
        manifest = json.loads(body)
        assert manifest["schemaVersion"] == 2 and len(manifest["layers"]) == 2


def test_a_tag_without_an_index_serves_its_manifest_to_everyone(fresh):
    for kind, (_, manifest_type) in KINDS.items():
        created = fresh.tag("acme/single", kind, index=False, indexType=kind)
        assert created["platformDigests"] == {"linux/amd64": created["digest"]}
        token = fresh.bearer("acme/single")
        for accept in (ALL_TYPES, OCI_INDEX, None):
            r = fresh.manifest("acme/single", kind, token=token, accept=accept)
            assert r.status == 200
            assert r.headers["Docker-Content-Digest"] == created["digest"]
            assert r.headers["Content-Type"] == manifest_type
