"""edXML packages through the C ABI: the same report as `kyso verify package.edxml`."""

from pathlib import Path

import kyso

ROOT = Path(__file__).resolve().parents[3]
EDXML = ROOT / "fixtures" / "edxml"
TRUST = [str(ROOT / "fixtures" / "pki" / "root.pem")]
AT = "2026-01-01T00:00:00Z"


def test_leader_and_seal_package_is_valid_with_both_signers():
    report = kyso.verify(EDXML / "package-zip.edxml", trust=TRUST, at=AT, revocation="off")
    assert report["status"] == kyso.PASSED
    letter = report["package"]["attachments"][0]["documents"][0]
    names = [s["signer"]["common_name"] for s in letter["report"]["signatures"]]
    assert names == ["Nguyễn Văn An", "Sở Thông tin và Truyền thông Hà Nội"]
    assert report["package"]["header"]["code_notation"] == "STTTT-VP"


def test_tampered_attachment_fails_and_a_verifier_agrees():
    with kyso.Verifier(trust=TRUST, at=AT, revocation="off") as v:
        report = v.verify(EDXML / "bad-tampered.edxml")
    assert report["status"] == kyso.FAILED
    assert report["package"]["attachments"][0]["content_id"] == "van-ban"
    assert report["package"]["attachments"][0]["indication"] == "TOTAL_FAILED"


def test_inspect_lists_the_attachments():
    report = kyso.inspect(EDXML / "bad-missing.edxml")
    assert report["kind"] == "edxml"
    assert [a["has_content"] for a in report["package"]["attachments"]] == [True, False]
