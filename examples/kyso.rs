//! kyso command line: flags in, `kyso::settings` out, the library called, the result printed.
//! A flag's long name is its settings key (`--no-pinned-roots`: `no_pinned_roots`); a command's
//! flags become the JSON the C ABI reads, so C and Python get what the CLI gets. Files, `--json`
//! and the key's flags are the CLI's own. Exit codes (worst over all inputs): 0 passed,
//! 1 failed, 2 indeterminate, 3 no signature, 4 usage or I/O error.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::{ExitCode, exit};

use clap::builder::{PossibleValuesParser, StringValueParser, TypedValueParser};
use clap::{Arg, ArgAction, ArgMatches, Command, value_parser};
use clap_complete::Shell;
use kyso::render::{render_builtin, render_inspect};
use kyso::settings::{self, KeySource, SignSettings, VerifySettings};
use serde_json::Value;

type S = &'static str;

/// Flags, one row each: `kind "name" …;` (a function below); the name is also the settings key.
macro_rules! flags {
    ($($kind:ident $($arg:literal)+;)*) => { vec![$($kind($($arg),+)),*] };
}

fn switch(name: S, help: S) -> Arg {
    let arg = Arg::new(name).long(name).help(help);
    arg.action(ArgAction::SetTrue)
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
    let canonical = move |given: String| {
        let found = values.split('|').find(|v| v.eq_ignore_ascii_case(&given));
        Value::from(found.unwrap_or(&given))
    };
    let parser = PossibleValuesParser::new(values.split('|')).map(canonical);
    let arg = Arg::new(name).long(name).help(help).ignore_case(true);
    let arg = arg.required(default.is_empty()).value_parser(parser);
    arg.default_value((!default.is_empty()).then_some(default))
}

fn number(name: S, default: S, help: S) -> Arg {
    let arg = Arg::new(name).long(name).help(help).value_name("N");
    let arg = arg.value_parser(value_parser!(u64).map(Value::from));
    arg.default_value((!default.is_empty()).then_some(default))
}

/// A file argument of the command line itself: positional, or `--name` with a value name.
fn path(name: S, value: S, help: S) -> Arg {
    let arg = Arg::new(name).help(help);
    let arg = arg.value_parser(value_parser!(PathBuf));
    match value {
        "" => arg.required(true),
        value => arg.long(name).value_name(value),
    }
}

fn trust_flags() -> Vec<Arg> {
    flags! {
        many "trust" "PEM|DIR" "Trusted certificates: a PEM/DER file, bundle or directory";
        switch "no-pinned-roots" "Do not trust the built-in Vietnamese roots (national and legacy)";
        text "at" "RFC3339" "Validation time (RFC 3339); default now";
        choice "lang" "en|vi" "en" "Language of the human report";
    }
}

