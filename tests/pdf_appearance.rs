//! Visible signatures (Decree 30/2020 Appendix I): the leader's image, the seal signed over
//! it, the copy notice, rotated pages and bad images. Each signed file is checked by kyso's
//! verifier, `qpdf --check` and `pdfsig`; the pages are rendered with `pdftoppm` and their
//! pixels compared with the unsigned page, so the appearance really shows where it should and
//! nowhere else.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;
use kyso::Error;
use kyso::crypto::KeyFileSigner;
use kyso::pdf::{Appearance, Document, IncrementalWriter, Object, PdfSignOptions, sign_pdf};
use kyso::report::{Indication, Modifications};
use kyso::validation::VerifyOptions;
use kyso::{Limits, SigningPolicy, ValidationPolicy};

/// The leader's signature area on `simple.pdf` (A4): x, y, w, h in points.
const LEADER_RECT: [f64; 4] = [330.0, 80.0, 240.0, 100.0];
/// Rendering resolution, dots per inch.
const DPI: f64 = 50.0;
const COPY_TEXT: &str =
    "Bản sao điện tử\nSở Thông tin và Truyền thông Hà Nội\n2026-01-01T07:00:00+07:00\n";

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn signer(name: &str) -> KeyFileSigner {
    KeyFileSigner::from_pkcs12(&read_fixture(&format!("pki/{name}.p12")), PASSWORD)
        .expect("fixture key")
}

fn options(appearance: Appearance, rect: Option<[f64; 4]>) -> PdfSignOptions {
    PdfSignOptions {
        policy: SigningPolicy {
            signing_time: Some(test_time()),
            ..SigningPolicy::default()
        },
        appearance,
        rect,
        ..PdfSignOptions::default()
    }
}

fn leader_image() -> Vec<u8> {
    read_fixture("images/leader-signature.png")
}

fn seal_image() -> Vec<u8> {
    read_fixture("images/seal.png")
}

/// kyso's verifier at the tests' fixed time: every one of `count` signatures passes.
fn assert_all_pass(signed: &[u8], count: usize) {
    let options = VerifyOptions {
        trust: test_trust(),
        policy: ValidationPolicy {
            validation_time: Some(test_time()),
            ..ValidationPolicy::default()
        },
        ..VerifyOptions::default()
    };
    let report = kyso::verify(signed, &options).expect("verify");
    assert_eq!(report.signatures.len(), count, "{report:#?}");
    for sig in &report.signatures {
        assert_eq!(sig.indication, Indication::TotalPassed, "{report:#?}");
    }
    assert_eq!(report.indication, Indication::TotalPassed, "{report:#?}");
}

/// The peers this file runs; `None` (after a note) when one is missing outside CI.
fn tools() -> Option<()> {
    (require_tool("qpdf", &["--version"])
        && require_tool("pdfsig", &["-v"])
        && require_tool("pdftotext", &["-v"])
        && require_tool("pdftoppm", &["-v"]))
    .then_some(())
}

fn write_temp(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write temp file");
    path
}

fn run(cmd: &mut Command) -> (bool, String) {
    let out = cmd.output().expect("run peer tool");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn qpdf_check(signed: &[u8]) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = write_temp(dir.path(), "signed.pdf", signed);
    let (ok, text) = run(Command::new("qpdf").arg("--check").arg(&path));
    assert!(ok && !text.contains("WARNING"), "qpdf --check: {text}");
}

/// `pdfsig` finds `count` signatures and says each one is valid (the test chain is not in
/// its trust store, so only the signature itself is checked).
fn pdfsig_valid(signed: &[u8], count: usize) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = write_temp(dir.path(), "signed.pdf", signed);
    let (_, text) = run(Command::new("pdfsig").arg("-nocert").arg(&path));
    assert_eq!(
        text.matches("Signature Validation: Signature is Valid.")
            .count(),
        count,
        "pdfsig: {text}"
    );
    assert_eq!(text.matches("Signature #").count(), count, "pdfsig: {text}");
}

fn pdftotext_page1(signed: &[u8]) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = write_temp(dir.path(), "signed.pdf", signed);
    let (ok, text) = run(Command::new("pdftotext")
        .args(["-f", "1", "-l", "1", "-enc", "UTF-8"])
        .arg(&path)
        .arg("-"));
    assert!(ok, "pdftotext: {text}");
    text
}

