//! kyso command line: flags in, `kyso::settings` out, the library called, the result printed.
//! No logic of its own: opening keys, levels, batch verification and rendering live in the
//! library, so the C ABI and Python give the same answers.
//!
//! A flag's long name is its settings key (`--no-pinned-roots` is `no_pinned_roots`): the
//! flags of each command become the JSON object the C ABI reads, and the library's
//! `deny_unknown_fields` settings types take it from there. Flags that belong to the command
//! line alone (files, `--json`, `--key`, `--password-env`, `--chain`) are read here.
//!
//! Exit codes (worst over all inputs): 0 passed, 1 failed, 2 indeterminate, 3 no signature,
//! 4 usage or I/O error.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::builder::{PossibleValuesParser, StringValueParser, TypedValueParser};
use clap::{Arg, ArgAction, ArgMatches, Command, value_parser};
use clap_complete::Shell;
use kyso::batch::{BatchItem, BatchObserver};
use kyso::render::Lang;
use kyso::settings::{self, KeySource, SignSettings, VerifySettings};
use serde_json::{Value, json};

/// Flag names, value names and help texts, written in place.
type S = &'static str;

/// A table of flags, one row each: `kind "name" …;`, where the kind is one of the functions
/// below and the name is both the long flag and its settings key.
macro_rules! flags {
    ($($kind:ident $($arg:literal)+;)*) => { vec![$($kind($($arg),+)),*] };
}

fn switch(name: S, help: S) -> Arg {
    Arg::new(name)
        .long(name)
        .help(help)
        .action(ArgAction::SetTrue)
}

fn text(name: S, value: S, help: S) -> Arg {
    let arg = Arg::new(name).long(name).help(help).value_name(value);
    arg.value_parser(StringValueParser::new().map(Value::String))
}

fn many(name: S, value: S, help: S) -> Arg {
    text(name, value, help).action(ArgAction::Append)
}

/// One of `values` (`a|b|c`, any case), handed on as spelled here; required without a default.
fn choice(name: S, values: S, default: S, help: S) -> Arg {
    let values: Vec<S> = values.split('|').collect();
    let canonical = values.clone();
    let parser = PossibleValuesParser::new(values).map(move |given| {
        let found = canonical.iter().find(|v| v.eq_ignore_ascii_case(&given));
        Value::from(found.map_or(given.as_str(), |v| *v))
    });
    let arg = Arg::new(name).long(name).help(help).ignore_case(true);
    match default {
        "" => arg.value_parser(parser).required(true),
        default => arg.value_parser(parser).default_value(default),
    }
}

fn number(name: S, default: S, help: S) -> Arg {
    let arg = Arg::new(name).long(name).help(help).value_name("N");
    let arg = arg.value_parser(value_parser!(u64).map(Value::from));
    match default {
        "" => arg,
        default => arg.default_value(default),
    }
}

fn rect(name: S, help: S) -> Arg {
    let parse = |text: &str| -> Result<Value, String> {
        let numbers: Result<Vec<f64>, _> = text.split(',').map(|p| p.trim().parse()).collect();
        match numbers {
            Ok(n) if n.len() == 4 => Ok(Value::from(n)),
            _ => Err(format!("{text}: expected X,Y,W,H (four numbers in points)")),
        }
    };
    Arg::new(name)
        .long(name)
        .help(help)
        .value_name("X,Y,W,H")
        .value_parser(parse)
}

/// A file argument of the command line itself: positional, or `--name` with a value name.
fn path(name: S, value: S, help: S) -> Arg {
    let arg = Arg::new(name)
        .help(help)
        .value_parser(value_parser!(PathBuf));
    match value {
        "" => arg.required(true),
        value => arg.long(name).value_name(value),
    }
}

fn trust_flags() -> Vec<Arg> {
    flags! {
        many "trust" "PEM|DIR" "Trusted certificates: a PEM/DER file, bundle or directory";
        switch "no-pinned-roots" "Do not trust the pinned Vietnamese national roots";
        text "at" "RFC3339" "Validation time (RFC 3339); default now";
        choice "lang" "en|vi" "en" "Language of the human report";
    }
}

