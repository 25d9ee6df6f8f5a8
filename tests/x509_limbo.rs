//! Path validation against x509-limbo: the 208 cases of `../shared/vectors/x509-limbo`.
//!
//! Every case goes through [`validate_path`] with [`Usage::Any`]: the peer certificate is the
//! target, `untrusted_intermediates` are the extra certificates, `trusted_certs` the only
//! anchors (no pinned roots). A certificate kyso cannot parse is a verdict, not a crash: an
//! unparseable peer certificate is a rejection, and an unparseable CA certificate is left out
//! (nothing can chain through it). For the `crl::*` cases the validated path is then checked
//! against the case's CRLs by [`revocation`], a stand-in built on the public [`Crl`] API.
//!
//! Cases that test TLS rules only are skipped by [`skip_reason`]; the test prints the counts,
//! the summary table, and every false accept and false reject with kyso's reason. It fails on
//! a false accept that is not in [`TOLERATED_FALSE_ACCEPTS`] and when the pass count drops
//! below [`RECORDED_PASS`]. Without the vectors the test prints a note and passes, except
//! under `CI=true`. `cargo test --test x509_limbo -- --nocapture` shows the report.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use kyso::ValidationPolicy;
use kyso::pki::{Certificate, Crl, TrustStore, Usage, validate_path};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

const VECTORS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/vectors/x509-limbo/limbo.json.gz"
);

/// False accepts that are expected, each with its reason: "TLS-only rule" (a rule of the
/// CA/Browser Forum Baseline Requirements for TLS certificates that RFC 5280 does not make)
/// or "a real certificate needs it: …". Any other false accept fails the test.
const TOLERATED_FALSE_ACCEPTS: &[(&str, &str)] = &[
    // BR 7.1.2.7.8 and 7.1.2.7.11: no CA certificate as a TLS end entity. RFC 5280 allows it
    // (rfc5280::ca-as-leaf, which conflicts with this case, expects success), and kyso
    // refuses a CA certificate as a document or time-stamp signer (Usage::DocumentSigning,
    // Usage::TimeStamping); the test validates with Usage::Any.
    ("webpki::ca-as-leaf", "TLS-only rule"),
    ("webpki::ee-basicconstraints-ca", "TLS-only rule"),
    // BR 7.1.2.1.3, the root's authorityKeyIdentifier; RFC 5280 §4.2.1.1 lets a self-signed
    // certificate leave the extension out altogether.
    (
        "webpki::aki::root-with-aki-missing-keyidentifier",
        "TLS-only rule",
    ),
    ("webpki::aki::root-with-aki-ski-mismatch", "TLS-only rule"),
    (
        "webpki::aki::root-with-aki-authoritycertissuer",
        "a real certificate needs it: the pinned Vietnam National Root CA (SHA-256 BAC8BF60…) \
         has authorityCertIssuer and authorityCertSerialNumber in its authorityKeyIdentifier",
    ),
    (
        "webpki::aki::root-with-aki-authoritycertserialnumber",
        "a real certificate needs it: the pinned Vietnam National Root CA (SHA-256 BAC8BF60…) \
         has authorityCertIssuer and authorityCertSerialNumber in its authorityKeyIdentifier",
    ),
    (
        "webpki::aki::root-with-aki-all-fields",
        "a real certificate needs it: the pinned Vietnam National Root CA (SHA-256 BAC8BF60…) \
         has authorityCertIssuer and authorityCertSerialNumber in its authorityKeyIdentifier",
    ),
    // BR 6.1.5: RSA moduli a multiple of 8 bits.
    (
        "webpki::forbidden-rsa-not-divisible-by-8-in-root",
        "TLS-only rule",
    ),
    (
        "webpki::forbidden-rsa-key-not-divisible-by-8-in-leaf",
        "TLS-only rule",
    ),
];

/// The pass count last measured; the test fails when it drops below.
const RECORDED_PASS: usize = 148;

/// False accepts that come from what [`revocation`] cannot see, not from `validate_path`:
/// marked as such in the report (they are not tolerated).
const UNDECIDED_BY_REVOCATION_STAND_IN: &[&str] =
    &["crl::crlnumber-missing", "crl::crlnumber-critical"];

