//! Signing with a key held elsewhere, with real parts: the CLI's `prepare` → `openssl
//! pkeyutl` → `finish` gives documents that kyso, pyHanko and xmlsec1 accept, and a
//! tampered, expired or mismatched state or signature is refused before anything is
//! written; the [`RemoteSigner`] interface is driven by a signer that runs `openssl pkeyutl`
//! in a separate process and answers later, and by a CSC-shaped HTTP server on loopback.
//! Outside CI a missing peer skips with a note; under `CI=true` it fails.

mod common;
mod pdfutil;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use base64::Engine;
use common::peers::{kyso_verifies, text, xmlsec_verifies};
use common::*;
use kyso::crypto::{KeyFileSigner, SignatureAlgorithm, SignatureScheme, Signer};
use kyso::remote::csc::CscSigner;
use kyso::remote::{Progress, RemoteKey, RemoteSigner, SignRequest, Wait};
use kyso::settings::{self, SignSettings};
use kyso::{Error, StateError};
use pdfutil::{have_pyhanko, pyhanko_validate};

const AT: &str = "2026-01-01T00:00:00Z";

fn pki(name: &str) -> PathBuf {
    fixture(&format!("pki/{name}"))
}

/// `openssl pkeyutl -sign` over a hash: for RSA with `-pkeyopt digest:…` (PKCS#1 v1.5 over
/// the DigestInfo), for EC the hash itself (DER ECDSA).
fn pkeyutl(key: &Path, hash: &[u8], digest: Option<&str>) -> Vec<u8> {
    let mut cmd = Command::new("openssl");
    cmd.args(["pkeyutl", "-sign", "-inkey"]).arg(key);
    if let Some(d) = digest {
        cmd.args(["-pkeyopt", &format!("digest:{d}")]);
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("openssl");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(hash)
        .expect("hash");
    let out = child.wait_with_output().expect("openssl");
    assert!(out.status.success(), "openssl pkeyutl failed");
    out.stdout
}

/// `kyso prepare FORMAT IN --cert … --state STATE --json` and its printed hash.
fn prepare(
    format: &str,
    input: &Path,
    cert: &str,
    state: &Path,
    extra: &[&str],
) -> serde_json::Value {
    let out = kyso_cli()
        .args(["prepare", format])
        .arg(input)
        .arg("--cert")
        .arg(cert)
        .arg("--state")
        .arg(state)
        .args(["--json", "--signing-time", AT])
        .args(extra)
        .output()
        .expect("prepare");
    assert!(out.status.success(), "{}", text(&out));
    serde_json::from_slice(&out.stdout).expect("hash JSON")
}

fn finish(state: &Path, signature: &[&str], input: &Path, output: &Path) -> Output {
    kyso_cli()
        .arg("finish")
        .arg("--state")
        .arg(state)
        .args(signature)
        .arg(input)
        .arg(output)
        .output()
        .expect("finish")
}

/// A PEM file of the signer's certificate and its issuing CA, as `--cert` takes it.
fn chain_file(dir: &Path, signer: &str, ca: &str) -> String {
    let path = dir.join(format!("{signer}-chain.pem"));
    let pem = [pki(&format!("{signer}.pem")), pki(&format!("{ca}.pem"))]
        .map(|p| std::fs::read_to_string(p).expect("pem"))
        .concat();
    std::fs::write(&path, pem).expect("chain");
    path.display().to_string()
}

fn hash_of(printed: &serde_json::Value) -> Vec<u8> {
    hex::decode(printed["digest_hex"].as_str().expect("hex")).expect("hex")
}

#[test]
fn prepare_openssl_finish_gives_documents_the_peers_accept() {
    let dir = tempfile::tempdir().expect("dir");
    let d = dir.path();
    // PDF, RSA: the signature as a file.
    let pdf_in = fixture("docs/simple.pdf");
    let printed = prepare(
        "pdf",
        &pdf_in,
        &chain_file(d, "leader", "gov-ca"),
        &d.join("pdf.json"),
        &[],
    );
    assert_eq!(printed["digest_algorithm"], "sha256");
    assert_eq!(printed["signature_algorithm"], "sha256WithRSA");
    let b64 = printed["digest_base64"].as_str().expect("b64");
    assert_eq!(
        base64::engine::general_purpose::STANDARD
            .decode(b64)
            .expect("b64"),
        hash_of(&printed)
    );
    let sig = pkeyutl(&pki("leader.key.pem"), &hash_of(&printed), Some("sha256"));
    std::fs::write(d.join("pdf.sig"), &sig).expect("sig");
    let sig_arg = d.join("pdf.sig").display().to_string();
    let out = finish(
        &d.join("pdf.json"),
        &["--signature", &sig_arg],
        &pdf_in,
        &d.join("out.pdf"),
    );
    assert!(out.status.success(), "{}", text(&out));
    kyso_verifies(&d.join("out.pdf"));
    if have_pyhanko() {
        let results = pyhanko_validate(&d.join("out.pdf"));
        assert_eq!(results.len(), 1);
        for r in results {
            assert_eq!(r["intact"], true, "{r}");
            assert_eq!(r["valid"], true, "{r}");
            assert_eq!(r["trusted"], true, "{r}");
        }
    }
    // XML e-invoice, RSA-3072 with SHA-384: the signature as base64.
    let xml_in = fixture("docs/einvoice.xml");
    let state = d.join("xml.json");
    let printed = prepare(
        "xml",
        &xml_in,
        &chain_file(d, "business", "business-ca"),
        &state,
        &[
            "--profile",
            "einvoice",
            "--include-chain",
            "--digest",
            "sha384",
        ],
    );
    assert_eq!(printed["signature_algorithm"], "sha384WithRSA");
    let sig = pkeyutl(&pki("business.key.pem"), &hash_of(&printed), Some("sha384"));
    let b64 = base64::engine::general_purpose::STANDARD.encode(sig);
    let out = finish(
        &state,
        &["--signature-b64", &b64],
        &xml_in,
        &d.join("out.xml"),
    );
    assert!(out.status.success(), "{}", text(&out));
    kyso_verifies(&d.join("out.xml"));
    // XML, ECDSA P-256: openssl's DER signature.
    let state = d.join("ec.json");
    let printed = prepare(
        "xml",
        &xml_in,
        &pki("ecdsa.pem").display().to_string(),
        &state,
        &["--profile", "einvoice"],
    );
    assert_eq!(printed["signature_algorithm"], "ecdsa-with-sha256");
    let sig = pkeyutl(&pki("ecdsa.key.pem"), &hash_of(&printed), None);
    std::fs::write(d.join("ec.sig"), &sig).expect("sig");
    let sig_arg = d.join("ec.sig").display().to_string();
    let out = finish(
        &state,
        &["--signature", &sig_arg],
        &xml_in,
        &d.join("ec.xml"),
    );
    assert!(out.status.success(), "{}", text(&out));
    if require_tool("xmlsec1", &["--version"]) {
        xmlsec_verifies(&d.join("out.xml"));
        // The ECDSA signature carries only its own certificate: xmlsec1 gets the chain.
        let out = Command::new("xmlsec1")
            .arg("--verify")
            .arg("--trusted-pem")
            .arg(pki("root.pem"))
            .arg("--untrusted-pem")
            .arg(pki("business-ca.pem"))
            .arg("--untrusted-pem")
            .arg(pki("gov-ca.pem"))
            .args(["--verification-gmt-time", "2026-01-02+00:00:00"])
            .args(["--enabled-key-data", "x509", "--id-attr:Id", "DLHDon"])
            .arg(d.join("ec.xml"))
            .output()
            .expect("xmlsec1");
        assert!(out.status.success(), "{}", text(&out));
    }
}

#[test]
fn tampered_expired_and_mismatched_finishes_are_refused_and_write_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    let d = dir.path();
    let input = fixture("docs/simple.pdf");
    let output = d.join("out.pdf");
    let state = d.join("state.json");
    let printed = prepare(
        "pdf",
        &input,
        &chain_file(d, "leader", "gov-ca"),
        &state,
        &[],
    );
    let good = pkeyutl(&pki("leader.key.pem"), &hash_of(&printed), Some("sha256"));
    let write = |name: &str, bytes: &[u8]| {
        let p = d.join(name);
        std::fs::write(&p, bytes).expect("write");
        p.display().to_string()
    };
    let refused = |out: Output, needle: &str| {
        assert_eq!(out.status.code(), Some(4), "{}", text(&out));
        assert!(
            text(&out).contains(needle),
            "wanted {needle:?}: {}",
            text(&out)
        );
        assert!(!output.exists(), "nothing is written");
    };
    // Another key's signature, and one of the wrong length.
    let other = pkeyutl(&pki("seal.key.pem"), &hash_of(&printed), Some("sha256"));
    refused(
        finish(
            &state,
            &["--signature", &write("other.sig", &other)],
            &input,
            &output,
        ),
        "does not verify with the signing certificate's key",
    );
    refused(
        finish(
            &state,
            &["--signature", &write("short.sig", &good[..200])],
            &input,
            &output,
        ),
        "a signature of 200 bytes cannot come from the RSA",
    );
    refused(
        finish(&state, &[], &input, &output),
        "give --signature FILE or --signature-b64",
    );
    // Another document than the one prepared.
    let changed = d.join("changed.pdf");
    let mut bytes = std::fs::read(&input).expect("pdf");
    bytes.extend_from_slice(b"\n% one more line\n");
    std::fs::write(&changed, bytes).expect("write");
    let good_arg = write("good.sig", &good);
    refused(
        finish(&state, &["--signature", &good_arg], &changed, &output),
        "not the one that was prepared",
    );
    // The state edited: a later expiry, or another hash.
    let json = std::fs::read_to_string(&state).expect("state");
    let value: serde_json::Value = serde_json::from_str(&json).expect("json");
    let expires = value["expires_at"].as_str().expect("expires_at");
    let later = json.replace(expires, "2099-01-01T00:00:00Z");
    let edited = d.join("edited.json");
    std::fs::write(&edited, later).expect("write");
    refused(
        finish(&edited, &["--signature", &good_arg], &input, &output),
        "modified or damaged",
    );
    std::fs::write(&edited, "{\"format\": \"pdf\"").expect("write");
    refused(
        finish(&edited, &["--signature", &good_arg], &input, &output),
        "modified or damaged",
    );
    // An expired state: `--expires-in 0` has expired by the time finish runs.
    let expired = d.join("expired.json");
    let printed = prepare(
        "pdf",
        &input,
        &chain_file(d, "leader", "gov-ca"),
        &expired,
        &["--expires-in", "0"],
    );
    let sig = pkeyutl(&pki("leader.key.pem"), &hash_of(&printed), Some("sha256"));
    refused(
        finish(
            &expired,
            &["--signature", &write("exp.sig", &sig)],
            &input,
            &output,
        ),
        "expired",
    );
    // The untouched state still finishes.
    let out = finish(&state, &["--signature", &good_arg], &input, &output);
    assert!(out.status.success(), "{}", text(&out));
}

