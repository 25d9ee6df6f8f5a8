#!/usr/bin/env python3
"""Signs a PDF with pyHanko at PAdES B-T, B-LT or B-LTA, for kyso's tests to verify.

The signature time-stamp (and the document time-stamp of B-LTA) comes from the loopback TSA
at TSA_URL. Validation material is the fixture CRLs plus whatever pyHanko fetches from the
URLs the fixture certificates name; every such URL is checked to be on 127.0.0.1 before
fetching is allowed, so nothing leaves this machine.

Usage: ltv_pyhanko_sign.py IN OUT PKI_DIR P12_NAME TSA_URL b-t|b-lt|b-lta
Prints one JSON line: {"level", "dss": {"certs", "crls", "ocsps"} | null, "fields": [...]}.
"""
import json
import os
import sys

from asn1crypto import crl as asn1_crl
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers, timestamps
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko_certvalidator import ValidationContext

src, dst, pki, p12_name, tsa_url, level = sys.argv[1:7]
if level not in ("b-t", "b-lt", "b-lta"):
    sys.exit(f"unknown level {level}")
if not tsa_url.startswith("http://127.0.0.1:"):
    sys.exit("the TSA must be on loopback")

signer = signers.SimpleSigner.load_pkcs12(
    os.path.join(pki, f"{p12_name}.p12"), passphrase=b"kyso-test"
)
root = load_cert_from_pemder(os.path.join(pki, "root.pem"))
tsa_cert = load_cert_from_pemder(os.path.join(pki, "tsa.pem"))
chain_certs = list(signer.cert_registry) + [tsa_cert]


def urls(cert):
    found = []
    for url in cert.crl_distribution_points or []:
        found.extend(url.url for url in [url] if url.url)
    for desc in cert.ocsp_urls or []:
        found.append(desc)
    return found


for cert in chain_certs:
    for url in urls(cert):
        if not url.startswith("http://127.0.0.1:"):
            sys.exit(f"refusing to fetch {url}: not loopback")

crls = []
for name in ("root", "gov-ca", "business-ca"):
    with open(os.path.join(pki, f"{name}.crl"), "rb") as f:
        crls.append(asn1_crl.CertificateList.load(f.read()))

validation_context = ValidationContext(
    trust_roots=[root],
    other_certs=chain_certs,
    crls=crls,
    allow_fetching=True,
)
meta = signers.PdfSignatureMetadata(
    field_name="Signature1",
    reason="pyHanko interop",
    subfilter=SigSeedSubFilter.PADES,
    embed_validation_info=level != "b-t",
    use_pades_lta=level == "b-lta",
    validation_context=validation_context if level != "b-t" else None,
)
timestamper = timestamps.HTTPTimeStamper(tsa_url, timeout=20)
with open(src, "rb") as inf:
    writer = IncrementalPdfFileWriter(inf)
    with open(dst, "wb") as outf:
        signers.sign_pdf(writer, meta, signer=signer, timestamper=timestamper, output=outf)

with open(dst, "rb") as f:
    reader = PdfFileReader(f)
    try:
        dss = DocumentSecurityStore.read_dss(reader)
        counts = {"certs": len(dss.certs), "crls": len(dss.crls), "ocsps": len(dss.ocsps)}
    except Exception:
        counts = None
    fields = [s.field_name for s in reader.embedded_signatures]
print(json.dumps({"level": level, "dss": counts, "fields": fields}))
