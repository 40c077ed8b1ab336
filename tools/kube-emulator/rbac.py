"""Authentication (bearer tokens, the admin client certificate) and RBAC rule checks."""

import threading

from status import ApiError

ADMIN_USER = "admin"


class Identity:
    def __init__(self, user, rules):
        self.user = user
        self.rules = rules  # None = unrestricted (admin)


class Rbac:
    def __init__(self, admin_token):
        self.lock = threading.Lock()
        self.admin_token = admin_token
        self.tokens = {}

    def add_token(self, token, user, rules):
        with self.lock:
            self.tokens[token] = Identity(user, list(rules or []))

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
    def allowed(ident, verb, group, resource, subresource, name):
        if ident.rules is None:
            return True
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
            if names and name not in names:
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
