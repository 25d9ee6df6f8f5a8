//! Differential tests against lxml (libxml2's canonicalizer), through
//! `tests/support/c14n_lxml.py`.
//!
//! A seeded generator writes documents that exercise what canonicalization has to get right:
//! prefixes declared, redeclared and undeclared (`xmlns=""`) at various depths, namespaced
//! and unqualified attributes in every order, `xml:lang`, `xml:space`, `xml:id`, `xml:base`,
//! escaping of `& < > " ' TAB LF CR` in text and attribute values (literal and as character
//! references), CDATA sections, comments and processing instructions before, inside and after
//! the document element, CRLF line ends and Vietnamese text. Each document is canonicalized
//! whole and at random subtrees with Canonical XML 1.0 and Exclusive C14N, with and without
//! comments and with random InclusiveNamespaces PrefixLists, and kyso's bytes must equal
//! lxml's. lxml has no Canonical XML 1.1; for a whole document 1.1 equals 1.0 (the versions
//! differ only in §2.4, document subsets), so kyso's 1.1 output is compared with lxml's 1.0.
//!
//! Without python3 and lxml the test prints a note and passes, except under `CI=true`.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use kyso::Limits;
use kyso::xml::c14n::{C14nMethod, Canonicalizer, InclusivePrefixes};
use kyso::xml::{IdAttributes, XmlDocument};

const DOCUMENTS: usize = 400;

/// SplitMix64: small, seeded, good enough to spread the cases.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<T: Clone>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())].clone()
    }
}

const PREFIXES: &[&str] = &["a", "b", "ds", "xades", "p1"];
/// Namespace URIs. None holds `&`, `<` or `"`: libxml2 writes namespace URIs unescaped,
/// where Canonical XML processes a namespace node "in the same way as an attribute node"
/// (kyso escapes, as the spec says; a unit test pins that).
const URIS: &[&str] = &[
    "urn:a",
    "urn:b",
    "http://example.org/ns",
    "http://www.w3.org/2000/09/xmldsig#",
    "urn:oid:1.2.3",
    "http://example.org/q?x=1;y=%22",
];
const ELEMENTS: &[&str] = &["HDon", "DLHDon", "TTChung", "NDHDon", "e", "Signature", "x"];
const ATTRIBUTES: &[&str] = &["Id", "id", "a", "b", "z", "attr", "Ngay"];
const TEXT: &[&str] = &[
    "Hóa đơn",
    " tiếng Việt ",
    "Người mua: Công ty TNHH Ánh Dương",
    "số 1",
    "plain",
    "&amp;",
    "&lt;",
    "&gt;",
    "&quot;",
    "&apos;",
    ">",
    "'",
    "\"",
    "&#13;",
    "&#x0D;",
    "&#9;",
    "&#10;",
    "&#233;",
    "&#x1F600;",
    "&#xD7FF;",
    "\r\n",
    "\r",
    "\n",
    "\t",
    "  ",
    "<![CDATA[ a < b && c > d ]]>",
    "<![CDATA[]]>",
    "<![CDATA[\r\nđ\"'\r]]>",
];
const ATTR_VALUE: &[&str] = &[
    "Hóa đơn",
    "1",
    "",
    " x ",
    "&amp;",
    "&lt;",
    "&gt;",
    ">",
    "&quot;",
    "&apos;",
    "&#9;",
    "&#10;",
    "&#13;",
    "&#x20;",
    "&#233;",
    "\t",
    "\n",
    "\r\n",
    "ngày 01/01/2025",
];
const COMMENTS: &[&str] = &[
    " comment ",
    "bình luận",
    "a-b",
    "x\r\ny",
    "<tag> & stuff",
    "",
];
const PI_TARGETS: &[&str] = &["pi", "xml-stylesheet", "app"];
const PI_DATA: &[&str] = &["", "a b  ", "x='1'", "dữ liệu", "  lead"];

type Scope = BTreeMap<Option<String>, String>;

