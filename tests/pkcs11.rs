//! Keys on a PKCS#11 token, with a real token: SoftHSM2, initialised here in a temporary
//! directory (`SOFTHSM2_CONF`) with the fixture keys imported — RSA-2048 (leader), RSA-3072
//! (business), P-256 (ecdsa), each with its certificate under the same CKA_ID, and the seal's
//! key without one. What kyso signs through it must verify with kyso, pyHanko and xmlsec1.
//!
//! SoftHSM2 reads its configuration once per process, so the library cases run in a child
//! process of this test binary with `SOFTHSM2_CONF` set (see `library_cases`), and the CLI
//! cases run the CLI with it. Outside CI a missing SoftHSM2 or peer skips with a note; under
//! `CI=true` it fails.
#![cfg(feature = "pkcs11")]

mod common;
mod pdfutil;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use common::peers::{kyso_verifies, text, xmlsec_verifies};
use common::*;
use pdfutil::{have_pyhanko, pyhanko_validate};

/// The user PIN: distinctive, so that a search of any output for it means a leak.
const PIN: &str = "7391-kyso-secret";
const TOKEN: &str = "kyso-test";
const AT: &str = "2026-01-01T00:00:00Z";

/// The token, set up once per test binary.
struct Hsm {
    _dir: tempfile::TempDir,
    conf: PathBuf,
    module: PathBuf,
}

fn softhsm_module() -> Option<PathBuf> {
    [
        "/usr/lib/softhsm/libsofthsm2.so",
        "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
        "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
        "/usr/local/lib/softhsm/libsofthsm2.so",
    ]
    .into_iter()
    .map(PathBuf::from)
    .find(|p| p.is_file())
}

fn run_ok(cmd: &mut Command) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn setup() -> Option<Hsm> {
    if !require_tool("softhsm2-util", &["--version"]) {
        return None;
    }
    let Some(module) = softhsm_module() else {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("libsofthsm2.so is required under CI but was not found");
        }
        eprintln!("note: libsofthsm2.so not found; skipping this test");
        return None;
    };
    // pkcs11-tool (OpenSC) writes the certificates: softhsm2-util imports keys only.
    let probe = ["--module", &module.display().to_string(), "--list-slots"].map(String::from);
    if !require_tool("pkcs11-tool", &probe.each_ref().map(String::as_str)) {
        return None;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let tokens = dir.path().join("tokens");
    std::fs::create_dir(&tokens).expect("tokens dir");
    let conf = dir.path().join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
            tokens.display()
        ),
    )
    .expect("conf");
    let tool = |program: &str| {
        let mut cmd = Command::new(program);
        cmd.env("SOFTHSM2_CONF", &conf);
        cmd
    };
    run_ok(tool("softhsm2-util").args([
        "--init-token",
        "--free",
        "--label",
        TOKEN,
        "--pin",
        PIN,
        "--so-pin",
        "so-5678",
    ]));
    for (name, id, with_cert) in [
        ("leader", "01", true),
        ("business", "02", true),
        ("ecdsa", "03", true),
        ("seal", "04", false),
    ] {
        let key = fixture(&format!("pki/{name}.key.pem"));
        run_ok(
            tool("softhsm2-util")
                .arg("--import")
                .arg(&key)
                .args(["--token", TOKEN, "--label", name, "--id", id, "--pin", PIN]),
        );
        if with_cert {
            let der = dir.path().join(format!("{name}.der"));
            run_ok(
                Command::new("openssl")
                    .args(["x509", "-outform", "DER", "-in"])
                    .arg(fixture(&format!("pki/{name}.pem")))
                    .arg("-out")
                    .arg(&der),
            );
            run_ok(
                tool("pkcs11-tool")
                    .arg("--module")
                    .arg(&module)
                    .args(["--token-label", TOKEN, "--login", "--pin", PIN])
                    .arg("--write-object")
                    .arg(&der)
                    .args(["--type", "cert", "--id", id, "--label", name]),
            );
        }
    }
    // The issuing CAs too, so that the chain comes from the token as on real ones.
    for (name, id) in [("gov-ca", "a1"), ("business-ca", "a2")] {
        let der = dir.path().join(format!("{name}.der"));
        run_ok(
            Command::new("openssl")
                .args(["x509", "-outform", "DER", "-in"])
                .arg(fixture(&format!("pki/{name}.pem")))
                .arg("-out")
                .arg(&der),
        );
        run_ok(
            tool("pkcs11-tool")
                .arg("--module")
                .arg(&module)
                .args(["--token-label", TOKEN, "--login", "--pin", PIN])
                .arg("--write-object")
                .arg(&der)
                .args(["--type", "cert", "--id", id, "--label", name]),
        );
    }
    Some(Hsm {
        _dir: dir,
        conf,
        module,
    })
}

