//! kyso command line: parse flags, call the library, print. No logic of its own.
//!
//! Exit codes (worst over all inputs): 0 passed, 1 failed, 2 indeterminate, 3 no signature,
//! 4 usage or I/O error.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use kyso::inspect::{InspectOptions, InspectReport, inspect};
use kyso::pki::TrustStore;
use kyso::{RevocationMode, ValidationPolicy};
use time::OffsetDateTime;

#[derive(Parser)]
#[command(
    name = "kyso",
    version,
    about = "Sign and verify PDF and XML documents (ký số)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Sign and verify the bundled fixtures end to end.
    Demo,
    /// Summarise a certificate, PEM bundle or PKCS#12 file.
    #[command(
        after_help = "Examples:\n  kyso inspect fixtures/pki/leader.pem --json\n  \
        KYSO_PW=kyso-test kyso inspect fixtures/pki/business.p12 --password-env KYSO_PW \\\n      \
        --trust fixtures/pki/root.pem --at 2026-01-01T00:00:00Z"
    )]
    Inspect {
        /// The file to inspect.
        file: PathBuf,
        /// Environment variable holding the PKCS#12 password.
        #[arg(long, value_name = "VAR")]
        password_env: Option<String>,
        #[command(flatten)]
        trust: TrustArgs,
        /// Validation time (RFC 3339); default now.
        #[arg(long, value_name = "RFC3339")]
        at: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Verify signed PDF or XML documents.
    Verify {
        /// Files to verify.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[command(flatten)]
        trust: TrustArgs,
        /// CRL files (DER or PEM).
        #[arg(long, value_name = "FILE")]
        crl: Vec<PathBuf>,
        /// OCSP response files (DER).
        #[arg(long, value_name = "FILE")]
        ocsp: Vec<PathBuf>,
        /// Fetch revocation data over the network.
        #[arg(long)]
        online: bool,
        /// What unknown revocation status means.
        #[arg(long, value_enum, default_value = "soft")]
        revocation: RevocationArg,
        /// Validation time (RFC 3339); default now.
        #[arg(long, value_name = "RFC3339")]
        at: Option<String>,
        /// Print the JSON report.
        #[arg(long)]
        json: bool,
        /// Language of the human report.
        #[arg(long, value_enum, default_value = "en")]
        lang: Lang,
    },
}

