//! Bad answers from time-stamp, OCSP and CRL servers: garbage, refusals, forged or spoiled
//! tokens and responses, huge, slow and cut-short HTTP. Each must end in a clear `Err`, or in
//! an INDETERMINATE result / a warning — never a pass for what the answer should have proven,
//! never a hang, never a panic.
//!
//! The servers are this file's own: `BadServer` listens on an ephemeral loopback port, serves
//! a bounded number of connections for a bounded time, and stops when dropped. Forged RFC 3161
//! tokens come from `tests/support/ltv_bad_tsa.py` (pyHanko's encoder, fixture keys);
//! OCSP responses from `openssl ocsp`, run on files.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use common::*;
use kyso::cms::{TimestampToken, build_timestamp_request, request_timestamp, token_from_response};
use kyso::crypto::KeyFileSigner;
use kyso::pdf::{ExtendOptions, LtvLevel, PdfSignOptions, extend_pdf, sign_pdf};
use kyso::pki::http::{self, HttpLimits};
use kyso::pki::{Certificate, Crl, OcspResponse, build_ocsp_request};
use kyso::report::{Indication, RevocationStatus, SubIndication, ValidationReport};
use kyso::validation::VerifyOptions;
use kyso::{DigestAlgorithm, RevocationMode, SigningPolicy, ValidationPolicy};

// ---------------------------------------------------------------------------------------------
// A loopback server that answers badly on purpose.

/// One HTTP request as the server read it.
struct Request {
    method: String,
    path: String,
    body: Vec<u8>,
}

/// How the server answers.
#[derive(Clone)]
enum Answer {
    /// These bytes (status line, headers, body), then the connection closes.
    Raw(Vec<u8>),
    /// `head` at once, then one byte every `every`, for up to a minute.
    Trickle { head: Vec<u8>, every: Duration },
    /// `head`, then bytes as fast as the client takes them, up to 64 MiB.
    Flood { head: Vec<u8> },
}

fn ok(content_type: &str, body: &[u8]) -> Answer {
    let mut out = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    Answer::Raw(out)
}

fn status(code: u16) -> Answer {
    Answer::Raw(format!("HTTP/1.1 {code} Bad\r\nContent-Length: 0\r\n\r\n").into_bytes())
}

type Handler = dyn Fn(&Request) -> Answer + Send + Sync;

/// Accepts at most 500 connections within 5 minutes, then stops by itself; dropping it stops
/// it at once. Each connection lasts a minute at most.
struct BadServer {
    base: String,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl BadServer {
    fn start(handler: Arc<Handler>) -> BadServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let port = listener.local_addr().expect("addr").port();
        listener.set_nonblocking(true).expect("nonblocking");
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let until = Instant::now() + Duration::from_secs(300);
            let mut served = 0;
            while served < 500 && Instant::now() < until && !flag.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        served += 1;
                        // One thread per connection, so that a silent or trickling answer
                        // holds up no other; each ends within its own bounds.
                        let handler = handler.clone();
                        let flag = flag.clone();
                        std::thread::spawn(move || serve(stream, &*handler, &flag));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        BadServer {
            base: format!("http://127.0.0.1:{port}"),
            stop,
            thread: Some(thread),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

impl Drop for BadServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn read_request(stream: &mut TcpStream) -> Option<Request> {
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        if data.len() > 64 * 1024 {
            return None;
        }
        let n = stream.read(&mut buf).ok()?;
        if n == 0 {
            return None;
        }
        data.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&data[..head_end]).into_owned();
    let mut first = head.lines().next()?.split_whitespace();
    let method = first.next()?.to_owned();
    let path = first.next()?.to_owned();
    let length = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse::<usize>().ok())
        .unwrap_or(0)
        .min(1 << 20);
    let mut body = data[head_end..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut buf).ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&buf[..n]);
    }
    Some(Request { method, path, body })
}

