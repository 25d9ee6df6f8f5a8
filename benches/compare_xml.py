#!/usr/bin/env python3
"""Side-by-side timing of kyso against xmlsec1 and signxml on a Vietnamese e-invoice.

Prints ratios (kyso / peer; below 1 means kyso is faster):
  - verify, process against process: `kyso verify` vs `xmlsec1 --verify`
  - sign, process against process:   `kyso sign xml` vs `xmlsec1 --sign` (same template)
  - verify, in-process:              kyso through its Python binding (C ABI) vs signxml,
                                     both as one call per document and with a kyso.Verifier
Each pair is timed alternately (processes one by one, in-process calls in blocks of 20) and
compared by medians.
Run from the repository root: python3 benches/compare_xml.py [--runs N]
It builds the release CLI and library first. Nothing here asserts a speed.
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PKI = ROOT / "fixtures" / "pki"
AT = "2026-01-01T00:00:00Z"


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, **kw)


def median_times(fa, fb, runs, block=1):
    """Median seconds per call of `fa` and of `fb`, run in alternating blocks of `block` calls
    so that both meet the same machine: a burst of other load cannot land on one side only.
    Processes alternate one by one; in-process calls in blocks, so that each library is timed
    in its steady state rather than with caches the other has just filled."""
    a, b = [], []
    for _ in range(max(1, runs // block)):
        for fn, samples in ((fa, a), (fb, b)):
            for _ in range(block):
                t = time.perf_counter()
                fn()
                samples.append(time.perf_counter() - t)
    return statistics.median(a), statistics.median(b)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=30)
    args = ap.parse_args()
    for tool in ("xmlsec1", "cargo"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is needed")
    run(["cargo", "build", "--release", "--example", "kyso", "--lib"], cwd=ROOT)
    kyso_cli = ROOT / "target" / "release" / "examples" / "kyso"
    lib = ROOT / "target" / "release" / "libkyso.so"
    work = Path(tempfile.mkdtemp(prefix="kyso-xml-bench-"))
    env = dict(os.environ, KYSO_PW="kyso-test")
    invoice = ROOT / "fixtures" / "docs" / "einvoice.xml"
    signed = work / "signed.xml"
    sign_cmd = [str(kyso_cli), "sign", "xml", str(invoice), str(signed), "--key", str(PKI / "business.p12"),
                "--password-env", "KYSO_PW", "--profile", "einvoice", "--include-chain", "--signing-time", AT]
    run(sign_cmd, env=env)

    verify_kyso = [str(kyso_cli), "verify", str(signed), "--trust", str(PKI / "root.pem"),
                   "--cert", str(PKI / "business-ca.pem"), "--at", AT, "--revocation", "off"]
    verify_xmlsec = ["xmlsec1", "--verify", "--id-attr:Id", "DLHDon", "--trusted-pem", str(PKI / "root.pem"),
                     "--untrusted-pem", str(PKI / "business-ca.pem"), "--verification-gmt-time",
                     "2026-01-01+00:00:00", str(signed)]
    run(verify_kyso)
    run(verify_xmlsec)
    t_kyso, t_xmlsec = median_times(lambda: run(verify_kyso), lambda: run(verify_xmlsec), args.runs)
    print(f"verify e-invoice, process vs process: kyso {t_kyso*1e3:.2f} ms, xmlsec1 {t_xmlsec*1e3:.2f} ms, "
          f"ratio {t_kyso/t_xmlsec:.3f}")

    # xmlsec1 signs a template: kyso's output with the computed values emptied.
    template = signed.read_text(encoding="utf-8")
    for tag in ("DigestValue", "SignatureValue", "X509Certificate"):
        template = re.sub(rf"(<ds:{tag}>)[^<]*(</ds:{tag}>)", r"\1\2", template)
    template = re.sub(r"(<ds:X509Data>).*?(</ds:X509Data>)", r"\1<ds:X509Certificate/>\2", template, flags=re.S)
    tpl = work / "template.xml"
    tpl.write_text(template, encoding="utf-8")
    out_xmlsec = work / "xmlsec-signed.xml"
    sign_xmlsec = ["xmlsec1", "--sign", "--id-attr:Id", "DLHDon", "--pkcs12", str(PKI / "business.p12"),
                   "--pwd", "kyso-test", "--output", str(out_xmlsec), str(tpl)]
    run(sign_xmlsec)
    t_kyso, t_xmlsec = median_times(lambda: run(sign_cmd, env=env), lambda: run(sign_xmlsec), args.runs)
    print(f"sign e-invoice, process vs process:   kyso {t_kyso*1e3:.2f} ms, xmlsec1 {t_xmlsec*1e3:.2f} ms, "
          f"ratio {t_kyso/t_xmlsec:.3f}")

    # In-process: kyso's Python binding vs signxml, both inside this interpreter.
    try:
        from signxml import SignatureConfiguration, XMLVerifier
    except ImportError:
        sys.exit("signxml is needed for the in-process comparison")
    os.environ["KYSO_LIBRARY"] = str(lib)
    sys.path.insert(0, str(ROOT / "bindings" / "python"))
    import kyso  # noqa: E402
    data = signed.read_bytes()
    bundle = work / "bundle.pem"
    bundle.write_bytes((PKI / "root.pem").read_bytes() + (PKI / "business-ca.pem").read_bytes())
    options = dict(trust=[str(PKI / "root.pem")], certificates=[str(PKI / "business-ca.pem")], at=AT,
                   revocation="off")
    assert kyso.verify(data, **options)["indication"] == "TOTAL_PASSED"
    import datetime
    config = SignatureConfiguration(expect_references=2, verification_time=datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc))

    def signxml_verify():
        XMLVerifier().verify(data, ca_pem_file=str(bundle), id_attribute="Id", validate_schema=False,
                             expect_config=config)

    signxml_verify()
    runs = max(args.runs * 10, 200)
    # One call per document, options read each time (kyso.verify), and a Verifier that read
    # them once — the way a portal verifies a stream of uploads; signxml has only the former.
    t_kyso, t_signxml = median_times(lambda: kyso.verify(data, **options), signxml_verify, runs, 20)
    print(f"verify e-invoice, in-process:         kyso {t_kyso*1e3:.3f} ms, signxml {t_signxml*1e3:.3f} ms, "
          f"ratio {t_kyso/t_signxml:.3f}  (kyso.verify)")
    verifier = kyso.Verifier(**options)
    assert verifier.verify(data)["indication"] == "TOTAL_PASSED"
    t_kyso, t_signxml = median_times(lambda: verifier.verify(data), signxml_verify, runs, 20)
    print(f"verify e-invoice, in-process:         kyso {t_kyso*1e3:.3f} ms, signxml {t_signxml*1e3:.3f} ms, "
          f"ratio {t_kyso/t_signxml:.3f}  (kyso.Verifier)")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
