"""How the real server prints the bad value of a validation error (field.Error.ErrorBody):
numbers and booleans with %v, strings with %q, anything else with Go's %#v, which names the
Go type (`map[string]string{"a":"b"}`, `v1.LabelSelector{MatchLabels:...}`)."""

import json


def quote(s):
    """Go's %q for a string (close enough: JSON escaping, non-ASCII kept)."""
    return json.dumps(s, ensure_ascii=False)


def scalar(v):
    """%v / %q of a simple value, "null" for None (a nil pointer)."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return quote(v)
    return str(v)


def string_map(m):
    """%#v of a map[string]string: keys sorted, as fmt prints maps."""
    if m is None:
        return "map[string]string(nil)"
    return "map[string]string{" + ", ".join(
        f"{quote(k)}:{quote(v if isinstance(v, str) else str(v))}" for k, v in sorted(m.items())) + "}"


def string_slice(values):
    if values is None:
        return "[]string(nil)"
    return "[]string{" + ", ".join(quote(str(v)) for v in values) + "}"


def label_selector(sel):
    """%#v of a metav1.LabelSelector (the value behind the *LabelSelector of a Job)."""
    if sel is None:
        return "null"
    exprs = sel.get("matchExpressions")
    if exprs is None:
        exprs_text = "[]v1.LabelSelectorRequirement(nil)"
    else:
        exprs_text = "[]v1.LabelSelectorRequirement{" + ", ".join(
            f"v1.LabelSelectorRequirement{{Key:{quote(e.get('key', ''))}, "
            f"Operator:{quote(e.get('operator', ''))}, Values:{string_slice(e.get('values'))}}}"
            for e in exprs) + "}"
    return (f"v1.LabelSelector{{MatchLabels:{string_map(sel.get('matchLabels'))}, "
            f"MatchExpressions:{exprs_text}}}")


def plain(v):
    """Go's %v of a decoded JSON value (map[string]interface{} and friends): maps as
    map[k:v] with sorted keys, lists as [a b], strings unquoted."""
    if v is None:
        return "<nil>"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, dict):
        return "map[" + " ".join(f"{k}:{plain(v[k])}" for k in sorted(v)) + "]"
    if isinstance(v, list):
        return "[" + " ".join(plain(x) for x in v) + "]"
    return str(v)