/// A remote signer that answers later: `submit` starts `openssl pkeyutl` in another process
/// and `poll` answers Pending until that process has finished.
struct OpensslProcess {
    key: PathBuf,
    chain: Vec<Vec<u8>>,
    running: Mutex<Vec<(String, Child)>>,
    polls: AtomicUsize,
}

impl OpensslProcess {
    fn new(name: &str) -> Self {
        let pem = std::fs::read(pki(&format!("{name}.pem"))).expect("cert");
        let mut chain = kyso::crypto::pem_certificates(&pem).expect("pem");
        let ca = if name == "ecdsa" {
            "business-ca.pem"
        } else {
            "gov-ca.pem"
        };
        let ca = std::fs::read(pki(ca)).expect("ca");
        chain.extend(kyso::crypto::pem_certificates(&ca).expect("pem"));
        OpensslProcess {
            key: pki(&format!("{name}.key.pem")),
            chain,
            running: Mutex::new(Vec::new()),
            polls: AtomicUsize::new(0),
        }
    }
}

impl RemoteSigner for OpensslProcess {
    fn certificate_chain(&self) -> kyso::Result<Vec<Vec<u8>>> {
        Ok(self.chain.clone())
    }

    fn submit(&self, request: &SignRequest) -> kyso::Result<Progress> {
        let mut cmd = Command::new("openssl");
        cmd.args(["pkeyutl", "-sign", "-inkey"]).arg(&self.key);
        if request.algorithm.scheme != SignatureScheme::Ecdsa {
            cmd.args([
                "-pkeyopt",
                &format!("digest:{}", request.algorithm.digest.name()),
            ]);
        }
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| Error::Signer(e.to_string()))?;
        let mut stdin = child.stdin.take().ok_or(Error::Signer("stdin".into()))?;
        stdin
            .write_all(&request.digest)
            .map_err(|e| Error::Signer(e.to_string()))?;
        drop(stdin);
        let mut running = self.running.lock().expect("lock");
        let transaction = format!("tx-{}", running.len() + 1);
        running.push((transaction.clone(), child));
        Ok(Progress::Pending { transaction })
    }

    fn poll(&self, transaction: &str) -> kyso::Result<Progress> {
        self.polls.fetch_add(1, Ordering::SeqCst);
        let mut running = self.running.lock().expect("lock");
        let at = running
            .iter()
            .position(|(t, _)| t == transaction)
            .ok_or_else(|| Error::Signer(format!("no request {transaction}")))?;
        match running[at]
            .1
            .try_wait()
            .map_err(|e| Error::Signer(e.to_string()))?
        {
            None => Ok(Progress::Pending {
                transaction: transaction.into(),
            }),
            Some(status) if !status.success() => Ok(Progress::Refused(format!("openssl {status}"))),
            Some(_) => {
                let (_, mut child) = running.remove(at);
                let mut signature = Vec::new();
                child
                    .stdout
                    .take()
                    .ok_or(Error::Signer("stdout".into()))?
                    .read_to_end(&mut signature)
                    .map_err(|e| Error::Signer(e.to_string()))?;
                Ok(Progress::Signed(signature))
            }
        }
    }
}

