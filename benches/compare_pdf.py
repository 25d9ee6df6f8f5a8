#!/usr/bin/env python3
"""kyso's PDF speed and memory against its peers, on the same files, as ratios kyso/peer.

    python3 benches/compare_pdf.py [--quick]

Builds the release CLI, makes the test files in a temporary directory (a signed one-page
PDF, and 10 MB and 50 MB PDFs holding an incompressible image, signed by kyso), then:

  small verify   `kyso verify` CLI against `pdfsig`, process against process (median wall
                 time and median CPU time of many runs, the two run alternately)
                                                                              target <= 0.3
  sign           kyso's signing call in-process (criterion, `cargo bench --bench pdf`)
                 against pyHanko's `signers.sign_pdf` call in Python, timing only that
                 call                                                         target <= 0.05
  50 MB verify   `kyso verify` against `openssl dgst -sha256` on the same file
                                                                              target <= 1.5
  memory         kyso's peak RSS verifying the 10 MB and the 50 MB file (`/usr/bin/time -v`):
                 it must not grow with the file

A missing peer skips its line with a note. Uses CARGO_TARGET_DIR when set.
"""

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
KYSO = os.path.join(TARGET, "release", "examples", "kyso")
PKI = os.path.join(ROOT, "fixtures", "pki")
AT = "2026-01-01T00:00:00Z"
QUICK = "--quick" in sys.argv


def note(msg):
    print(f"note: {msg}", flush=True)


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


def run_once(cmd, ok_codes):
    """Wall and CPU (user + system) seconds of one run of `cmd`."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(p.pid, 0)
    t1 = time.perf_counter()
    code = os.waitstatus_to_exitcode(status)
    if code not in ok_codes:
        raise SystemExit(f"{cmd} exited {code}")
    return t1 - t0, usage.ru_utime + usage.ru_stime


def measure_pair(kyso_cmd, peer_cmd, repeat, peer_ok=(0,)):
    """Median wall and CPU times of both commands over `repeat` runs each, after a warm-up,
    run alternately (kyso, peer, kyso, ...) so that a burst of other load on the machine
    cannot fall on one side only. Returns ((kyso wall, kyso cpu), (peer wall, peer cpu))."""
    runs = {"kyso": [], "peer": []}
    for i in range(repeat + 1):
        for side, cmd, ok in (("kyso", kyso_cmd, (0,)), ("peer", peer_cmd, peer_ok)):
            wall, cpu = run_once(cmd, ok)
            if i:
                runs[side].append((wall, cpu))

    def medians(rows):
        return (statistics.median(w for w, _ in rows), statistics.median(c for _, c in rows))

    return medians(runs["kyso"]), medians(runs["peer"])


def big_pdf(path, nbytes):
    """One page showing an RGB image of `nbytes` random bytes, no filter (as benches/pdf.rs)."""
    width = 4096
    height = -(-nbytes // (width * 3))
    length = width * height * 3
    content = b"q 451 0 0 470 72 300 cm /Im1 Do Q"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /XObject << /Im1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
    ]
    with open(path, "wb") as f:
        pos = 0

        def w(b):
            nonlocal pos
            f.write(b)
            pos += len(b)

        w(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        offsets = []
        for i, body in enumerate(objects, 1):
            offsets.append(pos)
            w(b"%d 0 obj\n%s\nendobj\n" % (i, body))
        offsets.append(pos)
        w(
            b"5 0 obj\n<< /Type /XObject /Subtype /Image /Width %d /Height %d "
            b"/ColorSpace /DeviceRGB /BitsPerComponent 8 /Length %d >>\nstream\n"
            % (width, height, length)
        )
        left = length
        while left:
            n = min(left, 1 << 20)
            w(os.urandom(n))
            left -= n
        w(b"\nendstream\nendobj\n")
        xref = pos
        w(b"xref\n0 6\n0000000000 65535 f\r\n")
        for o in offsets:
            w(b"%010d 00000 n\r\n" % o)
        w(b"trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref)


def kyso_sign(src, dst):
    env = dict(os.environ, KYSO_PW="kyso-test")
    subprocess.run(
        [KYSO, "sign", "pdf", src, dst, "--key", os.path.join(PKI, "leader.p12"),
         "--password-env", "KYSO_PW", "--signing-time", AT],
        check=True, env=env,
    )


def kyso_verify_cmd(path):
    return [KYSO, "verify", path, "--trust", os.path.join(PKI, "root.pem"), "--at", AT]


def peak_rss_kb(cmd):
    p = subprocess.run(["/usr/bin/time", "-v"] + cmd, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True)
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
    if p.returncode != 0 or not m:
        raise SystemExit(f"{cmd}: exit {p.returncode}\n{p.stderr}")
    return int(m.group(1))


UNITS = {"ps": 1e-12, "ns": 1e-9, "µs": 1e-6, "us": 1e-6, "ms": 1e-3, "s": 1.0}


def criterion_sign_seconds():
    """kyso's signing call, in-process: criterion's median estimate for `sign/1-page PDF`."""
    args = ["cargo", "bench", "--bench", "pdf", "--", "sign/1-page PDF"]
    if QUICK:
        args += ["--measurement-time", "3"]
    p = subprocess.run(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True)
    if p.returncode != 0:
        raise SystemExit(p.stdout)
    m = re.search(r"sign/1-page PDF\s+time:\s+\[\S+ \S+ (\S+) (\S+) \S+ \S+\]", p.stdout)
    if not m:
        raise SystemExit("no criterion estimate in:\n" + p.stdout)
    return float(m.group(1)) * UNITS[m.group(2)]


PYHANKO_SIGN = r"""
import io, statistics, sys, time
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
signer = signers.SimpleSigner.load_pkcs12(sys.argv[1], passphrase=b"kyso-test")
data = open(sys.argv[2], "rb").read()
times = []
for i in range(int(sys.argv[3]) + 1):
    w = IncrementalPdfFileWriter(io.BytesIO(data))
    meta = signers.PdfSignatureMetadata(field_name="Signature1",
                                        subfilter=fields.SigSeedSubFilter.PADES)
    t0 = time.perf_counter()
    signers.sign_pdf(w, meta, signer=signer)
    t1 = time.perf_counter()
    if i:
        times.append(t1 - t0)