/// The token and a turn at it: SoftHSM2 keeps a token in files that a wrong PIN rewrites
/// (its PIN counter), so tests that open it take turns rather than read a half-written one.
fn hsm() -> Option<(&'static Hsm, std::sync::MutexGuard<'static, ()>)> {
    static HSM: OnceLock<Option<Hsm>> = OnceLock::new();
    static TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let turn = TURN
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    HSM.get_or_init(setup).as_ref().map(|hsm| (hsm, turn))
}

impl Hsm {
    /// The CLI with the token's configuration and the PIN in `PIN_VAR`.
    fn kyso(&self, pin: &str) -> Command {
        let mut cmd = kyso_cli();
        cmd.env("SOFTHSM2_CONF", &self.conf)
            .env("KYSO_TOKEN_PIN", pin);
        cmd
    }

    /// `kyso sign FORMAT IN OUT` with the token key `key` and `extra` flags.
    fn sign(&self, format: &str, input: &Path, output: &Path, key: &str, extra: &[&str]) -> Output {
        self.kyso(PIN)
            .args(["sign", format])
            .arg(input)
            .arg(output)
            .arg("--pkcs11-module")
            .arg(&self.module)
            .args(match extra.contains(&"--token-label") {
                true => vec!["--key-label", key],
                false => vec!["--token-label", TOKEN, "--key-label", key],
            })
            .args(["--pin-env", "KYSO_TOKEN_PIN", "--signing-time", AT])
            .args(extra)
            .output()
            .expect("run kyso")
    }
}

#[test]
fn pdf_and_xml_signed_through_softhsm_verify_with_kyso_pyhanko_and_xmlsec1() {
    let Some((hsm, _turn)) = hsm() else { return };
    let dir = tempfile::tempdir().expect("dir");
    let (peers_pdf, peers_xml) = (have_pyhanko(), require_tool("xmlsec1", &["--version"]));
    for (key, extra) in [
        ("leader", &[][..]),
        ("leader", &["--pss"][..]),
        ("business", &["--digest", "sha384"][..]),
        ("ecdsa", &[][..]),
    ] {
        let name = format!("{key}{}", extra.join(""));
        let pdf = dir.path().join(format!("{name}.pdf"));
        let out = hsm.sign("pdf", &fixture("docs/simple.pdf"), &pdf, key, extra);
        assert!(out.status.success(), "{name}: {}", text(&out));
        kyso_verifies(&pdf);
        if peers_pdf {
            for r in pyhanko_validate(&pdf) {
                assert_eq!(r["intact"], true, "{name}: {r}");
                assert_eq!(r["valid"], true, "{name}: {r}");
                assert_eq!(r["trusted"], true, "{name}: {r}");
            }
        }
        let xml = dir.path().join(format!("{name}.xml"));
        let out = hsm.sign(
            "xml",
            &fixture("docs/einvoice.xml"),
            &xml,
            key,
            &[&["--profile", "einvoice", "--include-chain"][..], extra].concat(),
        );
        assert!(out.status.success(), "{name}: {}", text(&out));
        kyso_verifies(&xml);
        // Debian's xmlsec1 (OpenSSL backend) knows no RSA-PSS SignatureMethod URI.
        if peers_xml && !extra.contains(&"--pss") {
            xmlsec_verifies(&xml);
        }
    }
}

