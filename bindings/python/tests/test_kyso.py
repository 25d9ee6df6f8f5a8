"""The Python binding over the C ABI, against kyso's fixtures (fixed validation time)."""

import os
import subprocess
import threading
import typing
from pathlib import Path

import pytest

import kyso

ROOT = Path(__file__).resolve().parents[3]
PKI = ROOT / "fixtures" / "pki"
DOCS = ROOT / "fixtures" / "docs"
AT = "2026-01-01T00:00:00Z"
KEY = {"p12_path": str(PKI / "leader.p12"), "password": "kyso-test"}


def signed_pdf():
    return kyso.sign_pdf(DOCS / "simple.pdf", key=KEY, signing_time=AT, reason="Phê duyệt")


def test_version():
    assert kyso.version().count(".") == 2


def test_sign_then_verify_pdf():
    original = (DOCS / "simple.pdf").read_bytes()
    signed = signed_pdf()
    assert signed.startswith(original)
    report = kyso.verify(signed, trust=[str(PKI / "root.pem")], at=AT)
    assert report["status"] == kyso.PASSED
    sig = report["signatures"][0]
    assert sig["indication"] == "TOTAL_PASSED"
    assert sig["signer"]["identity"]["cccd"] == ["001085012345"]


def test_untrusted_and_tampered():
    signed = bytearray(signed_pdf())
    assert kyso.verify(bytes(signed), at=AT)["status"] == kyso.INDETERMINATE
    signed[100] ^= 0x01
    assert kyso.verify(bytes(signed), trust=[str(PKI / "root.pem")], at=AT)["status"] == kyso.FAILED


def test_unsigned_file_has_no_signature():
    assert kyso.verify(DOCS / "simple.pdf", at=AT)["status"] == kyso.NO_SIGNATURE


def test_remote_signing_with_prepare_and_finish():
    chain = (PKI / "business.pem").read_text() + (PKI / "chain-business.pem").read_text()
    prepared = kyso.prepare(DOCS / "simple.pdf", certificates_pem=chain, signing_time=AT)
    digest = bytes.fromhex(prepared["digest"])
    # The "remote service": openssl signs the digest with the key kept apart.
    sig = subprocess.run(
        ["openssl", "pkeyutl", "-sign", "-inkey", str(PKI / "business.key.pem"), "-pkeyopt", "digest:sha256"],
        input=digest, capture_output=True, check=True).stdout
    signed = kyso.finish(prepared, DOCS / "simple.pdf", sig)
    report = kyso.verify(signed, trust=[str(PKI / "root.pem")], at=AT)
    assert report["status"] == kyso.PASSED
    assert report["signatures"][0]["signer"]["identity"]["mst"] == ["0101234567"]


def test_inspect_pkcs12():
    report = kyso.inspect(PKI / "two-uid.p12", password="kyso-test")
    ident = report["certificates"][0]["identity"]
    assert ident["mst"] == ["0101234567"] and ident["cccd"] == ["001085012345"]


def test_errors_raise():
    with pytest.raises(kyso.KysoError, match="wrong password"):
        kyso.sign_pdf(DOCS / "simple.pdf", key={"p12_path": str(PKI / "leader.p12"), "password": "x"})
    with pytest.raises(kyso.KysoError):
        kyso.verify(b"neither pdf nor xml")
    with pytest.raises(kyso.KysoError, match="unknown field"):
        kyso.verify(DOCS / "simple.pdf", no_such_option=1)


def test_token_keys_reach_the_library():
    # The PIN is named by a variable, never passed: the key's JSON has no field for it.
    key = {"pkcs11_module": "/no/such/libvendor-pkcs11.so", "key_label": "leader", "pin_env": "KYSO_TOKEN_PIN"}
    with pytest.raises(kyso.KysoError, match="PKCS#11"):
        kyso.sign_pdf(DOCS / "simple.pdf", key=key)
    with pytest.raises(kyso.KysoError, match="unknown field `pin`"):
        kyso.sign_pdf(DOCS / "simple.pdf", key=dict(key, pin="1234"))