fn verify_flags() -> Vec<Arg> {
    let mut flags = trust_flags();
    flags.extend(flags! {
        number "jobs" "1" "Files verified in parallel";
        many "cert" "PEM" "Certificates that may complete chains; not trusted by themselves";
        many "crl" "FILE" "CRL files (DER, or PEM with any number of X509 CRL blocks)";
        many "ocsp" "FILE" "OCSP response files (DER, or PEM with any number of blocks)";
        switch "online" "Fetch revocation data and missing issuers over the network";
        choice "revocation" "require|soft|off" "soft" "What unknown revocation status means";
        switch "strict" "SHA-1 fails, and so does an e-invoice signed by another tax code";
    });
    flags
}

fn ltv_flags() -> Vec<Arg> {
    flags! {
        text "tsa" "URL" "Time-stamp authority (B-T and above)";
        many "crl" "FILE" "CRL files to embed for B-LT and B-LTA (every PEM block)";
        many "ocsp" "FILE" "OCSP responses to embed for B-LT and B-LTA (every PEM block)";
        switch "online" "Fetch the revocation data to embed over the network";
    }
}

fn sign_flags() -> Vec<Arg> {
    flags! {
        choice "digest" "sha256|sha384|sha512" "sha256" "Digest algorithm";
        switch "pss" "Sign with RSASSA-PSS (RSA keys)";
        text "signing-time" "RFC3339" "Signing time instead of now; the certificate must be valid";
    }
}

fn pdf_flags() -> Vec<Arg> {
    let mut flags = flags! {
        choice "appearance" "leader|seal|copy|none" "none" "Leader's image, seal over it, copy notice";
        text "image" "PNG" "Signature image for --appearance leader or seal";
        number "page" "" "Page (1-based) of a new signature field";
        rect "rect" "Rectangle of a visible signature, in PDF points in the page's user space";
        text "field" "NAME" "Signature field (default: the first empty one, or a new one)";
        text "reason" "TEXT" "/Reason";
        text "location" "TEXT" "/Location";
        choice "level" "B-B|B-T|B-LT|B-LTA" "B-B" "PAdES level";
        number "certify" "" "Certification signature with DocMDP permissions 1, 2 or 3";
        switch "pkcs7" "Write adbe.pkcs7.detached instead of ETSI.CAdES.detached";
    };
    flags.extend(ltv_flags());
    flags
}

fn xml_flags() -> Vec<Arg> {
    flags! {
        choice "profile" "dsig|einvoice|xades" "dsig" "Signature profile";
        choice "mode" "enveloped|enveloping|detached" "enveloped" "Where the signed data stands";
        text "ref" "ID" "Id of the element to sign (default: the document; e-invoice: DLHDon)";
        text "parent" "PATH" "Where the Signature goes, such as HDon/DSCKS/NBan";
        switch "include-chain" "Put the whole certificate chain in KeyInfo";
        text "tsa" "URL" "Time-stamp authority for XAdES-B-T";
    }
}

fn extend_flags() -> Vec<Arg> {
    let mut flags = flags! { choice "level" "B-B|B-T|B-LT|B-LTA" "" "Target level"; };
    flags.extend(ltv_flags());
    flags
}

/// The command line's own arguments, not settings: files, `--json`, where the key is.
fn own_flags(command: &str) -> Vec<Arg> {
    let password = text("password-env", "VAR", PASSWORD_ENV);
    let json = switch("json", "Print JSON");
    match command {
        "inspect" => vec![path("file", "", "The file to inspect"), password, json],
        "verify" => vec![
            path("files", "", "Files or directories").num_args(1..),
            json,
        ],
        "extend" => flags! { path "input" "" "The signed PDF"; path "output" "" "The result"; },
        _ => flags! {
            path "input" "" "The document to sign";
            path "output" "" "Where to write it";
            path "key" "P12|PEM" "Signing key: a PKCS#12 file (.p12/.pfx) or a PEM private key";
            path "chain" "PEM" "PEM certificates (signer first) for a PEM key";
            text "password-env" "VAR" "Environment variable holding the password";
        },
    }
}

const PASSWORD_ENV: S = "Environment variable holding the password";