/// FAILURE cases whose only reason to fail is the expected peer name, a TLS rule.
///
/// Found by checking every FAILURE case left after the id rules of [`skip_reason`]: those
/// whose peer certificate lacks the expected peer name in its subjectAltName are
/// `rfc5280::nc::permitted-dns-mismatch`, the four `rfc5280::nc::*-dn-*` cases,
/// `pathological::nc-dos-3`, `webpki::v1-cert` and `rfc5280::ca-as-leaf-wrong-san`; the
/// descriptions give name constraints, resource exhaustion and version 1 as the reasons for
/// all but the last, which fails only because "the ICA *also* has a different SAN than
/// expected". (`rfc5280::duplicate-extensions` and `webpki::malformed-aia`, whose
/// subjectAltName cannot be read, fail for the defect they are named after.)
const PEER_NAME_CASES: &[&str] = &["rfc5280::ca-as-leaf-wrong-san"];

/// Why a case tests a TLS-only rule, or `None` when it applies to a document-signing
/// validator. The rule, in order:
///
/// 1. an id with a `san` group (`rfc5280::san::*`, `webpki::san::*`): hostname and SAN
///    matching;
/// 2. an id under `webpki::cn::`: hostnames in the subject's CN;
/// 3. an id with an `eku` group (`rfc5280::eku::*`, `webpki::eku::*`): TLS extended key
///    usage (kyso checks purposes for document signing and time-stamping instead);
/// 4. a case in [`PEER_NAME_CASES`]: the outcome rests on `expected_peer_name(s)`;
/// 5. an `online::*` case without a `validation_time`: it would depend on the current time.
///    (All 14 in the vectors carry a fixed time and their whole chain, so none is skipped.)
fn skip_reason(case: &Case) -> Option<&'static str> {
    let groups: Vec<&str> = case.id.split("::").collect();
    let groups = &groups[..groups.len() - 1];
    if groups.contains(&"san") {
        Some("hostname/SAN matching (*::san::*)")
    } else if case.id.starts_with("webpki::cn::") {
        Some("hostname in the subject CN (webpki::cn::*)")
    } else if groups.contains(&"eku") {
        Some("TLS extended key usage (*::eku::*)")
    } else if PEER_NAME_CASES.contains(&case.id.as_str()) {
        Some("outcome rests on the expected peer name")
    } else if case.id.starts_with("online::") && case.validation_time.is_none() {
        Some("online case without a validation time")
    } else {
        None
    }
}

#[derive(serde::Deserialize)]
struct Limbo {
    testcases: Vec<Case>,
}

#[derive(serde::Deserialize)]
struct Case {
    id: String,
    trusted_certs: Vec<String>,
    untrusted_intermediates: Vec<String>,
    peer_certificate: String,
    validation_time: Option<String>,
    expected_result: String,
    max_chain_depth: Option<u32>,
    #[serde(default)]
    crls: Vec<String>,
}