def test_an_expired_or_edited_state_is_refused():
    chain = (PKI / "business.pem").read_text() + (PKI / "chain-business.pem").read_text()
    expired = kyso.prepare(DOCS / "simple.pdf", certificates_pem=chain, signing_time=AT, expires_in=0)
    with pytest.raises(kyso.KysoError, match="expired"):
        kyso.finish(expired, DOCS / "simple.pdf", b"\0" * 384)
    prepared = kyso.prepare(DOCS / "simple.pdf", certificates_pem=chain, signing_time=AT)
    prepared["expires_at"] = "2099-01-01T00:00:00Z"
    with pytest.raises(kyso.KysoError, match="modified"):
        kyso.finish(prepared, DOCS / "simple.pdf", b"\0" * 384)


def test_sign_then_verify_einvoice():
    signed = kyso.sign_xml(DOCS / "einvoice.xml", key={"p12_path": str(PKI / "business.p12"), "password": "kyso-test"},
                           profile="einvoice", signing_time=AT)
    assert b"<ds:Signature" in signed
    report = kyso.verify(signed, trust=[str(PKI / "root.pem")], certificates=[str(PKI / "business-ca.pem")], at=AT)
    assert report["status"] == kyso.PASSED, report
    sig = report["signatures"][0]
    assert sig["signer"]["identity"]["mst"] == ["0101234567"]
    assert any(r["element"].startswith("/HDon/DLHDon") for r in sig["signed_references"])


def test_remote_signing_of_xml():
    chain = (PKI / "business.pem").read_text()
    prepared = kyso.prepare(DOCS / "generic.xml", certificates_pem=chain, signing_time=AT)
    assert prepared["format"] == "xml"
    digest = bytes.fromhex(prepared["digest"])
    sig = subprocess.run(
        ["openssl", "pkeyutl", "-sign", "-inkey", str(PKI / "business.key.pem"), "-pkeyopt", "digest:sha256"],
        input=digest, capture_output=True, check=True).stdout
    signed = kyso.finish(prepared, DOCS / "generic.xml", sig)
    report = kyso.verify(signed, trust=[str(PKI / "root.pem")], certificates=[str(PKI / "business-ca.pem")], at=AT)
    assert report["status"] == kyso.PASSED, report


def test_a_verifier_reads_its_options_once_and_verifies_many_documents():
    invoice = kyso.sign_xml(DOCS / "einvoice.xml", key={"p12_path": str(PKI / "business.p12"), "password": "kyso-test"},
                            profile="einvoice", signing_time=AT)
    pdf = signed_pdf()
    tampered = bytearray(pdf)
    tampered[100] ^= 0x01
    with kyso.Verifier(trust=[(PKI / "root.pem").read_text()], certificates=[str(PKI / "business-ca.pem")],
                       at=AT) as verifier:
        for _ in range(3):
            assert verifier.verify(invoice)["status"] == kyso.PASSED
            assert verifier.verify(pdf)["status"] == kyso.PASSED
            assert verifier.verify(bytes(tampered))["status"] == kyso.FAILED
        assert verifier.verify(DOCS / "simple.pdf")["status"] == kyso.NO_SIGNATURE
        with pytest.raises(kyso.KysoError):
            verifier.verify(b"neither pdf nor xml")
    # Options are checked when the verifier is made; a closed one refuses work.
    with pytest.raises(kyso.KysoError, match="unknown field"):
        kyso.Verifier(no_such_option=1)
    with pytest.raises(kyso.KysoError, match="closed"):
        verifier.verify(invoice)
    # Without the fixture root the same documents are not trusted.
    untrusted = kyso.Verifier(at=AT, certificates=[str(PKI / "business-ca.pem")])
    assert untrusted.verify(invoice)["status"] == kyso.INDETERMINATE