const QUICK: Wait = Wait {
    interval: std::time::Duration::from_millis(5),
    timeout: std::time::Duration::from_secs(60),
};

fn sign_settings() -> SignSettings {
    serde_json::from_value(serde_json::json!({"signing_time": AT})).expect("settings")
}

#[test]
fn a_remote_signer_in_another_process_signs_through_the_signer_interface() {
    let remote = RemoteKey::new(OpensslProcess::new("leader"), QUICK).expect("remote");
    let dir = tempfile::tempdir().expect("dir");
    let pdf = settings::sign_pdf(
        &read_fixture("docs/simple.pdf"),
        &sign_settings(),
        Some(&remote),
    )
    .expect("sign pdf");
    std::fs::write(dir.path().join("remote.pdf"), &pdf).expect("write");
    kyso_verifies(&dir.path().join("remote.pdf"));
    let ec = RemoteKey::new(OpensslProcess::new("ecdsa"), QUICK).expect("remote ec");
    assert_eq!(
        ec.signature_algorithm(kyso::DigestAlgorithm::Sha256),
        SignatureAlgorithm::ecdsa(kyso::DigestAlgorithm::Sha256)
    );
    let xml = settings::sign_xml(
        &read_fixture("docs/generic.xml"),
        &sign_settings(),
        Some(&ec),
    )
    .expect("sign xml");
    std::fs::write(dir.path().join("remote.xml"), &xml).expect("write");
    kyso_verifies(&dir.path().join("remote.xml"));
    // The two-phase path a web back end takes: prepare, submit, await, finish.
    let process = OpensslProcess::new("leader");
    let mut settings = sign_settings();
    settings.cert = Some(
        [pki("leader.pem"), pki("gov-ca.pem")]
            .map(|p| std::fs::read_to_string(p).expect("pem"))
            .concat(),
    );
    let document = read_fixture("docs/simple.pdf");
    let prepared = settings::prepare(&document, &settings, settings::now()).expect("prepare");
    let request = SignRequest {
        digest: prepared.digest_bytes().expect("digest"),
        algorithm: prepared.algorithm,
        description: Some("simple.pdf".into()),
    };
    let signature = kyso::remote::await_signature(&process, &request, QUICK).expect("await");
    assert!(
        process.polls.load(Ordering::SeqCst) >= 1,
        "the answer came by polling"
    );
    let signed =
        settings::finish(&prepared, &document, &signature, settings::now()).expect("finish");
    assert!(signed.starts_with(&document));
}

