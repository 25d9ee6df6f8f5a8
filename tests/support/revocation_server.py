#!/usr/bin/env python3
"""Loopback revocation services for kyso's tests, on the ports the fixture certificates name.

- OCSP on 127.0.0.1:18081: each request is answered by `openssl ocsp` (an independent OCSP
  implementation) from the fixture CA index files, signed by the CA's delegated responder.
- CRLs on 127.0.0.1:18080: GET /crl/NAME.crl serves fixtures/pki/NAME.crl.

Prints "ready" when both listen; stops when its stdin closes.
Usage: revocation_server.py FIXTURES_PKI_DIR
"""
import http.server
import os
import subprocess
import sys
import tempfile
import threading

pki = sys.argv[1]
# (index, CA, responder) per issuing CA; the request's CertID decides which one answers.
CAS = [
    ("business-ca", "ocsp-business"),
    ("gov-ca", "ocsp-gov"),
    ("root", None),
]


def answer(request: bytes) -> bytes:
    # Requests arrive on several threads at once (tests run in parallel): each one gets its
    # own directory, so no answer is ever built from another request's files.
    with tempfile.TemporaryDirectory(prefix="kyso-ocsp-") as here:
        q = os.path.join(here, "request.der")
        with open(q, "wb") as f:
            f.write(request)
        r = q
        for ca, responder in CAS:
            r = os.path.join(here, f"{ca}.der")
            signer = responder or ca
            subprocess.run(
                ["openssl", "ocsp", "-index", os.path.join(pki, "ocsp", f"{ca}.index.txt"),
                 "-CA", os.path.join(pki, f"{ca}.pem"),
                 "-rsigner", os.path.join(pki, f"{signer}.pem"),
                 "-rkey", os.path.join(pki, f"{signer}.key.pem"),
                 "-reqin", q, "-respout", r, "-ndays", "7"],
                capture_output=True, check=True)
            text = subprocess.run(["openssl", "ocsp", "-respin", r, "-resp_text", "-noverify"],
                                  capture_output=True, text=True).stdout
            if "Cert Status: unknown" not in text:
                break
        with open(r, "rb") as f:
            return f.read()


class Ocsp(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = answer(self.rfile.read(min(length, 1 << 16)))
        self.send_response(200)
        self.send_header("Content-Type", "application/ocsp-response")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


class Crls(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        name = os.path.basename(self.path)
        path = os.path.join(pki, name)
        if not name.endswith(".crl") or not os.path.exists(path):
            self.send_response(404)
            self.end_headers()
            return
        with open(path, "rb") as f:
            body = f.read()
        self.send_response(200)
        self.send_header("Content-Type", "application/pkix-crl")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


servers = [http.server.ThreadingHTTPServer(("127.0.0.1", 18081), Ocsp),
           http.server.ThreadingHTTPServer(("127.0.0.1", 18080), Crls)]
for s in servers:
    threading.Thread(target=s.serve_forever, daemon=True).start()
print("ready", flush=True)
sys.stdin.read()
for s in servers:
    s.shutdown()
