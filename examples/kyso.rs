//! kyso command line: parse flags, call the library, print. No logic of its own.
//!
//! Exit codes (worst over all inputs): 0 passed, 1 failed, 2 indeterminate, 3 no signature,
//! 4 usage or I/O error.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use kyso::inspect::{InspectOptions, InspectReport, inspect};
use kyso::pki::{TrustStore, bundle};
use kyso::validation::VerifyOptions;
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
// Each subcommand's arguments are built only when it runs: start-up stays small.
#[command(defer = true)]
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
    /// Sign a document.
    #[command(subcommand)]
    Sign(Box<SignCommand>),
    /// Raise a signed document to a long-term level.
    #[command(subcommand)]
    Extend(ExtendCommand),
    /// What kyso trusts out of the box.
    #[command(subcommand)]
    Trust(TrustCommand),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Verify signed PDF or XML documents (files or directories).
    #[command(
        after_help = "Examples:\n  kyso verify signed.pdf --trust fixtures/pki/root.pem\n  \
        kyso verify invoices/ --jobs 4 --json --revocation require --online\n  \
        kyso verify hoadon.xml --lang vi --at 2026-01-01T00:00:00Z"
    )]
    Verify {
        /// Files or directories to verify.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Files verified in parallel.
        #[arg(long, default_value_t = 1)]
        jobs: usize,
        #[command(flatten)]
        trust: TrustArgs,
        /// Intermediate certificates (PEM/DER files or bundles) that may complete chains;
        /// they are not trusted by themselves.
        #[arg(long, value_name = "PEM")]
        cert: Vec<PathBuf>,
        /// CRL files (DER, or PEM with any number of X509 CRL blocks).
        #[arg(long, value_name = "FILE")]
        crl: Vec<PathBuf>,
        /// OCSP response files (DER, or PEM with any number of blocks labelled …OCSP…).
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
        /// Strict policy: SHA-1 fails (CRYPTO_CONSTRAINTS_FAILURE), and an e-invoice whose
        /// signer's tax code differs from the seller's fails.
        #[arg(long)]
        strict: bool,
    },
}

