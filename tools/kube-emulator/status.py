"""Kubernetes `Status` objects and the ApiError exception that carries one to the client."""

import json


class ApiError(Exception):
    """An error answered to the client as a `Status` object with an HTTP code."""

    def __init__(self, code, reason, message, details=None, headers=None):
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details
        self.headers = headers or {}

    def status(self):
        return failure_status(self.code, self.reason, self.message, self.details)

    def body(self):
        return json.dumps(self.status(), separators=(",", ":")).encode()


def _omit_empty(details):
    """StatusDetails as Go writes it: `name`, `group`, `kind`, `uid` and a cause's `field`
    are omitempty (a core resource's details carry no `group`)."""
    out = {k: v for k, v in details.items()
           if not (k in ("name", "group", "kind", "uid") and v in ("", None))}
    if "causes" in out:
        out["causes"] = [{k: v for k, v in c.items() if not (k == "field" and v == "")}
                         for c in out["causes"]]
    return out


def failure_status(code, reason, message, details=None):
    status = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
              "message": message, "reason": reason, "code": code}
    if details:
        status["details"] = _omit_empty(details)
    return status


def success_status(details):
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
            "details": details}


def _details(res, name):
    details = {"kind": res.plural}
    if name:
        details = {"name": name, "group": res.group, "kind": res.plural}
    else:
        details["group"] = res.group
    return details


def not_found(res, name):
    return ApiError(404, "NotFound", f'{res.qualified} "{name}" not found', _details(res, name))


def already_exists(res, name):
    return ApiError(409, "AlreadyExists", f'{res.qualified} "{name}" already exists',
                    _details(res, name))


def conflict(res, name):
    return ApiError(409, "Conflict",
                    f'Operation cannot be fulfilled on {res.qualified} "{name}": the object has been '
                    "modified; please apply your changes to the latest version and try again",
                    _details(res, name))


def bad_request(message):
    return ApiError(400, "BadRequest", message)


def invalid(res, name, causes):
    """422 Invalid; causes is a list of (field, type, message) like the real field.ErrorList."""
    joined = ", ".join(f"{field}: {msg}" for field, _, msg in causes)
    if len(causes) > 1:
        joined = "[" + joined + "]"
    details = {"name": name, "group": res.group, "kind": res.kind,
               "causes": [{"reason": typ, "message": msg, "field": field}
                          for field, typ, msg in causes]}
    return ApiError(422, "Invalid", f'{res.kind}{"." + res.group if res.group else ""} "{name}" is invalid: {joined}',
                    details)


def invalid_resource(res, name, causes):
    """422 Invalid named by the resource (`leases.coordination.k8s.io "x" is invalid`), as the
    generic registry store answers before any validation of the kind."""
    joined = ", ".join(f"{field}: {msg}" for field, _, msg in causes)
    if len(causes) > 1:
        joined = "[" + joined + "]"
    details = {"name": name, "group": res.group, "kind": res.plural,
               "causes": [{"reason": typ, "message": msg, "field": field}
                          for field, typ, msg in causes]}
    return ApiError(422, "Invalid", f'{res.qualified} "{name}" is invalid: {joined}', details)


def expired(message):
    return ApiError(410, "Expired", message)