print(statistics.median(times))
"""


def pyhanko_sign_seconds(src, repeat):
    p = subprocess.run(
        [sys.executable, "-c", PYHANKO_SIGN, os.path.join(PKI, "leader.p12"), src, str(repeat)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    if p.returncode != 0:
        return None, p.stderr.strip().splitlines()[-1:]
    return float(p.stdout.strip()), None


def have(tool, *probe):
    return shutil.which(tool) is not None and subprocess.run(
        [tool, *probe], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    ).returncode == 0


def main():
    print("building the release CLI ...", flush=True)
    subprocess.run(["cargo", "build", "--release", "--example", "kyso"], cwd=ROOT, check=True)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        simple = os.path.join(ROOT, "fixtures", "docs", "simple.pdf")
        small = os.path.join(tmp, "small-signed.pdf")
        kyso_sign(simple, small)
        files = {}
        for mb in (10, 50):
            raw = os.path.join(tmp, f"big-{mb}.pdf")
            big_pdf(raw, mb << 20)
            files[mb] = os.path.join(tmp, f"big-{mb}-signed.pdf")
            kyso_sign(raw, files[mb])
            os.remove(raw)
        for path in [small, files[10], files[50]]:
            code = subprocess.run(kyso_verify_cmd(path), stdout=subprocess.DEVNULL).returncode
            if code != 0:
                raise SystemExit(f"kyso verify {path} exited {code}")

        n = 20 if QUICK else 100
        # 1. Small verify, process against process.
        if have("pdfsig", "-v"):
            (k_small, k_small_cpu), (p_small, p_small_cpu) = measure_pair(
                kyso_verify_cmd(small), ["pdfsig", small], n, peer_ok=(0, 1, 2, 3, 4))
            rows.append(("small verify: kyso verify / pdfsig (wall)", k_small, p_small, 0.3))
            rows.append(("small verify: kyso verify / pdfsig (CPU)", k_small_cpu, p_small_cpu,
                         0.3))
        else:
            note("pdfsig not found: small verify not compared")

        # 2. Signing call in-process.
        k_sign = criterion_sign_seconds()
        p_sign, err = pyhanko_sign_seconds(simple, 10 if QUICK else 30)
        if p_sign is not None:
            rows.append(("sign (in-process call): kyso / pyHanko", k_sign, p_sign, 0.05))
        else:
            note(f"pyHanko signing failed or missing: {err}")

        # 3. 50 MB verify against hashing the file.
        m = 3 if QUICK else 7
        if have("openssl", "version"):
            (k_big, k_big_cpu), (o_big, o_big_cpu) = measure_pair(
                kyso_verify_cmd(files[50]), ["openssl", "dgst", "-sha256", files[50]], m)
            rows.append(("50 MB verify: kyso / openssl dgst -sha256 (wall)", k_big, o_big, 1.5))
            rows.append(("50 MB verify: kyso / openssl dgst -sha256 (CPU)", k_big_cpu,
                         o_big_cpu, 1.5))
        else:
            note("openssl not found: 50 MB verify not compared")

        # 4. Peak memory.
        rss = {}
        if os.path.exists("/usr/bin/time"):
            for mb in (10, 50):
                rss[mb] = peak_rss_kb(kyso_verify_cmd(files[mb]))
        else:
            note("/usr/bin/time not found: peak memory not measured")

    print()
    print(f"{'comparison':<52} {'kyso':>10} {'peer':>10} {'ratio':>7} {'target':>7}")
    for name, k, p, target in rows:
        ratio = k / p
        verdict = "ok" if ratio <= target else "MISSED"
        print(f"{name:<52} {k * 1e3:>8.2f}ms {p * 1e3:>8.2f}ms {ratio:>7.3f} "
              f"{'<= ' + str(target):>7} {verdict}")
    if rss:
        growth = rss[50] / rss[10]
        print(f"{'peak RSS: kyso verify 10 MB / 50 MB file':<52} {rss[10]:>8d}kB "
              f"{rss[50]:>8d}kB  x{growth:.2f} (50 MB / 10 MB; flat means ~1)")


if __name__ == "__main__":
    main()
