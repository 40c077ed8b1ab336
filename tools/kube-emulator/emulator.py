#!/usr/bin/env python3
"""Kubernetes API emulator for tests: see README.md next to this file.

Usage: emulator.py --state-dir DIR [--port 0] [--control-port 0] [--gone-window 1000]
       [--foreground-delay 0.2] [--pod-start-delay 0.05] [--bookmark-interval 1.0]
       [--no-schema-validation]"""

import argparse
import json
import os
import secrets
import signal
import ssl
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from apiserver import ApiServer  # noqa: E402
from app import App, Config  # noqa: E402
from certs import make_certificates, write_kubeconfigs  # noqa: E402
from control import ControlServer  # noqa: E402


def parse_args(argv):
    p = argparse.ArgumentParser(description="Kubernetes API emulator")
    p.add_argument("--state-dir", required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--control-port", type=int, default=0)
    p.add_argument("--gone-window", type=int, default=1000)
    p.add_argument("--foreground-delay", type=float, default=0.2)
    p.add_argument("--pod-start-delay", type=float, default=0.05)
    p.add_argument("--bookmark-interval", type=float, default=1.0)
    p.add_argument("--no-schema-validation", action="store_true")
    return p.parse_args(argv)


def tls_context(d):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.path.join(d, "server.crt"), os.path.join(d, "server.key"))
    ctx.load_verify_locations(os.path.join(d, "ca.crt"))
    ctx.verify_mode = ssl.CERT_OPTIONAL  # a client certificate authenticates the admin
    ctx.set_alpn_protocols(["http/1.1"])
    return ctx


def main(argv=None):
    args = parse_args(argv)
    d = os.path.abspath(args.state_dir)
    os.makedirs(d, exist_ok=True)
    make_certificates(d)
    token = secrets.token_hex(24)
    config = Config(args.foreground_delay, args.gone_window, args.bookmark_interval,
                    args.pod_start_delay, not args.no_schema_validation)
    app = App(config, token)
    api = ApiServer(("127.0.0.1", args.port), app, tls_context(d))
    control = ControlServer(("127.0.0.1", args.control_port), app)
    port, control_port = api.server_address[1], control.server_address[1]
    server = f"https://127.0.0.1:{port}"
    write_kubeconfigs(d, server, token)
    with open(os.path.join(d, "token"), "w") as f:
        f.write(token)
    os.chmod(os.path.join(d, "token"), 0o600)

    threads = [threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.2},
                                daemon=True) for s in (api, control)]
    for t in threads:
        t.start()
    # Load the schemas before announcing readiness, so the first create is not slow.
    import schema
    schema.Schemas.root("batch", "Job")

    ready = {"port": port, "controlPort": control_port, "server": server, "token": token,
             "kubeconfig": os.path.join(d, "kubeconfig"), "pid": os.getpid()}
    tmp = os.path.join(d, "ready.json.tmp")
    with open(tmp, "w") as f:
        json.dump(ready, f)
    os.replace(tmp, os.path.join(d, "ready.json"))
    print(json.dumps(ready), flush=True)

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    app.stop()
    api.shutdown()
    control.shutdown()
    api.server_close()
    control.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
