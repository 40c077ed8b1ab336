"""What a digest is: the sha256 of the exact bytes served, the same on HEAD and GET; and a tag
moved to new content answers new digests."""

import hashlib

from conftest import ALL_TYPES, OCI_INDEX


def sha256(body):
    return "sha256:" + hashlib.sha256(body).hexdigest()


def test_head_and_get_answer_the_same_digest_and_it_is_the_sha256_of_the_body(fresh):
    for kind in ("oci", "docker"):
        fresh.tag("acme/worker", kind, indexType=kind)
        token = fresh.bearer("acme/worker")
        for accept in (ALL_TYPES, None):
            head = fresh.manifest("acme/worker", kind, method="HEAD", token=token, accept=accept)
            get = fresh.manifest("acme/worker", kind, token=token, accept=accept)
            assert head.status == get.status == 200
            assert head.body == b""
            assert head.headers["Docker-Content-Digest"] == get.headers["Docker-Content-Digest"]
            assert head.headers["Content-Type"] == get.headers["Content-Type"]
            assert int(head.headers["Content-Length"]) == len(get.body)
            assert get.headers["Docker-Content-Digest"] == sha256(get.body)


def test_docker_manifests_are_served_indented_so_the_digest_is_of_these_bytes(fresh):
    fresh.tag("acme/worker", "1", indexType="docker")
    r = fresh.manifest("acme/worker", "1", token=fresh.bearer("acme/worker"), accept=ALL_TYPES)
    assert r.body.startswith(b'{\n   "schemaVersion": 2')


def test_moving_a_tag_changes_every_digest_and_keeps_the_old_ones_by_digest(fresh):
    first = fresh.tag("acme/worker", "1.4")
    token = fresh.bearer("acme/worker")
    moved = fresh.tag("acme/worker", "1.4")
    assert moved["digest"] != first["digest"]
    for platform, digest in first["platformDigests"].items():
        assert moved["platformDigests"][platform] != digest
    r = fresh.manifest("acme/worker", "1.4", token=token, accept=OCI_INDEX)
    assert r.headers["Docker-Content-Digest"] == moved["digest"]
    old = fresh.manifest("acme/worker", first["digest"], token=token)
    assert old.status == 200 and sha256(old.body) == first["digest"]


def test_a_tag_may_move_to_another_index_type_or_to_a_single_manifest(fresh):
    fresh.tag("acme/worker", "1.4", indexType="oci")
    token = fresh.bearer("acme/worker")
    moved = fresh.tag("acme/worker", "1.4", indexType="docker")
    r = fresh.manifest("acme/worker", "1.4", token=token, accept=ALL_TYPES)
    assert r.headers["Content-Type"] == "application/vnd.docker.distribution.manifest.list.v2+json"
    assert r.headers["Docker-Content-Digest"] == moved["digest"]
    single = fresh.tag("acme/worker", "1.4", index=False)
    r = fresh.manifest("acme/worker", "1.4", token=token, accept=ALL_TYPES)
    assert r.headers["Docker-Content-Digest"] == single["digest"]


def test_other_tags_of_the_repository_stay_where_they_are(fresh):
    a = fresh.tag("acme/worker", "a")
    fresh.tag("acme/worker", "b")
    fresh.tag("acme/worker", "b")
    r = fresh.manifest("acme/worker", "a", token=fresh.bearer("acme/worker"), accept=OCI_INDEX)
    assert r.headers["Docker-Content-Digest"] == a["digest"]


def test_a_repository_stays_private_when_a_tag_moves_without_saying(fresh):
    fresh.tag("acme/private", "1", private=True)
    fresh.tag("acme/private", "1")
    assert fresh.manifest("acme/private", "1", token=fresh.bearer("acme/private")).status == 401
    fresh.tag("acme/private", "1", private=False)
    assert fresh.manifest("acme/private", "1", token=fresh.bearer("acme/private")).status == 200