fn about(command: &str) -> S {
    match command {
        "demo" => "Sign and verify the bundled fixtures end to end",
        "inspect" => "Summarise a certificate, PEM bundle or PKCS#12 file",
        "sign" => "Sign a document",
        "pdf" => "Sign a PDF (PAdES), as an incremental update that keeps every original byte",
        "xml" => "Sign an XML document (XMLDSig, XAdES, Vietnamese e-invoice)",
        "extend" => "Raise a signed PDF to B-LT (validation material) or B-LTA (+ time-stamp)",
        "completions" => "Print a shell completion script (bash, zsh, fish, elvish, powershell)",
        _ => "Verify signed PDF or XML documents (files or directories)",
    }
}

fn cli() -> Command {
    let command = |name, flags: Vec<Arg>| {
        let own = own_flags(name);
        Command::new(name).about(about(name)).args(own).args(flags)
    };
    let sign = |name, flags| {
        let command = command(name, [sign_flags(), flags].concat());
        command.mut_arg("key", |key| key.required(true))
    };
    let extend = command("extend", extend_flags()).name("pdf");
    let shell = Arg::new("shell")
        .required(true)
        .value_parser(value_parser!(Shell));
    let group = |name| {
        Command::new(name)
            .about(about(name))
            .subcommand_required(true)
    };
    Command::new("kyso")
        .version(env!("CARGO_PKG_VERSION"))
        .about("Sign and verify PDF and XML documents (ký số)")
        .subcommand_required(true)
        .after_help(EXAMPLES)
        .subcommands([
            Command::new("demo").about(about("demo")),
            command("inspect", trust_flags()),
            group("sign").subcommands([sign("pdf", pdf_flags()), sign("xml", xml_flags())]),
            group("extend").subcommand(extend),
            Command::new("completions")
                .about(about("completions"))
                .arg(shell),
            command("verify", verify_flags()),
        ])
}

const EXAMPLES: &str = "Examples:
  kyso verify signed.pdf --trust fixtures/pki/root.pem --lang vi
  kyso verify invoices/ --jobs 4 --json --revocation require --online
  KYSO_PW=kyso-test kyso sign pdf in.pdf out.pdf --key fixtures/pki/leader.p12 \\
      --password-env KYSO_PW --reason \"Phê duyệt\" --level B-T --tsa http://tsa.example/
  kyso sign xml hoadon.xml hoadon-ky.xml --key business.p12 --profile einvoice";

/// The settings a command's flags ask for: each flag defined by `flags` under its settings
/// key, through the JSON form the C ABI reads.
fn settings_of<T: serde::de::DeserializeOwned>(m: &ArgMatches, flags: &[Arg]) -> Result<T, Usage> {
    let mut json = serde_json::Map::new();
    for arg in flags {
        let id = arg.get_id().as_str();
        let value = match arg.get_action() {
            ArgAction::SetTrue => Value::Bool(m.get_flag(id)),
            ArgAction::Append => m
                .get_many::<Value>(id)
                .into_iter()
                .flatten()
                .cloned()
                .collect(),
            _ => m.get_one::<Value>(id).cloned().unwrap_or(Value::Null),
        };
        json.insert(id.replace('-', "_"), value);
    }
    Ok(serde_json::from_value(Value::Object(json))?)
}

/// A failure that maps to exit code 4.
struct Usage(String);

impl<E: std::fmt::Display> From<E> for Usage {
    fn from(e: E) -> Self {
        Usage(e.to_string())
    }
}

/// An error about a file, naming it.
fn at(path: &Path) -> impl Fn(kyso::Error) -> Usage + '_ {
    move |e| Usage(format!("{}: {e}", path.display()))
}

fn read(path: &Path) -> Result<Vec<u8>, Usage> {
    std::fs::read(path).map_err(|e| Usage(format!("{}: {e}", path.display())))
}

fn write(path: &Path, bytes: &[u8]) -> Result<i32, Usage> {
    std::fs::write(path, bytes).map_err(|e| Usage(format!("{}: {e}", path.display())))?;
    Ok(0)
}

/// A path argument that clap has made sure is there.
fn path_of<'a>(m: &'a ArgMatches, id: &str) -> Result<&'a Path, Usage> {
    m.get_one::<PathBuf>(id)
        .map(PathBuf::as_path)
        .ok_or_else(|| Usage(format!("{id} missing")))
}

/// The password named by `--password-env`; an unset variable is an error, not "no password".
fn env_password(m: &ArgMatches) -> Result<Option<String>, Usage> {
    let var = m.get_one::<Value>("password-env").and_then(Value::as_str);
    let read = |v| std::env::var(v).map_err(|_| format!("environment variable {v} is not set"));
    Ok(var.map(read).transpose()?)
}

