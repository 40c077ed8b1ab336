"""Authentication (bearer tokens, the admin client certificate) and RBAC rule checks."""

import copy
import threading

import schema
from status import ApiError

ADMIN_USER = "admin"


class Identity:
    def __init__(self, user, rules, namespace=None):
        self.user = user
        self.rules = rules  # None = unrestricted (admin)
        # A Role's rules hold in its namespace only (a RoleBinding cannot grant more); None: the
        # rules hold everywhere, as a ClusterRole bound by a ClusterRoleBinding.
        self.namespace = namespace


def role_rules(role):
    """(rules, namespace) of a Role or ClusterRole manifest, checked against the official schema
    as kube-apiserver would check it (strictly: an unknown field is an error here, since a
    misspelled rule field would grant nothing). Raises ValueError."""
    if role.get("apiVersion") != "rbac.authorization.k8s.io/v1" or role.get("kind") not in ("Role", "ClusterRole"):
        raise ValueError("role must be a rbac.authorization.k8s.io/v1 Role or ClusterRole, "
                         f"not {role.get('apiVersion')} {role.get('kind')}")
    checked = copy.deepcopy(role)
    result = schema.decode("rbac.authorization.k8s.io", role["kind"], checked)
    problems = result.type_errors + [f"unknown field {p}" for p in result.unknown] + \
        [f"{p}: {m}" for p, _, m in result.invalid]
    if problems:
        raise ValueError(f"invalid {role['kind']}: " + "; ".join(problems))
    for i, rule in enumerate(checked.get("rules") or []):
        if rule.get("nonResourceURLs") and role["kind"] == "Role":
            raise ValueError(f"invalid Role: rules[{i}].nonResourceURLs: a Role cannot grant non-resource URLs")
        if not rule.get("nonResourceURLs") and not rule.get("apiGroups"):
            raise ValueError(f"invalid {role['kind']}: rules[{i}].apiGroups: Required value: "
                             "resource rules must supply at least one api group")
    if role["kind"] == "ClusterRole":
        return checked.get("rules") or [], None
    return checked.get("rules") or [], (checked.get("metadata") or {}).get("namespace") or "default"


class Rbac:
    def __init__(self, admin_token):
        self.lock = threading.Lock()
        self.admin_token = admin_token
        self.tokens = {}

    def add_token(self, token, user, rules, namespace=None):
        with self.lock:
            self.tokens[token] = Identity(user, list(rules or []), namespace)

    def reset(self):
        with self.lock:
            self.tokens.clear()

    def authenticate(self, auth_header, cert_user):
        """The identity of a request, or raises 401."""
        if auth_header and auth_header.startswith("Bearer "):
            token = auth_header[len("Bearer "):].strip()
            if token == self.admin_token:
                return Identity(ADMIN_USER, None)
            with self.lock:
                ident = self.tokens.get(token)
            if ident:
                return ident
            raise ApiError(401, "Unauthorized", "Unauthorized")
        if cert_user:
            return Identity(cert_user, None)
        raise ApiError(401, "Unauthorized", "Unauthorized")

    @staticmethod
    def allowed(ident, verb, group, resource, subresource, name, namespace):
        """RBAC's RuleAllows over the identity's rules. `name` is the request's RequestInfo.Name
        (routing.authorization_name): the name in the path, or for a list or watch the one a
        `metadata.name` field selector pins, else empty. A rule with resourceNames matches only
        a request whose name is one of them, so it never allows a create (no name yet), nor a
        list or watch of the whole collection."""
        if ident.rules is None:
            return True
        if ident.namespace is not None and namespace != ident.namespace:
            return False
        full = f"{resource}/{subresource}" if subresource else resource
        for rule in ident.rules:
            groups = rule.get("apiGroups") or []
            if "*" not in groups and group not in groups:
                continue
            res = rule.get("resources") or []
            if "*" not in res and full not in res and \
                    not (subresource and f"*/{subresource}" in res):
                continue
            verbs = rule.get("verbs") or []
            if "*" not in verbs and verb not in verbs:
                continue
            names = rule.get("resourceNames") or []
            if names and (name or "") not in names:
                continue
            return True
        return False

    @staticmethod
    def forbidden(ident, verb, res, subresource, name, namespace):
        full = f"{res.plural}/{subresource}" if subresource else res.plural
        subject = f'{res.qualified} "{name}"' if name else res.qualified
        where = f'in the namespace "{namespace}"' if namespace else "at the cluster scope"
        msg = (f'{subject} is forbidden: User "{ident.user}" cannot {verb} resource "{full}" '
               f'in API group "{res.group}" {where}')
        details = {"group": res.group, "kind": res.plural}
        if name:
            details["name"] = name
        return ApiError(403, "Forbidden", msg, details)