/// A CSC v1-shaped service on loopback: `credentials/info` and `signatures/signHash`,
/// answering with the fixture key `key` (which may not be the certificate's, to play a
/// service that signs with the wrong key). Requests without the bearer token get 401.
struct CscServer {
    url: String,
    requests: std::sync::Arc<Mutex<Vec<serde_json::Value>>>,
}

const TOKEN: &str = "csc-access-token-5521";

fn serve_csc(key: &str) -> CscServer {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/csc/v1", listener.local_addr().expect("addr"));
    let signer = KeyFileSigner::from_pem(
        &std::fs::read(pki(&format!("{key}.key.pem"))).expect("key"),
        None,
        &std::fs::read(pki(&format!("{key}.pem"))).expect("cert"),
    )
    .expect("signer");
    // The certificate is always the leader's: a service signing with another key lies.
    let mut chain = Vec::new();
    for file in ["leader.pem", "gov-ca.pem", "root.pem"] {
        let pem = std::fs::read(pki(file)).expect("pem");
        chain.extend(kyso::crypto::pem_certificates(&pem).expect("pem"));
    }
    let requests = std::sync::Arc::new(Mutex::new(Vec::new()));
    let seen = requests.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut stream = stream;
            let (head, body) = read_request(&mut stream);
            let authorized = head
                .lines()
                .any(|l| l.eq_ignore_ascii_case(&format!("authorization: Bearer {TOKEN}")));
            let request: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
            seen.lock().expect("lock").push(request.clone());
            let b64 = base64::engine::general_purpose::STANDARD;
            let (status, answer) = if !authorized {
                (
                    "401 Unauthorized",
                    serde_json::json!({"error": "invalid_token"}),
                )
            } else if head.starts_with("POST /csc/v1/credentials/info ") {
                let certs: Vec<String> = chain.iter().map(|c| b64.encode(c)).collect();
                (
                    "200 OK",
                    serde_json::json!({"cert": {"certificates": certs}}),
                )
            } else if head.starts_with("POST /csc/v1/signatures/signHash ") {
                let digest = match request["hashAlgo"].as_str() {
                    Some("2.16.840.1.101.3.4.2.2") => kyso::DigestAlgorithm::Sha384,
                    Some("2.16.840.1.101.3.4.2.3") => kyso::DigestAlgorithm::Sha512,
                    _ => kyso::DigestAlgorithm::Sha256,
                };
                let algorithm = match request["signAlgo"].as_str() {
                    Some("1.2.840.113549.1.1.1") => SignatureAlgorithm::rsa_pkcs1(digest),
                    Some("1.2.840.113549.1.1.10") => SignatureAlgorithm::rsa_pss(digest),
                    _ => SignatureAlgorithm::ecdsa(digest),
                };
                let hash = b64
                    .decode(request["hash"][0].as_str().unwrap_or(""))
                    .unwrap_or_default();
                match signer.sign_digest(algorithm, &hash) {
                    Ok(sig) => (
                        "200 OK",
                        serde_json::json!({"signatures": [b64.encode(sig)]}),
                    ),
                    Err(e) => (
                        "400 Bad Request",
                        serde_json::json!({"error": e.to_string()}),
                    ),
                }
            } else {
                ("404 Not Found", serde_json::json!({}))
            };
            let body = answer.to_string();
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    CscServer { url, requests }
}