fn main() -> ExitCode {
    let matches = match cli().try_get_matches() {
        Ok(matches) => matches,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 4 } else { 0 });
        }
    };
    match run(&matches) {
        Ok(code) => ExitCode::from(u8::try_from(code).unwrap_or(4)),
        Err(Usage(msg)) => {
            eprintln!("kyso: {msg}");
            ExitCode::from(4)
        }
    }
}

/// A signing call of the library.
type Sign = fn(&[u8], &SignSettings, Option<&dyn kyso::crypto::Signer>) -> kyso::Result<Vec<u8>>;

fn run(matches: &ArgMatches) -> Result<i32, Usage> {
    match matches.subcommand() {
        Some(("demo", _)) => demo(),
        Some(("completions", m)) => {
            let shell = *m.get_one::<Shell>("shell").ok_or(Usage("shell?".into()))?;
            clap_complete::generate(shell, &mut cli(), "kyso", &mut std::io::stdout());
            Ok(0)
        }
        Some(("inspect", m)) => {
            let settings = settings::InspectSettings {
                password: env_password(m)?,
                ..settings_of(m, &trust_flags())?
            };
            let file = path_of(m, "file")?;
            let report = kyso::inspect::inspect(&read(file)?, &settings.inspect_options()?);
            let report = report.map_err(at(file))?;
            match m.get_flag("json") {
                true => println!("{}", serde_json::to_string_pretty(&report)?),
                false => print!("{}", kyso::render::render_inspect(&report, settings.lang)),
            }
            Ok(report.exit_code())
        }
        Some(("sign", m)) => {
            let (m, flags, sign): (_, _, Sign) = match m.subcommand() {
                Some(("pdf", m)) => (m, pdf_flags(), settings::sign_pdf),
                Some(("xml", m)) => (m, xml_flags(), settings::sign_xml),
                _ => return Err(Usage("sign pdf or sign xml".into())),
            };
            let chain = m.get_one::<PathBuf>("chain").map(PathBuf::as_path);
            let key = KeySource::from_file(path_of(m, "key")?, env_password(m)?, chain)?;
            let flags = [sign_flags(), flags].concat();
            let settings = SignSettings {
                key: Some(key),
                ..settings_of(m, &flags)?
            };
            let input = path_of(m, "input")?;
            let signed = sign(&read(input)?, &settings, None).map_err(at(input))?;
            write(path_of(m, "output")?, &signed)
        }
        Some(("extend", m)) => {
            let m = m
                .subcommand_matches("pdf")
                .ok_or(Usage("extend pdf".into()))?;
            let settings: settings::ExtendSettings = settings_of(m, &extend_flags())?;
            let options = settings.extend_options()?;
            let input = path_of(m, "input")?;
            let extended = kyso::pdf::extend_pdf(&read(input)?, &options).map_err(at(input))?;
            write(path_of(m, "output")?, &extended)
        }
        Some(("verify", m)) => {
            let settings: VerifySettings = settings_of(m, &verify_flags())?;
            let options = settings.verify_options()?;
            let files: Vec<&PathBuf> = m
                .get_many::<PathBuf>("files")
                .into_iter()
                .flatten()
                .collect();
            let paths = kyso::batch::collect_files(&files)?;
            // A bar only for people watching a terminal, never in pipes or logs.
            let bar = (paths.len() > 1 && std::io::stderr().is_terminal())
                .then(|| indicatif::ProgressBar::new(paths.len() as u64));
            let (json, lang) = (m.get_flag("json"), settings.lang);
            let mut printer = Printer { json, lang, bar };
            let items = kyso::batch::verify_many(&paths, &options, settings.jobs, &mut printer);
            if let Some(bar) = &printer.bar {
                bar.finish_and_clear();
            }
            Ok(kyso::batch::exit_code(&items))
        }
        _ => Err(Usage("unknown command".into())),
    }
}

/// Prints each report as the batch hands it over, under a progress bar on a terminal.
struct Printer {
    json: bool,
    lang: Lang,
    bar: Option<indicatif::ProgressBar>,
}

impl BatchObserver for Printer {
    fn progress(&mut self, done: usize, _total: usize) {
        if let Some(bar) = &self.bar {
            bar.set_position(done as u64);
        }
    }

