"""Core v1 Secrets: kubectl's `create secret docker-registry` / `generic` read back through the
official Python client, base64 `data` and `stringData` decoded and merged like the real server,
ValidateSecret(Update) (dockerconfigjson / dockercfg content, immutable `type`, `immutable:
true`), lists, watches, tables, and RBAC `resourceNames` as the real authorizer applies them."""

import base64
import json

import pytest

SECRETS = "/api/v1/namespaces/default/secrets"
DOCKER_JSON = "kubernetes.io/dockerconfigjson"
USER = "system:serviceaccount:default:operator"


def b64(text):
    return base64.b64encode(text.encode()).decode()


def unb64(text):
    return base64.b64decode(text).decode()


def secret(name, data=None, string_data=None, type_=None, **extra):
    body = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name}}
    if data is not None:
        body["data"] = data
    if string_data is not None:
        body["stringData"] = string_data
    if type_ is not None:
        body["type"] = type_
    body.update(extra)
    return body


def create(emu, body, status=201):
    r = emu.api("POST", SECRETS, body)
    assert r.status == status, r.body
    return r.json


@pytest.fixture
def core(kube):
    from kubernetes import client
    return client.CoreV1Api(kube)


# ---- kubectl and the Python client -----------------------------------------------------------------

def test_kubectl_docker_registry_secret_reads_back_through_the_python_client(fresh, core):
    out = fresh.kubectl("create", "secret", "docker-registry", "regcred",
                        "--docker-server=registry.example.com:5000", "--docker-username=bob",
                        "--docker-password=s3cr3t").stdout
    assert out.strip() == "secret/regcred created"
    got = core.read_namespaced_secret("regcred", "default")
    assert got.type == DOCKER_JSON and list(got.data) == [".dockerconfigjson"]
    assert got.string_data is None
    config = json.loads(unb64(got.data[".dockerconfigjson"]))
    entry = config["auths"]["registry.example.com:5000"]
    assert (entry["username"], entry["password"]) == ("bob", "s3cr3t")
    assert unb64(entry["auth"]) == "bob:s3cr3t"
    # -o yaml shows the data as stored: base64, never the password in clear.
    yaml_out = fresh.kubectl("get", "secret", "regcred", "-o", "yaml").stdout
    assert f".dockerconfigjson: {got.data['.dockerconfigjson']}" in yaml_out
    assert "s3cr3t" not in yaml_out and "type: kubernetes.io/dockerconfigjson" in yaml_out


def test_kubectl_generic_secret_and_the_table(fresh):
    fresh.kubectl("create", "secret", "generic", "app", "--from-literal=user=alice",
                  "--from-literal=token=t0k3n")
    fresh.kubectl("create", "secret", "docker-registry", "pull", "--docker-server=r.example",
                  "--docker-username=u", "--docker-password=p")
    assert fresh.kubectl("get", "secret", "app", "-o", "jsonpath={.data.user}").stdout == b64("alice")
    lines = fresh.kubectl("get", "secrets").stdout.splitlines()
    assert lines[0].split() == ["NAME", "TYPE", "DATA", "AGE"]
    rows = {line.split()[0]: line.split()[1:3] for line in lines[1:]}
    assert rows == {"app": ["Opaque", "2"], "pull": [DOCKER_JSON, "1"]}
    names = fresh.kubectl("get", "secrets", "--field-selector", f"type={DOCKER_JSON}",
                          "-o", "name").stdout.split()
    assert names == ["secret/pull"]


def test_discovery_lists_secrets_without_short_names(fresh):
    resources = {r["name"]: r for r in fresh.api("GET", "/api/v1").json["resources"]}
    entry = resources["secrets"]
    assert entry["kind"] == "Secret" and entry["namespaced"] is True
    assert sorted(entry["verbs"]) == ["create", "delete", "get", "list", "patch", "update", "watch"]
    assert "shortNames" not in entry and "categories" not in entry


# ---- data, stringData, type ------------------------------------------------------------------------

def test_data_must_be_base64_and_comes_back_canonical(fresh):
    r = fresh.api("POST", SECRETS, secret("plain", data={"user": "admin"}))
    assert r.status == 400 and r.json["reason"] == "BadRequest", r.body
    assert r.json["message"] == ('Secret in version "v1" cannot be handled as a Secret: '
                                 'illegal base64 data at input byte 4')
    r = fresh.api("POST", SECRETS, secret("unpadded", data={"a": "YWJjZA"}))
    assert r.status == 400 and r.json["message"].endswith("illegal base64 data at input byte 4")
    r = fresh.api("POST", SECRETS, secret("number", data={"a": 5}))
    assert r.status == 400 and r.json["message"].endswith(
        "json: cannot unmarshal number into Go struct field Secret.data of type []uint8")
    # Go's decoder skips line breaks and ignores non-zero trailing bits; the server writes back
    # what it decoded.
    created = create(fresh, secret("wrapped", data={"b": "YWJj\nZA==", "a": "YR=="}))
    assert created["data"] == {"a": "YQ==", "b": "YWJjZA=="}
    assert list(created["data"]) == ["a", "b"]


