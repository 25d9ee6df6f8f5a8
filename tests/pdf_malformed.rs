//! Hostile and broken PDF input: every case ends in an error or a valid result, never a
//! panic or a hang.

use std::io::Write;
use std::time::{Duration, Instant};

use flate2::{Compression, write::ZlibEncoder};
use kyso::pdf::{Document, ObjRef, Object, Source, XrefEntry};
use kyso::{Error, Limits};

const FIXTURES: [&[u8]; 6] = [
    include_bytes!("../fixtures/docs/simple.pdf"),
    include_bytes!("../fixtures/docs/vietnamese.pdf"),
    include_bytes!("../fixtures/docs/xref-stream.pdf"),
    include_bytes!("../fixtures/docs/hybrid.pdf"),
    include_bytes!("../fixtures/docs/incremental.pdf"),
    include_bytes!("../fixtures/docs/form.pdf"),
];

fn limits() -> Limits {
    Limits {
        max_decompressed_bytes: 1 << 20,
        ..Limits::default()
    }
}

/// Opens and exercises everything the next layers use; returns whether it opened.
fn exercise(bytes: &[u8]) -> bool {
    let Ok(doc) = Document::open(bytes, &limits()) else {
        return false;
    };
    for (i, rev) in doc.revisions().iter().enumerate() {
        let Some(view) = doc.view(i) else { continue };
        let _ = view.catalog();
        let _ = view.pages();
        let _ = view.fields();
        for &(num, entry) in rev.entries().iter().take(200) {
            if let Ok(Some(obj)) = view.get(ObjRef::new(num, entry.generation()))
                && let Object::Stream(s) = &obj.object
            {
                let _ = doc.stream_data_decoded(s);
            }
            let _ = view.resolve(&Object::Ref(ObjRef::new(num, entry.generation())));
        }
    }
    true
}