#[test]
fn inspect_lists_tokens_keys_and_certificates() {
    let Some((hsm, _turn)) = hsm() else { return };
    let list = |with_pin: bool| {
        let mut cmd = hsm.kyso(PIN);
        cmd.args(["inspect", "--json", "--pkcs11-module"])
            .arg(&hsm.module);
        if with_pin {
            cmd.args(["--pin-env", "KYSO_TOKEN_PIN"]);
        }
        let out = cmd.output().expect("inspect");
        assert!(out.status.success(), "{}", text(&out));
        serde_json::from_slice::<serde_json::Value>(&out.stdout).expect("json")
    };
    let public = list(false);
    let token = &public[0];
    assert_eq!(token["label"], TOKEN);
    let objects = token["objects"].as_array().expect("objects");
    let count = |class: &str| objects.iter().filter(|o| o["class"] == class).count();
    assert_eq!(count("certificate"), 5, "{token}");
    assert_eq!(
        count("private_key"),
        0,
        "private keys are private before login"
    );
    let logged_in = list(true);
    let objects = logged_in[0]["objects"].as_array().expect("objects");
    assert_eq!(
        objects
            .iter()
            .filter(|o| o["class"] == "private_key")
            .count(),
        4
    );
    assert!(
        objects
            .iter()
            .any(|o| o["label"] == "ecdsa" && o["key_type"] == "CKK_EC")
    );
}

#[test]
fn bad_token_input_is_a_clear_error_and_writes_nothing() {
    let Some((hsm, _turn)) = hsm() else { return };
    let dir = tempfile::tempdir().expect("dir");
    let input = fixture("docs/simple.pdf");
    let out_path = dir.path().join("out.pdf");
    let refused = |out: Output, needle: &str| {
        assert_eq!(out.status.code(), Some(4), "{}", text(&out));
        let message = text(&out);
        assert!(message.contains(needle), "wanted {needle:?} in {message}");
        assert!(!message.contains(PIN), "the PIN leaked: {message}");
        assert!(!out_path.exists(), "nothing is written");
    };
    // A wrong PIN, with whatever the token says about the tries left.
    let wrong = hsm
        .kyso("0000-wrong")
        .args(["sign", "pdf"])
        .arg(&input)
        .arg(&out_path)
        .arg("--pkcs11-module")
        .arg(&hsm.module)
        .args(["--key-label", "leader", "--pin-env", "KYSO_TOKEN_PIN"])
        .output()
        .expect("run");
    refused(wrong, "wrong PIN");
    let unset = hsm
        .kyso(PIN)
        .args(["sign", "pdf"])
        .arg(&input)
        .arg(&out_path)
        .arg("--pkcs11-module")
        .arg(&hsm.module)
        .args([
            "--key-label",
            "leader",
            "--pin-env",
            "KYSO_NO_SUCH_VARIABLE",
        ])
        .output()
        .expect("run");
    refused(unset, "KYSO_NO_SUCH_VARIABLE is not set");
    let missing_module = hsm
        .kyso(PIN)
        .args(["sign", "pdf"])
        .arg(&input)
        .arg(&out_path)
        .args(["--pkcs11-module", "/no/such/libvendor-pkcs11.so"])
        .args(["--key-label", "leader", "--pin-env", "KYSO_TOKEN_PIN"])
        .output()
        .expect("run");
    refused(missing_module, "libvendor-pkcs11.so: no such file");
    refused(
        hsm.sign(
            "pdf",
            &input,
            &out_path,
            "leader",
            &["--token-label", "VNPT-CA"],
        ),
        "no token label \"VNPT-CA\"",
    );
    refused(
        hsm.sign("pdf", &input, &out_path, "nobody", &[]),
        "no private key label \"nobody\"",
    );
    // The seal's key has no certificate on the token: an error, unless one is given.
    refused(
        hsm.sign("pdf", &input, &out_path, "seal", &[]),
        "no certificate for the key",
    );
    let chain = fixture("pki/seal.pem");
    let out = hsm.sign(
        "pdf",
        &input,
        &out_path,
        "seal",
        &["--chain", &chain.display().to_string()],
    );
    assert!(out.status.success(), "{}", text(&out));
    kyso_verifies(&out_path);
}