/// Page 1 rendered at [`DPI`]: width, height and RGB pixels.
struct Raster {
    width: usize,
    height: usize,
    rgb: Vec<[u8; 3]>,
}

impl Raster {
    fn at(&self, x: usize, y: usize) -> [u8; 3] {
        self.rgb[y * self.width + x]
    }
}

fn render(pdf: &[u8]) -> Raster {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = write_temp(dir.path(), "doc.pdf", pdf);
    let prefix = dir.path().join("page");
    let (ok, text) = run(Command::new("pdftoppm")
        .args(["-r", "50", "-png", "-f", "1", "-l", "1", "-singlefile"])
        .arg(&path)
        .arg(&prefix));
    assert!(ok, "pdftoppm: {text}");
    let file = std::fs::File::open(dir.path().join("page.png")).expect("rendered page");
    let mut decoder = png::Decoder::new(std::io::BufReader::new(file));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().expect("png header");
    let mut buf = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut buf).expect("png frame");
    let channels = match info.color_type {
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        other => panic!("pdftoppm wrote {other:?}"),
    };
    let (width, height) = (info.width as usize, info.height as usize);
    let mut rgb = Vec::with_capacity(width * height);
    for row in buf[..info.buffer_size()].chunks(info.line_size) {
        for px in row[..width * channels].chunks(channels) {
            rgb.push([px[0], px[1], px[2]]);
        }
    }
    Raster { width, height, rgb }
}

/// A box of pixels, half-open: `x0..x1`, `y0..y1` from the top-left.
#[derive(Debug, Clone, Copy)]
struct PixelBox {
    x0: usize,
    y0: usize,
    x1: usize,
    y1: usize,
}

impl PixelBox {
    fn contains(&self, x: usize, y: usize) -> bool {
        (self.x0..self.x1).contains(&x) && (self.y0..self.y1).contains(&y)
    }
}

/// The pixels covering a box given in points from the page's top-left corner as shown,
/// grown by one pixel for anti-aliasing.
fn pixels(left: f64, top: f64, right: f64, bottom: f64) -> PixelBox {
    let s = DPI / 72.0;
    PixelBox {
        x0: ((left * s).floor() as usize).saturating_sub(1),
        y0: ((top * s).floor() as usize).saturating_sub(1),
        x1: (right * s).ceil() as usize + 1,
        y1: (bottom * s).ceil() as usize + 1,
    }
}

/// A user-space box `[llx, lly, urx, ury]` on an A4 page (595 × 842) rotated by `rotate`,
/// as pixels of the shown page.
fn shown(rect: [f64; 4], rotate: u16) -> PixelBox {
    let (w, h) = (595.0, 842.0);
    // A user point as (right, down) from the shown page's top-left corner.
    let to_shown = |x: f64, y: f64| match rotate {
        90 => (y, x),
        180 => (w - x, y),
        270 => (h - y, w - x),
        _ => (x, h - y),
    };
    let (a, b) = (to_shown(rect[0], rect[1]), to_shown(rect[2], rect[3]));
    pixels(a.0.min(b.0), a.1.min(b.1), a.0.max(b.0), a.1.max(b.1))
}

fn is_blue([r, g, b]: [u8; 3]) -> bool {
    b > 120 && i32::from(b) - i32::from(r) > 60 && i32::from(b) - i32::from(g) > 60
}

fn is_red([r, g, b]: [u8; 3]) -> bool {
    r > 120 && i32::from(r) - i32::from(g) > 60 && i32::from(r) - i32::from(b) > 60
}

fn is_dark_grey([r, g, b]: [u8; 3]) -> bool {
    let (lo, hi) = (r.min(g).min(b), r.max(g).max(b));
    hi < 140 && hi - lo < 30
}

/// Pixels that differ between two renderings of the same page.
fn changed(before: &Raster, after: &Raster) -> Vec<(usize, usize, [u8; 3])> {
    assert_eq!((before.width, before.height), (after.width, after.height));
    let mut out = Vec::new();
    for y in 0..after.height {
        for x in 0..after.width {
            let (p, q) = (before.at(x, y), after.at(x, y));
            if p.iter().zip(q).any(|(a, b)| a.abs_diff(b) > 24) {
                out.push((x, y, q));
            }
        }
    }
    out
}

