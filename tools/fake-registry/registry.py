#!/usr/bin/env python3
"""A fake container registry for tests: see README.md next to this file.

Usage: registry.py --state-dir DIR [--port 0] [--control-port 0] [--token-lifetime 300]"""

import argparse
import json
import os
import signal
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fakeregistry.api import RegistryServer  # noqa: E402
from fakeregistry.app import App  # noqa: E402
from fakeregistry.control import ControlServer  # noqa: E402


def parse_args(argv):
    p = argparse.ArgumentParser(description="fake container registry")
    p.add_argument("--state-dir", required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--control-port", type=int, default=0)
    p.add_argument("--token-lifetime", type=int, default=300,
                   help="seconds a token lives (the token endpoint's expires_in)")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.token_lifetime < 1:
        sys.exit("--token-lifetime must be at least 1")
    d = os.path.abspath(args.state_dir)
    os.makedirs(d, exist_ok=True)
    app = App(args.token_lifetime)
    api = RegistryServer(("127.0.0.1", args.port), app)
    control = ControlServer(("127.0.0.1", args.control_port), app)
    port, control_port = api.server_address[1], control.server_address[1]
    app.url = f"http://127.0.0.1:{port}"

    for server in (api, control):
        # A short poll interval: shutdown() waits for the loop to notice, and tests stop often.
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())

    ready = {"port": port, "controlPort": control_port, "url": app.url, "pid": os.getpid()}
    tmp = os.path.join(d, "ready.json.tmp")
    with open(tmp, "w") as f:
        json.dump(ready, f)
    os.replace(tmp, os.path.join(d, "ready.json"))  # a reader never sees half a file
    print(json.dumps(ready), flush=True)

    stop.wait()
    app.outage.clear()  # hung requests close their connections
    for server in (api, control):
        server.shutdown()
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