struct Generator {
    rng: Rng,
    out: String,
    ids: usize,
}

impl Generator {
    fn space(&mut self) -> &'static str {
        self.rng.pick(&[" ", "  ", "\n  ", "\t", "\r\n "])
    }

    fn quoted(&mut self, value: &str) {
        let quote = if self.rng.chance(50) { '"' } else { '\'' };
        self.out.push(quote);
        for c in value.chars() {
            match c {
                '"' if quote == '"' => self.out.push_str("&quot;"),
                '\'' if quote == '\'' => self.out.push_str("&apos;"),
                _ => self.out.push(c),
            }
        }
        self.out.push(quote);
    }

    /// An attribute value in source form (already escaped except for the quotes).
    fn attr_value(&mut self) -> String {
        let mut v = String::new();
        for _ in 0..self.rng.below(4) {
            v.push_str(self.rng.pick(ATTR_VALUE));
        }
        if self.rng.chance(20) {
            v.push(if self.rng.chance(50) { '"' } else { '\'' });
        }
        v
    }

    fn misc(&mut self) {
        if self.rng.chance(50) {
            let c = self.rng.pick(COMMENTS);
            self.out.push_str(&format!("<!--{c}-->"));
        } else {
            let target = self.rng.pick(PI_TARGETS);
            let data = self.rng.pick(PI_DATA);
            if data.is_empty() {
                self.out.push_str(&format!("<?{target}?>"));
            } else {
                self.out.push_str(&format!("<?{target} {data}?>"));
            }
        }
    }

    fn document(&mut self) -> String {
        self.out.clear();
        if self.rng.chance(50) {
            self.out
                .push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
            let s = self.space();
            self.out.push_str(s);
        }
        for _ in 0..self.rng.below(3) {
            self.misc();
            let s = self.space();
            self.out.push_str(s);
        }
        self.element(0, &Scope::new());
        for _ in 0..self.rng.below(3) {
            let s = self.space();
            self.out.push_str(s);
            self.misc();
        }
        if self.rng.chance(50) {
            self.out.push('\n');
        }
        // kyso refuses a lone CR next to a reference in character data (the tree builder
        // would keep it as a CR); make every such CR the start of a CR LF.
        std::mem::take(&mut self.out)
            .replace("\r&", "\r\n&")
            .replace(";\r", ";\r\n")
    }

    fn element(&mut self, depth: usize, parent: &Scope) {
        let mut scope = parent.clone();
        let mut declarations: Vec<(Option<&str>, &str)> = Vec::new();
        for _ in 0..self.rng.below(4) {
            let prefix = if self.rng.chance(30) {
                None
            } else {
                Some(self.rng.pick(PREFIXES))
            };
            if declarations.iter().any(|(p, _)| *p == prefix) {
                continue;
            }
            let uri = if prefix.is_none() && self.rng.chance(30) {
                ""
            } else {
                self.rng.pick(URIS)
            };
            declarations.push((prefix, uri));
            scope.insert(prefix.map(str::to_owned), uri.to_owned());
        }
        let prefixed: Vec<String> = scope.keys().flatten().cloned().collect();
        let prefix = if !prefixed.is_empty() && self.rng.chance(50) {
            Some(self.rng.pick(&prefixed))
        } else {
            None
        };
        let local = self.rng.pick(ELEMENTS);
        let qname = match &prefix {
            Some(p) => format!("{p}:{local}"),
            None => local.to_owned(),
        };

        // Attributes, with distinct expanded names.
        let mut attributes: Vec<(String, String)> = Vec::new();
        let mut expanded: Vec<(String, String)> = Vec::new();
        for _ in 0..self.rng.below(5) {
            let name = self.rng.pick(ATTRIBUTES);
            let (qn, key) = if !prefixed.is_empty() && self.rng.chance(40) {
                let p = self.rng.pick(&prefixed);
                let uri = scope[&Some(p.clone())].clone();
                (format!("{p}:{name}"), (uri, name.to_owned()))
            } else {
                (name.to_owned(), (String::new(), name.to_owned()))
            };
            if expanded.contains(&key) {
                continue;
            }
            expanded.push(key);
            let value = self.attr_value();
            attributes.push((qn, value));
        }
        if self.rng.chance(25) {
            let lang = self.rng.pick(&["vi", "en", "vi-VN", ""]);
            attributes.push(("xml:lang".into(), lang.into()));
        }
        if self.rng.chance(15) {
            let space = self.rng.pick(&["preserve", "default"]);
            attributes.push(("xml:space".into(), space.into()));
        }
        if self.rng.chance(10) {
            self.ids += 1;
            attributes.push(("xml:id".into(), format!("id{}", self.ids)));
        }
        if self.rng.chance(10) {
            let base = self
                .rng
                .pick(&["http://example.org/dir/", "a/b", "../c", ""]);
            attributes.push(("xml:base".into(), base.into()));
        }

        // Write the start tag, declarations and attributes interleaved in random order.
        let mut items: Vec<(String, String)> = declarations
            .iter()
            .map(|(p, u)| {
                let name = match p {
                    Some(p) => format!("xmlns:{p}"),
                    None => "xmlns".to_owned(),
                };
                (name, (*u).to_owned())
            })
            .chain(attributes)
            .collect();
        for i in (1..items.len()).rev() {
            let j = self.rng.below(i + 1);
            items.swap(i, j);
        }
        self.out.push('<');
        self.out.push_str(&qname);
        for (name, value) in items {
            let s = self.space();
            self.out.push_str(s);
            self.out.push_str(&name);
            self.out.push_str(self.rng.pick(&["=", " = ", "=\n"]));
            self.quoted(&value);
        }
        if self.rng.chance(30) {
            let s = self.space();
            self.out.push_str(s);
        }
        if depth >= 5 || self.rng.chance(20) {
            self.out.push_str("/>");
            return;
        }
        self.out.push('>');
        for _ in 0..self.rng.below(5) {
            match self.rng.below(10) {
                0..=3 => {
                    let t = self.rng.pick(TEXT);
                    self.out.push_str(t);
                }
                4..=7 => self.element(depth + 1, &scope),
                _ => self.misc(),
            }
        }
        self.out.push_str("</");
        self.out.push_str(&qname);
        self.out.push('>');
    }
}

