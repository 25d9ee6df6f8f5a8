#!/usr/bin/env python3
"""A loopback RFC 3161 time-stamp server for kyso's tests.

The answers come from `openssl ts -reply`, an independent RFC 3161 implementation; this
script only carries HTTP. It listens on 127.0.0.1 on a free port, prints the port on the first
line of stdout, serves until its stdin closes or a bounded number of requests is served.

Usage: tsa_server.py FIXTURES_PKI_DIR [--tsa NAME] [--max-requests N]
"""
import http.server
import os
import subprocess
import sys
import tempfile
import threading

pki = sys.argv[1]
tsa = "tsa"
max_requests = 1000
args = sys.argv[2:]
while args:
    if args[0] == "--tsa":
        tsa = args[1]
        args = args[2:]
    elif args[0] == "--max-requests":
        max_requests = int(args[1])
        args = args[2:]
    else:
        sys.exit(f"unknown argument {args[0]}")

work = tempfile.mkdtemp(prefix="kyso-tsa-")
config = os.path.join(work, "ts.cnf")
serial = os.path.join(work, "serial")
with open(serial, "w") as f:
    f.write("01\n")
with open(config, "w") as f:
    f.write(f"""
[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
dir = {work}
serial = {serial}
signer_digest = sha256
default_policy = 1.3.6.1.4.1.99999.1.1
other_policies = 1.3.6.1.4.1.99999.1.2
digests = sha1, sha256, sha384, sha512
accuracy = secs:1
ordering = no
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
""")

served = 0
# Requests may arrive on several threads at once; `openssl ts -reply` also updates the one
# serial-number file. One request at a time keeps both the file names and the serials apart.
lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        global served
        length = int(self.headers.get("Content-Length", "0"))
        query = self.rfile.read(min(length, 1 << 20))
        with lock:
            served += 1
            qpath = os.path.join(work, f"q{served}.tsq")
            rpath = os.path.join(work, f"r{served}.tsr")
            with open(qpath, "wb") as f:
                f.write(query)
            result = subprocess.run(
                ["openssl", "ts", "-reply", "-config", config, "-queryfile", qpath,
                 "-signer", os.path.join(pki, f"{tsa}.pem"),
                 "-inkey", os.path.join(pki, f"{tsa}.key.pem"),
                 "-chain", os.path.join(pki, "chain-business.pem"),
                 "-out", rpath],
                capture_output=True,
            )
        if result.returncode != 0:
            self.send_response(500)
            self.end_headers()
            return
        with open(rpath, "rb") as f:
            body = f.read()
        self.send_response(200)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        if served >= max_requests:
            threading.Thread(target=self.server.shutdown, daemon=True).start()

    def log_message(self, *a):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)


def watch_stdin():
    sys.stdin.read()
    server.shutdown()


threading.Thread(target=watch_stdin, daemon=True).start()
server.serve_forever()