#[derive(Subcommand)]
enum TrustCommand {
    /// List the built-in national roots, legacy roots and issuing CAs.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
// Each subcommand's arguments are built only when it runs: start-up stays small.
#[command(defer = true)]
enum SignCommand {
    /// Sign a PDF (PAdES), as an incremental update that keeps every original byte.
    #[command(
        after_help = "Example:\n  KYSO_PW=kyso-test kyso sign pdf in.pdf out.pdf --key fixtures/pki/leader.p12 \\\n      --password-env KYSO_PW --reason \"Phê duyệt\""
    )]
    Pdf {
        /// The PDF to sign.
        input: PathBuf,
        /// Where to write the signed PDF.
        output: PathBuf,
        #[command(flatten)]
        key: KeyArgs,
        /// Visible appearance of the signature.
        #[arg(long, value_enum, default_value = "none")]
        appearance: AppearanceArg,
        /// Signature image (PNG) for a visible appearance.
        #[arg(long, value_name = "PNG")]
        image: Option<PathBuf>,
        /// Page (1-based) of a new signature field.
        #[arg(long)]
        page: Option<u32>,
        /// Rectangle X,Y,W,H of a visible signature, in PDF points in the page's user space.
        #[arg(long, value_name = "X,Y,W,H")]
        rect: Option<String>,
        /// Name of the signature field (an empty one is filled; default: the first empty one,
        /// or a new SignatureN).
        #[arg(long)]
        field: Option<String>,
        /// /Reason.
        #[arg(long)]
        reason: Option<String>,
        /// /Location.
        #[arg(long)]
        location: Option<String>,
        /// PAdES level.
        #[arg(long, value_enum, default_value = "b-b")]
        level: LevelArg,
        /// Time-stamp authority, revocation data to embed (B-T needs --tsa; B-LT, B-LTA
        /// embed --crl/--ocsp files or fetch them with --online).
        #[command(flatten)]
        ltv: LtvArgs,
        /// Certification signature with DocMDP permissions 1, 2 or 3.
        #[arg(long, value_parser = clap::value_parser!(u8).range(1..=3))]
        certify: Option<u8>,
        /// Write adbe.pkcs7.detached instead of ETSI.CAdES.detached.
        #[arg(long)]
        pkcs7: bool,
    },
    /// Sign an XML document (XMLDSig, XAdES, Vietnamese e-invoice), splicing the Signature
    /// into the original text.
    #[command(
        after_help = "Examples:\n  kyso sign xml hoadon.xml hoadon-ky.xml --key fixtures/pki/business.p12 \\\n      --password-env KYSO_PW --profile einvoice\n  \
        kyso sign xml doc.xml out.xml --key key.pem --chain chain.pem --ref i1 --parent /doc"
    )]
    Xml {
        /// The XML document to sign.
        input: PathBuf,
        /// Where to write the signed document.
        output: PathBuf,
        #[command(flatten)]
        key: KeyArgs,
        /// Signature profile.
        #[arg(long, value_enum, default_value = "dsig")]
        profile: ProfileArg,
        /// Where the signed data stands (enveloped: the Signature is inside it).
        #[arg(long, value_enum, default_value = "enveloped")]
        mode: ModeArg,
        /// Id of the element to sign (default: the whole document; e-invoice: DLHDon's Id).
        #[arg(long = "ref", value_name = "ID")]
        reference: Option<String>,
        /// Where the Signature goes, as a path such as HDon/DSCKS/NBan.
        #[arg(long, value_name = "PATH")]
        parent: Option<String>,
        /// Put the whole certificate chain in KeyInfo, not only the signer's certificate.
        #[arg(long)]
        include_chain: bool,
        /// Time-stamp authority for XAdES-B-T.
        #[arg(long, value_name = "URL")]
        tsa: Option<String>,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ProfileArg {
    Dsig,
    Einvoice,
    Xades,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ModeArg {
    Enveloped,
    Enveloping,
    Detached,
}

#[derive(Subcommand)]
// Each subcommand's arguments are built only when it runs: start-up stays small.
#[command(defer = true)]
enum ExtendCommand {
    /// Add validation material (B-LT) and a document time-stamp (B-LTA) to a signed PDF.
    Pdf {
        /// The signed PDF.
        input: PathBuf,
        /// Where to write the extended PDF.
        output: PathBuf,
        /// Target level.
        #[arg(long, value_enum)]
        level: LevelArg,
        #[command(flatten)]
        ltv: LtvArgs,
    },
}

#[derive(Args)]
struct LtvArgs {
    /// Time-stamp authority URL (needed for B-LTA).
    #[arg(long, value_name = "URL")]
    tsa: Option<String>,
    /// CRL files to embed (DER, or PEM: every block is embedded).
    #[arg(long, value_name = "FILE")]
    crl: Vec<PathBuf>,
    /// OCSP response files to embed (DER, or PEM: every block is embedded).
    #[arg(long, value_name = "FILE")]
    ocsp: Vec<PathBuf>,
    /// Fetch revocation data to embed over the network.
    #[arg(long)]
    online: bool,
}

/// The extension of a signed PDF to B-LT or B-LTA, its `--crl` and `--ocsp` files read
/// (every block of each) before anything is signed or written.
fn extend_options(level: LevelArg, ltv: &LtvArgs) -> Result<kyso::pdf::ExtendOptions, Usage> {
    let level = match level {
        LevelArg::BLt => kyso::pdf::LtvLevel::Lt,
        LevelArg::BLta => kyso::pdf::LtvLevel::Lta,
        _ => return Err(Usage("extend to B-LT or B-LTA".into())),
    };
    Ok(kyso::pdf::ExtendOptions {
        level,
        tsa_url: ltv.tsa.clone(),
        crls: crls(&ltv.crl)?.iter().map(|c| c.der().to_vec()).collect(),
        ocsp: ocsp_responses(&ltv.ocsp)?
            .iter()
            .map(|o| o.der().to_vec())
            .collect(),
        online: ltv.online,
        ..Default::default()
    })
}

fn extend(
    input: &Path,
    output: &Path,
    options: &kyso::pdf::ExtendOptions,
    document: Vec<u8>,
) -> Result<i32, Usage> {
    let extended = kyso::pdf::extend_pdf(&document, options)
        .map_err(|e| Usage(format!("{}: {e}", input.display())))?;
    std::fs::write(output, extended).map_err(|e| Usage(format!("{}: {e}", output.display())))?;
    Ok(0)
}

#[derive(Args)]
struct KeyArgs {
    /// Signing key: a PKCS#12 file (.p12/.pfx) or a PEM private key.
    #[arg(long, value_name = "P12|PEM")]
    key: PathBuf,
    /// Environment variable holding the key's password.
    #[arg(long, value_name = "VAR")]
    password_env: Option<String>,
    /// PEM certificates (signer first) for a PEM key, when not in the key file.
    #[arg(long, value_name = "PEM")]
    chain: Option<PathBuf>,
    /// Digest algorithm.
    #[arg(long, value_enum, default_value = "sha256")]
    digest: DigestArg,
    /// Sign with RSASSA-PSS (RSA keys).
    #[arg(long)]
    pss: bool,
    /// Signing time (RFC 3339) instead of now; the certificate must be valid then.
    #[arg(long, value_name = "RFC3339")]
    signing_time: Option<String>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum AppearanceArg {
    /// The leader's signature image, fitted and centred in --rect.
    Leader,
    /// The organization's seal image over the left third of --rect (the leader's).
    Seal,
    /// Copy notice in the page's top-right corner: --reason, organization, time.
    Copy,
    /// No visible appearance.
    None,
}

/// `--appearance` with `--image`: leader and seal need an image, copy and none take none.
fn appearance_from(
    appearance: AppearanceArg,
    image: Option<&Path>,
) -> Result<kyso::pdf::Appearance, Usage> {
    use kyso::pdf::Appearance;
    let read_image = || match image {
        Some(path) => read(path),
        None => Err(Usage(
            "--appearance leader and seal need --image PNG".into(),
        )),
    };
    match appearance {
        AppearanceArg::Leader => Ok(Appearance::Leader {
            image: read_image()?,
        }),
        AppearanceArg::Seal => Ok(Appearance::Seal {
            image: read_image()?,
        }),
        AppearanceArg::Copy | AppearanceArg::None if image.is_some() => Err(Usage(
            "--image goes with --appearance leader or seal".into(),
        )),
        AppearanceArg::Copy => Ok(Appearance::Copy { lines: None }),
        AppearanceArg::None => Ok(Appearance::None),
    }
}

/// `--rect X,Y,W,H` in PDF points.
fn parse_rect(text: &str) -> Result<[f64; 4], Usage> {
    let bad = || {
        Usage(format!(
            "--rect {text}: expected X,Y,W,H (four numbers in points)"
        ))
    };
    let numbers = text
        .split(',')
        .map(|p| p.trim().parse::<f64>().map_err(|_| bad()))
        .collect::<Result<Vec<_>, _>>()?;
    <[f64; 4]>::try_from(numbers).map_err(|_| bad())
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum LevelArg {
    #[value(name = "B-B", alias = "b-b")]
    BB,
    #[value(name = "B-T", alias = "b-t")]
    BT,
    #[value(name = "B-LT", alias = "b-lt")]
    BLt,
    #[value(name = "B-LTA", alias = "b-lta")]
    BLta,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum DigestArg {
    Sha256,
    Sha384,
    Sha512,
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
        Command::Extend(ExtendCommand::Pdf {
            input,
            output,
            level,
            ltv,
        }) => {
            let options = extend_options(level, &ltv)?;
            let document = read(&input)?;
            extend(&input, &output, &options, document)
        }
        Command::Trust(TrustCommand::List { json }) => {
            let entries = kyso::pki::builtin::BuiltinSet::vietnam().entries();
            if json {
                println!("{}", serde_json::to_string_pretty(&entries)?);
            } else {
                print!("{}", kyso::render::render_builtin(&entries));
            }
            Ok(0)
        }
        Command::Completions { shell } => {
            use clap::CommandFactory;
            clap_complete::generate(shell, &mut Cli::command(), "kyso", &mut std::io::stdout());
            Ok(0)
        }
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
        Command::Sign(sign) => match *sign {
            SignCommand::Pdf {
                input,
                output,
                key,
                appearance,
                image,
                page,
                rect,
                field,
                reason,
                location,
                level,
                ltv,
                certify,
                pkcs7,
            } => {
                let appearance = appearance_from(appearance, image.as_deref())?;
                let rect = rect.as_deref().map(parse_rect).transpose()?;
                if level != LevelArg::BB && ltv.tsa.is_none() {
                    return Err(Usage("--level B-T, B-LT and B-LTA need --tsa URL".into()));
                }
                let extension = match level {
                    LevelArg::BLt | LevelArg::BLta => Some(extend_options(level, &ltv)?),
                    LevelArg::BB | LevelArg::BT => None,
                };
                let signer = load_signer(&key)?;
                let document = read(&input)?;
                let options = kyso::pdf::PdfSignOptions {
                    policy: signing_policy(&key)?,
                    sub_filter: if pkcs7 {
                        kyso::pdf::SubFilter::Pkcs7Detached
                    } else {
                        kyso::pdf::SubFilter::CadesDetached
                    },
                    field_name: field,
                    page,
                    appearance,
                    rect,
                    reason,
                    location,
                    certify,
                    timestamp_url: ltv.tsa.clone(),
                    ..Default::default()
                };
                let signed = kyso::pdf::sign_pdf(&document, &signer, &options)
                    .map_err(|e| Usage(format!("{}: {e}", input.display())))?;
                if let Some(extension) = &extension {
                    return extend(&input, &output, extension, signed);
                }
                std::fs::write(&output, signed)
                    .map_err(|e| Usage(format!("{}: {e}", output.display())))?;
                Ok(0)
            }
            SignCommand::Xml {
                input,
                output,
                key,
                profile,
                mode,
                reference,
                parent,
                include_chain,
                tsa,
            } => {
                let signer = load_signer(&key)?;
                let document = read(&input)?;
                let policy = signing_policy(&key)?;
                let options = kyso::xml::XmlSignOptions {
                    profile: match profile {
                        ProfileArg::Dsig => kyso::xml::Profile::Dsig,
                        ProfileArg::Einvoice => kyso::xml::Profile::Einvoice,
                        ProfileArg::Xades => kyso::xml::Profile::Xades,
                    },
                    mode: match mode {
                        ModeArg::Enveloped => kyso::xml::Mode::Enveloped,
                        ModeArg::Enveloping => kyso::xml::Mode::Enveloping,
                        ModeArg::Detached => kyso::xml::Mode::Detached,
                    },
                    reference,
                    parent,
                    digest: policy.digest,
                    signing_time: policy.signing_time,
                    include_chain,
                    xades: kyso::xml::XadesOptions {
                        tsa_url: tsa,
                        ..Default::default()
                    },
                    ..Default::default()
                };
                let signed = kyso::xml::sign_xml(&document, &signer, &options)
                    .map_err(|e| Usage(format!("{}: {e}", input.display())))?;
                std::fs::write(&output, signed)
                    .map_err(|e| Usage(format!("{}: {e}", output.display())))?;
                Ok(0)
            }
        },
        Command::Verify {
            files,
            jobs,
            strict,
            trust,
            cert,
            crl,
            ocsp,
            online,
            revocation,
            at,
            json,
            lang,
        } => {
            let options = VerifyOptions {
                trust: trust_store(&trust)?.unwrap_or_else(|| {
                    let mut t = TrustStore::new();
                    t.set_pinned_roots(!trust.no_pinned_roots);
                    t
                }),
                policy: ValidationPolicy {
                    validation_time: parse_time(at.as_deref())?,
                    revocation: revocation_mode(revocation),
                    online,
                    weak_algorithms: if strict {
                        kyso::WeakAlgorithms::Reject
                    } else {
                        kyso::WeakAlgorithms::Warn
                    },
                    strict_tax_code: strict,
                    ..ValidationPolicy::default()
                },
                crls: crls(&crl)?,
                ocsp: ocsp_responses(&ocsp)?,
                certificates: bundles("--cert", &cert, |p| bundle::read_certificates(p))?,
                fetch_cache: Default::default(),
            };
            let paths = collect_files(&files)?;
            let lang = match lang {
                Lang::Vi => kyso::render::Lang::Vi,
                Lang::En => kyso::render::Lang::En,
            };
            Ok(verify_all(&paths, &options, jobs.max(1), json, lang))
        }
    }
}

/// Every CRL of every `--crl` file.
fn crls(paths: &[PathBuf]) -> Result<Vec<kyso::pki::Crl>, Usage> {
    bundles("--crl", paths, |p| bundle::read_crls(p))
}

/// Every OCSP response of every `--ocsp` file.
fn ocsp_responses(paths: &[PathBuf]) -> Result<Vec<kyso::pki::OcspResponse>, Usage> {
    bundles("--ocsp", paths, |p| bundle::read_ocsp_responses(p))
}

/// Every object of every file of an option, read by the library's bundle reader (all PEM
/// blocks, each of which must parse); the first bad file or block is a usage error.
fn bundles<T>(
    flag: &str,
    paths: &[PathBuf],
    read: impl Fn(&Path) -> kyso::Result<Vec<T>>,
) -> Result<Vec<T>, Usage> {
    let mut all = Vec::new();
    for p in paths {
        all.extend(read(p).map_err(|e| option_error(flag, p, e))?);
    }
    Ok(all)
}

/// `--crl crls.pem: block 2 (X509 CRL): malformed CRL: …`: the library's messages for bad
/// option files already name the file and block.
fn option_error(flag: &str, path: &Path, e: kyso::Error) -> Usage {
    match e {
        kyso::Error::InvalidOption(message) => Usage(format!("{flag} {message}")),
        other => Usage(format!("{flag} {}: {other}", path.display())),
    }
}

fn read(path: &Path) -> Result<Vec<u8>, Usage> {
    std::fs::read(path).map_err(|e| Usage(format!("{}: {e}", path.display())))
}

fn signing_policy(key: &KeyArgs) -> Result<kyso::SigningPolicy, Usage> {
    Ok(kyso::SigningPolicy {
        digest: match key.digest {
            DigestArg::Sha256 => kyso::DigestAlgorithm::Sha256,
            DigestArg::Sha384 => kyso::DigestAlgorithm::Sha384,
            DigestArg::Sha512 => kyso::DigestAlgorithm::Sha512,
        },
        signing_time: parse_time(key.signing_time.as_deref())?,
        ..kyso::SigningPolicy::default()
    })
}

fn load_signer(key: &KeyArgs) -> Result<kyso::crypto::KeyFileSigner, Usage> {
    let password = match &key.password_env {
        Some(var) => Some(
            std::env::var(var)
                .map_err(|_| Usage(format!("environment variable {var} is not set")))?,
        ),
        None => None,
    };
    let data = read(&key.key)?;
    let is_p12 = key
        .key
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "p12" | "pfx"));
    let signer = if is_p12 {
        kyso::crypto::KeyFileSigner::from_pkcs12(&data, password.as_deref().unwrap_or(""))
    } else {
        let chain = match &key.chain {
            Some(p) => read(p)?,
            None => Vec::new(),
        };
        kyso::crypto::KeyFileSigner::from_pem(&data, password.as_deref(), &chain)
    }
    .map_err(|e| Usage(format!("{}: {e}", key.key.display())))?;
    Ok(if key.pss {
        signer.with_rsa_pss()
    } else {
        signer
    })
}

/// Files given, and the PDF and XML files under directories given (recursively, sorted).
fn collect_files(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, Usage> {
    let mut out = Vec::new();
    for input in inputs {
        if input.is_dir() {
            let mut stack = vec![input.clone()];
            let mut found = Vec::new();
            while let Some(dir) = stack.pop() {
                let entries = std::fs::read_dir(&dir)
                    .map_err(|e| Usage(format!("{}: {e}", dir.display())))?;
                for entry in entries.flatten() {
                    let p = entry.path();
                    if p.is_dir() {
                        stack.push(p);
                    } else if p.extension().and_then(|e| e.to_str()).is_some_and(|e| {
                        matches!(e.to_ascii_lowercase().as_str(), "pdf" | "xml" | "edxml")
                    }) {
                        found.push(p);
                    }
                }
            }
            found.sort();
            out.extend(found);
        } else {
            out.push(input.clone());
        }
    }
    Ok(out)
}

/// Writes a report line to stdout; a closed pipe (`kyso verify … | head`) ends the output
/// quietly instead of panicking.
fn emit(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if writeln!(out, "{text}").and_then(|()| out.flush()).is_err() {
        std::process::exit(0);
    }
}

/// Exit-code rank: an error outranks a failure, which outranks indeterminate, then no
/// signature, then passed.
fn rank(code: i32) -> u8 {
    match code {
        0 => 0,
        3 => 1,
        2 => 2,
        1 => 3,
        _ => 4,
    }
}

fn verify_all(
    paths: &[PathBuf],
    options: &VerifyOptions,
    jobs: usize,
    json: bool,
    lang: kyso::render::Lang,
) -> i32 {
    use std::io::IsTerminal;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let next = AtomicUsize::new(0);
    let worst = Mutex::new(0i32);
    let stdout = Mutex::new(());
    // A progress bar only for people watching a terminal, never in pipes or logs.
    // None otherwise: even a hidden bar keeps estimating rates on every step.
    let progress = (paths.len() > 1 && std::io::stderr().is_terminal())
        .then(|| indicatif::ProgressBar::new(paths.len() as u64));
    let work = || {
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(path) = paths.get(i) else { break };
            let code = match kyso::verify_file(path, options) {
                Ok(report) => {
                    let text = if json {
                        serde_json::to_string(&report).unwrap_or_default()
                    } else {
                        kyso::render::render_text(&report, lang)
                    };
                    let _guard = stdout.lock();
                    match &progress {
                        Some(bar) => bar.suspend(|| emit(text.trim_end())),
                        None => emit(text.trim_end()),
                    }
                    report.exit_code()
                }
                Err(e) => {
                    eprintln!("kyso: {}: {e}", path.display());
                    4
                }
            };
            if let Some(bar) = &progress {
                bar.inc(1);
            }
            if let Ok(mut w) = worst.lock()
                && rank(code) > rank(*w)
            {
                *w = code;
            }
        }
    };
    // The calling thread is one of the workers: a single file spawns no thread at all.
    std::thread::scope(|scope| {
        for _ in 1..jobs.min(paths.len()) {
            scope.spawn(work);
        }
        work();
    });
    if let Some(bar) = &progress {
        bar.finish_and_clear();
    }
    worst.into_inner().unwrap_or(4)
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
            .map_err(|e| option_error("--trust", p, e))?;
    }
    Ok(Some(store))
}

fn print_inspect(report: &InspectReport) {
    if let Some(p) = &report.package {
        print!(
            "{}",
            kyso::render::render_package_listing(p, kyso::render::Lang::En)
        );
    }
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

    // Decree 30 flow: the leader signs, then the office applies the organization's seal
    // signature in a second revision; the receiving clerk verifies both.
    println!();
    let document = std::fs::read(fixtures().join("docs/vietnamese.pdf"))?;
    let mut signed = document.clone();
    let images = fixtures().join("images");
    // The leader's blue signature image centred in the signature block; the red seal over
    // its left third, signed afterwards (Decree 30/2020, Appendix I).
    let block = [320.0, 480.0, 180.0, 90.0];
    for (name, reason) in [("leader", "Phê duyệt"), ("seal", "Đóng dấu")] {
        let signer = kyso::crypto::KeyFileSigner::from_pkcs12(
            &std::fs::read(pki.join(format!("{name}.p12")))?,
            "kyso-test",
        )?;
        let appearance = match name {
            "leader" => kyso::pdf::Appearance::Leader {
                image: std::fs::read(images.join("leader-signature.png"))?,
            },
            _ => kyso::pdf::Appearance::Seal {
                image: std::fs::read(images.join("seal.png"))?,
            },
        };
        let options = kyso::pdf::PdfSignOptions {
            policy: kyso::SigningPolicy {
                signing_time: Some(demo_time()),
                ..kyso::SigningPolicy::default()
            },
            reason: Some(reason.into()),
            appearance,
            rect: Some(block),
            ..Default::default()
        };
        signed = kyso::pdf::sign_pdf(&signed, &signer, &options)?;
    }
    let out = std::env::temp_dir().join("kyso-demo-signed.pdf");
    std::fs::write(&out, &signed)?;
    println!(
        "signed docs/vietnamese.pdf twice, visibly (leader's signature, then the seal): {} -> {} bytes, original bytes kept: {}",
        document.len(),
        signed.len(),
        signed.starts_with(&document)
    );
    let options = VerifyOptions {
        trust: trust.clone(),
        policy: policy.clone(),
        crls: vec![kyso::pki::Crl::parse(&std::fs::read(
            pki.join("gov-ca.crl"),
        )?)?],
        ..VerifyOptions::default()
    };
    let mut report = kyso::verify(&signed, &options)?;
    report.file = Some(out.display().to_string());
    print!(
        "{}",
        kyso::render::render_text(&report, kyso::render::Lang::En)
    );
    worst = worst.max(report.exit_code());

    // Tampering with one signed byte is caught.
    let mut tampered = signed.clone();
    if let Some(b) = tampered.get_mut(document.len() / 2) {
        *b ^= 0x20;
    }
    let report = kyso::verify(&tampered, &options)?;
    println!(
        "after flipping one byte: {} ({})",
        kyso::render::indication_text(report.indication, kyso::render::Lang::En),
        report
            .signatures
            .first()
            .and_then(|s| s.sub_indication)
            .map(|s| kyso::render::sub_indication_text(s, kyso::render::Lang::En))
            .unwrap_or("")
    );
    if report.indication == kyso::Indication::TotalPassed {
        worst = 1;
    }
    Ok(worst)
}