fn verify_flags() -> Vec<Arg> {
    let verify = flags! {
        number "jobs" "1" "Files verified in parallel";
        many "cert" "PEM" "Certificates that may complete chains; not trusted by themselves";
        many "crl" "FILE" "CRL files (DER, or PEM with any number of X509 CRL blocks)";
        many "ocsp" "FILE" "OCSP response files (DER, or PEM with any number of blocks)";
        switch "online" "Fetch revocation data and missing issuers over the network";
        choice "revocation" "require|soft|off" "soft" "What unknown revocation status means";
        switch "strict" "SHA-1 fails, and so does an e-invoice signed by another tax code";
    };
    [trust_flags(), verify].concat()
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
    let pdf = flags! {
        choice "appearance" "leader|seal|copy|none" "none" "Leader's image, seal over it, copy notice";
        text "image" "PNG" "Signature image for --appearance leader or seal";
        number "page" "" "Page (1-based) of a new signature field";
        text "rect" "X,Y,W,H" "Rectangle of a visible signature, in PDF points in the page's user space";
        text "field" "NAME" "Signature field (default: the first empty one, or a new one)";
        text "reason" "TEXT" "/Reason";
        text "location" "TEXT" "/Location";
        choice "level" "B-B|B-T|B-LT|B-LTA" "B-B" "PAdES level";
        number "certify" "" "Certification signature with DocMDP permissions 1, 2 or 3";
        switch "pkcs7" "Write adbe.pkcs7.detached instead of ETSI.CAdES.detached";
    };
    [pdf, ltv_flags()].concat()
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

/// A key on a PKCS#11 token: these flags are the key's JSON form (`pkcs11_module`, …).
fn token_flags() -> Vec<Arg> {
    flags! {
        text "pkcs11-module" "LIB" "PKCS#11 module of a token (the vendor's .so or .dll)";
        text "token-label" "LABEL" "Token label (default: the only token)";
        text "token-serial" "SERIAL" "Token serial number";
        text "key-label" "LABEL" "Label of the key on the token";
        text "key-id" "HEX" "CKA_ID of the key on the token";
        text "pin-env" "VAR" "Environment variable holding the token's PIN";
    }
}

fn prepare_flags() -> Vec<Arg> {
    flags! {
        text "cert" "PEM" "The signer's certificate, then its issuers";
        number "expires-in" "" "Seconds the state may be finished in (default 1800)";
    }
}

fn extend_flags() -> Vec<Arg> {
    let level = flags! { choice "level" "B-B|B-T|B-LT|B-LTA" "" "Target level"; };
    [level, ltv_flags()].concat()
}

/// The command line's own arguments, not settings: files, `--json`, where the key is.
fn own_flags(command: &str) -> Vec<Arg> {
    let files = path("files", "", "Files or directories").num_args(1..);
    let json = switch("json", "Print the JSON reports, one a line");
    let shell = Arg::new("shell").value_parser(value_parser!(Shell));
    match command {
        "inspect" => flags! {
            path "file" "" "The file to inspect";
            text "password-env" "VAR" "Environment variable holding the PKCS#12 password";
            switch "json" "Print JSON";
            path "pkcs11-module" "LIB" "List the tokens, keys and certificates of a PKCS#11 module";
            text "pin-env" "VAR" "Log in to list private keys too: the PIN's environment variable";
        },
        "verify" => vec![files, json],
        "list" | "trust" => vec![switch("json", "Print JSON")],
        "completions" => vec![shell.required(true)],
        "extend-pdf" => flags! { path "input" "" "The signed PDF"; path "output" "" "The result"; },
        "pdf" | "xml" => flags! {
            path "input" "" "The document to sign";
            path "output" "" "Where to write it";
            path "key" "P12|PEM" "Signing key: a PKCS#12 file (.p12/.pfx) or a PEM private key";
            path "chain" "PEM" "PEM certificates (signer first) for a PEM key";
            text "password-env" "VAR" "Environment variable holding the password";
        },
        "prepare-pdf" | "prepare-xml" => flags! {
            path "input" "" "The document to prepare";
            path "state" "FILE" "Where to write the state that finish reads";
            switch "json" "Print the hash to sign as JSON";
        },
        "finish" => flags! {
            path "state" "FILE" "The state that prepare wrote";
            path "signature" "FILE" "The raw signature over the hash";
            text "signature-b64" "B64" "The raw signature, base64";
            path "input" "" "The document that was prepared";
            path "output" "" "Where to write the signed document";
        },
        _ => vec![],
    }
}

fn about(command: &str) -> S {
    match command {
        "demo" => "Sign and verify the bundled fixtures end to end",
        "inspect" => "Summarise a certificate, PEM bundle or PKCS#12 file",
        "sign" => "Sign a document",
        "pdf" => "Sign a PDF (PAdES), as an incremental update that keeps every original byte",
        "xml" => "Sign an XML document (XMLDSig, XAdES, Vietnamese e-invoice)",
        "extend" => "Raise a signed document to a long-term level",
        "extend-pdf" => "Add validation material (B-LT) and a document time-stamp (B-LTA)",
        "prepare" | "prepare-pdf" | "prepare-xml" => "Lay out a signature; print the hash to sign",
        "finish" => "Embed a signature made elsewhere over the prepared hash",
        "completions" => "Print a shell completion script (bash, zsh, fish, elvish, powershell)",
        "trust" | "list" => "The built-in national roots, legacy roots and issuing CAs",
        _ => "Verify signed PDF or XML documents (files or directories)",
    }
}

fn cli() -> Command {
    let commands = "demo inspect sign extend prepare finish completions trust verify";
    let command = |name| Command::new(name).about(about(name)).defer(body);
    Command::new("kyso")
        .version(env!("CARGO_PKG_VERSION"))
        .about("Sign and verify PDF and XML documents (ký số)")
        .subcommand_required(true)
        .after_help(EXAMPLES)
        .subcommands(commands.split(' ').map(command))
}

/// A command's flags and subcommands, built by clap only for the command that runs: a
/// one-file verify does not pay for every flag table.
fn body(c: Command) -> Command {
    // `extend-pdf` is `extend`'s `pdf`: the part after the dash is the command's name.
    let leaf = |name: S, flags: Vec<Arg>| {
        let (short, flags) = (name.rsplit('-').next(), [own_flags(name), flags].concat());
        let command = Command::new(short.unwrap_or(name));
        command.about(about(name)).args(flags)
    };
    let unless_token = |arg: Arg| arg.required(false).required_unless_present("pkcs11-module");
    let sign = |name, flags| leaf(name, [sign_flags(), flags, token_flags()].concat());
    let sign = |name, flags| sign(name, flags).mut_arg("key", unless_token);
    let prepare = |name, flags| leaf(name, [sign_flags(), flags, prepare_flags()].concat());
    let prepare = |name, flags| prepare(name, flags).mut_arg("state", |s| s.required(true));
    let name = c.get_name().to_owned();
    let c = c.args(own_flags(&name));
    match name.as_str() {
        "inspect" => c.args(trust_flags()).mut_arg("file", unless_token),
        "sign" => c.subcommands([sign("pdf", pdf_flags()), sign("xml", xml_flags())]),
        "extend" => c.subcommand(leaf("extend-pdf", extend_flags())),
        "prepare" => c.subcommands([
            prepare("prepare-pdf", pdf_flags()),
            prepare("prepare-xml", xml_flags()),
        ]),
        "finish" => c.mut_arg("state", |s| s.required(true)),
        "trust" => c.subcommand(leaf("list", vec![])),
        "verify" => c.args(verify_flags()),
        _ => c,
    }
    .subcommand_required(matches!(name.as_str(), "sign" | "extend" | "prepare"))
}

const EXAMPLES: &str =
    "Examples:\n  kyso verify invoices/ --jobs 4 --json --lang vi --trust root.pem
  KYSO_PW=… kyso sign pdf in.pdf out.pdf --key leader.p12 --password-env KYSO_PW --level B-B";

/// The settings that `flags` ask for, each under its key, through the C ABI's JSON form.
fn settings_of<T: serde::de::DeserializeOwned>(m: &ArgMatches, flags: &[Arg]) -> Result<T, Usage> {
    let mut json = serde_json::Map::new();
    for arg in flags {
        let id = arg.get_id().as_str();
        let mut values = match arg.get_action() {
            ArgAction::SetTrue => vec![Value::Bool(m.get_flag(id))],
            _ => m
                .get_many::<Value>(id)
                .into_iter()
                .flatten()
                .cloned()
                .collect(),
        };
        let value = match arg.get_action() {
            ArgAction::Append => Value::Array(values),
            _ => values.pop().unwrap_or_default(),
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
    let written = std::fs::write(path, bytes).map(|()| 0);
    written.map_err(|e| Usage(format!("{}: {e}", path.display())))
}

/// Pretty JSON with `--json`, otherwise the human text; then the exit code.
fn show(m: &ArgMatches, v: &impl serde::Serialize, text: String, code: i32) -> Result<i32, Usage> {
    let json = serde_json::to_string_pretty(v)? + "\n";
    print!("{}", if m.get_flag("json") { json } else { text });
    Ok(code)
}

/// A path argument that clap has made sure is there.
fn path_of<'a>(m: &'a ArgMatches, id: &str) -> Result<&'a Path, Usage> {
    let path = m.get_one::<PathBuf>(id).map(PathBuf::as_path);
    path.ok_or_else(|| Usage(format!("{id} missing")))
}

/// The password named by `--password-env`; an unset variable is an error, not "no password".
fn env_password(m: &ArgMatches) -> Result<Option<String>, Usage> {
    let var = m.get_one::<Value>("password-env").and_then(Value::as_str);
    let read = |v| std::env::var(v).map_err(|_| format!("environment variable {v} is not set"));
    Ok(var.map(read).transpose()?)
}

fn main() -> ExitCode {
    let code = match cli().try_get_matches() {
        Ok(matches) => run(&matches).unwrap_or_else(|Usage(message)| {
            eprintln!("kyso: {message}");
            4
        }),
        Err(e) => {
            let _ = e.print();
            if e.use_stderr() { 4 } else { 0 }
        }
    };
    ExitCode::from(u8::try_from(code).unwrap_or(4))
}

/// A signing call of the library.
type Sign = fn(&[u8], &SignSettings, Option<&dyn kyso::crypto::Signer>) -> kyso::Result<Vec<u8>>;

fn run(matches: &ArgMatches) -> Result<i32, Usage> {
    let (name, m) = matches.subcommand().ok_or(Usage("no command".into()))?;
    let (name, m) = match m.subcommand() {
        Some((sub, m)) => (format!("{name} {sub}"), m),
        None => (name.to_string(), m),
    };
    match name.as_str() {
        "demo" => Ok(kyso::demo::run_bundled(&mut std::io::stdout())?),
        "completions" => {
            let shell = *m.get_one::<Shell>("shell").ok_or(Usage("shell?".into()))?;
            clap_complete::generate(shell, &mut cli(), "kyso", &mut std::io::stdout());
            Ok(0)
        }
        "inspect" if m.contains_id("pkcs11-module") => {
            let pin_env = m.get_one::<Value>("pin-env").and_then(Value::as_str);
            let tokens = settings::list_tokens(path_of(m, "pkcs11-module")?, pin_env)?;
            show(m, &tokens, kyso::render::render_tokens(&tokens), 0)
        }
        "inspect" => {
            let mut settings: settings::InspectSettings = settings_of(m, &trust_flags())?;
            settings.password = env_password(m)?;
            let file = path_of(m, "file")?;
            let report = kyso::inspect::inspect(&read(file)?, &settings.inspect_options()?);
            let report = report.map_err(at(file))?;
            let text = render_inspect(&report, settings.lang);
            show(m, &report, text, report.exit_code())
        }
        "trust" | "trust list" => {
            let entries = kyso::pki::builtin::BuiltinSet::vietnam().entries();
            show(m, &entries, render_builtin(&entries), 0)
        }
        "sign pdf" => sign(m, pdf_flags(), settings::sign_pdf),
        "sign xml" => sign(m, xml_flags(), settings::sign_xml),
        "prepare pdf" => prepare(m, pdf_flags()),
        "prepare xml" => prepare(m, xml_flags()),
        "finish" => {
            let file = m.get_one::<PathBuf>("signature").map(PathBuf::as_path);
            let b64 = m.get_one::<Value>("signature-b64").and_then(Value::as_str);
            let signature = settings::signature_from(file, b64)?;
            let (state, input) = (path_of(m, "state")?, path_of(m, "input")?);
            let finished = settings::finish_file(state, &signature, input, path_of(m, "output")?);
            finished.map(|()| 0).map_err(at(input))
        }
        "extend pdf" => {
            let settings: settings::ExtendSettings = settings_of(m, &extend_flags())?;
            let input = path_of(m, "input")?;
            let extended = settings::extend_pdf(&read(input)?, &settings).map_err(at(input))?;
            write(path_of(m, "output")?, &extended)
        }
        _ => {
            let settings: VerifySettings = settings_of(m, &verify_flags())?;
            let options = settings.verify_options()?;
            let files = m.get_many::<PathBuf>("files").into_iter().flatten();
            let paths = kyso::batch::collect_files(&files.collect::<Vec<_>>())?;
            // A bar only for people watching a terminal, never in pipes or logs.
            let bar = (paths.len() > 1 && std::io::stderr().is_terminal())
                .then(|| Bar(indicatif::ProgressBar::new(paths.len() as u64)));
            let progress = bar.as_ref().map(|b| b as &dyn kyso::batch::Progress);
            let (json, lang, on_closed) = (m.get_flag("json"), settings.lang, || exit(0));
            let mut printer = kyso::batch::Printer {
                json,
                lang,
                progress,
                on_closed,
            };
            let items = kyso::batch::verify_many(&paths, &options, settings.jobs, &mut printer);
            bar.inspect(|b| b.0.finish_and_clear());
            Ok(kyso::batch::exit_code(&items))
        }
    }
}

/// `sign pdf` and `sign xml`: the key from `--key`, `--chain` and `--password-env`, or a
/// token's flags (the PIN only ever from the variable `--pin-env` names).
fn sign(m: &ArgMatches, flags: Vec<Arg>, sign: Sign) -> Result<i32, Usage> {
    let chain = m.get_one::<PathBuf>("chain").map(PathBuf::as_path);
    let key = match m.contains_id("pkcs11-module") {
        true => settings_of::<KeySource>(m, &token_flags())?.with_chain(chain)?,
        false => KeySource::from_file(path_of(m, "key")?, env_password(m)?, chain)?,
    };
    let mut settings: SignSettings = settings_of(m, &[sign_flags(), flags].concat())?;
    settings.key = Some(key);
    let input = path_of(m, "input")?;
    let signed = sign(&read(input)?, &settings, None).map_err(at(input))?;
    write(path_of(m, "output")?, &signed)
}

/// `prepare pdf|xml`: the state to `--state`, the hash to sign to stdout.
fn prepare(m: &ArgMatches, flags: Vec<Arg>) -> Result<i32, Usage> {
    let settings: SignSettings = settings_of(m, &[sign_flags(), flags, prepare_flags()].concat())?;
    let input = path_of(m, "input")?;
    let hash = settings::prepare_file(input, path_of(m, "state")?, &settings).map_err(at(input))?;
    show(m, &hash, hash.to_string(), 0)
}

/// The progress bar, shown only to people watching a terminal.
impl kyso::batch::Progress for Bar {
    fn set(&self, done: usize) {
        self.0.set_position(done as u64);
    }

    fn suspend(&self, print: &mut dyn FnMut()) {
        self.0.suspend(print);
    }
}

struct Bar(indicatif::ProgressBar);
