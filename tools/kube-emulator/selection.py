"""Label and field selectors, parsed from query strings the way the real server reads them."""

import re

from status import bad_request

_NAME = r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_NAME_RE = re.compile(rf"^{_NAME}$")
_DNS_SUBDOMAIN_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def label_key_errors(key):
    """Problems with a label (or annotation) key, as messages; empty if valid."""
    errors = []
    prefix, _, name = key.rpartition("/")
    if "/" in key and not prefix:
        errors.append("prefix part must be non-empty")
    if prefix:
        if len(prefix) > 253 or not _DNS_SUBDOMAIN_RE.match(prefix):
            errors.append("prefix part a lowercase RFC 1123 subdomain must consist of lower case "
                          "alphanumeric characters, '-' or '.', and must start and end with an "
                          "alphanumeric character")
    if not name:
        errors.append("name part must be non-empty")
    elif len(name) > 63:
        errors.append("name part must be no more than 63 characters")
    elif not _NAME_RE.match(name):
        errors.append("name part must consist of alphanumeric characters, '-', '_' or '.', and "
                      "must start and end with an alphanumeric character (e.g. 'MyName',  or "
                      "'my.name',  or '123-abc', regex used for validation is "
                      "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')")
    return errors


def label_value_errors(value):
    errors = []
    if len(value) > 63:
        errors.append("must be no more than 63 characters")
    if value and not _NAME_RE.match(value):
        errors.append("a valid label must be an empty string or consist of alphanumeric "
                      "characters, '-', '_' or '.', and must start and end with an alphanumeric "
                      "character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for "
                      "validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')")
    return errors


def _split_terms(text):
    """Splits on commas that are not inside parentheses."""
    terms, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            terms.append(text[start:i])
            start = i + 1
    terms.append(text[start:])
    return [t.strip() for t in terms if t.strip()]


_SET_RE = re.compile(r"^(\S+)\s+(in|notin)\s*\((.*)\)$")
_OP_RE = re.compile(r"^([^=!<>\s]+)\s*(==|=|!=|<|>)\s*(.*)$")


class LabelSelector:
    """A parsed label selector: a conjunction of requirements on a labels dict."""

    def __init__(self, requirements):
        self.requirements = requirements  # list of (key, op, values)

    @property
    def empty(self):
        return not self.requirements

    @staticmethod
    def parse(text):
        reqs = []
        for term in _split_terms(text or ""):
            m = _SET_RE.match(term)
            if m:
                values = [v.strip() for v in m.group(3).split(",") if v.strip()]
                reqs.append(_checked(m.group(1), m.group(2), values, term))
                continue
            if term.startswith("!"):
                reqs.append(_checked(term[1:].strip(), "!", [], term))
                continue
            m = _OP_RE.match(term)
            if m:
                op = "=" if m.group(2) == "==" else m.group(2)
                reqs.append(_checked(m.group(1), op, [m.group(3).strip()], term))
                continue
            if re.match(r"^[^\s=!(),]+$", term):
                reqs.append(_checked(term, "exists", [], term))
                continue
            raise bad_request(f"unable to parse requirement: found '{term}', expected: "
                              "'=', '!=', '==', 'in', notin'")
        return LabelSelector(reqs)

    @staticmethod
    def from_label_selector(sel):
        """From a metav1.LabelSelector object (matchLabels / matchExpressions)."""
        reqs = [(k, "=", [v]) for k, v in (sel.get("matchLabels") or {}).items()]
        ops = {"In": "in", "NotIn": "notin", "Exists": "exists", "DoesNotExist": "!"}
        for expr in sel.get("matchExpressions") or []:
            reqs.append((expr["key"], ops[expr["operator"]], expr.get("values") or []))
        return LabelSelector(reqs)

    def matches(self, labels):
        for key, op, values in self.requirements:
            present = key in labels
            value = labels.get(key)
            if op == "=":
                if not present or value != values[0]:
                    return False
            elif op == "!=":
                if present and value == values[0]:
                    return False
            elif op == "in":
                if not present or value not in values:
                    return False
            elif op == "notin":
                if present and value in values:
                    return False
            elif op == "exists":
                if not present:
                    return False
            elif op == "!":
                if present:
                    return False
            elif op in ("<", ">"):
                try:
                    have, want = int(value), int(values[0])
                except (TypeError, ValueError):
                    return False
                if not (have < want if op == "<" else have > want):
                    return False
        return True


def _checked(key, op, values, term):
    errs = label_key_errors(key)
    if errs:
        raise bad_request(f'unable to parse requirement: key: Invalid value: "{key}": {errs[0]}')
    if op in ("<", ">"):
        if not re.match(r"^-?\d+$", values[0]):
            raise bad_request(f"unable to parse requirement: for 'Gt', 'Lt' operators, the value "
                              f"must be an integer: {term}")
        return (key, op, values)
    if op in ("in", "notin") and not values:
        raise bad_request(f"unable to parse requirement: for 'in', 'notin' operators, values set "
                          f"can't be empty: {term}")
    for v in values:
        errs = label_value_errors(v)
        if errs:
            raise bad_request(f'unable to parse requirement: values[0][{key}]: Invalid value: '
                              f'"{v}": {errs[0]}')
    return (key, op, values)


def _lookup(obj, path):
    cur = obj
    for part in path.split("."):
        if not isinstance(cur, dict):
            return ""
        cur = cur.get(part)
    if cur is None:
        return ""
    if isinstance(cur, bool):
        return "true" if cur else "false"
    if isinstance(cur, dict):
        # "source" on core events means source.component.
        return cur.get("component", "")
    return str(cur)


class FieldSelector:
    """A parsed field selector: equality / inequality on a few known fields."""

    def __init__(self, requirements, res=None):
        self.requirements = requirements  # list of (path, negate, value)
        self.res = res                    # whose view of a stored object the fields name

    @property
    def empty(self):
        return not self.requirements

    def matches_entry(self, entry):
        """Matches a store Entry, as the selector's resource shows it."""
        return self.matches(entry.view(self.res))

    def exact_name(self):
        """The name if the selector pins metadata.name to one value (used by watches)."""
        for path, negate, value in self.requirements:
            if path == "metadata.name" and not negate:
                return value
        return None

    @staticmethod
    def parse(text, res):
        allowed = ("metadata.name", "metadata.namespace") + res.extra_fields
        reqs = []
        for term in _split_terms(text or ""):
            m = re.match(r"^([^=!]+?)\s*(==|=|!=)\s*(.*)$", term)
            if not m:
                raise bad_request(f'invalid selector: \'{text}\'; can\'t understand \'{term}\'')
            path = m.group(1).strip()
            if path not in allowed:
                raise bad_request(f'field label not supported: {path}')
            reqs.append((path, m.group(2) == "!=", m.group(3).strip()))
        return FieldSelector(reqs, res)

    def matches(self, obj):
        for path, negate, value in self.requirements:
            if (_lookup(obj, path) == value) == negate:
                return False
        return True