def test_string_data_is_merged_into_data_and_never_stored(fresh, core):
    created = create(fresh, secret("merged", data={"a": b64("from data"), "b": b64("kept")},
                                   string_data={"a": "from stringData", "c": "ünïcode"}))
    assert "stringData" not in created and created["type"] == "Opaque"
    assert {k: base64.b64decode(v).decode() for k, v in created["data"].items()} == {
        "a": "from stringData", "b": "kept", "c": "ünïcode"}
    got = fresh.api("GET", f"{SECRETS}/merged").json
    assert "stringData" not in got and got["data"] == created["data"]
    listed = fresh.api("GET", SECRETS).json
    assert listed["kind"] == "SecretList" and "stringData" not in listed["items"][0]
    # A patch with stringData (the Python client sends a strategic merge patch) adds to data.
    patched = core.patch_namespaced_secret("merged", "default", {"stringData": {"d": "new"}})
    assert patched.string_data is None
    assert sorted(patched.data) == ["a", "b", "c", "d"] and unb64(patched.data["d"]) == "new"
    # A PUT replaces data by what it sends, stringData merged in.
    put = dict(secret("merged", data={"x": b64("1")}, string_data={"y": "2"}))
    r = fresh.api("PUT", f"{SECRETS}/merged", put)
    assert r.status == 200, r.body
    assert r.json["data"] == {"x": b64("1"), "y": b64("2")} and "stringData" not in r.json


def test_data_is_decoded_even_without_schema_validation(fresh):
    fresh.control("POST", "/config", {"schemaValidation": False})
    try:
        r = fresh.api("POST", SECRETS, secret("plain", data={"user": "admin"}))
        assert r.status == 400 and r.json["message"].endswith("illegal base64 data at input byte 4")
        created = create(fresh, secret("ok", data={"a": "YR=="}, string_data={"b": "x"}))
        assert created["data"] == {"a": "YQ==", "b": b64("x")} and "stringData" not in created
    finally:
        fresh.control("POST", "/config", {"schemaValidation": True})


def test_an_empty_secret_is_opaque_without_data(fresh):
    created = create(fresh, secret("empty", data={}))
    assert created["type"] == "Opaque" and "data" not in created


def test_data_keys_must_be_config_keys(fresh):
    r = fresh.api("POST", SECRETS, secret("keys", string_data={"bad key": "x", "..dots": "y"}))
    assert r.status == 422, r.body
    causes = [(c["field"], c["message"]) for c in r.json["details"]["causes"]]
    assert causes[0] == ("data[..dots]", "Invalid value: \"..dots\": must not start with '..'")
    assert causes[1][0] == "data[bad key]" and "regex used for validation is '[-._a-zA-Z0-9]+'" in causes[1][1]


# ---- type-specific validation ------------------------------------------------------------------------

def test_dockerconfigjson_needs_its_key_holding_a_json_object(fresh, core):
    r = fresh.api("POST", SECRETS, secret("dcj", data={"config.json": b64("{}")}, type_=DOCKER_JSON))
    assert r.status == 422 and r.json["reason"] == "Invalid", r.body
    assert r.json["message"] == 'Secret "dcj" is invalid: data[.dockerconfigjson]: Required value'
    assert r.json["details"] == {"name": "dcj", "kind": "Secret", "causes": [
        {"reason": "FieldValueRequired", "message": "Required value",
         "field": "data[.dockerconfigjson]"}]}
    r = fresh.api("POST", SECRETS, secret("dcj", string_data={".dockerconfigjson": "not json"},
                                          type_=DOCKER_JSON))
    assert r.status == 422, r.body
    assert r.json["message"] == ('Secret "dcj" is invalid: data[.dockerconfigjson]: Invalid value: '
                                 '"<secret contents redacted>": invalid character \'o\' in literal '
                                 "null (expecting 'u')")
    r = fresh.api("POST", SECRETS, secret("dcj", string_data={".dockerconfigjson": '{"auths": {'},
                                          type_=DOCKER_JSON))
    assert r.status == 422 and r.json["message"].endswith("unexpected end of JSON input")
    r = fresh.api("POST", SECRETS, secret("dcj", string_data={".dockerconfigjson": "[]"},
                                          type_=DOCKER_JSON))
    assert r.status == 422 and r.json["message"].endswith(
        "json: cannot unmarshal array into Go value of type map[string]interface {}")
    assert fresh.api("GET", f"{SECRETS}/dcj").status == 404
    from kubernetes import client
    ok = core.create_namespaced_secret("default", client.V1Secret(
        metadata=client.V1ObjectMeta(name="dcj"), type=DOCKER_JSON,
        string_data={".dockerconfigjson": json.dumps({"auths": {"r.example": {"auth": b64("u:p")}}})}))
    assert ok.type == DOCKER_JSON and json.loads(unb64(ok.data[".dockerconfigjson"]))["auths"]