/// The widget `/Rect` of the signature field `name` in the newest revision.
fn widget_rect(signed: &[u8], name: &str) -> [f64; 4] {
    let doc = Document::open(signed, &Limits::default()).expect("open");
    let view = doc.latest();
    let field = view
        .fields()
        .expect("fields")
        .into_iter()
        .find(|f| f.name == name)
        .expect("field");
    let rect = field
        .dict
        .get("Rect")
        .and_then(Object::as_array)
        .expect("rect");
    let mut out = [0.0; 4];
    for (slot, v) in out.iter_mut().zip(rect.iter()) {
        *slot = v.as_number().expect("number");
    }
    out
}

fn user_box(rect: [f64; 4]) -> [f64; 4] {
    [rect[0], rect[1], rect[0] + rect[2], rect[1] + rect[3]]
}

#[test]
fn leader_then_seal_on_simple_pdf() -> TestResult {
    let original = read_fixture("docs/simple.pdf");
    let leader = sign_pdf(
        &original,
        &signer("leader"),
        &options(
            Appearance::Leader {
                image: leader_image(),
            },
            Some(LEADER_RECT),
        ),
    )?;
    let sealed = sign_pdf(
        &leader,
        &signer("seal"),
        &options(
            Appearance::Seal {
                image: seal_image(),
            },
            Some(LEADER_RECT),
        ),
    )?;
    assert!(
        sealed.starts_with(&leader),
        "the seal is an incremental update"
    );

    // kyso: both pass, and the seal is a permitted change after the leader's signature.
    assert_all_pass(&leader, 1);
    assert_all_pass(&sealed, 2);
    let report = kyso::verify(
        &sealed,
        &VerifyOptions {
            trust: test_trust(),
            policy: ValidationPolicy {
                validation_time: Some(test_time()),
                ..ValidationPolicy::default()
            },
            ..VerifyOptions::default()
        },
    )?;
    assert_eq!(
        report.signatures[0].modifications_after,
        Some(Modifications::Permitted)
    );

    // The widgets: the leader's is the rectangle; the seal (57.6 pt square at 150 dpi) is
    // centred on the rectangle's left third.
    assert_eq!(widget_rect(&sealed, "Signature1"), user_box(LEADER_RECT));
    let seal = widget_rect(&sealed, "Signature2");
    let (cx, cy) = (LEADER_RECT[0] + 40.0, LEADER_RECT[1] + 50.0);
    let expected = [cx - 28.8, cy - 28.8, cx + 28.8, cy + 28.8];
    for (a, b) in seal.iter().zip(expected) {
        assert!(
            (a - b).abs() < 0.01,
            "seal rect {seal:?}, expected {expected:?}"
        );
    }

    if tools().is_none() {
        return Ok(());
    }
    qpdf_check(&sealed);
    pdfsig_valid(&leader, 1);
    pdfsig_valid(&sealed, 2);

    let area = shown(user_box(LEADER_RECT), 0);
    let left_third = shown(
        [
            LEADER_RECT[0],
            LEADER_RECT[1],
            LEADER_RECT[0] + LEADER_RECT[2] / 3.0,
            LEADER_RECT[1] + LEADER_RECT[3],
        ],
        0,
    );
    let before = render(&original);
    let after_leader = changed(&before, &render(&leader));
    let after_seal = changed(&before, &render(&sealed));

    let blue = after_leader.iter().filter(|p| is_blue(p.2)).count();
    assert!(
        blue > 100,
        "only {blue} blue pixels for the leader's signature"
    );
    assert!(!after_leader.iter().any(|p| is_red(p.2)));
    for &(x, y, c) in &after_leader {
        assert!(
            area.contains(x, y),
            "pixel ({x}, {y}) {c:?} changed outside {area:?}"
        );
    }

    let red: Vec<_> = after_seal.iter().filter(|p| is_red(p.2)).collect();
    assert!(
        red.len() > 100,
        "only {} red pixels for the seal",
        red.len()
    );
    for &&(x, y, c) in &red {
        assert!(
            left_third.contains(x, y),
            "red ({x}, {y}) {c:?} outside {left_third:?}"
        );
    }
    // The seal covers the left third: red in its left and right halves, top and bottom.
    let mid_x = (left_third.x0 + left_third.x1) / 2;
    let mid_y = (left_third.y0 + left_third.y1) / 2;
    assert!(red.iter().any(|p| p.0 < mid_x) && red.iter().any(|p| p.0 > mid_x));
    assert!(red.iter().any(|p| p.1 < mid_y) && red.iter().any(|p| p.1 > mid_y));
    // The leader's strokes still show right of the seal.
    assert!(
        after_seal
            .iter()
            .any(|p| is_blue(p.2) && p.0 >= left_third.x1)
    );
    for &(x, y, c) in &after_seal {
        assert!(
            area.contains(x, y),
            "pixel ({x}, {y}) {c:?} changed outside {area:?}"
        );
    }
    Ok(())
}