#[test]
fn the_pin_appears_in_no_argument_output_or_error() {
    let Some((hsm, _turn)) = hsm() else { return };
    let dir = tempfile::tempdir().expect("dir");
    // No option takes a PIN: the CLI refuses one, and names the variable instead.
    for help in [["sign", "pdf"], ["sign", "xml"]] {
        let out = kyso_cli().args(help).arg("--help").output().expect("help");
        let help = text(&out);
        assert!(help.contains("--pin-env <VAR>"), "{help}");
        assert!(!help.contains("--pin <"), "{help}");
    }
    let out = hsm
        .kyso(PIN)
        .args(["sign", "pdf"])
        .arg(fixture("docs/simple.pdf"))
        .arg(dir.path().join("x.pdf"))
        .arg("--pkcs11-module")
        .arg(&hsm.module)
        .args(["--pin", PIN])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(4));
    // Every run of this test file passed the PIN through the environment only.
    let mut argv = Vec::new();
    let signed = dir.path().join("ok.pdf");
    let mut cmd = hsm.kyso(PIN);
    cmd.args(["sign", "pdf"])
        .arg(fixture("docs/simple.pdf"))
        .arg(&signed)
        .arg("--pkcs11-module")
        .arg(&hsm.module)
        .args(["--key-label", "ecdsa", "--pin-env", "KYSO_TOKEN_PIN"]);
    argv.extend(cmd.get_args().map(|a| a.to_string_lossy().into_owned()));
    let ok = cmd.env("RUST_LOG", "trace").output().expect("run");
    assert!(ok.status.success(), "{}", text(&ok));
    let wrong = hsm
        .kyso(&format!("{PIN}-not"))
        .args(["inspect", "--pkcs11-module"])
        .arg(&hsm.module)
        .args(["--pin-env", "KYSO_TOKEN_PIN"])
        .env("RUST_LOG", "trace")
        .output()
        .expect("run");
    assert_eq!(wrong.status.code(), Some(4), "{}", text(&wrong));
    for (what, haystack) in [
        ("argv", argv.join(" ")),
        ("output of a signature", text(&ok)),
        ("output of a wrong PIN", text(&wrong)),
    ] {
        assert!(
            !haystack.contains(PIN),
            "the PIN is in the {what}: {haystack}"
        );
    }
    // SoftHSM's own log lines (log.level ERROR, to syslog or stderr) are in `wrong` too.
    let key: kyso::settings::KeySource = serde_json::from_value(serde_json::json!({
        "pkcs11_module": hsm.module, "key_label": "leader", "pin_env": "KYSO_TOKEN_PIN",
    }))
    .expect("key");
    assert!(!format!("{key:?}").contains("KYSO_TOKEN_PIN=") && !format!("{key:?}").contains(PIN));
}