/// A tiny file writer: objects, then a classic table over them.
fn pdf(objects: &[(u32, &[u8])], trailer: &str) -> Vec<u8> {
    let mut out = b"%PDF-1.7\n".to_vec();
    let mut offsets = Vec::new();
    for (num, body) in objects {
        offsets.push((*num, out.len()));
        out.extend_from_slice(format!("{num} 0 obj\n").as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    let at = out.len();
    out.extend_from_slice(b"xref\n0 1\n0000000000 65535 f\r\n");
    for (num, off) in offsets {
        out.extend_from_slice(format!("{num} 1\n{off:010} 00000 n\r\n").as_bytes());
    }
    out.extend_from_slice(format!("trailer\n<< {trailer} >>\nstartxref\n{at}\n%%EOF\n").as_bytes());
    out
}

fn zlib(data: &[u8]) -> Vec<u8> {
    let mut e = ZlibEncoder::new(Vec::new(), Compression::best());
    let _ = e.write_all(data);
    e.finish().unwrap_or_default()
}

fn stream(dict: &str, data: &[u8]) -> Vec<u8> {
    let mut body = format!("<< /Length {} {dict} >>\nstream\n", data.len()).into_bytes();
    body.extend_from_slice(data);
    body.extend_from_slice(b"\nendstream");
    body
}

fn open(bytes: &[u8]) -> kyso::Result<Document<&[u8]>> {
    Document::open(bytes, &limits())
}

#[test]
fn truncated_at_every_byte() -> kyso::Result<()> {
    let start = Instant::now();
    for f in FIXTURES {
        let full = open(f)?;
        let starts: Vec<u64> = full.revisions().iter().map(|r| r.startxref()).collect();
        for cut in 0..f.len() {
            exercise(&f[..cut]);
            // A cut file opens only as the revisions that end before the cut; the rest of
            // its bytes then belong to no revision.
            if let Ok(doc) = open(&f[..cut]) {
                let n = doc.revisions().len();
                assert!(n < starts.len() || cut + 1 >= f.len());
                for (i, rev) in doc.revisions().iter().enumerate() {
                    assert_eq!(rev.startxref(), starts[i]);
                    assert!(rev.end() <= cut as u64);
                }
            }
        }
    }
    assert!(start.elapsed() < Duration::from_secs(60));
    Ok(())
}

#[test]
fn truncated_incremental_file_opens_as_its_first_revision() -> kyso::Result<()> {
    let f = FIXTURES[4];
    let doc = open(f)?;
    let first_end = doc.revisions()[0].end();
    let cut = open(&f[..first_end as usize])?;
    assert_eq!(cut.revisions().len(), 1);
    // Cut inside the update: the partial update follows the last %%EOF and belongs to no
    // revision, which a verifier sees as bytes beyond the newest revision's end.
    let partial = open(&f[..first_end as usize + 20])?;
    assert_eq!(partial.revisions().len(), 1);
    assert_eq!(partial.latest_revision().end(), first_end);
    assert_eq!(partial.len(), first_end + 20);
    Ok(())
}

#[test]
fn broken_startxref() {
    let good = pdf(&[(1, b"<< /Type /Catalog >>")], "/Size 2 /Root 1 0 R");
    let at = good
        .windows(10)
        .rposition(|w| w == b"startxref\n")
        .map_or(0, |p| p + 10);
    for value in [
        "0",
        "9",
        "-1",
        "x",
        "99999999999999999999",
        "18446744073709551615",
    ] {
        let mut bad = good[..at].to_vec();
        bad.extend_from_slice(format!("{value}\n%%EOF\n").as_bytes());
        assert!(open(&bad).is_err(), "startxref {value}");
    }
    let mut no_eof = good.clone();
    no_eof.truncate(good.len() - 6);
    assert!(open(&no_eof).is_err());
    assert!(open(b"startxref\n0\n%%EOF").is_err());
}

#[test]
fn xref_prev_pointing_to_itself() {
    let mut f = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n".to_vec();
    let at = f.len();
    f.extend_from_slice(
        format!(
            "xref\n0 2\n0000000000 65535 f\r\n0000000009 00000 n\r\n\
             trailer\n<< /Size 2 /Root 1 0 R /Prev {at} >>\nstartxref\n{at}\n%%EOF\n"
        )
        .as_bytes(),
    );
    assert!(matches!(open(&f), Err(Error::Malformed { .. })));
}

#[test]
fn xref_stream_prev_loop() {
    // Two xref streams whose /Prev point at each other.
    let mut f = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n".to_vec();
    let a = f.len();
    let b_guess = a + 200;
    let row = [1u8, 0, 9, 0];
    let obj_a = {
        let mut o = format!(
            "2 0 obj\n<< /Type /XRef /Size 3 /W [1 2 1] /Index [1 1] /Root 1 0 R /Prev {b_guess:06} /Length 4 >>\nstream\n"
        )
        .into_bytes();
        o.extend_from_slice(&row);
        o.extend_from_slice(b"\nendstream\nendobj\n");
        o
    };
    f.extend_from_slice(&obj_a);
    f.extend_from_slice(format!("startxref\n{a}\n%%EOF\n").as_bytes());
    assert!(f.len() < b_guess);
    f.resize(b_guess, b' ');
    let obj_b = {
        let mut o = format!(
            "3 0 obj\n<< /Type /XRef /Size 4 /W [1 2 1] /Index [1 1] /Root 1 0 R /Prev {a} /Length 4 >>\nstream\n"
        )
        .into_bytes();
        o.extend_from_slice(&row);
        o.extend_from_slice(b"\nendstream\nendobj\n");
        o
    };
    f.extend_from_slice(&obj_b);
    f.extend_from_slice(format!("startxref\n{b_guess}\n%%EOF\n").as_bytes());
    let r = open(&f);
    assert!(
        matches!(&r, Err(Error::Malformed { detail, .. }) if detail.contains("loop")),
        "{r:?}"
    );
}

#[test]
fn reference_loops() -> kyso::Result<()> {
    let f = pdf(
        &[
            (1, b"<< /Type /Catalog /Pages 2 0 R /AcroForm 3 0 R >>"),
            (2, b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>"),
            (3, b"<< /Fields [4 0 R] >>"),
            (4, b"<< /T (a) /Kids [5 0 R] >>"),
            (5, b"<< /T (b) /Kids [4 0 R] >>"),
            (6, b"6 0 R"),
        ],
        "/Size 7 /Root 1 0 R",
    );
    let doc = open(&f)?;
    assert!(doc.latest().pages().is_err(), "page tree loop");
    assert!(doc.latest().fields().is_err(), "field tree loop");
    assert!(doc.resolve(&Object::Ref(ObjRef::new(6, 0))).is_err());
    assert!(exercise(&f));
    Ok(())
}

#[test]
fn object_stream_loops() -> kyso::Result<()> {
    // Object 2 lives in object stream 3, whose /Length is object 2.
    let mut f = b"%PDF-1.7\n".to_vec();
    let cat = f.len();
    f.extend_from_slice(b"1 0 obj\n<< /Type /Catalog >>\nendobj\n");
    let objstm = f.len();
    f.extend_from_slice(b"3 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Length 2 0 R >>\nstream\n2 0 5\nendstream\nendobj\n");
    let xref = f.len();
    let rows: Vec<u8> = [
        [1u8, 0, 0, cat as u8],
        [2, 0, 0, 3],
        [1, 0, 0, objstm as u8],
        [1, 0, 0, 0],
    ]
    .iter()
    .enumerate()
    .flat_map(|(i, r)| {
        if i == 3 {
            let x = (xref as u16).to_be_bytes();
            vec![1, 0, x[0], x[1]]
        } else {
            r.to_vec()
        }
    })
    .collect();
    f.extend_from_slice(
        format!(
            "4 0 obj\n<< /Type /XRef /Size 5 /W [1 3 0] /Index [1 4] /Root 1 0 R /Length {} >>\nstream\n",
            rows.len()
        )
        .as_bytes(),
    );
    f.extend_from_slice(&rows);
    f.extend_from_slice(format!("\nendstream\nendobj\nstartxref\n{xref}\n%%EOF\n").as_bytes());
    let doc = open(&f)?;
    assert!(matches!(
        doc.latest_revision().entry(2),
        Some(XrefEntry::Compressed {
            stream: 3,
            index: 0
        })
    ));
    assert!(matches!(
        doc.get(ObjRef::new(2, 0)),
        Err(Error::Malformed { .. })
    ));
    Ok(())
}

#[test]
fn huge_length() -> kyso::Result<()> {
    for length in ["999999999999", "-5", "9223372036854775807", "(x)", "7 0 R"] {
        let body = format!("<< /Length {length} >>\nstream\nabc\nendstream");
        let f = pdf(
            &[(1, b"<< /Type /Catalog >>"), (2, body.as_bytes())],
            "/Size 3 /Root 1 0 R",
        );
        let doc = open(&f)?;
        assert!(
            matches!(doc.get(ObjRef::new(2, 0)), Err(Error::Malformed { .. })),
            "/Length {length}"
        );
    }
    Ok(())
}

#[test]
fn nesting_ten_thousand_deep() -> kyso::Result<()> {
    let mut deep = vec![b'['; 10_000];
    deep.extend(vec![b']'; 10_000]);
    let mut dicts = b"<< /A ".repeat(10_000);
    dicts.extend(b" 1 ".iter());
    dicts.extend(b">>".repeat(10_000));
    let f = pdf(
        &[(1, b"<< /Type /Catalog >>"), (2, &deep), (3, &dicts)],
        "/Size 4 /Root 1 0 R",
    );
    let doc = open(&f)?;
    assert!(matches!(
        doc.get(ObjRef::new(2, 0)),
        Err(Error::LimitExceeded { .. })
    ));
    assert!(matches!(
        doc.get(ObjRef::new(3, 0)),
        Err(Error::LimitExceeded { .. })
    ));
    // Unclosed nesting up to the end of the file.
    let mut open_only = f.clone();
    open_only.extend(vec![b'['; 100_000]);
    assert!(open(&open_only).is_err());
    Ok(())
}

#[test]
fn decompression_bombs() -> kyso::Result<()> {
    let bomb = zlib(&vec![0u8; 64 << 20]);
    assert!(bomb.len() < 100 << 10);
    let content = stream("/Filter /FlateDecode", &bomb);
    let f = pdf(
        &[(1, b"<< /Type /Catalog >>"), (2, &content)],
        "/Size 3 /Root 1 0 R",
    );
    let doc = open(&f)?;
    let obj = doc
        .get(ObjRef::new(2, 0))?
        .ok_or(Error::InvalidOption("missing".into()))?;
    let Object::Stream(s) = &obj.object else {
        panic!("not a stream");
    };
    assert!(matches!(
        doc.stream_data_decoded(s),
        Err(Error::LimitExceeded { .. })
    ));

    // The same bomb as an xref stream: opening fails with the same typed error.
    let mut f = b"%PDF-1.7\n".to_vec();
    let at = f.len();
    f.extend_from_slice(
        format!(
            "1 0 obj\n<< /Type /XRef /Size 2 /W [1 2 1] /Filter /FlateDecode /Length {} >>\nstream\n",
            bomb.len()
        )
        .as_bytes(),
    );
    f.extend_from_slice(&bomb);
    f.extend_from_slice(format!("\nendstream\nendobj\nstartxref\n{at}\n%%EOF\n").as_bytes());
    assert!(matches!(open(&f), Err(Error::LimitExceeded { .. })));

    // Two filters: the limit holds after each one.
    let double = zlib(&bomb);
    let content = stream("/Filter [/FlateDecode /FlateDecode]", &double);
    let f = pdf(
        &[(1, b"<< /Type /Catalog >>"), (2, &content)],
        "/Size 3 /Root 1 0 R",
    );
    let doc = open(&f)?;
    let obj = doc
        .get(ObjRef::new(2, 0))?
        .ok_or(Error::InvalidOption("missing".into()))?;
    let Object::Stream(s) = &obj.object else {
        panic!("not a stream");
    };
    assert!(matches!(
        doc.stream_data_decoded(s),
        Err(Error::LimitExceeded { .. })
    ));
    Ok(())
}

#[test]
fn garbage_and_odd_inputs() {
    let cases: [&[u8]; 10] = [
        b"",
        b"%PDF-1.7",
        b"\0\0\0\0\0\0\0\0\0",
        b"%%EOF",
        b"startxref",
        b"startxref 5 %%EOF",
        b"xref trailer << >> startxref 0 %%EOF",
        b"%PDF-1.7\nxref\n0 1\n0000000000 65535 f\r\ntrailer\n<< /Size 1 >>\nstartxref\n9\n%%EOF",
        b"%PDF-1.7\nxref\n0 99999999\ntrailer\n<< >>\nstartxref\n9\n%%EOF",
        b"%PDF-1.7\n1 0 obj << /Type /XRef /W [9 9 9] /Size 1 /Length 0 >> stream\n\nendstream endobj\nstartxref\n9\n%%EOF",
    ];
    for c in cases {
        let _ = exercise(c);
    }
    // A document whose trailer has no /Root opens, but has no catalog.
    let doc = open(cases[7]);
    assert!(doc.map(|d| d.latest().catalog().is_err()).unwrap_or(true));
}

/// A deterministic xorshift generator, so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const INTERESTING: [&[u8]; 12] = [
    b"0",
    b"9999999999",
    b"-1",
    b"R",
    b"obj",
    b"endobj",
    b"stream",
    b"<<",
    b">>",
    b"[",
    b"(",
    b"%%EOF",
];

fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    let mut v = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(v.len());
        match rng.below(6) {
            0 => {
                if let Some(b) = v.get_mut(at) {
                    *b = rng.next() as u8;
                }
            }
            1 => {
                let end = (at + rng.below(16)).min(v.len());
                v.drain(at..end);
            }
            2 => {
                let token = INTERESTING[rng.below(INTERESTING.len())];
                v.splice(at..at, token.iter().copied());
            }
            3 => {
                // Replace a digit run's digit: offsets and lengths go wrong.
                if let Some(b) = v.get_mut(at)
                    && b.is_ascii_digit()
                {
                    *b = b'0' + rng.below(10) as u8;
                }
            }
            4 => {
                let end = (at + rng.below(64)).min(v.len());
                let chunk = v[at..end].to_vec();
                let to = rng.below(v.len());
                v.splice(to..to, chunk);
            }
            _ => {
                let end = (at + 1 + rng.below(8)).min(v.len());
                if let Some(s) = v.get_mut(at..end) {
                    s.reverse();
                }
            }
        }
    }
    v
}

