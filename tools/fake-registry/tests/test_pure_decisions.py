"""The pure parts, table-driven: Accept parsing and the manifest a tag serves, Authorization
headers, scopes, grants, the pull decision and its challenge, tokens on a fake clock, content."""

import itertools
import json

import pytest

from fakeregistry import access, images, negotiation
from fakeregistry.access import Credentials, Refusal, Scope, Token

OCI_INDEX, DOCKER_LIST = images.OCI_INDEX, images.DOCKER_LIST


def counter_rand():
    """Deterministic stand-in for os.urandom."""
    counter = itertools.count()
    return lambda n: next(counter).to_bytes(n, "big")


@pytest.mark.parametrize("headers, expected", [
    ([], set()),
    ([OCI_INDEX], {OCI_INDEX}),
    ([f"{OCI_INDEX}, {DOCKER_LIST}"], {OCI_INDEX, DOCKER_LIST}),
    ([OCI_INDEX, DOCKER_LIST], {OCI_INDEX, DOCKER_LIST}),
    (["Application/VND.OCI.Image.Index.v1+JSON; q=0.9"], {OCI_INDEX}),
    ([f"{OCI_INDEX};q=0", f"{DOCKER_LIST};q=0.000"], set()),
    ([f"{OCI_INDEX};q=0.1;charset=x"], {OCI_INDEX}),
    ([f"{OCI_INDEX};q=bogus"], {OCI_INDEX}),
    ([" , ,"], set()),
])
def test_accepted_types(headers, expected):
    assert negotiation.accepted_types(headers) == expected


@pytest.mark.parametrize("kind, index, accepted, served", [
    ("oci", True, {OCI_INDEX}, "index"),
    ("oci", True, {DOCKER_LIST}, "amd64"),
    ("oci", True, {"*/*"}, "amd64"),
    ("oci", True, set(), "amd64"),
    ("docker", True, {DOCKER_LIST}, "index"),
    ("docker", True, {OCI_INDEX, images.DOCKER_MANIFEST}, "amd64"),
    ("oci", False, {OCI_INDEX}, "amd64"),
    ("docker", False, set(), "amd64"),
])
def test_manifest_for_tag(kind, index, accepted, served):
    image = images.build_image(index, kind, counter_rand())
    expected = image.top if served == "index" else image.platforms["linux/amd64"]
    assert negotiation.manifest_for_tag(image, accepted) == expected


def test_an_image_index_lists_its_platform_manifests_by_digest_and_size():
    image = images.build_image(True, "docker", counter_rand())
    index = json.loads(image.top.body)
    assert index["mediaType"] == DOCKER_LIST
    for entry in index["manifests"]:
        p = entry["platform"]
        m = image.platforms[f"{p['os']}/{p['architecture']}"]
        assert (entry["digest"], entry["size"], entry["mediaType"]) == (
            m.digest, len(m.body), images.DOCKER_MANIFEST)
    assert len({m.digest for m in image.manifests()}) == 3


def test_new_content_has_new_digests():
    rand = counter_rand()
    a, b = images.build_image(True, "oci", rand), images.build_image(True, "oci", rand)
    assert a.top.digest != b.top.digest
    assert a.platforms["linux/arm64"].digest != b.platforms["linux/arm64"].digest


def test_an_unknown_index_kind_is_refused():
    with pytest.raises(ValueError):
        images.build_image(True, "helm", counter_rand())


@pytest.mark.parametrize("header, expected", [
    (None, Credentials("none")),
    ("", Credentials("none")),
    ("Bearer abc", Credentials("bearer", token="abc")),
    ("bearer   abc ", Credentials("bearer", token="abc")),
    ("Bearer", Credentials("bearer")),
    ("Basic dTpwOnE=", Credentials("basic", user="u", password="p:q")),  # u:p:q
    ("Basic dTo=", Credentials("basic", user="u", password="")),  # u:
    ("Basic dQ==", Credentials("basic")),  # no colon
    ("Basic !!", Credentials("basic")),
    ("Negotiate xyz", Credentials("other")),
])
def test_parse_authorization(header, expected):
    assert access.parse_authorization(header) == expected