fn serve(mut stream: TcpStream, handler: &Handler, stop: &AtomicBool) {
    let _ = stream.set_nonblocking(false);
    let Some(request) = read_request(&mut stream) else {
        return;
    };
    let _ = stream.set_write_timeout(Some(Duration::from_secs(5)));
    match handler(&request) {
        Answer::Raw(bytes) => {
            let _ = stream.write_all(&bytes);
        }
        Answer::Trickle { head, every } => {
            if stream.write_all(&head).is_err() {
                return;
            }
            let until = Instant::now() + Duration::from_secs(60);
            let mut next = Instant::now() + every;
            while Instant::now() < until && !stop.load(Ordering::Relaxed) {
                if Instant::now() >= next {
                    if stream.write_all(b"x").is_err() {
                        return;
                    }
                    next += every;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        Answer::Flood { head } => {
            if stream.write_all(&head).is_err() {
                return;
            }
            let chunk = vec![b'x'; 64 * 1024];
            for _ in 0..1024 {
                if stop.load(Ordering::Relaxed) || stream.write_all(&chunk).is_err() {
                    return;
                }
            }
        }
    }
}

/// Runs `f`, asserting it returns within `bound` (a safety net against hangs, not a speed
/// test).
fn bounded<T>(what: &str, bound: Duration, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    let took = start.elapsed();
    assert!(took < bound, "{what}: took {took:?}, more than {bound:?}");
    out
}

// ---------------------------------------------------------------------------------------------
// Forged time-stamp answers.

fn support(script: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/support")
        .join(script)
}

/// python3 with pyHanko, for the forged tokens (a failure under CI when missing).
fn forger_available() -> bool {
    require_tool(
        "python3",
        &["-c", "import pyhanko.sign.timestamps, asn1crypto"],
    )
}

/// A TimeStampResp for `request`, made and spoiled by `ltv_bad_tsa.py` as `mode` says.
fn forge_tsa_response(mode: &str, request: &[u8]) -> Vec<u8> {
    let mut child = Command::new("python3")
        .arg(support("ltv_bad_tsa.py"))
        .arg(fixture("pki"))
        .arg(mode)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start ltv_bad_tsa.py");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(request)
        .expect("write request");
    let out = child.wait_with_output().expect("ltv_bad_tsa.py");
    assert!(
        out.status.success(),
        "ltv_bad_tsa.py {mode}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// TimeStampResp { status { rejection, "bad request", failInfo badAlg } }, no token.
const REJECTION: &[u8] = &[
    0x30, 0x18, 0x30, 0x16, 0x02, 0x01, 0x02, 0x30, 0x0d, 0x0c, 0x0b, b'b', b'a', b'd', b' ', b'r',
    b'e', b'q', b'u', b'e', b's', b't', 0x03, 0x02, 0x07, 0x80,
];
/// TimeStampResp { status { granted } } and no token.
const GRANTED_WITHOUT_TOKEN: &[u8] = &[0x30, 0x05, 0x30, 0x03, 0x02, 0x01, 0x00];

/// What the bad TSA does, by case name; `None` for the cases that need the forger.
fn tsa_answer(case: &str, request: &Request) -> Answer {
    let tsr = "application/timestamp-reply";
    match case {
        "garbage" => ok(tsr, b"\x00\xffthis is not DER at all\x30\x82\xff\xff"),
        "not-http" => Answer::Raw(b"SSH-2.0-OpenSSH_9.2\r\n".to_vec()),
        "rejection" => ok(tsr, REJECTION),
        "granted-without-token" => ok(tsr, GRANTED_WITHOUT_TOKEN),
        "http-500" => status(500),
        "http-404" => status(404),
        "huge-declared" => {
            Answer::Raw(b"HTTP/1.1 200 OK\r\nContent-Length: 1073741824\r\n\r\n0123456789".to_vec())
        }
        "huge-streamed" => Answer::Flood {
            head: b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n".to_vec(),
        },
        "huge-chunked" => Answer::Flood {
            head: b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n8000000\r\n".to_vec(),
        },
        "chunk-size-overflow" => Answer::Raw(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\nabc"
                .to_vec(),
        ),
        "truncated-chunked" => {
            let mut b = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n400\r\n".to_vec();
            b.extend_from_slice(&[0x30; 100]);
            Answer::Raw(b)
        }
        "truncated-length" => {
            let mut b = b"HTTP/1.1 200 OK\r\nContent-Length: 4000\r\n\r\n".to_vec();
            b.extend_from_slice(&REJECTION[..10]);
            Answer::Raw(b)
        }
        "cut-in-headers" => Answer::Raw(b"HTTP/1.1 200 OK\r\nContent-Le".to_vec()),
        "endless-header" => Answer::Flood {
            head: b"HTTP/1.1 200 OK\r\nX-Padding: ".to_vec(),
        },
        "silent" => Answer::Trickle {
            head: Vec::new(),
            every: Duration::from_secs(3600),
        },
        "slow-headers" => Answer::Trickle {
            head: b"HTTP/1.1 200 OK\r\nX-Slow: ".to_vec(),
            every: Duration::from_millis(100),
        },
        "slow-body" => Answer::Trickle {
            head: b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n".to_vec(),
            every: Duration::from_millis(100),
        },
        forged => ok(tsr, &forge_tsa_response(forged, &request.body)),
    }
}

/// Cases a client must refuse, with no forger needed.
const TSA_HTTP_CASES: &[&str] = &[
    "garbage",
    "not-http",
    "rejection",
    "granted-without-token",
    "http-500",
    "http-404",
    "huge-declared",
    "huge-streamed",
    "huge-chunked",
    "chunk-size-overflow",
    "truncated-chunked",
    "truncated-length",
    "cut-in-headers",
    "endless-header",
    "silent",
    "slow-headers",
    "slow-body",
];
/// Well-formed tokens that are wrong.
const TSA_FORGED_CASES: &[&str] = &["wrong-nonce", "wrong-imprint", "no-eku", "bad-signature"];

/// A TSA server whose behaviour the test switches case by case.
fn bad_tsa() -> (BadServer, Arc<Mutex<String>>) {
    let case = Arc::new(Mutex::new(String::from("garbage")));
    let current = case.clone();
    let server = BadServer::start(Arc::new(move |req: &Request| {
        let case = current.lock().map(|c| c.clone()).unwrap_or_default();
        tsa_answer(&case, req)
    }));
    (server, case)
}

fn set(case: &Mutex<String>, value: &str) {
    *case.lock().expect("case") = value.to_owned();
}

#[test]
fn every_bad_tsa_answer_is_a_clean_error() {
    let (server, case) = bad_tsa();
    let url = server.url("/tsa");
    // The trickling cases send a byte every 100 ms: far inside the read timeout, so that
    // only the overall deadline (three timeouts) can end them.
    let limits = HttpLimits {
        timeout: Duration::from_secs(2),
        max_body: 1 << 20,
    };
    // Three timeouts is the most one exchange may take; allow generously more.
    let bound = Duration::from_secs(20);
    let digest = DigestAlgorithm::Sha256.digest(b"ban hanh van ban");
    for name in TSA_HTTP_CASES {
        set(&case, name);
        let result = bounded(name, bound, || {
            request_timestamp(&url, DigestAlgorithm::Sha256, &digest, limits)
        });
        match result {
            Ok(_) => panic!("{name}: a bad TSA answer was accepted"),
            Err(e) => {
                eprintln!("{name}: {e}");
                // A server that keeps a connection alive with a byte now and then meets the
                // overall deadline; one that says nothing meets the read timeout.
                if name.starts_with("slow-") {
                    assert!(e.to_string().contains("took too long"), "{name}: {e}");
                }
                if *name == "silent" {
                    assert!(e.to_string().contains("no answer in time"), "{name}: {e}");
                }
            }
        }
    }
    if !forger_available() {
        return;
    }
    // The forger is a Python process per request: give it time, so that each case fails for
    // its fault and not for a timeout. The error must name the fault.
    let limits = HttpLimits {
        timeout: Duration::from_secs(20),
        ..limits
    };
    for (name, why) in [
        ("wrong-nonce", "nonce"),
        ("wrong-imprint", "imprint"),
        ("no-eku", "time-stamping"),
        ("bad-signature", "signature"),
    ] {
        set(&case, name);
        let result = bounded(name, Duration::from_secs(60), || {
            request_timestamp(&url, DigestAlgorithm::Sha256, &digest, limits)
        });
        match result {
            Ok(_) => panic!("{name}: a forged token was accepted"),
            Err(e) => {
                eprintln!("{name}: {e}");
                assert!(e.to_string().contains(why), "{name}: {e}");
            }
        }
    }
    // The baseline: the same forger, unspoiled, gives a token kyso accepts and verifies.
    set(&case, "good");
    let token = request_timestamp(&url, DigestAlgorithm::Sha256, &digest, limits)
        .expect("an unspoiled token");
    let parsed = TimestampToken::parse(&token).expect("parse");
    parsed
        .verify_imprint(
            &digest,
            &[],
            &test_trust(),
            time::OffsetDateTime::now_utc(),
            &ValidationPolicy::default(),
        )
        .expect("the baseline token verifies");
}

#[test]
fn bad_http_answers_are_errors_for_ocsp_and_crl_fetches_too() {
    let (server, case) = bad_tsa();
    let limits = HttpLimits {
        timeout: Duration::from_secs(1),
        max_body: 1 << 20,
    };
    let bound = Duration::from_secs(15);
    let request = build_ocsp_request(
        &cert("business"),
        &cert("business-ca"),
        DigestAlgorithm::Sha1,
        None,
    )
    .expect("OCSP request");
    for name in TSA_HTTP_CASES {
        set(&case, name);
        let ocsp = bounded(name, bound, || {
            http::post(
                &server.url("/ocsp"),
                "application/ocsp-request",
                &request,
                limits,
            )
            .and_then(|der| OcspResponse::parse(&der))
        });
        assert!(ocsp.is_err(), "{name}: OCSP answer accepted");
        let crl = bounded(name, bound, || {
            http::get(&server.url("/ca.crl"), limits).and_then(|der| Crl::parse(&der))
        });
        assert!(crl.is_err(), "{name}: CRL accepted");
    }
}

#[test]
fn signing_and_extending_with_a_bad_tsa_fail_cleanly() {
    let (server, case) = bad_tsa();
    let url = server.url("/tsa");
    let signer =
        KeyFileSigner::from_pkcs12(&read_fixture("pki/leader.p12"), PASSWORD).expect("p12");
    let doc = read_fixture("docs/simple.pdf");
    let options = PdfSignOptions {
        timestamp_url: Some(url.clone()),
        ..Default::default()
    };
    let mut cases: Vec<&str> = vec!["garbage", "rejection", "http-500", "truncated-chunked"];
    if forger_available() {
        cases.extend(TSA_FORGED_CASES);
    }
    let bound = Duration::from_secs(60);
    for name in &cases {
        set(&case, name);
        let result = bounded(name, bound, || sign_pdf(&doc, &signer, &options));
        assert!(result.is_err(), "{name}: signed with a bad time-stamp");
    }
    let bb = sign_pdf(&doc, &signer, &PdfSignOptions::default()).expect("sign B-B");
    for name in &cases {
        set(&case, name);
        let result = bounded(name, bound, || {
            extend_pdf(
                &bb,
                &ExtendOptions {
                    level: LtvLevel::Lta,
                    tsa_url: Some(url.clone()),
                    crls: vec![read_fixture("pki/gov-ca.crl")],
                    ..Default::default()
                },
            )
        });
        assert!(result.is_err(), "{name}: document time-stamp accepted");
    }
    if !forger_available() {
        return;
    }
    // Baseline: with the unspoiled forger, signing works and the signature is B-T.
    set(&case, "good");
    let bt = sign_pdf(&doc, &signer, &options).expect("sign B-T");
    let report = kyso::verify(
        &bt,
        &VerifyOptions {
            trust: test_trust(),
            ..VerifyOptions::default()
        },
    )
    .expect("verify");
    assert_eq!(report.signatures[0].level, "PAdES-B-T", "{report:#?}");
}

#[test]
fn network_limits_come_from_the_options() {
    // A TSA that accepts the connection and never answers: with the default limits (10 s
    // per read) extending would wait ten seconds; the options' limits end it at once.
    let (server, case) = bad_tsa();
    set(&case, "silent");
    let signer =
        KeyFileSigner::from_pkcs12(&read_fixture("pki/leader.p12"), PASSWORD).expect("p12");
    let bb = sign_pdf(
        &read_fixture("docs/simple.pdf"),
        &signer,
        &PdfSignOptions::default(),
    )
    .expect("sign B-B");
    let options = ExtendOptions {
        level: LtvLevel::Lta,
        tsa_url: Some(server.url("/tsa")),
        crls: vec![read_fixture("pki/gov-ca.crl")],
        limits: kyso::Limits {
            network_timeout_ms: 200,
            ..Default::default()
        },
        ..Default::default()
    };
    let result = bounded("silent TSA, 200 ms limit", Duration::from_secs(5), || {
        extend_pdf(&bb, &options)
    });
    let error = result.expect_err("a silent TSA gave a time-stamp");
    assert!(error.to_string().contains("no answer in time"), "{error}");
    // The conversion keeps both limits.
    let limits = HttpLimits::from(&kyso::Limits {
        network_timeout_ms: 1_500,
        max_network_response_bytes: 4096,
        ..Default::default()
    });
    assert_eq!(limits.timeout, Duration::from_millis(1_500));
    assert_eq!(limits.max_body, 4096);
}

#[test]
fn a_token_from_a_tsa_without_the_purpose_never_proves_a_time() {
    if !forger_available() {
        return;
    }
    let data = b"Quyet dinh so 15/QD";
    let digest = DigestAlgorithm::Sha256.digest(data);
    let request =
        build_timestamp_request(DigestAlgorithm::Sha256, &digest, Some(&[7; 8])).expect("request");
    for (mode, sub) in [
        ("no-eku", SubIndication::ChainConstraintsFailure),
        ("bad-signature", SubIndication::SigCryptoFailure),
        ("wrong-imprint", SubIndication::HashFailure),
    ] {
        let token =
            token_from_response(&forge_tsa_response(mode, &request)).expect("token in answer");
        let parsed = TimestampToken::parse(&token).expect("parse");
        let e = parsed
            .verify(
                data,
                &[],
                &test_trust(),
                time::OffsetDateTime::now_utc(),
                &ValidationPolicy::default(),
            )
            .expect_err(mode);
        assert_eq!(e.sub_indication, sub, "{mode}: {e:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Revocation fetched online from bad servers, end to end through kyso::verify.

/// A signer issued now by the fixture business CA, whose AIA and CRL distribution point name
/// `server`, so that kyso's own online fetch meets the bad answers.
struct NetSigner {
    dir: tempfile::TempDir,
    signer: KeyFileSigner,
    cert: Certificate,
}

const NET_SERIAL: &str = "4B59534F0000F001";

fn openssl(args: &[&str], dir: &Path) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

impl NetSigner {
    fn issue(server: &BadServer) -> NetSigner {
        let dir = tempfile::tempdir().expect("tmp");
        let d = dir.path();
        std::fs::write(
            d.join("ext.cnf"),
            format!(
                "basicConstraints=critical,CA:FALSE\n\
                 keyUsage=critical,digitalSignature,nonRepudiation\n\
                 extendedKeyUsage=emailProtection,clientAuth\n\
                 subjectKeyIdentifier=hash\n\
                 authorityKeyIdentifier=keyid\n\
                 authorityInfoAccess=OCSP;URI:{}\n\
                 crlDistributionPoints=URI:{}\n",
                server.url("/ocsp"),
                server.url("/ca.crl")
            ),
        )
        .expect("ext");
        openssl(
            &[
                "req",
                "-new",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                "key.pem",
                "-subj",
                "/C=VN/CN=Bad Network Signer TEST",
                "-out",
                "req.csr",
            ],
            d,
        );
        let ca = fixture("pki/business-ca.pem");
        let ca_key = fixture("pki/business-ca.key.pem");
        openssl(
            &[
                "x509",
                "-req",
                "-in",
                "req.csr",
                "-CA",
                ca.to_str().expect("path"),
                "-CAkey",
                ca_key.to_str().expect("path"),
                "-set_serial",
                &format!("0x{NET_SERIAL}"),
                "-days",
                "3650",
                "-sha256",
                "-extfile",
                "ext.cnf",
                "-out",
                "cert.pem",
            ],
            d,
        );
        let mut chain = std::fs::read(d.join("cert.pem")).expect("cert");
        chain.extend(read_fixture("pki/chain-business.pem"));
        let key = std::fs::read(d.join("key.pem")).expect("key");
        let signer = KeyFileSigner::from_pem(&key, None, &chain).expect("signer");
        let cert = Certificate::parse_any(&chain)
            .expect("certs")
            .into_iter()
            .next()
            .expect("leaf");
        NetSigner { dir, signer, cert }
    }

    /// An OCSP response about this signer from `openssl ocsp`, signed by `responder`
    /// (`business-ca` itself or a fixture certificate with its key), saying `status` (`V`
    /// good, `R` revoked).
    fn ocsp_response(&self, responder: &str, status: &str) -> Vec<u8> {
        ocsp_response_for(&self.cert, self.dir.path(), responder, status)
    }
}

/// An OCSP response from `openssl ocsp` about `subject` (issued by business-ca).
fn ocsp_response_for(subject: &Certificate, dir: &Path, responder: &str, status: &str) -> Vec<u8> {
    let serial = subject.serial_hex().to_uppercase();
    let revoked = if status == "R" {
        "250601000000Z,keyCompromise"
    } else {
        ""
    };
    std::fs::write(
        dir.join("index.txt"),
        format!("{status}\t451231235959Z\t{revoked}\t{serial}\tunknown\t/CN=x\n"),
    )
    .expect("index");
    let request = build_ocsp_request(subject, &cert("business-ca"), DigestAlgorithm::Sha1, None)
        .expect("request");
    std::fs::write(dir.join("ocsp-req.der"), request).expect("request");
    let rsigner = fixture(&format!("pki/{responder}.pem"));
    let rkey = fixture(&format!("pki/{responder}.key.pem"));
    let ca = fixture("pki/business-ca.pem");
    openssl(
        &[
            "ocsp",
            "-index",
            "index.txt",
            "-CA",
            ca.to_str().expect("path"),
            "-rsigner",
            rsigner.to_str().expect("path"),
            "-rkey",
            rkey.to_str().expect("path"),
            "-reqin",
            "ocsp-req.der",
            "-respout",
            "ocsp-resp.der",
            "-ndays",
            "7",
        ],
        dir,
    );
    std::fs::read(dir.join("ocsp-resp.der")).expect("response")
}

/// The business CA's CRL content (empty, so it would call anyone good), under the business
/// CA's name, but signed with the government CA's key.
fn crl_signed_by_the_wrong_ca(dir: &Path) -> Vec<u8> {
    use der::{Decode, Encode};
    use x509_cert::crl::CertificateList;
    let mut crl: CertificateList =
        CertificateList::from_der(&read_fixture("pki/gov-ca.crl")).expect("CRL");
    crl.tbs_cert_list.issuer =
        x509_cert::name::Name::from_der(cert("business-ca").subject().der()).expect("name");
    crl.tbs_cert_list.revoked_certificates = None;
    let tbs = crl.tbs_cert_list.to_der().expect("tbs");
    std::fs::write(dir.join("tbs.der"), &tbs).expect("tbs");
    let key = fixture("pki/gov-ca.key.pem");
    openssl(
        &[
            "dgst",
            "-sha256",
            "-sign",
            key.to_str().expect("path"),
            "-out",
            "sig.bin",
            "tbs.der",
        ],
        dir,
    );
    let sig = std::fs::read(dir.join("sig.bin")).expect("sig");
    crl.signature = der::asn1::BitString::from_bytes(&sig).expect("bits");
    crl.to_der().expect("CRL")
}

#[derive(Clone)]
struct Revocation {
    ocsp: Answer,
    crl: Answer,
}

fn verify_online(pdf: &[u8], revocation: RevocationMode) -> ValidationReport {
    let options = VerifyOptions {
        trust: test_trust(),
        policy: ValidationPolicy {
            online: true,
            revocation,
            ..ValidationPolicy::default()
        },
        ..VerifyOptions::default()
    };
    bounded("verify online", Duration::from_secs(120), || {
        kyso::verify(pdf, &options).expect("verify")
    })
}

#[test]
fn online_revocation_from_bad_servers_never_passes() {
    if !require_tool("openssl", &["version"]) {
        return;
    }
    let scenario = Arc::new(Mutex::new(Revocation {
        ocsp: status(500),
        crl: status(404),
    }));
    let current = scenario.clone();
    let server = BadServer::start(Arc::new(move |req: &Request| {
        let s = current.lock().map(|s| s.clone());
        match s {
            Ok(s) if req.method == "POST" && req.path == "/ocsp" => s.ocsp,
            Ok(s) if req.method == "GET" && req.path == "/ca.crl" => s.crl,
            _ => status(404),
        }
    }));
    let net = NetSigner::issue(&server);
    let pdf = sign_pdf(
        &read_fixture("docs/simple.pdf"),
        &net.signer,
        &PdfSignOptions {
            policy: SigningPolicy::default(),
            ..Default::default()
        },
    )
    .expect("sign");
    let set = |ocsp: Answer, crl: Answer| {
        *scenario.lock().expect("scenario") = Revocation { ocsp, crl };
    };
    let ocsp_type = "application/ocsp-response";
    let crl_type = "application/pkix-crl";

    // Baselines: an authorised good answer passes, from either source; an authorised revoked
    // answer fails. They show the bad cases below fail for their fault alone.
    set(
        ok(ocsp_type, &net.ocsp_response("ocsp-business", "V")),
        status(404),
    );
    let report = verify_online(&pdf, RevocationMode::Require);
    assert_eq!(report.indication, Indication::TotalPassed, "{report:#?}");
    assert_eq!(
        report.signatures[0]
            .revocation
            .as_ref()
            .and_then(|r| r.source.as_deref()),
        Some("ocsp:online")
    );
    set(
        status(500),
        ok(crl_type, &read_fixture("pki/business-ca.crl")),
    );
    let report = verify_online(&pdf, RevocationMode::Require);
    assert_eq!(report.indication, Indication::TotalPassed, "{report:#?}");
    assert_eq!(
        report.signatures[0]
            .revocation
            .as_ref()
            .and_then(|r| r.source.as_deref()),
        Some("crl:online")
    );
    set(
        ok(ocsp_type, &net.ocsp_response("ocsp-business", "R")),
        status(404),
    );
    let report = verify_online(&pdf, RevocationMode::Require);
    assert_eq!(
        report.signatures[0].sub_indication,
        Some(SubIndication::RevokedNoPoe),
        "{report:#?}"
    );

    let other_dir = tempfile::tempdir().expect("tmp");
    let cases: Vec<(&str, Answer, Answer)> = vec![
        (
            "OCSP garbage, CRL missing",
            ok(ocsp_type, b"\x30\x03garbage"),
            status(404),
        ),
        (
            "OCSP tryLater, CRL missing",
            ok(ocsp_type, &[0x30, 0x03, 0x0a, 0x01, 0x03]),
            status(404),
        ),
        (
            "OCSP unauthorized, CRL missing",
            ok(ocsp_type, &[0x30, 0x03, 0x0a, 0x01, 0x06]),
            status(404),
        ),
        (
            "OCSP signed by a responder without id-kp-OCSPSigning",
            ok(ocsp_type, &net.ocsp_response("tsa", "V")),
            status(404),
        ),
        (
            "OCSP about another certificate",
            ok(
                ocsp_type,
                &ocsp_response_for(&cert("business"), other_dir.path(), "ocsp-business", "V"),
            ),
            status(404),
        ),
        (
            "OCSP HTTP 500, CRL garbage",
            status(500),
            ok(crl_type, b"garbage"),
        ),
        (
            "OCSP HTTP 500, CRL of another CA",
            status(500),
            ok(crl_type, &read_fixture("pki/gov-ca.crl")),
        ),
        (
            "OCSP HTTP 500, CRL signed by the wrong CA",
            status(500),
            ok(crl_type, &crl_signed_by_the_wrong_ca(other_dir.path())),
        ),
        (
            "OCSP truncated chunked, CRL truncated",
            Answer::Raw(
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n100\r\n\x30\x82".to_vec(),
            ),
            Answer::Raw(b"HTTP/1.1 200 OK\r\nContent-Length: 900\r\n\r\n\x30\x82\x03".to_vec()),
        ),
    ];
    for (name, ocsp, crl) in cases {
        set(ocsp, crl);
        let report = verify_online(&pdf, RevocationMode::Require);
        let sig = &report.signatures[0];
        assert_eq!(
            sig.indication,
            Indication::Indeterminate,
            "{name}: {report:#?}"
        );
        assert_eq!(
            sig.sub_indication,
            Some(SubIndication::TryLater),
            "{name}: {report:#?}"
        );
        // Soft mode: the signature is not failed, but the status is unknown, and said so.
        let report = verify_online(&pdf, RevocationMode::Soft);
        let sig = &report.signatures[0];
        assert_eq!(
            sig.revocation.as_ref().map(|r| r.status),
            Some(RevocationStatus::Unknown),
            "{name}: {report:#?}"
        );
        assert!(
            sig.warnings
                .iter()
                .any(|w| w.starts_with("revocation_unknown")),
            "{name}: {:?}",
            sig.warnings
        );
        eprintln!("{name}: {:?}", sig.warnings);
    }
}

#[test]
fn extending_with_bad_revocation_answers_fails_or_proves_nothing() {
    if !require_tool("openssl", &["version"]) || !revocation_services() {
        return;
    }
    let scenario = Arc::new(Mutex::new(status(500)));
    let current = scenario.clone();
    let server = BadServer::start(Arc::new(move |req: &Request| match current.lock() {
        Ok(a) if req.method == "POST" => a.clone(),
        _ => status(404),
    }));
    let net = NetSigner::issue(&server);
    let pdf = sign_pdf(
        &read_fixture("docs/simple.pdf"),
        &net.signer,
        &PdfSignOptions::default(),
    )
    .expect("sign");
    let extend = |pdf: &[u8]| {
        bounded("extend online", Duration::from_secs(120), || {
            extend_pdf(
                pdf,
                &ExtendOptions {
                    level: LtvLevel::Lt,
                    online: true,
                    ..Default::default()
                },
            )
        })
    };
    // Nothing usable comes back: the extension fails rather than claim B-LT.
    for answer in [
        ok("application/ocsp-response", b"garbage"),
        ok("application/ocsp-response", &[0x30, 0x03, 0x0a, 0x01, 0x03]),
        status(500),
    ] {
        *scenario.lock().expect("scenario") = answer;
        assert!(extend(&pdf).is_err());
    }
    // A well-formed but unauthorised response is embedded, and proves nothing.
    *scenario.lock().expect("scenario") =
        ok("application/ocsp-response", &net.ocsp_response("tsa", "V"));
    let lt = extend(&pdf).expect("extend");
    let options = VerifyOptions {
        trust: test_trust(),
        policy: ValidationPolicy {
            revocation: RevocationMode::Require,
            ..ValidationPolicy::default()
        },
        ..VerifyOptions::default()
    };
    let report = kyso::verify(&lt, &options).expect("verify");
    assert_eq!(
        report.signatures[0].sub_indication,
        Some(SubIndication::TryLater),
        "{report:#?}"
    );
}
