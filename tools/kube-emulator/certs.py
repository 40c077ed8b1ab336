"""Certificates (made with the openssl command line) and the kubeconfig files."""

import json
import os
import subprocess


def _openssl(*args, cwd):
    proc = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"openssl {args[0]} failed: {proc.stderr.strip()}")


def _ec_key(name, cwd):
    _openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
             "-out", name, cwd=cwd)


def make_certificates(d):
    """CA, server certificate for 127.0.0.1/localhost, admin client certificate, in d."""
    _ec_key("ca.key", d)
    _openssl("req", "-x509", "-new", "-key", "ca.key", "-out", "ca.crt", "-days", "3650",
             "-subj", "/CN=kube-emulator-ca",
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign,digitalSignature", cwd=d)
    for name, subj, ext in (
            ("server", "/CN=kube-apiserver",
             "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n"
             "keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n"),
            ("client", "/O=system:masters/CN=admin",
             "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
             "extendedKeyUsage=clientAuth\n")):
        _ec_key(f"{name}.key", d)
        _openssl("req", "-new", "-key", f"{name}.key", "-out", f"{name}.csr", "-subj", subj, cwd=d)
        with open(os.path.join(d, f"{name}.ext"), "w") as f:
            f.write(ext)
        _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
                 "-CAcreateserial", "-out", f"{name}.crt", "-days", "3650",
                 "-extfile", f"{name}.ext", cwd=d)


def write_kubeconfigs(d, server, token):
    """DIR/kubeconfig (bearer token) and DIR/kubeconfig-cert (client certificate). JSON is
    valid YAML, so kubectl and any YAML reader accept these files."""
    ca = os.path.join(d, "ca.crt")
    for fname, user in (("kubeconfig", {"token": token}),
                        ("kubeconfig-cert", {"client-certificate": os.path.join(d, "client.crt"),
                                             "client-key": os.path.join(d, "client.key")})):
        config = {
            "apiVersion": "v1", "kind": "Config",
            "clusters": [{"name": "emulator",
                          "cluster": {"server": server, "certificate-authority": ca}}],
            "users": [{"name": "emulator-admin", "user": user}],
            "contexts": [{"name": "emulator",
                          "context": {"cluster": "emulator", "user": "emulator-admin",
                                      "namespace": "default"}}],
            "current-context": "emulator",
            "preferences": {},
        }
        path = os.path.join(d, fname)
        with open(path, "w") as f:
            json.dump(config, f, indent=2)
        os.chmod(path, 0o600)