@pytest.mark.parametrize("values, expected", [
    ([], []),
    (["repository:acme/a:pull"], [Scope("repository", "acme/a", frozenset({"pull"}))]),
    (["repository:acme/a:pull,push"], [Scope("repository", "acme/a", frozenset({"pull", "push"}))]),
    (["repository:acme/a:pull repository:acme/b:pull"],
     [Scope("repository", "acme/a", frozenset({"pull"})),
      Scope("repository", "acme/b", frozenset({"pull"}))]),
    (["repository:localhost:5000/a:pull"], [Scope("repository", "localhost:5000/a", frozenset({"pull"}))]),
    (["registry:catalog:*"], [Scope("registry", "catalog", frozenset({"*"}))]),
])
def test_parse_scopes(values, expected):
    assert access.parse_scopes(values) == expected


@pytest.mark.parametrize("value", ["repository", "repository:acme/a", "repository:acme/a:", ":a:pull"])
def test_malformed_scopes_are_refused(value):
    with pytest.raises(ValueError):
        access.parse_scopes([value])


def test_pull_grants():
    scopes = access.parse_scopes(["repository:pub:pull repository:mine:pull repository:theirs:pull "
                                  "repository:pushonly:push registry:catalog:*"])
    private = {"mine", "theirs"}
    assert access.pull_grants(scopes, private, frozenset()) == {"pub"}
    assert access.pull_grants(scopes, private, frozenset({"mine"})) == {"pub", "mine"}


TOKEN = Token("ci", frozenset({"acme/a"}), 0.0, 300.0)
BEARER = Credentials("bearer", token="t")


@pytest.mark.parametrize("credentials, record, valid, name, expected", [
    (Credentials("none"), None, False, "acme/a", Refusal(None)),
    (Credentials("basic", user="ci", password="p"), None, False, "acme/a", Refusal(None)),
    (Credentials("none"), None, False, None, Refusal(None)),
    (BEARER, None, False, "acme/a", Refusal("invalid_token")),
    (BEARER, TOKEN, False, "acme/a", Refusal("invalid_token")),
    (BEARER, TOKEN, True, "acme/b", Refusal("insufficient_scope")),
    (BEARER, TOKEN, True, "acme/a", None),
    (BEARER, TOKEN, True, None, None),
])
def test_decide_pull(credentials, record, valid, name, expected):
    assert access.decide_pull(credentials, record, valid, name) == expected


def test_challenge():
    assert access.challenge("http://h/token", "fake-registry", None, None) == (
        'Bearer realm="http://h/token",service="fake-registry"')
    assert access.challenge("http://h/token", "fake-registry", "acme/a", "insufficient_scope") == (
        'Bearer realm="http://h/token",service="fake-registry",scope="repository:acme/a:pull",'
        'error="insufficient_scope"')


def test_tokens_expire_after_their_lifetime_on_the_clock():
    now = [1000.0]
    store = access.TokenStore(300, clock=lambda: now[0])
    value, record = store.issue("ci", {"acme/a"})
    assert store.lookup(value) is record and store.is_valid(record)
    assert store.lookup("other") is None and not store.is_valid(None)
    now[0] = 1299.9
    assert store.is_valid(record)
    now[0] = 1300.0
    assert not store.is_valid(record)


def test_expire_all_ends_the_live_tokens_and_keeps_their_records():
    now = [0.0]
    store = access.TokenStore(300, clock=lambda: now[0])
    a, _ = store.issue(None, set())
    b, _ = store.issue("ci", set())
    assert store.expire_all() == 2
    assert store.lookup(b).user == "ci" and not store.is_valid(store.lookup(a))
    assert store.expire_all() == 0


def test_issued_tokens_are_distinct_and_opaque():
    store = access.TokenStore(300)
    values = {store.issue(None, set())[0] for _ in range(50)}
    assert len(values) == 50 and all(len(v) >= 40 for v in values)


def test_rfc3339():
    assert access.rfc3339(0.5) == "1970-01-01T00:00:00.500000Z"
