"""The HTTPS Kubernetes API: request handling for every verb, over HTTP/1.1 keep-alive."""

import base64
import copy
import http.server
import json
import socket
import ssl
import sys
import time
from urllib.parse import parse_qsl, urlsplit

import events
import openapi
import patching
import resources as R
import routing
import scale
import schema
import tables
import watchstream
from admission import prepare_create, prepare_update
from faults import new_entry
from selection import FieldSelector, LabelSelector
from status import (ApiError, already_exists, bad_request, conflict, expired, failure_status,
                    invalid, invalid_resource, not_found, success_status)
from store import dumps

EXPIRED_CONTINUE = ("The provided continue parameter is too old to display a consistent list "
                    "result. You can start a new list without the continue parameter, or use the "
                    "continue token in this response to retrieve the remainder of the results. "
                    "Continuing with the provided token results in an inconsistent list - objects "
                    "that were created, modified, or deleted between the time the first chunk was "
                    "returned and now may show up in the list.")


class DropConnection(Exception):
    """A fault asked for the connection to be closed without an answer."""


class ApiServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    allow_reuse_address = True

    def __init__(self, address, app, ssl_context):
        self.app = app
        self.ssl_context = ssl_context
        super().__init__(address, ApiHandler)

    def finish_request(self, request, client_address):
        # The TLS handshake runs here, in the connection's own thread, so a slow client
        # cannot stall the accept loop.
        try:
            # Without TCP_NODELAY, a response written in two segments waits out the client's
            # delayed ACK (~40 ms per request).
            request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            request.settimeout(30)
            tls = self.ssl_context.wrap_socket(request, server_side=True)
            tls.settimeout(None)
        except (ssl.SSLError, OSError):
            return
        try:
            self.RequestHandlerClass(tls, client_address, self)
        finally:
            try:
                tls.close()
            except OSError:
                pass

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, ssl.SSLError, BrokenPipeError, TimeoutError)):
            return
        super().handle_error(request, client_address)


def _cert_user(conn):
    try:
        cert = conn.getpeercert()
    except (ValueError, AttributeError):
        return None
    if not cert:
        return None
    for rdn in cert.get("subject", ()):
        for k, v in rdn:
            if k == "commonName":
                return v
    return None


class ApiHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "kube-emulator"
    sys_version = ""

    def log_message(self, fmt, *args):  # the request log is kept in memory instead
        pass

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")

    def do_PUT(self):
        self._handle("PUT")

    def do_PATCH(self):
        self._handle("PATCH")

    def do_DELETE(self):
        self._handle("DELETE")

    # ---- plumbing ----------------------------------------------------------------------------

    def _read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            # Clients that stream a body without knowing its size (libcurl with a read
            # callback) send it chunked.
            parts = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def send_bytes(self, code, body, ctype="application/json", headers=None):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache, private")
        for k, v in (headers or {}).items():
            if isinstance(v, list):
                for item in v:
                    self.send_header(k, item)
            else:
                self.send_header(k, v)
        self.entry["code"] = code
        self._record()  # before the answer leaves, so a client never reads a stale log
        # Headers and body leave in one write (one TLS record, one segment when small).
        self._headers_buffer.append(b"\r\n")
        self._headers_buffer.append(body)
        self.flush_headers()

    def _record(self):
        if not self.logged:
            self.logged = True
            self.server.app.requests.record(self.entry)

    def send_json(self, code, obj, headers=None):
        self.send_bytes(code, obj if isinstance(obj, bytes) else dumps(obj), headers=headers)

    def _drop(self):
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _handle(self, method):
        app = self.server.app
        url = urlsplit(self.path)
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        self.entry = new_entry(method, url.path, url.query)
        body = self._read_body()
        self.warnings = []
        self.logged = False
        try:
            route = routing.parse(method, url.path, query)
            self.entry["verb"] = route.verb if route.kind == "resource" else ""
            self.entry["resource"] = route.resource_label
            if method == "DELETE":
                self.entry["propagationPolicy"] = _propagation(query, body)
            fault = app.faults.take(method, url.path)
            if fault:
                if fault["latencyMs"]:
                    time.sleep(fault["latencyMs"] / 1000)
                if fault["drop"]:
                    raise DropConnection()
                if fault["status"]:
                    raise _fault_error(int(fault["status"]), fault.get("retryAfter"))
            ident = app.rbac.authenticate(self.headers.get("Authorization"),
                                          _cert_user(self.connection))
            self.entry["user"] = ident.user
            if route.kind == "discovery":
                return self.send_json(200, route.doc)
            if route.kind == "openapi":
                doc = openapi.document(url.path)
                if doc is None:
                    raise ApiError(404, "NotFound", "the server could not find the requested resource")
                return self.send_json(200, doc)
            if route.kind != "resource" or not route.verb:
                raise ApiError(404, "NotFound", "the server could not find the requested resource")
            authz_name = routing.authorization_name(route, query)
            if not app.rbac.allowed(ident, route.verb, route.res.group, route.res.plural,
                                    route.subresource, authz_name, route.namespace):
                raise app.rbac.forbidden(ident, route.verb, route.res, route.subresource,
                                         authz_name, route.namespace)
            if route.verb == "watch":
                self.entry["code"] = 200
                self._record()
                return watchstream.serve(self, app, route, query)
            handler = getattr(self, "_" + route.verb, None)
            if handler is None:
                raise ApiError(405, "MethodNotAllowed",
                               f"{route.verb} is not supported on {route.res.qualified}")
            handler(route, query, body)
        except DropConnection:
            self.entry["code"] = 0
            self._drop()
        except ApiError as e:
            self.send_json(e.code, e.body(), headers=e.headers)
        except (BrokenPipeError, ConnectionError, ssl.SSLError):
            self.close_connection = True
        except Exception as e:  # answer like the real server's panic handler, keep serving
            import traceback
            traceback.print_exc(file=sys.stderr)
            err = ApiError(500, "InternalError", f"Internal error occurred: {e}")
            self.send_json(500, err.body())
        finally:
            self._record()

    def _headers_out(self):
        if not self.warnings:
            return None
        return {"Warning": [f'299 - "{w}"' for w in self.warnings]}

    def _wants_table(self):
        accept = self.headers.get("Accept") or ""
        first = accept.split(",")[0]
        return "as=Table" in first

    # ---- reads -------------------------------------------------------------------------------

    def _ensure_namespace(self, route):
        if route.res.namespaced and route.namespace is not None:
            if self.server.app.store.get(R.NAMESPACES.key, None, route.namespace) is None:
                raise not_found(R.NAMESPACES, route.namespace)

    def _get(self, route, query, body):
        app = self.server.app
        if route.subresource == "log":
            return self._log(route, query)
        entry = app.store.entry(route.res.key, route.namespace, route.name)
        if entry is None:
            raise not_found(route.res, route.name)
        if route.subresource == "scale":
            return self.send_json(200, scale.scale_of(entry.obj))
        if self._wants_table():
            obj = entry.view(route.res)
            return self.send_json(200, tables.table(route.res, [obj], obj["metadata"]["resourceVersion"],
                                                    query.get("includeObject", "Metadata")))
        self.send_json(200, entry.render(route.res))

    def _list(self, route, query, body):
        app = self.server.app
        res = route.res
        label_sel = LabelSelector.parse(query.get("labelSelector"))
        field_sel = FieldSelector.parse(query.get("fieldSelector"), res)
        try:
            limit = int(query.get("limit") or 0)
        except ValueError:
            raise bad_request(f"invalid limit: {query.get('limit')}")
        after = None
        rv = None
        token = query.get("continue")
        if token:
            try:
                decoded = json.loads(base64.b64decode(token + "=" * (-len(token) % 4)))
                rv = int(decoded["rv"])
                ns_, _, name_ = decoded["start"].partition("/")
                after = (ns_, name_)
            except (ValueError, KeyError, TypeError):
                raise bad_request("continue key is not valid: illegal base64 data")
        with app.store.lock:  # the changes since the token's rv stay in the ring meanwhile
            if rv is not None and rv < app.store.expired_before:
                raise ApiError(410, "Expired", EXPIRED_CONTINUE)
            # Every page is served at the first page's resourceVersion (the one in the token).
            rv, entries, more = app.store.list(res.key, route.namespace, label_sel, field_sel,
                                               after, limit, at_rv=rv)
        cont = None
        if more and entries:
            last = entries[-1].obj["metadata"]
            start = f"{last.get('namespace') or ''}/{last['name']}"
            cont = base64.b64encode(json.dumps({"v": "meta.k8s.io/v1", "rv": rv, "start": start},
                                               separators=(",", ":")).encode()).decode()
        if self._wants_table():
            return self.send_json(200, tables.table(res, [e.view(res) for e in entries], rv,
                                                    query.get("includeObject", "Metadata"),
                                                    cont=cont))
        meta = {"resourceVersion": str(rv)}
        if cont:
            meta["continue"] = cont
        head = dumps({"kind": res.kind + "List", "apiVersion": res.group_version, "metadata": meta})
        # Items carry no kind/apiVersion: the list's own say what they are.
        out = head[:-1] + b',"items":[' + b",".join(e.render(res, item=True) for e in entries) + b"]}"
        self.send_json(200, out)

    def _log(self, route, query):
        """pods/log: the API server's container check (validateContainer in the pod registry),
        then the kubelet's (validateContainerLogStatus): the current instance of a running or
        terminated container, or with previous=true the one before it (lastState.terminated)."""
        app = self.server.app
        pod = app.store.get(R.PODS.key, route.namespace, route.name)
        if pod is None:
            raise not_found(R.PODS, route.name)
        spec = pod.get("spec") or {}
        names = [c["name"] for c in spec.get("containers") or []]
        inits = [c["name"] for c in spec.get("initContainers") or []]
        container = query.get("container")
        if not container:
            if len(names) == 1:
                container = names[0]
            elif not names:
                raise bad_request(f"a container name must be specified for pod {route.name}")
            else:
                msg = (f"a container name must be specified for pod {route.name}, "
                       f"choose one of: [{' '.join(names)}]")
                if inits:
                    msg += f" or one of the init containers: [{' '.join(inits)}]"
                raise bad_request(msg)
        elif container not in names and container not in inits:
            raise bad_request(f"container {container} is not valid for pod {route.name}")
        previous = _parse_bool(query.get("previous"), "previous")
        if not spec.get("nodeName"):
            return self.send_bytes(200, b"", "text/plain")  # not scheduled: an empty log
        status = pod.get("status") or {}
        cs = next((c for c in (status.get("containerStatuses") or []) +
                   (status.get("initContainerStatuses") or []) if c.get("name") == container), None)
        where = f'container "{container}" in pod "{route.name}"'
        if cs is None:
            raise bad_request(f"{where} is not available")
        state = cs.get("state") or {}
        last = (cs.get("lastState") or {}).get("terminated")
        if previous:
            if not last or not last.get("containerID"):
                raise bad_request(f'previous terminated container "{container}" in pod '
                                  f'"{route.name}" not found')
            instance, started = -2, last.get("startedAt")
        elif state.get("running") is not None:
            instance, started = -1, state["running"].get("startedAt")
        elif state.get("terminated") is not None:
            term = state["terminated"]
            if term.get("containerID"):
                instance, started = -1, term.get("startedAt")
            elif last and last.get("containerID"):
                instance, started = -2, last.get("startedAt")
            else:
                raise bad_request(f"{where} is terminated")
        elif last is not None:
            if not last.get("containerID"):
                raise bad_request(f"{where} is terminated")
            instance, started = -2, last.get("startedAt")
        elif state.get("waiting") is not None:
            reason = state["waiting"].get("reason") or ""
            detail = {"ErrImagePull": "image can't be pulled",
                      "ImagePullBackOff": "trying and failing to pull image"}.get(reason, reason)
            raise bad_request(f"{where} is waiting to start: {detail}")
        else:
            raise bad_request(f"{where} is waiting to start - no logs yet")
        instances = (app.pod_logs(route.namespace, route.name) or {}).get(container) or []
        if instance == -2 and len(instances) < 2:
            lines = []
        else:
            lines = list(instances[instance]) if instances else []
        tail = query.get("tailLines")
        if tail:
            try:
                n = int(tail)
            except ValueError:
                raise bad_request(f"invalid tailLines: {tail}")
            lines = lines[-n:] if n > 0 else []
        if _parse_bool(query.get("timestamps"), "timestamps"):
            stamp = (started or status.get("startTime") or "").replace("Z", ".000000000Z")
            lines = [f"{stamp} {line}" for line in lines]
        text = "".join(line + "\n" for line in lines).encode()
        limit = query.get("limitBytes")
        if limit:
            try:
                text = text[:int(limit)]
            except ValueError:
                raise bad_request(f"invalid limitBytes: {limit}")
        self.send_bytes(200, text, "text/plain")

    # ---- writes ------------------------------------------------------------------------------

    def _decode_body(self, route, body, query, allow_list=False):
        """JSON body -> dict after the schema decode; raises 400 / returns 422 causes."""
        res = route.res
        try:
            obj = json.loads(body or b"null")
        except ValueError as e:
            raise bad_request(f"couldn't get version/kind; json parse error: {e}")
        if not isinstance(obj, dict):
            raise bad_request(f"couldn't get version/kind; json parse error: json: cannot "
                              f"unmarshal {type(obj).__name__} into Go value of type struct {{...}}")
        return obj

    def _schema_check(self, res, obj, query):
        """Type errors -> 400; unknown fields -> warnings or 400 (Strict); returns the 422
        causes the schema found (missing required fields, unsupported enum values)."""
        mode = query.get("fieldValidation") or "Warn"
        if mode not in ("Ignore", "Warn", "Strict"):
            raise bad_request(f"fieldValidation must be one of \"Ignore\", \"Warn\", or \"Strict\", "
                              f"got {mode}")
        api_version, kind = obj.get("apiVersion"), obj.get("kind")
        if api_version is not None and api_version != res.group_version:
            raise bad_request(f"the API version in the data ({api_version}) does not match the "
                              f"expected API version ({res.group_version})")
        if kind is not None and kind != res.kind:
            raise bad_request(f"the kind in the data ({kind}) does not match the expected kind "
                              f"({res.kind})")
        if not (res.schema_checked and self.server.app.config.schema_validation):
            return []
        result = schema.decode(res.group, res.kind, obj)
        if result.type_errors:
            raise bad_request(f'{res.kind} in version "{res.version}" cannot be handled as a '
                              f'{res.kind}: {result.type_errors[0]}')
        if result.unknown:
            if mode == "Strict":
                raise bad_request(f'{res.kind} in version "{res.version}" cannot be handled as '
                                  f'a {res.kind}: strict decoding error: ' +
                                  ", ".join(f'unknown field "{u}"' for u in result.unknown))
            if mode == "Warn":
                self.warnings += [f'unknown field \\"{u}\\"' for u in result.unknown]
        return result.invalid

    def _check_namespace(self, route, obj):
        meta = obj.get("metadata")
        if meta is not None and not isinstance(meta, dict):
            return
        ns = (meta or {}).get("namespace")
        if route.res.namespaced and ns and ns != route.namespace:
            raise bad_request("the namespace of the provided object does not match the namespace "
                              "sent on the request")

    def _create(self, route, query, body):
        app = self.server.app
        res = route.res
        if route.subresource:
            raise ApiError(405, "MethodNotAllowed", "create is not supported on subresources")
        obj = self._decode_body(route, body, query)
        causes = self._schema_check(res, obj, query)
        self._check_namespace(route, obj)
        self._ensure_namespace(route)
        obj = prepare_create(res, obj, route.namespace, causes)
        name = obj["metadata"]["name"]
        with app.store.lock:
            if app.store.get(res.key, route.namespace, name) is not None:
                raise already_exists(res, name)
            if query.get("dryRun") != "All":
                app.store.put(res.key, obj)
        self.send_json(201, events.view(res, obj), headers=self._headers_out())

    def _update(self, route, query, body, patched=None):
        app = self.server.app
        res = route.res
        if route.subresource == "scale":
            return self._update_scale(route, query, body, patched)
        if patched is None:
            obj = self._decode_body(route, body, query)
            causes = self._schema_check(res, obj, query)
            meta = obj.get("metadata") or {}
            if meta.get("name") and meta["name"] != route.name:
                raise bad_request(f"the name of the object ({meta['name']}) does not match the "
                                  f"name on the URL ({route.name})")
            self._check_namespace(route, obj)
        else:
            obj, causes = patched
        with app.store.lock:
            old = app.store.get(res.key, route.namespace, route.name)
            if old is None:
                raise not_found(res, route.name)
            want_rv = (obj.get("metadata") or {}).get("resourceVersion")
            if patched is None and not res.unconditional_update and want_rv in (None, "", "0"):
                raise invalid_resource(res, route.name, [(
                    "metadata.resourceVersion", "FieldValueInvalid",
                    "Invalid value: 0x0: must be specified for an update")])
            if want_rv and want_rv != old["metadata"]["resourceVersion"]:
                raise conflict(res, route.name)
            new = prepare_update(res, old, obj, route.subresource, causes)
            new["metadata"]["resourceVersion"] = old["metadata"]["resourceVersion"]
            if new == old or query.get("dryRun") == "All":
                return self.send_json(200, events.view(res, old), headers=self._headers_out())
            app.store.put(res.key, new)
            app.gc.remove_if_finalized(res, new)
        self.send_json(200, events.view(res, new), headers=self._headers_out())

    def _update_scale(self, route, query, body, patched):
        """PUT or PATCH of deployments/scale, replicasets/scale: the Scale's spec.replicas
        becomes the object's, as an update of the object (its generation moves)."""
        app = self.server.app
        if patched is None:
            obj = self._decode_body(route, body, query)
            causes = self._schema_check(R.SCALE, obj, query)
        else:
            obj, causes = patched
        if causes:
            raise invalid(R.SCALE, route.name, causes)
        with app.store.lock:
            old = app.store.get(route.res.key, route.namespace, route.name)
            if old is None:
                raise not_found(route.res, route.name)
            scaled = scale.with_scale(old, obj, route.name)  # ValidateScale comes first
            want_rv = (obj.get("metadata") or {}).get("resourceVersion")
            if want_rv and want_rv != old["metadata"]["resourceVersion"]:
                raise conflict(route.res, route.name)
            new = prepare_update(route.res, old, scaled)
            new["metadata"]["resourceVersion"] = old["metadata"]["resourceVersion"]
            if new != old and query.get("dryRun") != "All":
                app.store.put(route.res.key, new)
            else:
                new = old
        self.send_json(200, scale.scale_of(new), headers=self._headers_out())

    def _patch(self, route, query, body):
        app = self.server.app
        res = route.res
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        try:
            patch = json.loads(body or b"null")
        except ValueError as e:
            raise bad_request(f"error decoding patch: {e}")
        with app.store.lock:
            old = app.store.get(res.key, route.namespace, route.name)
            if old is None:
                raise not_found(res, route.name)
            old = events.view(res, old)  # a patch applies to the object as this API shows it
            target = R.SCALE if route.subresource == "scale" else res
            if target is R.SCALE:
                old = scale.scale_of(old)
            if ctype == "application/merge-patch+json":
                if not isinstance(patch, dict):
                    raise bad_request("patch body must be a JSON object")
                merged = patching.merge_patch(copy.deepcopy(old), patch)
            elif ctype == "application/strategic-merge-patch+json":
                merged = patching.strategic_merge_patch(copy.deepcopy(old), patch,
                                                        schema.Schemas.root(target.group, target.kind))
            elif ctype == "application/json-patch+json":
                merged = patching.json_patch(copy.deepcopy(old), patch)
            else:
                raise ApiError(415, "UnsupportedMediaType",
                               f"the body of the request was in an unknown format - accepted "
                               f"media types include: application/json-patch+json, "
                               f"application/merge-patch+json, "
                               f"application/strategic-merge-patch+json")
            if not isinstance(merged, dict):
                raise bad_request("the patch did not result in an object")
            causes = self._schema_check(target, merged, query)
            want_rv = ((patch if isinstance(patch, dict) else {}).get("metadata") or {}) \
                .get("resourceVersion")
            if want_rv and want_rv != old["metadata"]["resourceVersion"]:
                raise conflict(res, route.name)
            merged.setdefault("metadata", {})["resourceVersion"] = None
            self._update(route, query, None, patched=(merged, causes))

    def _delete(self, route, query, body):
        app = self.server.app
        res = route.res
        options = {}
        if body:
            try:
                options = json.loads(body)
            except ValueError as e:
                raise bad_request(f"couldn't decode DeleteOptions: {e}")
        policy = _propagation(query, body)
        if policy is not None and policy not in ("Foreground", "Background", "Orphan"):
            raise ApiError(422, "Invalid", f'DeleteOptions.meta.k8s.io "" is invalid: '
                           f'propagationPolicy: Unsupported value: "{policy}": supported values: '
                           f'"Foreground", "Background", "Orphan"')
        with app.store.lock:
            obj = app.store.get(res.key, route.namespace, route.name)
            if obj is None:
                raise not_found(res, route.name)
            pre = (options or {}).get("preconditions") or {}
            meta = obj["metadata"]
            if pre.get("uid") and pre["uid"] != meta["uid"]:
                raise ApiError(409, "Conflict", f"Operation cannot be fulfilled on "
                               f"{res.qualified} \"{route.name}\": Precondition failed: UID in "
                               f"precondition: {pre['uid']}, UID in object meta: {meta['uid']}")
            if pre.get("resourceVersion") and pre["resourceVersion"] != meta["resourceVersion"]:
                raise ApiError(409, "Conflict", f"Operation cannot be fulfilled on "
                               f"{res.qualified} \"{route.name}\": Precondition failed: "
                               f"ResourceVersion in precondition: {pre['resourceVersion']}, "
                               f"ResourceVersion in object meta: {meta['resourceVersion']}")
            if query.get("dryRun") == "All":
                return self.send_json(200, obj)
            if res is R.NAMESPACES:
                app.delete_namespace(route.name)
                gone = dict(obj, status={"phase": "Terminating"})
                return self.send_json(200, gone)
            gone_now, after = app.gc.delete(res, obj, policy)
        if gone_now and res is not R.PODS:
            details = {"name": route.name, "kind": res.plural, "uid": meta["uid"]}
            if res.group:
                details["group"] = res.group
            return self.send_json(200, success_status(details))
        self.send_json(200, after)


