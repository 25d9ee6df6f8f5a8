#!/usr/bin/env python3
"""Forges one RFC 3161 answer for kyso's bad-input tests: reads a DER TimeStampReq on stdin,
writes a DER TimeStampResp on stdout. No network; the test's own loopback server calls it.

Tokens are made with pyHanko's DummyTimeStamper (its own RFC 3161 encoder) and the fixture
TSA keys, then spoiled as MODE says:

  good           a correct token from `tsa` (the baseline: kyso must accept it)
  wrong-nonce    a correct token, but its nonce is the request's plus one
  wrong-imprint  a token over another message imprint (first digest byte flipped)
  no-eku         a token signed by `tsa-no-eku` (no id-kp-timeStamping)
  bad-signature  a token whose signature value has one bit flipped

Usage: ltv_bad_tsa.py PKI_DIR MODE < request.der > response.der
"""
import os
import sys

from asn1crypto import tsp
from pyhanko.keys import load_cert_from_pemder, load_private_key_from_pemder
from pyhanko.sign.timestamps import DummyTimeStamper

pki, mode = sys.argv[1], sys.argv[2]
req = tsp.TimeStampReq.load(sys.stdin.buffer.read())

signer = "tsa-no-eku" if mode == "no-eku" else "tsa"
stamper = DummyTimeStamper(
    tsa_cert=load_cert_from_pemder(os.path.join(pki, f"{signer}.pem")),
    tsa_key=load_private_key_from_pemder(os.path.join(pki, f"{signer}.key.pem"), None),
    certs_to_embed=[
        load_cert_from_pemder(os.path.join(pki, "business-ca.pem")),
        load_cert_from_pemder(os.path.join(pki, "root.pem")),
    ],
)

if mode == "wrong-nonce":
    req = tsp.TimeStampReq({
        "version": req["version"],
        "message_imprint": req["message_imprint"],
        "nonce": (req["nonce"].native or 0) + 1,
        "cert_req": True,
    })
elif mode == "wrong-imprint":
    imprint = bytearray(req["message_imprint"]["hashed_message"].native)
    imprint[0] ^= 0xFF
    req = tsp.TimeStampReq({
        "version": req["version"],
        "message_imprint": tsp.MessageImprint({
            "hash_algorithm": req["message_imprint"]["hash_algorithm"],
            "hashed_message": bytes(imprint),
        }),
        "nonce": req["nonce"],
        "cert_req": True,
    })
elif mode not in ("good", "no-eku", "bad-signature"):
    sys.exit(f"unknown mode {mode}")

resp = stamper.request_tsa_response(req)
if mode == "bad-signature":
    signer_info = resp["time_stamp_token"]["content"]["signer_infos"][0]
    sig = bytearray(signer_info["signature"].native)
    sig[-1] ^= 0x01
    signer_info["signature"] = bytes(sig)
sys.stdout.buffer.write(resp.dump(force=mode == "bad-signature"))