    fn result(&mut self, _index: usize, item: &BatchItem) {
        let text = match &item.outcome {
            Ok(report) if self.json => serde_json::to_string(report).unwrap_or_default(),
            Ok(report) => kyso::render::render_text(report, self.lang),
            Err(e) => {
                let message = kyso::render::error_text(e, self.lang);
                return eprintln!("kyso: {}: {message}", item.path.display());
            }
        };
        match &self.bar {
            Some(bar) => bar.suspend(|| emit(text.trim_end())),
            None => emit(text.trim_end()),
        }
    }
}

/// Writes a report to stdout; a closed pipe (`kyso verify … | head`) ends the output quietly
/// instead of panicking.
fn emit(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if writeln!(out, "{text}").and_then(|()| out.flush()).is_err() {
        std::process::exit(0);
    }
}

/// The demo: inspect the fixture keys, sign a PDF as leader then seal, verify, tamper. The
/// settings are written as the JSON a C or Python caller would pass.
fn demo() -> Result<i32, Usage> {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let file = |rel: &str| fixtures.join(rel).display().to_string();
    // A fixed time inside every fixture's validity window.
    let at = "2026-01-01T00:00:00Z";
    println!(
        "kyso demo — fixtures in {}, validated at {at}\n",
        file("pki")
    );
    let mut worst = 0;
    for name in ["leader", "seal", "business", "ecdsa", "two-uid"] {
        let json = json!({"password": "kyso-test", "trust": [file("pki/root.pem")], "at": at});
        let settings: settings::InspectSettings = serde_json::from_value(json)?;
        let data = read(&fixtures.join(format!("pki/{name}.p12")))?;
        let report = kyso::inspect::inspect(&data, &settings.inspect_options()?)?;
        worst = worst.max(report.exit_code());
        for leaf in report.certificates.iter().take(1) {
            let id = &leaf.identity;
            let ids = [("MST", &id.mst), ("MNS", &id.mns), ("CCCD", &id.cccd)];
            let ids: Vec<String> = ids
                .iter()
                .flat_map(|(l, v)| v.iter().map(move |x| format!("{l} {x}")))
                .collect();
            let valid = leaf.validation.as_ref().is_some_and(|v| v.valid);
            let cn = id.common_name.as_deref().unwrap_or("?");
            println!(
                "{name:<9} {cn:<40} {:<32} chain valid: {valid}",
                ids.join(", ")
            );
        }
    }
    // Decree 30: the leader's blue signature image centred in the signature block, then the
    // organization's red seal over its left third, signed afterwards; then a clerk verifies.
    let document = read(&fixtures.join("docs/vietnamese.pdf"))?;
    let mut signed = document.clone();
    for (name, reason, image) in [
        ("leader", "Phê duyệt", "leader-signature"),
        ("seal", "Đóng dấu", "seal"),
    ] {
        let settings: SignSettings = serde_json::from_value(json!({
            "key": {"p12_path": file(&format!("pki/{name}.p12")), "password": "kyso-test"},
            "signing_time": at, "reason": reason, "appearance": name,
            "image": file(&format!("images/{image}.png")), "rect": [320, 480, 180, 90],
        }))?;
        signed = settings::sign_pdf(&signed, &settings, None)?;
    }
    let out = std::env::temp_dir().join("kyso-demo-signed.pdf");
    std::fs::write(&out, &signed)?;
    let kept = signed.starts_with(&document);
    println!("\nsigned docs/vietnamese.pdf as leader, then seal; original bytes kept: {kept}");
    let json = json!({"trust": [file("pki/root.pem")], "crl": [file("pki/gov-ca.crl")], "at": at});
    let options = serde_json::from_value::<VerifySettings>(json)?.verify_options()?;
    let report = kyso::verify_file(&out, &options)?;
    print!("{}", kyso::render::render_text(&report, Lang::En));
    worst = worst.max(report.exit_code());
    // Tampering with one signed byte is caught.
    if let Some(b) = signed.get_mut(document.len() / 2) {
        *b ^= 0x20;
    }
    let report = kyso::verify(&signed, &options)?;
    let text = kyso::render::indication_text(report.indication, Lang::En);
    println!("after flipping one byte: {text}");
    Ok(match report.indication {
        kyso::Indication::TotalPassed => 1,
        _ => worst,
    })
}
