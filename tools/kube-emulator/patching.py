"""JSON merge patch (RFC 7386), JSON patch (RFC 6902) and strategic merge patch.

A strategic merge patch merges lists by the patch strategy and merge key that the official
schemas (kubernetes-validate, the same as the Go struct tags) declare for each field
(`x-kubernetes-patch-strategy`, `x-kubernetes-patch-merge-key`): `containers` by name,
`metadata.finalizers` as a set, `conditions` by type, `ownerReferences` by uid, ...; other
lists are replaced. Directives: `$patch: replace|delete|merge` on maps and list items,
`$deleteFromPrimitiveList/<field>`, `$setElementOrder/<field>` and `$retainKeys`."""

import govalue
import schema as schemas
from status import ApiError, bad_request

DIRECTIVE = "$patch"
DELETE_PRIMITIVE = "$deleteFromPrimitiveList/"
SET_ORDER = "$setElementOrder/"
RETAIN_KEYS = "$retainKeys"


def merge_patch(target, patch):
    if not isinstance(patch, dict):
        return patch
    if not isinstance(target, dict):
        target = {}
    for key, value in patch.items():
        if key == "$patch" or key.startswith("$setElementOrder") or key.startswith("$retainKeys"):
            continue
        if value is None:
            target.pop(key, None)
        else:
            target[key] = merge_patch(target.get(key), value)
    return target


def _pointer(path):
    if path == "":
        return []
    if not path.startswith("/"):
        raise bad_request(f"invalid JSON pointer {path!r}")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _parent(doc, parts):
    cur = doc
    for p in parts[:-1]:
        if isinstance(cur, list):
            cur = cur[int(p)]
        else:
            cur = cur[p]
    return cur


def json_patch(doc, ops):
    if not isinstance(ops, list):
        raise bad_request("json patch must be a list of operations")
    try:
        for op in ops:
            kind, parts = op.get("op"), _pointer(op.get("path", ""))
            if kind == "test":
                cur = doc
                for p in parts:
                    cur = cur[int(p)] if isinstance(cur, list) else cur[p]
                if cur != op.get("value"):
                    raise ApiError(422, "Invalid", f"the server rejected our request due to an "
                                   f"error in our request: testing value {op.get('path')} failed")
                continue
            parent = _parent(doc, parts)
            last = parts[-1]
            if kind in ("add", "replace"):
                if isinstance(parent, list):
                    if last == "-":
                        parent.append(op["value"])
                    elif kind == "add":
                        parent.insert(int(last), op["value"])
                    else:
                        parent[int(last)] = op["value"]
                else:
                    if kind == "replace" and last not in parent:
                        raise KeyError(last)
                    parent[last] = op["value"]
            elif kind == "remove":
                if isinstance(parent, list):
                    del parent[int(last)]
                else:
                    del parent[last]
            else:
                raise bad_request(f"unsupported json patch operation {kind!r}")
    except (KeyError, IndexError, ValueError, TypeError) as e:
        raise ApiError(422, "Invalid", f"the server rejected our request due to an error in our "
                       f"request: {e}")
    return doc


# ---- strategic merge patch -------------------------------------------------------------------

def _unknown(message):
    """An error the real patcher does not turn into a Status: 500, reason Unknown."""
    return ApiError(500, "Unknown", message)


def _list_meta(schema):
    """(strategies, merge key) of a list field from its schema."""
    s = schemas.resolve(schema) or {}
    strategy = s.get("x-kubernetes-patch-strategy") or ""
    return set(strategy.split(",")) if strategy else set(), s.get("x-kubernetes-patch-merge-key")


def _items_schema(schema):
    s = schemas.resolve(schema) or {}
    return s.get("items")


def strategic_merge_patch(original, patch, schema):
    """Applies a strategic merge patch (a JSON object) to `original` (changed in place and
    returned) with `schema` the object's schema (None: no list merges)."""
    if not isinstance(patch, dict):
        raise bad_request("invalid JSON document")
    result = _merge_map(original if isinstance(original, dict) else {}, patch, schema)
    return {} if result is None else result


