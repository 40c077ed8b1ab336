"""A minimal OpenAPI v3 index: just enough for kubectl to learn that the server validates
fields itself (kubectl looks for the `fieldValidation` parameter on each kind's PATCH)."""

import resources as R


def _gv_key(group, version):
    return f"apis/{group}/{version}" if group else f"api/{version}"


def document(path):
    """The document for an /openapi/... path, or None."""
    parts = [p for p in path.split("/") if p]
    if parts == ["openapi", "v3"]:
        keys = sorted({_gv_key(r.group, r.version) for r in R.ALL})
        return {"paths": {k: {"serverRelativeURL": f"/openapi/v3/{k}?hash=emulator"} for k in keys}}
    if parts[:2] != ["openapi", "v3"]:
        return None
    key = "/".join(parts[2:])
    paths = {}
    for r in R.ALL:
        if _gv_key(r.group, r.version) != key:
            continue
        base = "/" + key + ("/namespaces/{namespace}" if r.namespaced else "")
        params = [{"name": n, "in": "query", "schema": {"type": "string"}}
                  for n in ("dryRun", "fieldManager", "fieldValidation", "force")]
        gvk = {"group": r.group, "version": r.version, "kind": r.kind}
        paths[f"{base}/{r.plural}/{{name}}"] = {
            "patch": {"x-kubernetes-group-version-kind": gvk, "x-kubernetes-action": "patch",
                      "parameters": params, "responses": {"200": {"description": "OK"}}}}
    if not paths:
        return None
    return {"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": "v1.31.4"},
            "paths": paths, "components": {"schemas": {}}}
