"""Maps a request path and method to what it addresses: a discovery document, or a resource
(plus namespace, name, subresource) and the RBAC verb."""

import re
from dataclasses import dataclass

import resources as R
from selection import LabelSelector
from status import ApiError


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


def _watch_requested(query):
    """ListOptions.Watch as the server decodes it (Convert_Slice_string_To_bool): absent, "0"
    or "false" (any case) is false; any other value, even an empty one, is true."""
    value = query.get("watch")
    if value is None:
        return False
    return not (value == "0" or value.lower() == "false")


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
    verb = {"GET": "get", "POST": "create", "PUT": "update", "PATCH": "patch",
            "DELETE": "delete"}.get(method, "")
    if method == "GET" and not name:
        # Only a request without a name is a list or a watch (RequestInfoFactory); a GET of a
        # named object is a get, `?watch=true` or not, and answers the object.
        verb = "watch" if _watch_requested(query) else "list"
    elif method == "DELETE" and not name:
        verb = "deletecollection"
    elif method == "POST" and name:
        verb = ""
    return Route("resource", res=res, namespace=namespace, name=name, subresource=sub, verb=verb)


# ---- the name the authorizer sees --------------------------------------------------------------

_TERM_OPERATORS = ("!=", "==", "=")


def _split_terms(text):
    """fields.splitTerms: on commas not escaped with a backslash."""
    terms, start, escaped = [], 0, False
    for i, c in enumerate(text):
        if escaped:
            escaped = False
        elif c == "\\":
            escaped = True
        elif c == ",":
            terms.append(text[start:i])
            start = i + 1
    terms.append(text[start:])
    return terms


def _unescape(value):
    """fields.UnescapeValue; None for an invalid escape or an unescaped `,` / `=`."""
    out, escaped = [], False
    for c in value:
        if escaped:
            if c not in "\\,=":
                return None
            out.append(c)
            escaped = False
        elif c == "\\":
            escaped = True
        elif c in ",=":
            return None
        else:
            out.append(c)
    return None if escaped else "".join(out)


def field_selector_name(text):
    """fields.ParseSelector(text).RequiresExactMatch("metadata.name"): the value of the first
    (in sorted order) `metadata.name=` or `==` term, taken literally (no trimming); None when
    there is none or the selector does not parse."""
    if not text:
        return None
    items = []
    for part in sorted(_split_terms(text)):
        if not part:
            continue
        for i in range(len(part)):
            op = next((o for o in _TERM_OPERATORS if part.startswith(o, i)), None)
            if op:
                value = _unescape(part[i + len(op):])
                if value is None:
                    return None
                items.append((part[:i], op, value))
                break
        else:
            return None
    return next((v for field, op, v in items if field == "metadata.name" and op != "!="), None)


_INTEGER = re.compile(r"^[+-]?[0-9]+$")


def authorization_name(route, query):
    """RequestInfo.Name, what RBAC's resourceNames are matched against: the name in the path;
    for a list or watch, the name a `metadata.name=NAME` field selector pins (when the list
    options decode and the name is a valid path segment), so a Role with `resourceNames` and
    the list/watch verbs lets a client list or watch exactly those objects."""
    if route.name or route.verb not in ("list", "watch"):
        return route.name
    try:
        LabelSelector.parse(query.get("labelSelector"))
    except ApiError:
        return None  # ListOptions did not decode: a plain list
    for key in ("limit", "timeoutSeconds"):
        if query.get(key) and not _INTEGER.match(query[key]):
            return None
    name = field_selector_name(query.get("fieldSelector"))
    if not name or name in (".", "..") or "/" in name or "%" in name:
        return None
    return name