#[derive(Args)]
struct TrustArgs {
    /// Trusted certificates: a PEM/DER file, bundle or directory (repeatable).
    #[arg(long, value_name = "PEM|DIR")]
    trust: Vec<PathBuf>,
    /// Do not trust the pinned Vietnamese national roots.
    #[arg(long)]
    no_pinned_roots: bool,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum RevocationArg {
    Require,
    Soft,
    Off,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Lang {
    Vi,
    En,
}

/// A failure that maps to exit code 4.
struct Usage(String);

impl<E: std::fmt::Display> From<E> for Usage {
    fn from(e: E) -> Self {
        Usage(e.to_string())
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 4 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match run(cli) {
        Ok(code) => ExitCode::from(code as u8),
        Err(Usage(msg)) => {
            eprintln!("kyso: {msg}");
            ExitCode::from(4)
        }
    }
}

fn run(cli: Cli) -> Result<i32, Usage> {
    match cli.command {
        Command::Demo => demo(),
        Command::Inspect {
            file,
            password_env,
            trust,
            at,
            json,
        } => {
            let data =
                std::fs::read(&file).map_err(|e| Usage(format!("{}: {e}", file.display())))?;
            let password = match password_env {
                Some(var) => Some(
                    std::env::var(&var)
                        .map_err(|_| Usage(format!("environment variable {var} is not set")))?,
                ),
                None => None,
            };
            let options = InspectOptions {
                password,
                trust: trust_store(&trust)?,
                policy: ValidationPolicy {
                    validation_time: parse_time(at.as_deref())?,
                    ..ValidationPolicy::default()
                },
            };
            let report =
                inspect(&data, &options).map_err(|e| Usage(format!("{}: {e}", file.display())))?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print_inspect(&report);
            }
            Ok(report.exit_code())
        }
        Command::Verify {
            revocation,
            online,
            crl,
            ocsp,
            ..
        } => {
            let _ = (revocation_mode(revocation), online, crl, ocsp);
            Err(Usage("verify: not supported yet".into()))
        }
    }
}

fn revocation_mode(r: RevocationArg) -> RevocationMode {
    match r {
        RevocationArg::Require => RevocationMode::Require,
        RevocationArg::Soft => RevocationMode::Soft,
        RevocationArg::Off => RevocationMode::Off,
    }
}

fn parse_time(at: Option<&str>) -> Result<Option<OffsetDateTime>, Usage> {
    at.map(|s| {
        OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
            .map_err(|e| Usage(format!("--at {s}: {e}")))
    })
    .transpose()
}

/// The trust store of `--trust`; `None` when no anchor was asked for and pins are off.
fn trust_store(args: &TrustArgs) -> Result<Option<TrustStore>, Usage> {
    if args.trust.is_empty() {
        return Ok(None);
    }
    let mut store = TrustStore::new();
    store.set_pinned_roots(!args.no_pinned_roots);
    for p in &args.trust {
        store
            .add_path(p)
            .map_err(|e| Usage(format!("--trust {}: {e}", p.display())))?;
    }
    Ok(Some(store))
}

fn print_inspect(report: &InspectReport) {
    if let Some(k) = &report.private_key {
        println!("PKCS#12 with a {k} private key");
    }
    for (i, c) in report.certificates.iter().enumerate() {
        if i > 0 {
            println!();
        }
        println!("Subject:     {}", c.subject);
        println!("Issuer:      {}", c.issuer);
        println!("Serial:      {}", c.serial);
        println!("Valid:       {} .. {}", c.not_before, c.not_after);
        println!("Key:         {}{}", c.key, if c.ca { " (CA)" } else { "" });
        if !c.key_usage.is_empty() {
            println!("Key usage:   {}", c.key_usage.join(", "));
        }
        let id = &c.identity;
        for (label, values) in [
            ("MST", &id.mst),
            ("MNS", &id.mns),
            ("CCCD", &id.cccd),
            ("CMND", &id.cmnd),
            ("Passport", &id.passport),
        ] {
            if !values.is_empty() {
                println!("{label:<12} {}", values.join(", "));
            }
        }
        println!("SHA-256:     {}", c.sha256);
        if let Some(v) = &c.validation {
            if v.valid {
                println!("Chain:       valid: {}", v.chain.join(" -> "));
            } else {
                println!(
                    "Chain:       NOT valid ({:?}): {}",
                    v.sub_indication,
                    v.message.as_deref().unwrap_or("")
                );
            }
            for w in &v.warnings {
                println!("Warning:     {w}");
            }
        }
    }
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// The demo runs at a fixed time inside every fixture's validity window.
fn demo_time() -> OffsetDateTime {
    time::macros::datetime!(2026-01-01 00:00 UTC)
}

fn demo() -> Result<i32, Usage> {
    let pki = fixtures().join("pki");
    let mut trust = TrustStore::new();
    trust.add_path(pki.join("root.pem"))?;
    let policy = ValidationPolicy {
        validation_time: Some(demo_time()),
        ..ValidationPolicy::default()
    };
    println!(
        "kyso demo — fixtures in {}, validated at 2026-01-01T00:00:00Z\n",
        pki.display()
    );
    let mut worst = 0;
    for name in ["leader", "seal", "business", "ecdsa", "two-uid"] {
        let data = std::fs::read(pki.join(format!("{name}.p12")))?;
        let report = inspect(
            &data,
            &InspectOptions {
                password: Some("kyso-test".into()),
                trust: Some(trust.clone()),
                policy: policy.clone(),
            },
        )?;
        let Some(leaf) = report.certificates.first() else {
            return Err(Usage(format!("{name}.p12 holds no certificate")));
        };
        let id = &leaf.identity;
        let ids: Vec<String> = [("MST", &id.mst), ("MNS", &id.mns), ("CCCD", &id.cccd)]
            .iter()
            .flat_map(|(l, v)| v.iter().map(move |x| format!("{l} {x}")))
            .collect();
        let chain = leaf.validation.as_ref();
        println!(
            "{name:<9} {:<40} {:<32} chain {}",
            id.common_name.as_deref().unwrap_or("?"),
            ids.join(", "),
            match chain {
                Some(v) if v.valid => format!("valid ({} certificates)", v.chain.len()),
                Some(v) => format!("NOT valid: {}", v.message.as_deref().unwrap_or("")),
                None => "not checked".into(),
            }
        );
        worst = worst.max(report.exit_code());
    }
    Ok(worst)
}
