"""The control API: plain HTTP JSON on 127.0.0.1, no auth; lets tests script the registry."""

import http.server
import json
import socket
from urllib.parse import urlsplit

from .outage import parse_rule


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

    def _reply(self, status, obj):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self._headers_buffer.append(b"\r\n")
        self._headers_buffer.append(body)
        self.flush_headers()

    def _body(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        body = json.loads(raw) if raw.strip() else {}
        if not isinstance(body, dict):
            raise ValueError("the body must be a JSON object")
        return body

    def do_GET(self):
        app = self.server.app
        path = urlsplit(self.path).path
        if path == "/healthz":
            return self._reply(200, {"ok": True})
        if path == "/requests":
            return self._reply(200, app.requests.snapshot())
        if path == "/outage":
            return self._reply(200, {"outage": app.outage.describe()})
        self._reply(404, {"error": f"no control endpoint GET {path}"})

    def do_DELETE(self):
        self._body()
        path = urlsplit(self.path).path
        if path == "/outage":
            self.server.app.outage.clear()
            return self._reply(200, {"ok": True})
        self._reply(404, {"error": f"no control endpoint DELETE {path}"})

    def do_POST(self):
        path = urlsplit(self.path).path
        try:
            body = self._body()
            result = self._post(self.server.app, path, body)
        except (KeyError, TypeError, ValueError) as e:
            return self._reply(400, {"error": f"bad request body: {e}"})
        if result is None:
            return self._reply(404, {"error": f"no control endpoint POST {path}"})
        self._reply(200, result)

    def _post(self, app, path, body):
        if path == "/tags":
            return app.put_tag(body["name"], body["tag"], index=body.get("index", True),
                               kind=body.get("indexType", "oci"), private=body.get("private"))
        if path == "/users":
            app.put_user(body["username"], body["password"], body.get("repositories", []))
            return {"ok": True}
        if path == "/outage":
            app.outage.start(parse_rule(body))
            return {"ok": True}
        if path == "/tokens/expire":
            return {"ok": True, "expired": app.tokens.expire_all()}
        if path == "/requests/reset":
            app.requests.reset()
            return {"ok": True}
        if path == "/reset":
            app.reset()
            return {"ok": True}
        return None
