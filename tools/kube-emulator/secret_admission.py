"""Core v1 Secrets as kube-apiserver v1.31 handles them between the request body and storage:

- decoding: every `data` value is base64 (encoding/json decodes a `[]byte` with
  base64.StdEncoding; anything else is a 400 `Secret in version "v1" cannot be handled as a
  Secret: illegal base64 data at input byte N`), and comes back re-encoded (padded, no line
  breaks);
- defaulting (SetDefaults_Secret): `type` "" or missing -> `Opaque`;
- conversion to the internal type (Convert_v1_Secret_To_core_Secret): each `stringData` entry
  overwrites `data[key]` with the string's UTF-8 bytes; `stringData` itself is never stored and
  never returned;
- validation (ValidateSecret / ValidateSecretUpdate): data keys are config keys, 1 MiB of
  decoded data at most, the keys each well-known type requires (`.dockerconfigjson` holding a
  JSON object for `kubernetes.io/dockerconfigjson`, `.dockercfg` for `kubernetes.io/dockercfg`,
  ...), `type` immutable, and an `immutable: true` Secret keeps its data and stays immutable.

Objects are kept in their JSON (v1) form, `data` values as canonical base64 with the keys
sorted (Go writes map keys in order)."""

import base64
import re

import gojson
import govalue
from schema import json_type
from status import bad_request

OPAQUE = "Opaque"
SERVICE_ACCOUNT_TOKEN = "kubernetes.io/service-account-token"
DOCKERCFG = "kubernetes.io/dockercfg"
DOCKER_CONFIG_JSON = "kubernetes.io/dockerconfigjson"
BASIC_AUTH = "kubernetes.io/basic-auth"
SSH_AUTH = "kubernetes.io/ssh-auth"
TLS = "kubernetes.io/tls"

SERVICE_ACCOUNT_NAME_KEY = "kubernetes.io/service-account.name"
# corev1.MaxSecretSize
MAX_SECRET_SIZE = 1024 * 1024

_CONFIG_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")
CONFIG_KEY_MESSAGE = ("a valid config key must consist of alphanumeric characters, '-', '_' or '.' "
                      "(e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for "
                      "validation is '[-._a-zA-Z0-9]+')")
IMMUTABLE_MESSAGE = "Forbidden: field is immutable when `immutable` is set"
REDACTED = '"<secret contents redacted>"'


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _cannot_handle(message):
    return bad_request(f'Secret in version "v1" cannot be handled as a Secret: {message}')


def _type_error(value, field, go_type):
    return _cannot_handle(f"json: cannot unmarshal {json_type(value)} into Go struct field "
                          f"Secret.{field} of type {go_type}")


def decode(secret):
    """Decoding, defaulting and conversion, in place: canonical base64 `data` (400 for a value
    that is not base64), `stringData` merged into `data` and removed, `type` defaulted."""
    # The schema decode (schema.py) reports these first, in document order; this is what is
    # left to do when it is switched off (--no-schema-validation).
    data = secret.get("data")
    if data is not None and not isinstance(data, dict):
        raise _type_error(data, "data", "map[string][]uint8")
    decoded = {}
    for key, value in (data or {}).items():
        if value is None:  # null is an empty []byte
            value = ""
        if not isinstance(value, str):
            raise _type_error(value, "data", "[]uint8")
        try:
            decoded[key] = gojson.canonical_b64(value)
        except gojson.Base64Error as e:
            raise _cannot_handle(str(e))
    string_data = secret.pop("stringData", None) or {}
    if not isinstance(string_data, dict):
        raise _type_error(string_data, "stringData", "map[string]string")
    for key, value in string_data.items():
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise _type_error(value, "stringData", "string")
        # Go's decoder turns a lone surrogate escape into U+FFFD.
        text = _LONE_SURROGATE.sub("\ufffd", value)
        decoded[key] = base64.b64encode(text.encode("utf-8")).decode("ascii")
    if data is not None or string_data:
        secret["data"] = dict(sorted(decoded.items()))
    else:
        secret.pop("data", None)
    if not secret.get("type"):
        secret["type"] = OPAQUE
    if secret.get("immutable", False) is None:
        secret.pop("immutable")
    return secret


