"""Fixtures: each test module starts its own registry process on free ports and stops it;
`fresh` resets it before a test. The client is urllib (proxies off: the registry is local)."""

import base64
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
REGISTRY = os.path.join(ROOT, "registry.py")
sys.path.insert(0, ROOT)

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
ALL_TYPES = ", ".join([OCI_INDEX, DOCKER_LIST, OCI_MANIFEST, DOCKER_MANIFEST])

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # an email.message.Message: case-insensitive, get_all()
        self.body = body

    @property
    def json(self):
        return json.loads(self.body)


def request(url, method="GET", headers=None, body=None):
    """urllib without exceptions for 4xx/5xx: the answer as a Response."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with _OPENER.open(req, timeout=10) as resp:
            return Response(resp.status, resp.headers, resp.read())
    except urllib.error.HTTPError as e:
        with e:
            return Response(e.code, e.headers, e.read())


def basic(user, password):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


class Registry:
    def __init__(self, *args):
        self.dir = tempfile.mkdtemp(prefix="fake-registry-test-")
        self.proc = subprocess.Popen([sys.executable, REGISTRY, "--state-dir", self.dir, *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the registry did not start: " + self.proc.stderr.read())
        self.ready = json.loads(line)
        self.url = self.ready["url"]
        self.control_url = f"http://127.0.0.1:{self.ready['controlPort']}"

    def stop(self, sig=signal.SIGTERM):
        self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        self.proc.stdout.close()
        self.proc.stderr.close()
        shutil.rmtree(self.dir, ignore_errors=True)
        return code

    # ---- registry API ----------------------------------------------------------------------

    def get(self, path, method="GET", **headers):
        return request(self.url + path, method, headers)

    def token(self, *names, authorization=None):
        query = [("service", "fake-registry")] + [("scope", f"repository:{n}:pull") for n in names]
        headers = {"Authorization": authorization} if authorization else {}
        return request(f"{self.url}/token?{urllib.parse.urlencode(query)}", headers=headers)

    def bearer(self, *names, authorization=None):
        r = self.token(*names, authorization=authorization)
        assert r.status == 200, r.body
        return "Bearer " + r.json["token"]

    def manifest(self, name, reference, method="GET", token=None, accept=None):
        headers = {}
        if token:
            headers["Authorization"] = token
        if accept:
            headers["Accept"] = accept
        return request(f"{self.url}/v2/{name}/manifests/{reference}", method, headers)

    # ---- control API -----------------------------------------------------------------------

    def control(self, method, path, body=None):
        r = request(self.control_url + path, method, body=body)
        assert r.status == 200, (path, r.status, r.body)
        return r.json

    def tag(self, name, tag, **options):
        return self.control("POST", "/tags", {"name": name, "tag": tag, **options})

    def log(self):
        return self.control("GET", "/requests")["log"]


@pytest.fixture(scope="module")
def registry():
    r = Registry()
    yield r
    r.stop()


@pytest.fixture
def fresh(registry):
    registry.control("POST", "/reset")
    return registry
