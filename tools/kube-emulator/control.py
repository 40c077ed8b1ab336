"""The control API: plain HTTP on 127.0.0.1, no auth; lets tests script the cluster."""

import datetime
import http.server
import json
import socket
from urllib.parse import parse_qsl, urlsplit

import rbac
import resources as R
from timeutil import now_rfc3339


class ControlServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, app):
        self.app = app
        super().__init__(address, ControlHandler)

    def get_request(self):
        sock, addr = super().get_request()
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock, addr


class ControlHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def _reply(self, code, obj):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self._headers_buffer.append(b"\r\n")
        self._headers_buffer.append(body)
        self.flush_headers()

    def _body(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        return json.loads(raw) if raw.strip() else {}

    def do_GET(self):
        app = self.server.app
        url = urlsplit(self.path)
        q = dict(parse_qsl(url.query))
        if url.path == "/requests":
            return self._reply(200, app.requests.snapshot())
        if url.path == "/objects":
            kind = q.get("kind", "jobs")
            matches = [r for r in R.ALL if r.plural == kind or r.kind.lower() == kind.lower()]
            if not matches:
                return self._reply(404, {"error": f"unknown kind {kind}"})
            _, entries, _ = app.store.list(matches[0].key, q.get("namespace"))
            return self._reply(200, {"items": [e.obj for e in entries]})
        if url.path == "/healthz":
            return self._reply(200, {"ok": True})
        if url.path == "/clock":
            return self._reply(200, _clock_state(app.clock))
        self._reply(404, {"error": f"no control endpoint GET {url.path}"})

    def do_DELETE(self):
        if urlsplit(self.path).path == "/faults":
            self.server.app.faults.clear()
            return self._reply(200, {"ok": True})
        self._reply(404, {"error": "no such control endpoint"})

    def do_POST(self):
        app = self.server.app
        path = urlsplit(self.path).path
        try:
            body = self._body()
        except ValueError as e:
            return self._reply(400, {"error": f"body is not JSON: {e}"})
        try:
            result = self._post(app, path, body)
        except (KeyError, TypeError, ValueError) as e:
            return self._reply(400, {"error": f"bad request body: {e!r}"})
        if result is None:
            return self._reply(404, {"error": f"no control endpoint POST {path}"})
        self._reply(200, result)

    def _post(self, app, path, body):
        if path == "/reset":
            app.reset()
            return {"ok": True}
        if path == "/outcomes":
            if "default" in body:
                app.controller.set_default(body["default"])
            else:
                app.controller.add_script(body.get("job"), body.get("namePrefix"),
                                          body.get("namespace"), body["outcome"])
            return {"ok": True}
        parts = [p for p in path.split("/") if p]
        if len(parts) == 4 and parts[0] == "deployments" and parts[3] == "outcome":
            outcome = body.get("outcome", body)
            if not isinstance(outcome, dict):
                raise ValueError("the outcome must be a JSON object")
            pods = app.deployment_outcome(parts[1], parts[2], outcome)
            if pods is None:
                return {"ok": False, "error": f"no Deployment {parts[1]}/{parts[2]}"}
            return {"ok": True, "pods": pods}
        if path == "/clock":
            if body.get("realTime"):
                app.clock.follow_real_time()
            if "now" in body:
                app.clock.set(_parse_time(body["now"]))
            if "advanceSeconds" in body:
                seconds = float(body["advanceSeconds"])
                if seconds < 0:
                    raise ValueError("advanceSeconds must not be negative")
                app.clock.advance(seconds)
            return _clock_state(app.clock)
        if len(parts) == 4 and parts[0] == "jobs" and parts[3] == "finish":
            outcome = body.get("outcome", body)
            if not app.controller.finish(parts[1], parts[2], outcome):
                return {"ok": False, "error": f"no running Job {parts[1]}/{parts[2]}"}
            return {"ok": True}
        if path == "/requests/reset":
            app.requests.reset()
            return {"ok": True}
        if path == "/faults":
            app.faults.add(body)
            return {"ok": True}
        if path == "/watches/cut":
            return {"ok": True, "cut": app.store.cut_watches(bool(body.get("midLine")))}
        if path == "/tokens":
            rules, namespace = body.get("rules"), None
            if rules is None and body.get("role"):
                rules, namespace = rbac.role_rules(body["role"])
            app.rbac.add_token(body["token"], body.get("user") or "user", rules or [], namespace)
            return {"ok": True}
        if path == "/config":
            app.configure(body)
            return {"ok": True, "config": app.config.as_dict()}
        return None


def _parse_time(text):
    """An RFC 3339 time with a zone (`Z` or an offset) -> Unix seconds."""
    d = datetime.datetime.fromisoformat(str(text).replace("z", "Z"))
    if d.tzinfo is None:
        raise ValueError(f"time {text!r} has no zone (RFC 3339 needs Z or an offset)")
    return d.timestamp()


def _clock_state(clock):
    now = clock.now()
    return {"now": now_rfc3339(now), "unix": round(now, 6), "frozen": clock.frozen}
