#!/usr/bin/env python3
"""pyHanko as the interop peer of kyso's PDF tests.

    pyhanko_peer.py validate ROOT_PEM FILE
        Prints one JSON object per embedded signature (intact, valid, trusted,
        docmdp_ok, modification_level, coverage, bottom_line, field).
    pyhanko_peer.py sign IN OUT P12 [--pkcs7] [--pss] [--md sha256|sha384|sha512]
                         [--certify P] [--field NAME]
        Signs IN with the PKCS#12 file (password kyso-test) as an incremental update.
    pyhanko_peer.py fill IN OUT FIELD VALUE
        Sets a text field's /V with pyHanko's incremental writer (no signing).

Validation runs at the fixed test time 2026-01-01T00:00:00Z, with the given root as the
only trust anchor, no fetching and soft-fail revocation.
"""

import json
import sys
from datetime import datetime, timezone

from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

PASSWORD = b"kyso-test"
TEST_TIME = datetime(2026, 1, 1, tzinfo=timezone.utc)


def validate(root_pem, path):
    root = load_cert_from_pemder(root_pem)
    out = []
    with open(path, "rb") as f:
        reader = PdfFileReader(f, strict=False)
        for sig in reader.embedded_signatures:
            vc = ValidationContext(
                trust_roots=[root],
                moment=TEST_TIME,
                allow_fetching=False,
                revocation_mode="soft-fail",
            )
            status = validate_pdf_signature(sig, signer_validation_context=vc)
            level = status.modification_level
            out.append(
                {
                    "field": sig.field_name,
                    "intact": bool(status.intact),
                    "valid": bool(status.valid),
                    "trusted": bool(status.trusted),
                    "docmdp_ok": status.docmdp_ok,
                    "modification_level": level.name if level is not None else None,
                    "coverage": status.coverage.name if status.coverage else None,
                    "bottom_line": bool(status.bottom_line),
                }
            )
    print(json.dumps(out))


def sign(args):
    src, dst, p12 = args[0], args[1], args[2]
    opts = args[3:]
    pkcs7 = "--pkcs7" in opts
    pss = "--pss" in opts
    md = "sha256"
    certify = None
    field = None
    i = 0
    while i < len(opts):
        if opts[i] == "--md":
            md = opts[i + 1]
            i += 1
        elif opts[i] == "--certify":
            certify = int(opts[i + 1])
            i += 1
        elif opts[i] == "--field":
            field = opts[i + 1]
            i += 1
        i += 1
    signer = signers.SimpleSigner.load_pkcs12(p12, passphrase=PASSWORD, prefer_pss=pss)
    if signer is None:
        sys.exit(f"cannot load {p12}")
    with open(src, "rb") as f:
        writer = IncrementalPdfFileWriter(f, strict=False)
        if field is None:
            taken = {name for name, _, _ in fields.enumerate_sig_fields(writer)}
            n = 1
            while f"Signature{n}" in taken:
                n += 1
            field = f"Signature{n}"
        meta = signers.PdfSignatureMetadata(
            field_name=field,
            md_algorithm=md,
            subfilter=(
                fields.SigSeedSubFilter.ADOBE_PKCS7_DETACHED
                if pkcs7
                else fields.SigSeedSubFilter.PADES
            ),
            certify=certify is not None,
            docmdp_permissions=(
                fields.MDPPerm(certify) if certify is not None else fields.MDPPerm.FILL_FORMS
            ),
        )
        out = signers.sign_pdf(writer, meta, signer=signer)
    with open(dst, "wb") as g:
        g.write(out.getbuffer())


def fill(src, dst, name, value):
    with open(src, "rb") as f:
        writer = IncrementalPdfFileWriter(f, strict=False)
        form = writer.root["/AcroForm"]
        for ref in form["/Fields"]:
            field = ref.get_object()
            if field.get("/T") == name:
                field["/V"] = generic.TextStringObject(value)
                writer.update_container(field)
                break
        else:
            sys.exit(f"no field {name}")
        with open(dst, "wb") as g:
            writer.write(g)


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "validate":
        validate(args[0], args[1])
    elif cmd == "sign":
        sign(args)
    elif cmd == "fill":
        fill(*args)
    else:
        sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