/// kyso's answer on a case: `Ok` accepted, `Err` rejected with the reason.
fn run_case(case: &Case) -> Result<(), String> {
    let peer = match Certificate::parse_any(case.peer_certificate.as_bytes()) {
        Ok(mut certs) if certs.len() == 1 => certs.remove(0),
        Ok(certs) => return Err(format!("{} certificates in the peer PEM", certs.len())),
        Err(e) => return Err(format!("kyso cannot parse the peer certificate: {e}")),
    };
    // A CA certificate kyso cannot parse cannot be in any path it builds; why is kept for
    // the report.
    let mut unparsed = Vec::new();
    let mut parse_all = |what: &str, pems: &[String]| -> Vec<Certificate> {
        let mut certs = Vec::new();
        for (i, pem) in pems.iter().enumerate() {
            match Certificate::parse_any(pem.as_bytes()) {
                Ok(c) => certs.extend(c),
                Err(e) => unparsed.push(format!("{what} #{i} unparseable: {e}")),
            }
        }
        certs
    };
    let mut trust = TrustStore::new();
    trust.set_pinned_roots(false);
    parse_all("trusted", &case.trusted_certs)
        .into_iter()
        .for_each(|c| trust.add(c));
    let extra = parse_all("intermediate", &case.untrusted_intermediates);

    let at = match &case.validation_time {
        Some(t) => OffsetDateTime::parse(t, &Rfc3339).expect("limbo validation_time"),
        None => OffsetDateTime::now_utc(),
    };
    let mut policy = ValidationPolicy {
        validation_time: Some(at),
        ..ValidationPolicy::default()
    };
    if let Some(depth) = case.max_chain_depth {
        // limbo: at most `depth` intermediates (self-issued ones not counted); kyso: at most
        // this many certificates in the path, end entity and anchor included.
        policy.limits.max_chain_length = depth.saturating_add(2);
    }
    let path = validate_path(&peer, &extra, &trust, at, Usage::Any, &policy);
    path.result.map_err(|f| {
        if unparsed.is_empty() {
            f.message
        } else {
            format!("{} [{}]", f.message, unparsed.join("; "))
        }
    })?;

    if !case.crls.is_empty() {
        let crls = case
            .crls
            .iter()
            .map(|pem| Crl::parse(pem.as_bytes()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("kyso cannot parse a CRL: {e}"))?;
        revocation::check_path(&path.chain, &crls, at)?;
    }
    Ok(())
}

/// Revocation of a validated path against the CRLs a case supplies, RFC 5280 §6.3 as far as
/// the public [`Crl`] API shows a CRL. A stand-in for the library's own check of whole paths:
/// replace [`revocation::check_path`] with it when it lands.
///
/// What it cannot see: CRL extensions (cRLNumber, issuingDistributionPoint, deltaCRLIndicator,
/// unknown critical ones), CRL entry extensions other than the reason, and indirect CRLs. A
/// CRL is taken as a complete, direct CRL for every certificate of its issuer. So it cannot
/// decide `crl::crlnumber-missing` and `crl::crlnumber-critical`, whose CRLs are unusable
/// only for their cRLNumber extension (RFC 5280 §5.2.3): both come out as false accepts
/// ([`UNDECIDED_BY_REVOCATION_STAND_IN`]).
mod revocation {
    use kyso::pki::{Certificate, Crl};
    use time::OffsetDateTime;

    /// Every certificate of `chain` (end entity first, anchor last) but the anchor must be
    /// covered by a usable CRL from its issuer and not listed on it. A certificate no usable
    /// CRL covers has status UNDETERMINED, which rejects the path (the CRLs were given for
    /// it).
    pub fn check_path(
        chain: &[Certificate],
        crls: &[Crl],
        at: OffsetDateTime,
    ) -> Result<(), String> {
        for pair in chain.windows(2) {
            check_certificate(&pair[0], &pair[1], crls, at)?;
        }
        Ok(())
    }

    fn check_certificate(
        cert: &Certificate,
        issuer: &Certificate,
        crls: &[Crl],
        at: OffsetDateTime,
    ) -> Result<(), String> {
        let subject = cert.subject().to_rfc4514();
        let mut refusals = Vec::new();
        for crl in crls {
            // §6.3.3 (b)(1): a CRL of the certificate's issuer.
            if crl.issuer().der() != cert.issuer().der() {
                continue;
            }
            // §5.2: a CRL without cRLNumber or with an unknown critical extension is unusable.
            if !crl.defects().is_empty() {
                refusals.push("the CRL breaks RFC 5280 §5.2");
                continue;
            }
            // §6.3.3 (f): a keyUsage on the CRL issuer's certificate must allow cRLSign.
            if issuer.key_usage().is_some_and(|ku| !ku.crl_sign) {
                refusals.push("the issuer's keyUsage lacks cRLSign");
                continue;
            }
            // §6.3.3 (g): the issuer's key verifies the CRL.
            if !matches!(crl.is_signed_by(issuer), Ok(true)) {
                refusals.push("the CRL's signature does not verify with the issuer's key");
                continue;
            }
            // §6.3.3 (a): the CRL covers the validation time.
            if !crl.is_current_at(at) {
                refusals.push("the CRL is not current at the validation time");
                continue;
            }
            // §6.3.3 (i): listed means revoked.
            return match crl.lookup(cert) {
                Some(entry) => Err(format!(
                    "{subject} is revoked ({}) since {}",
                    entry.reason.as_deref().unwrap_or("no reason given"),
                    kyso::pki::rfc3339(entry.revocation_time)
                )),
                None => Ok(()),
            };
        }
        Err(format!(
            "revocation status of {subject} undetermined: no usable CRL{}",
            if refusals.is_empty() {
                String::new()
            } else {
                format!(" ({})", refusals.join("; "))
            }
        ))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    Pass,
    FalseAccept,
    FalseReject,
    Skipped,
}

#[derive(Default)]
struct Tally {
    counts: BTreeMap<Outcome, usize>,
}

impl Tally {
    fn add(&mut self, o: Outcome) {
        *self.counts.entry(o).or_default() += 1;
    }
    fn get(&self, o: Outcome) -> usize {
        self.counts.get(&o).copied().unwrap_or(0)
    }
    fn applicable(&self) -> usize {
        self.get(Outcome::Pass) + self.get(Outcome::FalseAccept) + self.get(Outcome::FalseReject)
    }
}

fn load() -> Option<Limbo> {
    let path = Path::new(VECTORS);
    if !path.is_file() {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("x509-limbo vectors missing under CI: {}", path.display());
        }
        eprintln!("note: {} not found; skipping", path.display());
        return None;
    }
    let mut json = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path).expect("open limbo.json.gz"))
        .read_to_string(&mut json)
        .expect("decompress limbo.json.gz");
    Some(serde_json::from_str(&json).expect("limbo.json"))
}