def test_dockercfg_needs_the_dockercfg_key(fresh):
    r = fresh.api("POST", SECRETS, secret("cfg", string_data={".dockerconfigjson": "{}"},
                                          type_="kubernetes.io/dockercfg"))
    assert r.status == 422, r.body
    assert r.json["message"] == 'Secret "cfg" is invalid: data[.dockercfg]: Required value'
    create(fresh, secret("cfg", string_data={".dockercfg": "{}"}, type_="kubernetes.io/dockercfg"))


def test_type_is_immutable(fresh, core):
    from kubernetes.client.rest import ApiException
    create(fresh, secret("typed", string_data={"k": "v"}))
    changed = secret("typed", string_data={".dockerconfigjson": "{}"}, type_=DOCKER_JSON)
    r = fresh.api("PUT", f"{SECRETS}/typed", changed)
    assert r.status == 422, r.body
    assert r.json["message"] == ('Secret "typed" is invalid: type: Invalid value: '
                                 '"kubernetes.io/dockerconfigjson": field is immutable')
    assert r.json["details"]["causes"] == [{"reason": "FieldValueInvalid", "field": "type",
                                            "message": 'Invalid value: "kubernetes.io/dockerconfigjson": field is immutable'}]
    with pytest.raises(ApiException) as err:
        core.patch_namespaced_secret("typed", "default", {"type": "kubernetes.io/tls"})
    assert err.value.status == 422 and "type: Invalid value" in json.loads(err.value.body)["message"]
    # A PUT without `type` is defaulted to Opaque first: a dockerconfigjson Secret refuses it.
    create(fresh, secret("pull", string_data={".dockerconfigjson": "{}"}, type_=DOCKER_JSON))
    r = fresh.api("PUT", f"{SECRETS}/pull", secret("pull", string_data={".dockerconfigjson": "{}"}))
    assert r.status == 422 and 'type: Invalid value: "Opaque": field is immutable' in r.json["message"]
    assert fresh.api("GET", f"{SECRETS}/typed").json["type"] == "Opaque"


def test_immutable_secret_refuses_data_changes(fresh):
    create(fresh, secret("frozen", string_data={"a": "1"}, immutable=True))
    merge = "application/merge-patch+json"
    r = fresh.api("PATCH", f"{SECRETS}/frozen", {"stringData": {"a": "2"}}, ctype=merge)
    assert r.status == 422, r.body
    assert r.json["message"] == ('Secret "frozen" is invalid: data: Forbidden: field is immutable '
                                 'when `immutable` is set')
    r = fresh.api("PATCH", f"{SECRETS}/frozen", {"immutable": False}, ctype=merge)
    assert r.status == 422 and r.json["details"]["causes"][0]["field"] == "immutable"
    # Metadata still changes.
    r = fresh.api("PATCH", f"{SECRETS}/frozen", {"metadata": {"labels": {"tier": "x"}}}, ctype=merge)
    assert r.status == 200 and r.json["data"] == {"a": b64("1")} and r.json["immutable"] is True


# ---- lists and watches -------------------------------------------------------------------------------

def test_watch_sees_the_merged_data(fresh):
    rv = create(fresh, secret("watched", string_data={"a": "1"}))["metadata"]["resourceVersion"]
    conn = fresh.connect(timeout=5)
    try:
        conn.request("GET", f"{SECRETS}?watch=true&resourceVersion={rv}&fieldSelector=metadata.name%3Dwatched",
                     headers={"Authorization": f"Bearer {fresh.token}"})
        resp = conn.getresponse()
        assert resp.status == 200
        r = fresh.api("PATCH", f"{SECRETS}/watched", {"stringData": {"b": "2"}},
                      ctype="application/merge-patch+json")
        assert r.status == 200, r.body
        event = json.loads(resp.readline())
    finally:
        conn.close()
    assert event["type"] == "MODIFIED" and event["object"]["kind"] == "Secret"
    assert event["object"]["data"] == {"a": b64("1"), "b": b64("2")}
    assert "stringData" not in event["object"]