/// The request line and headers, and the body of one HTTP/1.1 request.
fn read_request(stream: &mut std::net::TcpStream) -> (String, Vec<u8>) {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let end = loop {
        let n = stream.read(&mut buf).unwrap_or(0);
        if n == 0 {
            return (String::from_utf8_lossy(&data).into_owned(), Vec::new());
        }
        data.extend_from_slice(&buf[..n]);
        if let Some(at) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
    };
    let head = String::from_utf8_lossy(&data[..end]).into_owned();
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .unwrap_or(0);
    let mut body = data[end..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut buf).unwrap_or(0);
        if n == 0 {
            break;
        }
        body.extend_from_slice(&buf[..n]);
    }
    (head, body)
}

fn csc(server: &CscServer, token: &str) -> CscSigner {
    CscSigner {
        base_url: server.url.clone(),
        access_token: token.into(),
        credential_id: "cred-leader".into(),
        sad: Some("sad-123".into()),
        limits: Default::default(),
    }
}

#[test]
fn a_csc_service_on_loopback_signs_pdf_and_xml() {
    let server = serve_csc("leader");
    let dir = tempfile::tempdir().expect("dir");
    let remote = RemoteKey::new(csc(&server, TOKEN), Wait::default()).expect("credentials/info");
    assert_eq!(remote.certificate_chain().len(), 3);
    let pdf = settings::sign_pdf(
        &read_fixture("docs/simple.pdf"),
        &sign_settings(),
        Some(&remote),
    )
    .expect("sign pdf");
    std::fs::write(dir.path().join("csc.pdf"), &pdf).expect("write");
    kyso_verifies(&dir.path().join("csc.pdf"));
    let pss = RemoteKey::new(csc(&server, TOKEN), Wait::default())
        .expect("info")
        .with_rsa_pss();
    let xml = settings::sign_xml(
        &read_fixture("docs/generic.xml"),
        &sign_settings(),
        Some(&pss),
    )
    .expect("sign xml");
    std::fs::write(dir.path().join("csc.xml"), &xml).expect("write");
    kyso_verifies(&dir.path().join("csc.xml"));
    // What went over the wire is the CSC v1 request.
    let requests = server.requests.lock().expect("lock").clone();
    let sign_hash = requests
        .iter()
        .find(|r| r["signAlgo"] == "1.2.840.113549.1.1.1")
        .expect("a PKCS#1 signHash");
    assert_eq!(sign_hash["credentialID"], "cred-leader");
    assert_eq!(sign_hash["SAD"], "sad-123");
    assert_eq!(sign_hash["hashAlgo"], "2.16.840.1.101.3.4.2.1");
    assert!(
        requests.iter().any(|r| r["signAlgoParams"].is_string()),
        "PSS parameters sent"
    );
    assert!(!format!("{:?}", csc(&server, TOKEN)).contains(TOKEN));
}