@pytest.fixture
def tsa_url():
    """The loopback RFC 3161 server of kyso's tests (answers from `openssl ts -reply`)."""
    server = subprocess.Popen(
        ["python3", str(ROOT / "tests" / "support" / "tsa_server.py"), str(PKI)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        yield f"http://127.0.0.1:{server.stdout.readline().strip()}/"
    finally:
        server.stdin.close()
        server.wait(timeout=30)


def test_sign_pdf_to_b_lt_through_the_c_abi(tsa_url):
    signed = kyso.sign_pdf(DOCS / "simple.pdf", key=KEY, signing_time=AT, level="B-LT", tsa=tsa_url,
                           crl=[str(PKI / "gov-ca.crl"), str(PKI / "root.crl"), str(PKI / "business-ca.crl")])
    assert b"/DSS" in signed
    report = kyso.verify(signed, trust=[str(PKI / "root.pem")], at=AT, revocation="require")
    assert report["status"] == kyso.PASSED, report
    sig = report["signatures"][0]
    assert sig["level"] == "PAdES-B-LT"
    assert sig["revocation"]["status"] == "good", sig


REVOKED = {"p12_path": str(PKI / "revoked.p12"), "password": "kyso-test"}


def crl_bundle(tmp_path):
    """The fixture CRLs in one PEM file; business-ca's, which revokes `revoked`, comes last."""
    path = tmp_path / "crls.pem"
    path.write_bytes(b"".join((PKI / f"{ca}.crl.pem").read_bytes() for ca in ("root", "gov-ca", "business-ca")))
    return path


def test_every_crl_of_a_bundle_is_used(tmp_path):
    signed = kyso.sign_pdf(DOCS / "simple.pdf", key=REVOKED, signing_time=AT)
    bundle = crl_bundle(tmp_path)
    for crl in (str(bundle), bundle.read_text()):
        report = kyso.verify(signed, trust=[str(PKI / "root.pem")], crl=[crl], at=AT, revocation="require")
        sig = report["signatures"][0]
        assert sig["revocation"]["status"] == "revoked", report
        assert sig["sub_indication"] == "REVOKED_NO_POE", report


def test_a_bad_block_raises_naming_file_and_block(tmp_path):
    blocks = crl_bundle(tmp_path).read_text().split("-----BEGIN X509 CRL-----\n")
    blocks[2] = "!!!!\n" + blocks[2]
    broken = tmp_path / "broken.pem"
    broken.write_text("-----BEGIN X509 CRL-----\n".join(blocks))
    with pytest.raises(kyso.KysoError, match=r"broken\.pem: block 2 \(X509 CRL\)"):
        kyso.verify(DOCS / "simple.pdf", crl=[str(broken)])
    with_key = (PKI / "root.pem").read_text() + (PKI / "root.key.pem").read_text()
    with pytest.raises(kyso.KysoError, match=r"trust\[0\]: block 2 \(PRIVATE KEY\)"):
        kyso.Verifier(trust=[with_key])
    empty = tmp_path / "empty.pem"
    empty.write_text("")
    with pytest.raises(kyso.KysoError, match="empty"):
        kyso.sign_pdf(DOCS / "simple.pdf", key=KEY, level="B-LT", tsa="http://127.0.0.1:9/", crl=[str(empty)])


def test_sign_pdf_to_b_lt_embeds_every_crl_of_a_bundle(tsa_url, tmp_path):
    signed = kyso.sign_pdf(DOCS / "simple.pdf", key=REVOKED, level="B-LT", tsa=tsa_url,
                           crl=[str(crl_bundle(tmp_path))])
    # Offline: only the embedded CRLs can tell that the signer was revoked before the time-stamp.
    report = kyso.verify(signed, trust=[str(PKI / "root.pem")], revocation="require")
    sig = report["signatures"][0]
    assert sig["level"] == "PAdES-B-LT", report
    assert sig["revocation"]["status"] == "revoked", report
    assert (sig["indication"], sig["sub_indication"]) == ("TOTAL_FAILED", "REVOKED"), report


def test_installed_package_carries_its_library():
    if not os.environ.get("KYSO_EXPECT_INSTALLED"):
        pytest.skip("running against the source tree")
    assert "KYSO_LIBRARY" not in os.environ
    package = Path(kyso.__file__).resolve().parent
    assert "site-packages" in package.parts, package
    assert list(package.glob("_libkyso*")), sorted(p.name for p in package.iterdir())
    assert (package / "py.typed").exists()


def test_public_functions_have_type_hints():
    for name in ("verify", "verify_many", "inspect", "render", "sign_pdf", "sign_xml", "extend_pdf",
                 "prepare", "finish", "version"):
        hints = typing.get_type_hints(getattr(kyso, name))
        assert "return" in hints, name


def test_verify_many_reports_a_directory_in_order_with_progress(tmp_path):
    signed = tmp_path / "a-signed.pdf"
    signed.write_bytes(signed_pdf())
    (tmp_path / "b-unsigned.pdf").write_bytes((DOCS / "simple.pdf").read_bytes())
    (tmp_path / "notes.txt").write_text("not a document")
    nested = tmp_path / "c"
    nested.mkdir()
    tampered = bytearray(signed_pdf())
    tampered[100] ^= 0x01
    (nested / "tampered.pdf").write_bytes(bytes(tampered))
    seen = []
    reports = kyso.verify_many([tmp_path, DOCS / "no-such.pdf"], progress=lambda d, t: seen.append((d, t)),
                               trust=[str(PKI / "root.pem")], at=AT, jobs=2)
    assert [Path(r["file"]).name for r in reports] == ["a-signed.pdf", "b-unsigned.pdf", "tampered.pdf",
                                                        "no-such.pdf"]
    assert [r["status"] for r in reports] == [kyso.PASSED, kyso.NO_SIGNATURE, kyso.FAILED, kyso.ERROR]
    assert "error" in reports[3]
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]


def test_a_failing_progress_callback_raises_after_the_batch(tmp_path):
    (tmp_path / "one.pdf").write_bytes((DOCS / "simple.pdf").read_bytes())

    def progress(done, total):
        raise RuntimeError("stop")

    with pytest.raises(RuntimeError, match="stop"):
        kyso.verify_many([tmp_path], progress=progress)


def test_vietnamese_errors_and_reports():
    with pytest.raises(kyso.KysoError, match="tùy chọn không hợp lệ"):
        kyso.verify(signed_pdf(), lang="vi", crl=["/no/such.crl"])
    report = kyso.verify(signed_pdf(), trust=[str(PKI / "root.pem")], at=AT)
    text = kyso.render(report, lang="vi")
    assert "Kết quả: HỢP LỆ" in text and "Nguyễn Văn An" in text, text
    assert "VALID" in kyso.render(report)
    with pytest.raises(kyso.KysoError, match="lang"):
        kyso.render(report, lang="fr")


def test_closing_a_verifier_while_other_threads_verify_is_safe():
    pdf = signed_pdf()
    verifier = kyso.Verifier(trust=[str(PKI / "root.pem")], at=AT)
    outcomes = []
    start = threading.Barrier(5)

    def work():
        start.wait()
        for _ in range(20):
            try:
                outcomes.append(verifier.verify(pdf)["status"])
            except kyso.KysoError as e:
                assert "closed" in str(e)
                outcomes.append("closed")
                return

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    start.wait()
    verifier.close()
    for t in threads:
        t.join()
    # Every call either finished with a report or was refused; none ran on a freed verifier.
    assert outcomes and all(o in (kyso.PASSED, "closed") for o in outcomes), outcomes
    verifier.close()


def test_extend_pdf_to_b_lt(tsa_url):
    signed = kyso.sign_pdf(DOCS / "simple.pdf", key=KEY, level="B-T", tsa=tsa_url)
    extended = kyso.extend_pdf(signed, level="B-LT",
                               crl=[str(PKI / "gov-ca.crl"), str(PKI / "root.crl")])
    assert extended.startswith(signed) and b"/DSS" in extended
    report = kyso.verify(extended, trust=[str(PKI / "root.pem")], revocation="require")
    assert report["signatures"][0]["level"] == "PAdES-B-LT", report
    with pytest.raises(kyso.KysoError, match="B-LT or B-LTA"):
        kyso.extend_pdf(signed, level="B-B")