def test_a_named_get_with_watch_is_a_get(fresh):
    create(fresh, secret("one", string_data={"a": "1"}))
    r = fresh.api("GET", f"{SECRETS}/one", query={"watch": "true"})
    assert r.status == 200 and r.json["kind"] == "Secret" and r.json["metadata"]["name"] == "one"


# ---- RBAC resourceNames ----------------------------------------------------------------------------

@pytest.fixture
def named_only(fresh):
    """A token whose Role grants every verb on secrets, but only for the name `allowed`."""
    role = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
            "metadata": {"name": "one-secret", "namespace": "default"},
            "rules": [{"apiGroups": [""], "resources": ["secrets"], "resourceNames": ["allowed"],
                       "verbs": ["get", "list", "watch", "create", "update", "patch", "delete"]}]}
    fresh.control("POST", "/tokens", {"token": "named-only", "user": USER, "role": role})
    create(fresh, secret("allowed", string_data={"k": "v"}))
    create(fresh, secret("other", string_data={"k": "v"}))
    return "named-only"


def forbidden(verb, name=None, namespace="default"):
    subject = f'secrets "{name}"' if name else "secrets"
    return (f'{subject} is forbidden: User "{USER}" cannot {verb} resource "secrets" in API group "" '
            f'in the namespace "{namespace}"')


def test_resource_names_allow_exactly_those_names(fresh, named_only):
    token = named_only
    assert fresh.api("GET", f"{SECRETS}/allowed", token=token).status == 200
    r = fresh.api("GET", f"{SECRETS}/other", token=token)
    assert r.status == 403 and r.json["reason"] == "Forbidden", r.body
    assert r.json["message"] == forbidden("get", "other")
    assert r.json["details"] == {"name": "other", "kind": "secrets"}
    merge = "application/merge-patch+json"
    assert fresh.api("PATCH", f"{SECRETS}/allowed", {"metadata": {"labels": {"a": "b"}}},
                     token=token, ctype=merge).status == 200
    assert fresh.api("PATCH", f"{SECRETS}/other", {"metadata": {"labels": {"a": "b"}}},
                     token=token, ctype=merge).status == 403
    put = secret("allowed", string_data={"k": "w"})
    assert fresh.api("PUT", f"{SECRETS}/allowed", put, token=token).status == 200
    assert fresh.api("DELETE", f"{SECRETS}/other", token=token).status == 403
    assert fresh.api("DELETE", f"{SECRETS}/allowed", token=token).status == 200


def test_resource_names_never_allow_list_watch_or_create(fresh, named_only):
    token = named_only
    r = fresh.api("GET", SECRETS, token=token)
    assert r.status == 403 and r.json["message"] == forbidden("list"), r.body
    assert r.json["details"] == {"kind": "secrets"}
    r = fresh.api("GET", SECRETS, token=token, query={"watch": "true"})
    assert r.status == 403 and r.json["message"] == forbidden("watch")
    r = fresh.api("POST", SECRETS, secret("allowed-2", string_data={"k": "v"}), token=token)
    assert r.status == 403 and r.json["message"] == forbidden("create")
    # The Role's namespace only.
    r = fresh.api("GET", "/api/v1/namespaces/kube-system/secrets/allowed", token=token)
    assert r.status == 403 and r.json["message"] == forbidden("get", "allowed", "kube-system")
    # Like the real server, a list pinned to one name by `metadata.name=` is authorized as that
    # name (the apiserver puts it into the request's attributes).
    r = fresh.api("GET", SECRETS, token=token, query={"fieldSelector": "metadata.name=allowed"})
    assert r.status == 200 and [i["metadata"]["name"] for i in r.json["items"]] == ["allowed"]
    r = fresh.api("GET", SECRETS, token=token, query={"fieldSelector": "metadata.name=other"})
    assert r.status == 403 and r.json["message"] == forbidden("list", "other")


def test_kubectl_with_a_resource_names_token(fresh, named_only):
    ok = fresh.kubectl("--token", named_only, "get", "secret", "allowed", "-o", "name").stdout
    assert ok.strip() == "secret/allowed"
    proc = fresh.kubectl("--token", named_only, "get", "secrets", check=False)
    assert proc.returncode != 0 and "Error from server (Forbidden)" in proc.stderr
    assert forbidden("list") in proc.stderr