#[test]
fn copy_notice_on_vietnamese_pdf() -> TestResult {
    let original = read_fixture("docs/vietnamese.pdf");
    let mut opts = options(Appearance::Copy { lines: None }, None);
    opts.reason = Some("Bản sao điện tử".into());
    let signed = sign_pdf(&original, &signer("seal"), &opts)?;
    assert_all_pass(&signed, 1);

    // Top-right corner of the page, inside the top margin.
    let rect = widget_rect(&signed, "Signature1");
    assert!(
        rect[2] <= 595.0 - 14.0 + 0.01 && rect[2] > 500.0,
        "{rect:?}"
    );
    assert!(
        rect[3] <= 842.0 - 14.0 + 0.01 && rect[1] > 780.0,
        "{rect:?}"
    );

    if tools().is_none() {
        return Ok(());
    }
    qpdf_check(&signed);
    pdfsig_valid(&signed, 1);
    let text = pdftotext_page1(&signed);
    assert!(text.contains(COPY_TEXT), "pdftotext: {text}");
    assert!(!pdftotext_page1(&original).contains("Bản sao"));

    let pixels_changed = changed(&render(&original), &render(&signed));
    let corner = shown([rect[0], rect[1], rect[2], rect[3]], 0);
    let dark = pixels_changed.iter().filter(|p| is_dark_grey(p.2)).count();
    assert!(dark > 50, "only {dark} dark text pixels");
    for &(x, y, c) in &pixels_changed {
        assert!(
            corner.contains(x, y),
            "pixel ({x}, {y}) {c:?} outside {corner:?}"
        );
        let [r, g, b] = c;
        assert!(
            r.max(g).max(b) - r.min(g).min(b) < 30,
            "text pixel ({x}, {y}) is not black or grey: {c:?}"
        );
    }
    Ok(())
}

#[test]
fn copy_notice_with_given_lines_and_document_number() -> TestResult {
    let lines = vec![
        "Số: 12/QĐ-UBND".to_string(),
        "Ủy ban nhân dân thành phố Hà Nội".to_string(),
        "2026-01-01T07:00:00+07:00".to_string(),
    ];
    let signed = sign_pdf(
        &read_fixture("docs/simple.pdf"),
        &signer("leader"),
        &options(
            Appearance::Copy {
                lines: Some(lines.clone()),
            },
            None,
        ),
    )?;
    assert_all_pass(&signed, 1);
    if tools().is_none() {
        return Ok(());
    }
    qpdf_check(&signed);
    let text = pdftotext_page1(&signed);
    assert!(
        text.contains(&(lines.join("\n") + "\n")),
        "pdftotext: {text}"
    );
    Ok(())
}

/// `simple.pdf` with its page turned by `rotate` degrees in an incremental update.
fn rotated_simple(rotate: i64) -> Vec<u8> {
    let original = read_fixture("docs/simple.pdf");
    let doc = Document::open(original.as_slice(), &Limits::default()).expect("open");
    let page = doc.latest().pages().expect("pages").remove(0);
    let mut dict = page.dict.clone();
    dict.set("Rotate", Object::Int(rotate));
    let mut writer = IncrementalWriter::new(&doc).expect("writer");
    writer.set(page.id, Object::Dict(dict)).expect("set page");
    let update = writer.finish().expect("finish");
    let mut out = original.clone();
    out.extend_from_slice(&update.bytes);
    out
}

/// A 200 × 100 opaque image: blue top half, red bottom half.
fn two_tone_png() -> Vec<u8> {
    let (w, h) = (200u32, 100u32);
    let mut data = Vec::new();
    for y in 0..h {
        for _ in 0..w {
            data.extend_from_slice(if y < h / 2 {
                &[0, 0, 255]
            } else {
                &[255, 0, 0]
            });
        }
    }
    let mut out = Vec::new();
    {
        let mut e = png::Encoder::new(&mut out, w, h);
        e.set_color(png::ColorType::Rgb);
        e.set_depth(png::BitDepth::Eight);
        let mut writer = e.write_header().expect("png header");
        writer.write_image_data(&data).expect("png data");
    }
    out
}

