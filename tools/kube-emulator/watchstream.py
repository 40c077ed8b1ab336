"""Serving one watch: chunked HTTP, one JSON event per line, bookmarks, timeoutSeconds, and
being cut by the control API (optionally in the middle of a line)."""

import json
import socket
import time

import tables
from selection import FieldSelector, LabelSelector
from status import ApiError, bad_request
from store import dumps


def _event(type_, obj_bytes):
    return b'{"type":"' + type_.encode() + b'","object":' + obj_bytes + b"}\n"


def serve(handler, app, route, query):
    res = route.res
    label_sel = LabelSelector.parse(query.get("labelSelector"))
    field_sel = FieldSelector.parse(query.get("fieldSelector"), res)
    since = query.get("resourceVersion") or ""
    try:
        since_rv = int(since) if since else 0
    except ValueError:
        raise bad_request(f"invalid resource version: {since}")
    timeout = query.get("timeoutSeconds")
    deadline = time.monotonic() + float(timeout) if timeout else None
    bookmarks = query.get("allowWatchBookmarks") in ("true", "1")
    as_table = handler._wants_table()
    include = query.get("includeObject", "Metadata")

    def render(type_, entry):
        if as_table:
            obj = entry.view(res)
            return _event(type_, dumps(tables.table(res, [obj], obj["metadata"]["resourceVersion"],
                                                    include)))
        return _event(type_, entry.render(res))

    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Transfer-Encoding", "chunked")
    handler.send_header("Cache-Control", "no-cache, private")
    handler.end_headers()

    def chunk(data):
        handler.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

    try:
        watcher = app.store.watch(res.key, route.namespace, label_sel, field_sel, since_rv)
    except ApiError as e:
        # Like the real server: 200, then one ERROR event carrying the 410 Status.
        chunk(_event("ERROR", e.body()))
        chunk(b"")
        return
    store = app.store
    next_bookmark = time.monotonic() + app.config.bookmark_interval
    try:
        while True:
            with watcher.cond:
                while not watcher.queue and watcher.cut is None:
                    now = time.monotonic()
                    wake = [t for t in (deadline, next_bookmark if bookmarks else None) if t]
                    if wake and min(wake) <= now:
                        break
                    watcher.cond.wait(min(wake) - now if wake else None)
                items = list(watcher.queue)
                watcher.queue.clear()
                cut = watcher.cut
            if items:
                chunk(b"".join(render(t, e) for t, e in items))
            if cut is not None:
                if cut.get("midLine"):
                    line = _event("BOOKMARK", _bookmark(res, store.current_rv()))
                    chunk(line[: len(line) // 2])
                handler.close_connection = True
                try:
                    handler.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                return
            now = time.monotonic()
            if deadline is not None and now >= deadline:
                chunk(b"")
                return
            if bookmarks and now >= next_bookmark:
                next_bookmark = now + app.config.bookmark_interval
                with store.lock:
                    # Every change up to this rv is already queued (pushes happen under the
                    # store lock), so the bookmark never runs ahead of undelivered events.
                    with watcher.cond:
                        pending = bool(watcher.queue)
                    rv = store.rv
                if not pending:
                    chunk(_event("BOOKMARK", _bookmark(res, rv)))
    except (BrokenPipeError, ConnectionError, OSError):
        handler.close_connection = True
    finally:
        store.unwatch(watcher)


def _bookmark(res, rv):
    return dumps({"kind": res.kind, "apiVersion": res.group_version,
                  "metadata": {"resourceVersion": str(rv), "creationTimestamp": None}})
