#!/usr/bin/env python3
"""signxml as an interop peer for kyso's XML signature tests.

  signxml_peer.py verify FILE CA_PEM [--references N] [--xades] [--at UNIX_TIME]
                  [--id-attribute NAME] [--no-schema]
      Verifies the signature of FILE with signxml's XMLVerifier (XAdESVerifier with
      --xades), trusting CA_PEM. Prints "OK" and exits 0, or prints the error and exits 1.
      --no-schema skips signxml's XMLDSig schema check (the e-invoice SigningTime sits in
      the XMLDSig namespace, where the schema's ##other wildcard does not allow it).

  signxml_peer.py sign IN OUT KEY_PEM CERT_PEM... [--reference ID] [--c14n URI]
                  [--method enveloped|enveloping|detached] [--signature-method NAME]
                  [--digest NAME]
      Signs IN with signxml's XMLSigner and writes OUT; the certificates go into KeyInfo.
"""
import datetime
import sys

from lxml import etree
from signxml import SignatureConfiguration, XMLSigner, XMLVerifier
from signxml.algorithms import SignatureConstructionMethod


def take(args, flag, default=None):
    if flag in args:
        i = args.index(flag)
        value = args[i + 1]
        del args[i : i + 2]
        return value
    return default


def verify(args):
    references = int(take(args, "--references", "1"))
    at = take(args, "--at")
    id_attribute = take(args, "--id-attribute")
    xades = "--xades" in args
    if xades:
        args.remove("--xades")
    validate_schema = "--no-schema" not in args
    if not validate_schema:
        args.remove("--no-schema")
    path, ca = args
    with open(path, "rb") as f:
        data = f.read()
    config = dict(expect_references=references)
    if at is not None:
        config["verification_time"] = datetime.datetime.fromtimestamp(
            int(at), tz=datetime.timezone.utc
        )
    if xades:
        from signxml.xades import XAdESVerifier

        verifier = XAdESVerifier()
    else:
        verifier = XMLVerifier()
    try:
        verifier.verify(
            data,
            ca_pem_file=ca,
            id_attribute=id_attribute,
            validate_schema=validate_schema,
            expect_config=SignatureConfiguration(**config),
        )
    except Exception as e:  # report any refusal to the test
        print(f"{type(e).__name__}: {e}")
        return 1
    print("OK")
    return 0


def sign(args):
    reference = take(args, "--reference")
    c14n = take(args, "--c14n", "http://www.w3.org/TR/2001/REC-xml-c14n-20010315")
    method = take(args, "--method", "enveloped")
    signature_method = take(args, "--signature-method", "rsa-sha256")
    digest = take(args, "--digest", "sha256")
    src, dst, key, *certs = args
    with open(src, "rb") as f:
        root = etree.fromstring(f.read())
    with open(key, "rb") as f:
        key_pem = f.read()
    chain = []
    for c in certs:
        with open(c) as f:
            chain.append(f.read())
    methods = {
        "enveloped": SignatureConstructionMethod.enveloped,
        "enveloping": SignatureConstructionMethod.enveloping,
        "detached": SignatureConstructionMethod.detached,
    }
    signer = XMLSigner(
        method=methods[method],
        signature_algorithm=signature_method,
        digest_algorithm=digest,
        c14n_algorithm=c14n,
    )
    kwargs = {}
    if reference:
        kwargs["reference_uri"] = reference
    signed = signer.sign(root, key=key_pem, cert=chain, **kwargs)
    with open(dst, "wb") as f:
        f.write(etree.tostring(signed, xml_declaration=True, encoding="UTF-8"))
    return 0


def main():
    args = sys.argv[1:]
    if not args:
        sys.exit(__doc__)
    command = args.pop(0)
    if command == "verify":
        return verify(args)
    if command == "sign":
        return sign(args)
    sys.exit(f"unknown command {command}")


if __name__ == "__main__":
    sys.exit(main())