#[test]
fn images_stand_upright_on_rotated_pages() -> TestResult {
    for rotate in [90u16, 180, 270] {
        let document = rotated_simple(i64::from(rotate));
        // On a page turned by 90 or 270 degrees, a 100 × 200 user rectangle shows 200 wide.
        let rect = if rotate == 180 {
            [300.0, 300.0, 200.0, 100.0]
        } else {
            [300.0, 300.0, 100.0, 200.0]
        };
        let signed = sign_pdf(
            &document,
            &signer("leader"),
            &options(
                Appearance::Leader {
                    image: two_tone_png(),
                },
                Some(rect),
            ),
        )?;
        assert_all_pass(&signed, 1);
        assert_eq!(widget_rect(&signed, "Signature1"), user_box(rect));
        if tools().is_none() {
            return Ok(());
        }
        qpdf_check(&signed);
        pdfsig_valid(&signed, 1);

        let before = render(&document);
        let after = render(&signed);
        let diff = changed(&before, &after);
        let area = shown(user_box(rect), rotate);
        for &(x, y, c) in &diff {
            assert!(
                area.contains(x, y),
                "{rotate}: ({x}, {y}) {c:?} outside {area:?}"
            );
        }
        let blue: Vec<_> = diff.iter().filter(|p| is_blue(p.2)).collect();
        let red: Vec<_> = diff.iter().filter(|p| is_red(p.2)).collect();
        assert!(
            blue.len() > 500 && red.len() > 500,
            "{rotate}: {} {}",
            blue.len(),
            red.len()
        );
        let mean = |v: &[&(usize, usize, [u8; 3])], f: fn(&(usize, usize, [u8; 3])) -> usize| {
            v.iter().map(|p| f(p) as f64).sum::<f64>() / v.len() as f64
        };
        // Upright: blue above red, side by side horizontally.
        let (bx, by) = (mean(&blue, |p| p.0), mean(&blue, |p| p.1));
        let (rx, ry) = (mean(&red, |p| p.0), mean(&red, |p| p.1));
        assert!(by + 10.0 < ry, "{rotate}: blue at y {by}, red at y {ry}");
        assert!(
            (bx - rx).abs() < 3.0,
            "{rotate}: blue at x {bx}, red at x {rx}"
        );
        // The image fills the shown box: twice as wide as tall.
        let xs = blue.iter().chain(red.iter()).map(|p| p.0);
        let ys = blue.iter().chain(red.iter()).map(|p| p.1);
        let width = xs.clone().max().unwrap_or(0) - xs.min().unwrap_or(0);
        let height = ys.clone().max().unwrap_or(0) - ys.min().unwrap_or(0);
        assert!(width > height * 3 / 2, "{rotate}: shown {width} × {height}");
    }
    Ok(())
}

#[test]
fn an_existing_field_keeps_its_rectangle() -> TestResult {
    let original = read_fixture("docs/form.pdf");
    let signed = sign_pdf(
        &original,
        &signer("leader"),
        &options(
            Appearance::Leader {
                image: leader_image(),
            },
            None,
        ),
    )?;
    assert_all_pass(&signed, 1);
    assert_eq!(
        widget_rect(&signed, "Signature1"),
        [350.0, 50.0, 550.0, 120.0]
    );
    // Another rectangle for an existing field is refused.
    let err = sign_pdf(
        &original,
        &signer("leader"),
        &options(
            Appearance::Leader {
                image: leader_image(),
            },
            Some(LEADER_RECT),
        ),
    )
    .unwrap_err();
    assert!(matches!(err, Error::InvalidOption(_)), "{err}");
    if tools().is_none() {
        return Ok(());
    }
    qpdf_check(&signed);
    pdfsig_valid(&signed, 1);
    let diff = changed(&render(&original), &render(&signed));
    let area = shown([350.0, 50.0, 550.0, 120.0], 0);
    assert!(diff.iter().filter(|p| is_blue(p.2)).count() > 100);
    for &(x, y, c) in &diff {
        assert!(area.contains(x, y), "({x}, {y}) {c:?} outside {area:?}");
    }
    Ok(())
}