#[test]
fn x509_limbo() {
    let Some(limbo) = load() else {
        return;
    };
    let mut tally = Tally::default();
    let mut skipped: BTreeMap<&str, usize> = BTreeMap::new();
    let mut false_accepts = Vec::new();
    let mut false_rejects = Vec::new();

    for case in &limbo.testcases {
        let expect_success = match case.expected_result.as_str() {
            "SUCCESS" => true,
            "FAILURE" => false,
            other => panic!("{}: expected_result {other}", case.id),
        };
        if let Some(reason) = skip_reason(case) {
            *skipped.entry(reason).or_default() += 1;
            tally.add(Outcome::Skipped);
            continue;
        }
        let verdict = run_case(case);
        let outcome = match (expect_success, &verdict) {
            (true, Ok(())) | (false, Err(_)) => Outcome::Pass,
            (false, Ok(())) => Outcome::FalseAccept,
            (true, Err(_)) => Outcome::FalseReject,
        };
        tally.add(outcome);
        match (outcome, verdict) {
            (Outcome::FalseAccept, _) => false_accepts.push(case.id.as_str()),
            (Outcome::FalseReject, Err(why)) => false_rejects.push((case.id.as_str(), why)),
            _ => {}
        }
    }

    println!("x509-limbo: {} cases", limbo.testcases.len());
    println!("skipped by the rule:");
    for (reason, n) in &skipped {
        println!("  {n:3}  {reason}");
    }
    println!();
    println!("| applicable | pass | false accept | false reject | skipped |");
    println!("|---|---|---|---|---|");
    println!(
        "| {} | {} | {} | {} | {} |",
        tally.applicable(),
        tally.get(Outcome::Pass),
        tally.get(Outcome::FalseAccept),
        tally.get(Outcome::FalseReject),
        tally.get(Outcome::Skipped)
    );
    println!();
    println!("false accepts ({}):", false_accepts.len());
    for id in &false_accepts {
        match TOLERATED_FALSE_ACCEPTS.iter().find(|(t, _)| t == id) {
            Some((_, why)) => println!("  {id}  [tolerated: {why}]"),
            None if UNDECIDED_BY_REVOCATION_STAND_IN.contains(id) => {
                println!("  {id}  [the CRL's cRLNumber is not visible through the public Crl API]")
            }
            None => println!("  {id}"),
        }
    }
    println!("false rejects ({}):", false_rejects.len());
    for (id, why) in &false_rejects {
        println!("  {id}: {why}");
    }

    for (id, why) in TOLERATED_FALSE_ACCEPTS {
        assert!(
            why == &"TLS-only rule" || why.starts_with("a real certificate needs it: "),
            "{id}: a tolerated false accept needs a reason of the allowed kinds, not {why:?}"
        );
        if !false_accepts.contains(id) {
            println!("note: {id} is tolerated but no longer accepted; drop it from the list");
        }
    }
    let untolerated: Vec<&str> = false_accepts
        .iter()
        .copied()
        .filter(|id| !TOLERATED_FALSE_ACCEPTS.iter().any(|(t, _)| t == id))
        .collect();
    assert!(
        untolerated.is_empty(),
        "false accepts not in TOLERATED_FALSE_ACCEPTS: {untolerated:?}"
    );
    assert!(
        tally.get(Outcome::Pass) >= RECORDED_PASS,
        "pass count {} below the recorded {RECORDED_PASS}",
        tally.get(Outcome::Pass)
    );
}
