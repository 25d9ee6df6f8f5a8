#!/usr/bin/env python3
"""Validates the signatures of a PDF with pyHanko, offline, and prints what it found as JSON.

pyHanko is an independent PAdES implementation; kyso's tests compare its findings with
kyso's own. Nothing is fetched: revocation data must come from the file (its DSS or the
CMS), so a signature that pyHanko accepts with revocation required carries its long-term
validation material.

Usage: ltv_pyhanko_validate.py PDF ROOT_PEM [--at RFC3339]

Output (one JSON object on stdout):
  {"signatures": [{"field", "kind": "signature"|"doc_timestamp",
     "intact", "valid", "trusted",            # pyHanko's basic status, soft revocation
     "signer_cn", "timestamp": {"intact", "valid", "trusted", "time"} | null,
     "ades_require_revinfo": "AdESPassed.OK" | …,   # AdES LTA validation, revocation
                                                    # required, local data only
     "ades_failure": str | null,
     "oldest_doc_timestamp": RFC3339 | null,
     "ades_future": … }],                      # the same, at --at (historical validation)
   "dss": {"certs": n, "crls": n, "ocsps": n}}
"""
import asyncio
import json
import sys
from datetime import datetime

from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
from pyhanko.sign.validation.ades import ades_lta_validation
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.policy_decl import (
    PdfSignatureValidationSpec,
    RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec,
    SignatureValidationSpec,
)
from pyhanko.keys import load_cert_from_pemder
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.ltv.types import ValidationTimingInfo
from pyhanko_certvalidator.policy_decl import REQUIRE_REVINFO, CertRevTrustPolicy
from pyhanko_certvalidator.registry import SimpleTrustManager

pdf_path, root_path = sys.argv[1], sys.argv[2]
at = None
if len(sys.argv) > 4 and sys.argv[3] == "--at":
    at = datetime.fromisoformat(sys.argv[4].replace("Z", "+00:00"))

root = load_cert_from_pemder(root_path)


def spec():
    return PdfSignatureValidationSpec(
        SignatureValidationSpec(
            cert_validation_policy=CertValidationPolicySpec(
                trust_manager=SimpleTrustManager.build(trust_roots=[root]),
                revinfo_policy=CertRevTrustPolicy(REQUIRE_REVINFO),
            ),
            revinfo_gathering_policy=RevocationInfoGatheringSpec(
                online_fetching_rule=RevinfoOnlineFetchingRule.LOCAL_ONLY
            ),
        )
    )


def cn(cert):
    if cert is None:
        return None
    return cert.subject.native.get("common_name")


async def ades(sig, when):
    timing = None
    if when is not None:
        timing = ValidationTimingInfo(
            validation_time=when, best_signature_time=when, point_in_time_validation=True
        )
    try:
        r = await ades_lta_validation(sig, spec(), timing_info=timing)
    except Exception as e:  # an exception is a finding too
        return {"subindication": f"exception: {type(e).__name__}: {e}",
                "failure": None, "oldest_doc_timestamp": None}
    oldest = getattr(r, "oldest_evidence_record_timestamp", None)
    return {
        "subindication": str(r.ades_subindic),
        "failure": r.failure_msg,
        "oldest_doc_timestamp": oldest.isoformat() if oldest else None,
    }


def dss_context(reader):
    """A validation context holding only what the file's DSS holds; revocation required."""
    kwargs = {"trust_roots": [root], "allow_fetching": False, "revocation_mode": "require"}
    if at is not None:
        kwargs["moment"] = at
    try:
        dss = DocumentSecurityStore.read_dss(reader)
    except Exception:
        # No DSS: nothing to validate revocation with (and pyHanko wants lists, not None).
        return ValidationContext(crls=[], ocsps=[], **kwargs)
    return dss.as_validation_context(kwargs)


def main():
    with open(pdf_path, "rb") as f:
        reader = PdfFileReader(f)
        out = []
        for sig in reader.embedded_signatures:
            # Basic checks with soft revocation and no fetching.
            vc = ValidationContext(trust_roots=[root], allow_fetching=False,
                                   revocation_mode="soft-fail")
            entry = {"field": sig.field_name}
            if sig.sig_object.get("/Type") == "/DocTimeStamp":
                entry["kind"] = "doc_timestamp"
                st = validate_pdf_timestamp(sig, validation_context=vc)
                entry.update(intact=st.intact, valid=st.valid, trusted=st.trusted,
                             signer_cn=cn(st.signing_cert), timestamp=None,
                             time=st.timestamp.isoformat())
                lt = validate_pdf_timestamp(sig, validation_context=dss_context(reader))
                entry["dss_only"] = {"intact": lt.intact, "valid": lt.valid,
                                     "trusted": lt.trusted}
            else:
                entry["kind"] = "signature"
                st = validate_pdf_signature(sig, signer_validation_context=vc,
                                            ts_validation_context=vc)
                ts = st.timestamp_validity
                entry.update(
                    intact=st.intact, valid=st.valid, trusted=st.trusted,
                    signer_cn=cn(st.signing_cert),
                    coverage=str(st.coverage),
                    timestamp=None if ts is None else {
                        "intact": ts.intact, "valid": ts.valid, "trusted": ts.trusted,
                        "time": ts.timestamp.isoformat(),
                    },
                )
                lt = validate_pdf_signature(sig, signer_validation_context=dss_context(reader),
                                            ts_validation_context=dss_context(reader))
                lts = lt.timestamp_validity
                entry["dss_only"] = {
                    "intact": lt.intact, "valid": lt.valid, "trusted": lt.trusted,
                    "timestamp_trusted": None if lts is None else lts.trusted,
                }
                r = asyncio.run(ades(sig, None))
                entry["ades_require_revinfo"] = r["subindication"]
                entry["ades_failure"] = r["failure"]
                entry["oldest_doc_timestamp"] = r["oldest_doc_timestamp"]
                if at is not None:
                    entry["ades_future"] = asyncio.run(ades(sig, at))
            out.append(entry)
        try:
            dss = DocumentSecurityStore.read_dss(reader)
            counts = {"certs": len(dss.certs), "crls": len(dss.crls), "ocsps": len(dss.ocsps)}
        except Exception:
            counts = None
        print(json.dumps({"signatures": out, "dss": counts}))


main()