#[test]
fn mutated_fixtures_never_panic() {
    let mut rng = Rng(0x5EED_CAFE_F00D_1234);
    let start = Instant::now();
    let mut opened = 0;
    // KYSO_FUZZ_ITERATIONS (and KYSO_FUZZ_SEED) run a longer or different search locally.
    let iterations: usize = std::env::var("KYSO_FUZZ_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4000);
    if let Some(seed) = std::env::var("KYSO_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        rng = Rng(seed | 1);
    }
    for i in 0..iterations {
        let base = FIXTURES[i % FIXTURES.len()];
        let input = mutate(&mut rng, base);
        let one = Instant::now();
        if exercise(&input) {
            opened += 1;
        }
        assert!(
            one.elapsed() < Duration::from_secs(2),
            "iteration {i} took {:?}",
            one.elapsed()
        );
    }
    // Many mutations hit bytes no reader looks at; some must still open.
    assert!(opened > 0);
    assert!(start.elapsed() < Duration::from_secs(120) || iterations > 4000);
}

/// A source that fails every read: errors surface as `Error::Io`.
struct Failing;

impl Source for Failing {
    fn len(&self) -> std::io::Result<u64> {
        Ok(1000)
    }
    fn read_at(&self, _: u64, _: &mut [u8]) -> std::io::Result<usize> {
        Err(std::io::Error::other("disk on fire"))
    }
}

#[test]
fn io_errors_are_typed() {
    assert!(matches!(
        Document::open(Failing, &Limits::default()),
        Err(Error::Io(_))
    ));
}

#[test]
fn document_size_limit() {
    let f = pdf(&[(1, b"<< /Type /Catalog >>")], "/Size 2 /Root 1 0 R");
    let small = Limits {
        max_document_bytes: 10,
        ..Limits::default()
    };
    assert!(matches!(
        Document::open(f.as_slice(), &small),
        Err(Error::LimitExceeded { .. })
    ));
}