/// One comparison: a document, a target (element index or whole document) and a method.
#[derive(serde::Serialize)]
struct Case {
    xml: String,
    target: Option<usize>,
    exclusive: bool,
    with_comments: bool,
    prefixes: Option<Vec<String>>,
}

#[derive(serde::Deserialize)]
struct Reply {
    results: Vec<Answer>,
}

#[derive(serde::Deserialize)]
struct Answer {
    hex: Option<String>,
    error: Option<String>,
}

fn lxml_available() -> bool {
    Command::new("python3")
        .args(["-c", "import lxml.etree"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn run_lxml(cases: &[Case]) -> Vec<Answer> {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/support/c14n_lxml.py");
    let mut child = Command::new("python3")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    let request = serde_json::to_vec(&serde_json::json!({ "cases": cases })).unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(&request));
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(output.status.success(), "the lxml script failed");
    let reply: Reply = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(reply.results.len(), cases.len());
    reply.results
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn canonical_forms_match_lxml() {
    if !lxml_available() {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("python3 with lxml is required under CI");
        }
        eprintln!("note: python3 with lxml not found; skipping the lxml differential test");
        return;
    }
    let mut generator = Generator {
        rng: Rng(0x6b79_736f_c14e),
        out: String::new(),
        ids: 0,
    };
    let limits = Limits::default();
    let id_attrs = IdAttributes::none();

    // (case, kyso's output, what was run)
    let mut cases = Vec::new();
    let mut ours: Vec<(Vec<u8>, String)> = Vec::new();
    for _ in 0..DOCUMENTS {
        let xml = generator.document();
        let doc = XmlDocument::parse(&xml, &limits, &id_attrs)
            .unwrap_or_else(|e| panic!("generated document refused: {e}\n{xml}"));
        let elements: Vec<_> = doc.doc().descendants().filter(|n| n.is_element()).collect();
        let mut targets = vec![None];
        for _ in 0..2 {
            targets.push(Some(generator.rng.below(elements.len())));
        }
        for target in targets {
            let mut variants: Vec<(C14nMethod, Option<Vec<String>>)> = vec![
                (C14nMethod::Inclusive10, None),
                (C14nMethod::Inclusive10WithComments, None),
                (C14nMethod::Exclusive10, None),
                (C14nMethod::Exclusive10WithComments, None),
            ];
            let list: Vec<String> = PREFIXES
                .iter()
                .filter(|_| generator.rng.chance(30))
                .map(|p| (*p).to_owned())
                .collect();
            // No "#default": lxml passes on only the prefixes its document dictionary
            // knows, so it silently drops "#default". The Merlin vectors (references 18-26
            // and merlin-exc-c14n-one) and the unit tests cover it.
            let exclusive = if generator.rng.chance(50) {
                C14nMethod::Exclusive10
            } else {
                C14nMethod::Exclusive10WithComments
            };
            variants.push((exclusive, Some(list)));
            if target.is_none() {
                // Canonical XML 1.1 of a whole document is Canonical XML 1.0 of it.
                variants.push((C14nMethod::Inclusive11, None));
                variants.push((C14nMethod::Inclusive11WithComments, None));
            }
            for (method, prefixes) in variants {
                let mut c = Canonicalizer::new(method);
                if let Some(p) = &prefixes {
                    c = c.with_inclusive_prefixes(InclusivePrefixes::parse(&p.join(" ")));
                }
                let out = match target {
                    None => c.document_to_vec(doc.doc()).unwrap(),
                    Some(i) => c.subtree_to_vec(elements[i], &[]).unwrap(),
                };
                let what = format!(
                    "{} {} prefixes {:?}",
                    method.uri(),
                    match target {
                        None => "whole document".to_owned(),
                        Some(i) => format!("subtree of element #{i}"),
                    },
                    prefixes
                );
                ours.push((out, what));
                cases.push(Case {
                    xml: xml.clone(),
                    target,
                    exclusive: method.is_exclusive(),
                    with_comments: method.with_comments(),
                    prefixes,
                });
            }
        }
    }

    let answers = run_lxml(&cases);
    let mut mismatches = Vec::new();
    let mut errors = Vec::new();
    for ((case, (out, what)), answer) in cases.iter().zip(&ours).zip(&answers) {
        match (&answer.hex, &answer.error) {
            (Some(expected), _) => {
                if *expected != hex(out) {
                    let expected_bytes: Vec<u8> = (0..expected.len() / 2)
                        .map(|i| u8::from_str_radix(&expected[2 * i..2 * i + 2], 16).unwrap())
                        .collect();
                    mismatches.push(format!(
                        "{what}\n  document: {:?}\n  kyso:     {:?}\n  lxml:     {:?}",
                        case.xml,
                        String::from_utf8_lossy(out),
                        String::from_utf8_lossy(&expected_bytes)
                    ));
                }
            }
            (None, error) => {
                errors.push(format!("{what}: lxml failed: {error:?}\n  {:?}", case.xml))
            }
        }
    }
    println!(
        "{} comparisons with lxml over {DOCUMENTS} documents: {} mismatches, {} lxml errors",
        cases.len(),
        mismatches.len(),
        errors.len()
    );
    assert!(
        errors.is_empty(),
        "{}",
        errors[..errors.len().min(5)].join("\n")
    );
    assert!(
        mismatches.is_empty(),
        "{} mismatches; the first ones:\n{}",
        mismatches.len(),
        mismatches[..mismatches.len().min(5)].join("\n")
    );
}
