"""10,000 Jobs (created through the store, not over HTTP) with their pods: a label-selected
list over HTTPS stays fast, and a paginated one faster per page."""

import http.client
import json
import os
import shutil
import ssl
import tempfile
import threading
import time

import pytest

import resources as R
from admission import prepare_create
from apiserver import ApiServer
from app import App, Config
from certs import make_certificates
from conftest import job_manifest
from emulator import tls_context

N = 10_000


@pytest.fixture(scope="module")
def big():
    d = tempfile.mkdtemp(prefix="kube-emulator-scale-")
    make_certificates(d)
    app = App(Config(pod_start_delay=0.0), "scale-token")
    server = ApiServer(("127.0.0.1", 0), app, tls_context(d))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    start = time.monotonic()
    for i in range(N):
        labels = {"app.kubernetes.io/managed-by": "tenant-provisioner",
                  "tenant-provisioner/account": f"acct-{i:05d}",
                  "shard": str(i % 10)}
        job = prepare_create(R.JOBS, job_manifest(f"job-{i:05d}", labels=labels), "default")
        app.store.put(R.JOBS.key, job)
    created = time.monotonic() - start
    # The simulated controller starts a pod per Job on its scheduler thread.
    deadline = time.monotonic() + 60
    while len(app.store.objects[R.PODS.key]) < N and time.monotonic() < deadline:
        time.sleep(0.1)
    print(f"\ncreated {N} jobs in {created:.2f}s; pods running after "
          f"{time.monotonic() - start:.2f}s")
    ctx = ssl.create_default_context(cafile=os.path.join(d, "ca.crt"))
    yield app, server.server_address[1], ctx
    server.shutdown()
    server.server_close()
    app.stop()
    shutil.rmtree(d, ignore_errors=True)


def get(port, ctx, path):
    conn = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=30)
    try:
        start = time.monotonic()
        conn.request("GET", path, headers={"Authorization": "Bearer scale-token"})
        resp = conn.getresponse()
        body = resp.read()
        secs = time.monotonic() - start  # the server's work and the transfer, not our parse
        return resp.status, json.loads(body), secs
    finally:
        conn.close()


def test_every_job_got_a_pod(big):
    app, _, _ = big
    assert len(app.store.objects[R.PODS.key]) == N


def test_label_selected_list_of_10000_jobs_is_fast(big):
    _, port, ctx = big
    path = ("/apis/batch/v1/namespaces/default/jobs?labelSelector="
            "app.kubernetes.io%2Fmanaged-by%3Dtenant-provisioner")
    get(port, ctx, path)  # warm the serialized-JSON cache, like a long-running server
    status, body, secs = get(port, ctx, path)
    print(f"\nlist {len(body['items'])} jobs with a label selector: {secs * 1000:.0f} ms")
    assert status == 200 and len(body["items"]) == N
    assert secs < 2.0


def test_narrow_selector_over_10000_jobs_and_pods(big):
    _, port, ctx = big
    status, body, secs = get(port, ctx, "/apis/batch/v1/namespaces/default/jobs?labelSelector="
                                        "shard%3D3")
    print(f"\nlist 1/10 of the jobs: {secs * 1000:.0f} ms")
    assert status == 200 and len(body["items"]) == N // 10
    status, body, secs = get(port, ctx, "/api/v1/namespaces/default/pods?labelSelector="
                                        "tenant-provisioner%2Faccount%3Dacct-04242")
    assert status == 200 and len(body["items"]) == 1
    assert secs < 1.0


def test_paginated_list_pages_are_faster(big):
    _, port, ctx = big
    path = "/apis/batch/v1/namespaces/default/jobs?limit=500&labelSelector=shard%21%3D99"
    seen, pages, slowest = 0, 0, 0.0
    token = None
    while True:
        status, body, secs = get(port, ctx, path + (f"&continue={token}" if token else ""))
        assert status == 200
        seen += len(body["items"])
        pages += 1
        slowest = max(slowest, secs)
        token = body["metadata"].get("continue")
        if not token:
            break
    print(f"\n{pages} pages of 500, slowest {slowest * 1000:.0f} ms")
    assert seen == N and pages == N // 500
    assert slowest < 0.5