def _parse_bool(text, name):
    """A boolean query parameter as Go's strconv.ParseBool reads it."""
    if text is None or text == "":
        return False
    if text in ("1", "t", "T", "TRUE", "true", "True"):
        return True
    if text in ("0", "f", "F", "FALSE", "false", "False"):
        return False
    raise bad_request(f'strconv.ParseBool: parsing "{text}": invalid syntax')


def _propagation(query, body):
    if query.get("propagationPolicy"):
        return query["propagationPolicy"]
    if body:
        try:
            options = json.loads(body)
        except ValueError:
            return None
        if isinstance(options, dict):
            if options.get("propagationPolicy"):
                return options["propagationPolicy"]
            if options.get("orphanDependents") is True:
                return "Orphan"
            if options.get("orphanDependents") is False:
                return "Background"
    if query.get("orphanDependents") == "true":
        return "Orphan"
    return None


def _fault_error(code, retry_after):
    reasons = {429: ("TooManyRequests", "Too many requests, please try again later."),
               500: ("InternalError", "Internal error occurred: injected fault"),
               503: ("ServiceUnavailable", "The server is currently unable to handle the request"),
               504: ("Timeout", "The server was unable to return a response in the time allotted")}
    reason, message = reasons.get(code, ("InternalError", f"injected fault {code}"))
    headers = {}
    details = None
    if code == 429 or retry_after:
        secs = int(retry_after if retry_after is not None else 1)
        headers["Retry-After"] = str(secs)
        details = {"retryAfterSeconds": secs}
    return ApiError(code, reason, message, details, headers)