/// A PNG signature, CRC-correct IHDR chunk claiming `width` × `height`, and nothing else.
fn header_only_png(width: u32, height: u32) -> Vec<u8> {
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
    let mut crc = !0u32;
    for &b in &ihdr {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend_from_slice(&13u32.to_be_bytes());
    png.extend_from_slice(&ihdr);
    png.extend_from_slice(&(!crc).to_be_bytes());
    png
}

#[test]
fn bad_images_are_typed_errors() {
    let document = read_fixture("docs/simple.pdf");
    let good = leader_image();
    let sign_with = |image: Vec<u8>, seal: bool| {
        let appearance = if seal {
            Appearance::Seal { image }
        } else {
            Appearance::Leader { image }
        };
        sign_pdf(
            &document,
            &signer("leader"),
            &options(appearance, Some(LEADER_RECT)),
        )
    };
    for cut in [0, 7, 30, good.len() / 3, good.len() - 20] {
        let err = sign_with(good[..cut].to_vec(), cut % 2 == 0).unwrap_err();
        assert!(
            matches!(err, Error::Malformed { .. }),
            "cut at {cut}: {err}"
        );
    }
    let mut flipped = good.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0x55;
    assert!(matches!(
        sign_with(flipped, false),
        Err(Error::Malformed { .. })
    ));
    assert!(matches!(
        sign_with(b"not a png at all".to_vec(), true),
        Err(Error::Malformed { .. })
    ));
    for (w, h) in [(100_000, 100_000), (8001, 10), (8000, 8000)] {
        let err = sign_with(header_only_png(w, h), false).unwrap_err();
        assert!(
            matches!(err, Error::LimitExceeded { .. }),
            "{w} × {h}: {err}"
        );
    }
    // Zero-size images are malformed PNGs.
    let err = sign_with(header_only_png(0, 10), false).unwrap_err();
    assert!(matches!(err, Error::Malformed { .. }), "{err}");
}

#[test]
fn options_that_cannot_work_are_refused() {
    let document = read_fixture("docs/simple.pdf");
    let sign = |appearance: Appearance, rect: Option<[f64; 4]>| {
        sign_pdf(&document, &signer("leader"), &options(appearance, rect))
    };
    let leader = || Appearance::Leader {
        image: leader_image(),
    };
    for (appearance, rect) in [
        (leader(), None),
        (
            Appearance::Seal {
                image: seal_image(),
            },
            None,
        ),
        (Appearance::None, Some(LEADER_RECT)),
        (leader(), Some([10.0, 10.0, 0.0, 50.0])),
        (leader(), Some([900.0, 10.0, 100.0, 50.0])),
        (leader(), Some([f64::INFINITY, 10.0, 100.0, 50.0])),
        (
            Appearance::Copy {
                lines: Some(vec![]),
            },
            None,
        ),
    ] {
        let err = sign(appearance.clone(), rect).unwrap_err();
        assert!(
            matches!(err, Error::InvalidOption(_)),
            "{appearance:?} {rect:?}: {err}"
        );
    }
    // A character the font cannot show.
    let err = sign(
        Appearance::Copy {
            lines: Some(vec!["ký ✍".into()]),
        },
        None,
    )
    .unwrap_err();
    assert!(matches!(err, Error::Unsupported(_)), "{err}");
}

#[test]
fn cli_signs_leader_and_seal_and_checks_its_flags() -> TestResult {
    let dir = tempfile::tempdir()?;
    let leader = dir.path().join("leader.pdf");
    let sealed = dir.path().join("sealed.pdf");
    let sign = |input: &Path, output: &Path, key: &str, extra: &[&str]| {
        kyso_cli()
            .args(["sign", "pdf"])
            .arg(input)
            .arg(output)
            .args(["--key", &format!("fixtures/pki/{key}.p12")])
            .args(["--password-env", "KYSO_TEST_PW"])
            .args(["--signing-time", "2026-01-01T00:00:00Z"])
            .args(extra)
            .env("KYSO_TEST_PW", PASSWORD)
            .output()
            .expect("run kyso")
    };
    let simple = fixture("docs/simple.pdf");
    let rect = "330,80,240,100";
    let out = sign(
        &simple,
        &leader,
        "leader",
        &[
            "--appearance",
            "leader",
            "--image",
            "fixtures/images/leader-signature.png",
            "--rect",
            rect,
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = sign(
        &leader,
        &sealed,
        "seal",
        &[
            "--appearance",
            "seal",
            "--image",
            "fixtures/images/seal.png",
            "--rect",
            rect,
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_all_pass(&std::fs::read(&sealed)?, 2);

    let unused = dir.path().join("unused.pdf");
    for bad in [
        &["--appearance", "leader", "--rect", rect][..],
        &[
            "--appearance",
            "copy",
            "--image",
            "fixtures/images/seal.png",
        ],
        &[
            "--appearance",
            "leader",
            "--image",
            "fixtures/images/seal.png",
            "--rect",
            "1,2,3",
        ],
        &[
            "--appearance",
            "leader",
            "--image",
            "fixtures/images/missing.png",
            "--rect",
            rect,
        ],
        &["--rect", rect],
    ] {
        let out = sign(&simple, &unused, "leader", bad);
        assert_eq!(out.status.code(), Some(4), "{bad:?}");
        assert!(!unused.exists(), "{bad:?} wrote a file");
    }
    Ok(())
}

fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// `kyso_sign_pdf` with `options`: the status and the signed bytes.
#[cfg(feature = "ffi")]
fn ffi_sign(document: &[u8], options: &serde_json::Value) -> (i32, Vec<u8>) {
    let json = std::ffi::CString::new(options.to_string()).expect("no NUL");
    let mut out: *mut u8 = std::ptr::null_mut();
    let mut out_len = 0usize;
    // SAFETY: valid buffers and out-pointers; the result is freed with kyso_free.
    let status = unsafe {
        kyso::ffi::kyso_sign_pdf(
            document.as_ptr(),
            document.len(),
            json.as_ptr(),
            &mut out,
            &mut out_len,
        )
    };
    let bytes = if out.is_null() {
        Vec::new()
    } else {
        // SAFETY: kyso wrote `out_len` bytes at `out`.
        let v = unsafe { std::slice::from_raw_parts(out, out_len) }.to_vec();
        // SAFETY: returned by kyso, freed once.
        unsafe { kyso::ffi::kyso_free(out.cast()) };
        v
    };
    (status, bytes)
}

#[cfg(feature = "ffi")]
#[test]
fn c_abi_takes_appearance_image_and_rect() {
    let key = |name: &str| {
        serde_json::json!({
            "p12_path": fixture(&format!("pki/{name}.p12")),
            "password": PASSWORD,
        })
    };
    let rect = serde_json::json!(LEADER_RECT);
    let (status, leader) = ffi_sign(
        &read_fixture("docs/simple.pdf"),
        &serde_json::json!({
            "key": key("leader"),
            "appearance": "leader",
            "image_path": fixture("images/leader-signature.png"),
            "rect": rect,
            "signing_time": "2026-01-01T00:00:00Z",
        }),
    );
    assert_eq!(status, 0);
    let (status, sealed) = ffi_sign(
        &leader,
        &serde_json::json!({
            "key": key("seal"),
            "appearance": "seal",
            "image_base64": base64(&seal_image()),
            "rect": rect,
            "signing_time": "2026-01-01T00:00:00Z",
        }),
    );
    assert_eq!(status, 0);
    assert_all_pass(&sealed, 2);
    assert_eq!(widget_rect(&sealed, "Signature1"), user_box(LEADER_RECT));

    let (status, copy) = ffi_sign(
        &read_fixture("docs/vietnamese.pdf"),
        &serde_json::json!({
            "key": key("seal"),
            "appearance": "copy",
            "reason": "Bản sao điện tử",
            "signing_time": "2026-01-01T00:00:00Z",
        }),
    );
    assert_eq!(status, 0);
    assert_all_pass(&copy, 1);

    for bad in [
        serde_json::json!({"key": key("leader"), "appearance": "leader", "rect": rect}),
        serde_json::json!({"key": key("leader"), "appearance": "stamp"}),
        serde_json::json!({"key": key("leader"), "appearance": "copy",
            "image_base64": base64(&seal_image())}),
        serde_json::json!({"key": key("leader"), "appearance": "leader",
            "image_base64": "%%%", "rect": rect}),
        serde_json::json!({"key": key("leader"), "appearance": "leader",
            "image_path": fixture("images/seal.png"), "rect": [1, 2, 3]}),
    ] {
        let (status, out) = ffi_sign(&read_fixture("docs/simple.pdf"), &bad);
        assert_eq!(status, 4, "{bad}");
        assert!(out.is_empty());
    }
}
