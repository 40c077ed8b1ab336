"""Maps a request path and method to what it addresses: a discovery document, or a resource
(plus namespace, name, subresource) and the RBAC verb."""

from dataclasses import dataclass

import resources as R


@dataclass
class Route:
    kind: str                 # "discovery", "resource", "openapi", "unknown"
    doc: object = None        # discovery document (for kind "discovery")
    res: R.Resource = None
    namespace: str = None
    name: str = None
    subresource: str = None
    verb: str = ""

    @property
    def resource_label(self):
        """"jobs", "pods/log": how the request log counts it."""
        if self.res is None:
            return ""
        return f"{self.res.plural}/{self.subresource}" if self.subresource else self.res.plural


VERSION = {"major": "1", "minor": "31", "gitVersion": "v1.31.4", "gitCommit": "emulator",
           "gitTreeState": "clean", "buildDate": "2024-12-10T00:00:00Z", "goVersion": "go1.22.10",
           "compiler": "gc", "platform": "linux/amd64"}


def _truthy(v):
    return v in ("true", "1", "True")


def parse(method, path, query):
    parts = [p for p in path.split("/") if p]
    if path == "/version" or path == "/version/":
        return Route("discovery", VERSION, verb="get")
    if parts[:1] == ["openapi"]:
        return Route("openapi", verb="get")
    if parts == ["api"]:
        return Route("discovery", R.api_versions(), verb="get")
    if parts == ["apis"]:
        return Route("discovery", R.api_group_list(), verb="get")
    if parts[:1] == ["api"] and len(parts) >= 2:
        group, version, rest = "", parts[1], parts[2:]
    elif parts[:1] == ["apis"] and len(parts) >= 2:
        group = parts[1]
        if len(parts) == 2:
            v = R.groups().get(group)
            return Route("discovery", R.api_group(group, v), verb="get") if v else Route("unknown")
        version, rest = parts[2], parts[3:]
    else:
        return Route("unknown")
    if not rest:
        doc = R.resource_list(group, version)
        return Route("discovery", doc, verb="get") if doc else Route("unknown")
    namespace = name = sub = None
    namespace_sub = group == "" and len(rest) == 3 and rest[2] in ("status", "finalize")
    if rest[0] == "namespaces" and len(rest) >= 3 and not namespace_sub:
        namespace, plural, tail = rest[1], rest[2], rest[3:]
    else:
        plural, tail = rest[0], rest[1:]
    res = R.lookup(group, version, plural)
    if res is None or len(tail) > 2:
        return Route("unknown")
    if tail:
        name = tail[0]
    if len(tail) == 2:
        sub = tail[1]
        if sub not in res.subresources:
            return Route("unknown")
    if namespace is not None and not res.namespaced:
        return Route("unknown")
    if res.namespaced and namespace is None and name is not None:
        return Route("unknown")  # a named namespaced object needs its namespace
    watch = _truthy(query.get("watch", ""))
    verb = {"GET": "get", "POST": "create", "PUT": "update", "PATCH": "patch",
            "DELETE": "delete"}.get(method, "")
    if method == "GET":
        verb = "watch" if watch else ("get" if name else "list")
    elif method == "DELETE" and not name:
        verb = "deletecollection"
    elif method == "POST" and name:
        verb = ""
    return Route("resource", res=res, namespace=namespace, name=name, subresource=sub, verb=verb)