def storage_form(secret):
    """The Secret as it is stored and read back: an empty `data` is gone (the real server's
    storage keeps no empty map), fields in the order the server writes them."""
    out = {}
    for key in ("kind", "apiVersion", "metadata"):
        if key in secret:
            out[key] = secret[key]
    if secret.get("immutable") is not None:
        out["immutable"] = secret["immutable"]
    if secret.get("data"):
        out["data"] = secret["data"]
    out["type"] = secret.get("type") or OPAQUE
    for key, value in secret.items():  # anything else the decoder let through
        if key not in out and key not in ("data", "immutable", "stringData"):
            out[key] = value
    return out


def config_key_errors(key):
    """validation.IsConfigMapKey."""
    errors = []
    if len(key) > 253:
        errors.append("must be no more than 253 characters")
    if not _CONFIG_KEY.match(key):
        errors.append(CONFIG_KEY_MESSAGE)
    if key == ".":
        errors.append("must not be '.'")
    elif key == "..":
        errors.append("must not be '..'")
    elif key.startswith(".."):
        errors.append("must not start with '..'")
    return errors


def _bytes(secret, key):
    value = (secret.get("data") or {}).get(key)
    return None if value is None else base64.b64decode(value)


def _json_object_errors(secret, key):
    content = _bytes(secret, key)
    path = f"data[{key}]"
    if content is None:
        return [(path, "FieldValueRequired", "Required value")]
    err = gojson.unmarshal_map_error(content)
    if err:
        return [(path, "FieldValueInvalid", f"Invalid value: {REDACTED}: {err}")]
    return []


def secret_errors(secret):
    """ValidateSecret, after the metadata checks (the caller's): (field, type, message)
    causes. Data keys are checked in sorted order (Go walks its map in random order)."""
    causes = []
    data = secret.get("data") or {}
    total = 0
    for key in sorted(data):
        for msg in config_key_errors(key):
            causes.append((f"data[{key}]", "FieldValueInvalid",
                           f"Invalid value: {govalue.quote(key)}: {msg}"))
        total += len(base64.b64decode(data[key]))
    if total > MAX_SECRET_SIZE:
        causes.append(("data", "FieldValueTooLong",
                       f"Too long: must have at most {MAX_SECRET_SIZE} bytes"))
    kind = secret.get("type") or ""
    if kind == SERVICE_ACCOUNT_TOKEN:
        annotations = (secret.get("metadata") or {}).get("annotations") or {}
        if not annotations.get(SERVICE_ACCOUNT_NAME_KEY):
            causes.append((f"metadata.annotations[{SERVICE_ACCOUNT_NAME_KEY}]",
                           "FieldValueRequired", "Required value"))
    elif kind == DOCKERCFG:
        causes += _json_object_errors(secret, ".dockercfg")
    elif kind == DOCKER_CONFIG_JSON:
        causes += _json_object_errors(secret, ".dockerconfigjson")
    elif kind == BASIC_AUTH:
        if "username" not in data and "password" not in data:
            causes += [("data[username]", "FieldValueRequired", "Required value"),
                       ("data[password]", "FieldValueRequired", "Required value")]
    elif kind == SSH_AUTH:
        if not _bytes(secret, "ssh-privatekey"):
            causes.append(("data[ssh-privatekey]", "FieldValueRequired", "Required value"))
    elif kind == TLS:
        for key in ("tls.crt", "tls.key"):
            if key not in data:
                causes.append((f"data[{key}]", "FieldValueRequired", "Required value"))
    return causes


def secret_update_errors(new, old):
    """ValidateSecretUpdate (after the metadata update checks): `type` is immutable; a Secret
    with `immutable: true` keeps it and its data (compared after stringData was merged in)."""
    causes = []
    if new.get("type") != old.get("type"):
        causes.append(("type", "FieldValueInvalid",
                       f"Invalid value: {govalue.quote(new.get('type') or '')}: field is immutable"))
    if old.get("immutable") is True:
        if new.get("immutable") is not True:
            causes.append(("immutable", "FieldValueForbidden", IMMUTABLE_MESSAGE))
        # reflect.DeepEqual of the maps: an empty map sent is not the stored nil one.
        if new.get("data") != old.get("data"):
            causes.append(("data", "FieldValueForbidden", IMMUTABLE_MESSAGE))
    return causes + secret_errors(new)