/// The library cases: run in a child process that has `SOFTHSM2_CONF` (see the module
/// documentation). Ignored when run directly; `library_cases` runs it.
#[test]
#[ignore = "needs SOFTHSM2_CONF in its process; run by library_cases"]
fn library_cases_in_child() {
    use kyso::crypto::{
        DigestAlgorithm, PinSource, Pkcs11Signer, SignatureAlgorithm, Signer, TokenKey,
    };
    use kyso::{Error, TokenError};
    let module = PathBuf::from(std::env::var("KYSO_TEST_MODULE").expect("module"));
    let key = |label: &str| TokenKey {
        module: module.clone(),
        token_label: Some(TOKEN.into()),
        token_serial: None,
        key_label: Some(label.into()),
        key_id: None,
        pin_env: None,
        chain_pem: Vec::new(),
        sessions: Some(3),
    };
    // A PIN from a callback, asked once however many signatures follow.
    let asked = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = asked.clone();
    let callback = PinSource::Callback(std::sync::Arc::new(move || {
        counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok(kyso::crypto::Pin::from(PIN.to_owned()))
    }));
    let signer = Pkcs11Signer::open(&key("business"), &callback).expect("open business");
    assert_eq!(signer.max_sessions(), 3);
    assert!(!format!("{signer:?}").contains(PIN));
    // One signer shared by threads: each signature verifies with the certificate.
    let public = {
        let cert = kyso::pki::Certificate::from_der(&signer.certificate_chain()[0]).expect("cert");
        cert.public_key().expect("key").clone()
    };
    std::thread::scope(|s| {
        for i in 0..6u8 {
            let (signer, public) = (&signer, &public);
            s.spawn(move || {
                let digest = DigestAlgorithm::Sha256.digest(&[i; 100]);
                for algorithm in [
                    SignatureAlgorithm::rsa_pkcs1(DigestAlgorithm::Sha256),
                    SignatureAlgorithm::rsa_pss(DigestAlgorithm::Sha256),
                ] {
                    let sig = signer.sign_digest(algorithm, &digest).expect("sign");
                    assert!(
                        public
                            .verify_digest(algorithm, &digest, &sig)
                            .expect("verify")
                    );
                }
            });
        }
    });
    assert_eq!(asked.load(std::sync::atomic::Ordering::SeqCst), 1);
    // An algorithm the key cannot make is refused as a mechanism, not sent to the token.
    let err = signer
        .sign_digest(SignatureAlgorithm::ecdsa(DigestAlgorithm::Sha256), &[0; 32])
        .expect_err("ecdsa with rsa");
    assert!(
        matches!(err, Error::Token(TokenError::Mechanism(_))),
        "{err}"
    );
    // ECDSA comes back as DER.
    let ec = Pkcs11Signer::open(&key("ecdsa"), &callback).expect("open ecdsa");
    let digest = DigestAlgorithm::Sha256.digest(b"hoa don");
    let sig = ec
        .sign_digest(SignatureAlgorithm::ecdsa(DigestAlgorithm::Sha256), &digest)
        .expect("ecdsa");
    assert_eq!(sig.first(), Some(&0x30), "DER SEQUENCE");
    // Batch signing: many documents, one login (the signer above is already logged in).
    let settings: kyso::settings::SignSettings =
        serde_json::from_value(serde_json::json!({"signing_time": AT})).expect("settings");
    let pdf = read_fixture("docs/simple.pdf");
    let documents = vec![pdf.clone(); 5];
    let results = kyso::settings::sign_many_with(&documents, &settings, &signer, 4);
    assert!(
        results
            .iter()
            .all(|r| r.as_ref().is_ok_and(|d| d.starts_with(&pdf)))
    );
    // A callback that gives the wrong PIN: a typed error with the token's flags.
    let wrong = PinSource::Callback(std::sync::Arc::new(|| {
        Ok(kyso::crypto::Pin::from("0000".to_owned()))
    }));
    // The process is logged in already; a fresh module state is needed to see a wrong PIN,
    // which the CLI cases show. Here the missing-key and no-certificate errors are typed.
    let err = Pkcs11Signer::open(&key("seal"), &wrong).expect_err("no certificate");
    assert!(
        matches!(err, Error::Token(TokenError::NoCertificate { .. })),
        "{err}"
    );
    let err = Pkcs11Signer::open(&key("nobody"), &callback).expect_err("no key");
    assert!(matches!(err, Error::Token(TokenError::Key(_))), "{err}");
}

#[test]
fn library_cases() {
    let Some((hsm, _turn)) = hsm() else { return };
    let out = Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "library_cases_in_child",
            "--exact",
            "--include-ignored",
            "--nocapture",
        ])
        .env("SOFTHSM2_CONF", &hsm.conf)
        .env("KYSO_TEST_MODULE", &hsm.module)
        .output()
        .expect("run child");
    let log = text(&out);
    assert!(out.status.success() && log.contains("1 passed"), "{log}");
    assert!(!log.contains(PIN), "the PIN leaked: {log}");
}