#[test]
fn a_csc_service_that_refuses_or_signs_with_another_key_is_caught() {
    let server = serve_csc("leader");
    let err = RemoteKey::new(csc(&server, "wrong-token"), Wait::default()).expect_err("401");
    assert!(err.to_string().contains("HTTP 401"), "{err}");
    // A service whose key is not the certificate's: nothing is embedded.
    let liar = serve_csc("seal");
    let remote = RemoteKey::new(csc(&liar, TOKEN), Wait::default()).expect("info");
    let err = settings::sign_pdf(
        &read_fixture("docs/simple.pdf"),
        &sign_settings(),
        Some(&remote),
    )
    .expect_err("wrong key");
    assert!(err.to_string().contains("does not verify"), "{err}");
    let mut settings = sign_settings();
    settings.cert = Some(
        [pki("leader.pem"), pki("gov-ca.pem")]
            .map(|p| std::fs::read_to_string(p).expect("pem"))
            .concat(),
    );
    let document = read_fixture("docs/simple.pdf");
    let prepared = settings::prepare(&document, &settings, settings::now()).expect("prepare");
    let request = SignRequest {
        digest: prepared.digest_bytes().expect("digest"),
        algorithm: prepared.algorithm,
        description: None,
    };
    let signature =
        kyso::remote::await_signature(&csc(&liar, TOKEN), &request, Wait::default()).expect("sig");
    let err =
        settings::finish(&prepared, &document, &signature, settings::now()).expect_err("liar");
    assert!(
        matches!(err, Error::State(StateError::SignatureMismatch)),
        "{err}"
    );
}