def _merge_map(original, patch, schema):
    """Merges a patch map into original; None when the patch deletes the map."""
    directive = patch.get(DIRECTIVE)
    if directive == "replace":
        return {k: v for k, v in patch.items() if k != DIRECTIVE}
    if directive == "delete":
        return None
    if directive not in (None, "merge"):
        raise _unknown(f"unknown patch type: {directive} in map: {govalue.plain(patch)}")
    if RETAIN_KEYS in patch:
        keep = patch[RETAIN_KEYS]
        if not isinstance(keep, list):
            raise bad_request("invalid patch format of retainKeys")
        for k in patch:
            if not k.startswith("$") and k not in keep:
                raise ApiError(422, "Invalid", "patch content doesn't match retainKeys list")
        for k in list(original):
            if k not in keep:
                del original[k]
    orders = {}
    for key, value in patch.items():
        if key.startswith(DELETE_PRIMITIVE):
            field = key[len(DELETE_PRIMITIVE):]
            if not isinstance(value, list):
                raise bad_request("invalid patch format of primitive list")
            if isinstance(original.get(field), list):
                original[field] = [v for v in original[field] if v not in value]
        elif key.startswith(SET_ORDER):
            if not isinstance(value, list):
                raise bad_request("invalid patch format of setElementOrder list")
            orders[key[len(SET_ORDER):]] = value
    for key, value in patch.items():
        if key.startswith("$"):
            continue
        sub = schemas.property_schema(schema, key)
        if value is None:
            original.pop(key, None)
            continue
        current = original.get(key)
        if isinstance(value, dict):
            merged = _merge_map(current if isinstance(current, dict) else {}, value, sub)
            if merged is None:
                original.pop(key, None)
            else:
                original[key] = merged
        elif isinstance(value, list):
            original[key] = _merge_list(current if isinstance(current, list) else [], value, sub)
        else:
            original[key] = value
    for field, order in orders.items():
        if isinstance(original.get(field), list):
            original[field] = _ordered(original[field], order,
                                       _list_meta(schemas.property_schema(schema, field))[1])
    return original


def _merge_list(original, patch, schema):
    strategies, key = _list_meta(schema)
    if "merge" not in strategies:
        return [_without_nulls(v) for v in patch if not _is_directive(v)]
    if key is None:  # a list of scalars merged as a set (metadata.finalizers)
        out = list(original)
        for v in patch:
            if isinstance(v, dict):
                if v.get(DIRECTIVE) == "replace":
                    return [x for x in patch if not isinstance(x, dict)]
                continue
            if v not in out:
                out.append(v)
        return out
    if any(isinstance(v, dict) and v.get(DIRECTIVE) == "replace" for v in patch):
        return [v for v in patch if not (isinstance(v, dict) and DIRECTIVE in v)]
    items = _items_schema(schema)
    out = [dict(v) if isinstance(v, dict) else v for v in original]
    for item in patch:
        if not isinstance(item, dict):
            raise bad_request("invalid JSON document")
        if key not in item:
            raise _unknown(f"map: {govalue.plain(item)} does not contain declared merge key: {key}")
        at = next((i for i, o in enumerate(out) if isinstance(o, dict) and o.get(key) == item[key]),
                  None)
        if item.get(DIRECTIVE) == "delete":
            out = [o for o in out if not (isinstance(o, dict) and o.get(key) == item[key])]
            continue
        if at is None:
            merged = _merge_map({}, item, items)
            if merged is not None:
                out.append(merged)
        else:
            merged = _merge_map(out[at], item, items)
            if merged is None:
                del out[at]
            else:
                out[at] = merged
    return out


def _is_directive(v):
    return isinstance(v, dict) and DIRECTIVE in v


def _without_nulls(v):
    if isinstance(v, dict):
        return {k: _without_nulls(x) for k, x in v.items() if x is not None}
    return v


def _ordered(items, order, key):
    """$setElementOrder: the listed elements in the given order first, the others after them
    in their present order (the real server interleaves server-only elements; close enough
    for what clients send)."""
    def ident(v):
        return v.get(key) if key and isinstance(v, dict) else v
    wanted = [o.get(key) if key and isinstance(o, dict) else o for o in order]
    rank = {w: i for i, w in enumerate(wanted)}
    listed = sorted((v for v in items if ident(v) in rank), key=lambda v: rank[ident(v)])
    return listed + [v for v in items if ident(v) not in rank]
