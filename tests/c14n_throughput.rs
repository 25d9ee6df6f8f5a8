//! Canonicalization throughput on a generated 10 MB e-invoice-like document. Ignored by
//! default; run by hand in release mode:
//!
//! ```text
//! cargo test --release --test c14n_throughput -- --ignored --nocapture
//! ```
//!
//! It prints MB/s and asserts nothing about speed.

use std::time::Instant;

use kyso::xml::c14n::{C14nMethod, Canonicalizer, InclusivePrefixes};
use kyso::xml::{IdAttributes, XmlDocument};
use kyso::{DigestAlgorithm, Limits};

/// About `target` bytes of invoice lines with namespaces, attributes, escapes and
/// Vietnamese text.
fn document(target: usize) -> String {
    let mut xml = String::with_capacity(target + 4096);
    xml.push_str(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <HDon xmlns=\"http://kyso.example/einvoice\" xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n\
         <DLHDon Id=\"data\">\n<TTChung><PBan>2.0.0</PBan><THDon>Hóa đơn giá trị gia tăng</THDon></TTChung>\n<NDHDon><DSHHDVu>\n",
    );
    let mut i = 0u64;
    while xml.len() < target {
        i += 1;
        xml.push_str(&format!(
            "  <HHDVu STT=\"{i}\" xsi:type=\"HangHoa\" ghiChu='Lô &amp; \"số\" {i}'>\n\
             \x20   <TChat>1</TChat><MHHDVu>SP-{i:06}</MHHDVu>\n\
             \x20   <THHDVu>Sản phẩm số {i} &lt;loại A&gt; — giao tại Hà Nội</THHDVu>\n\
             \x20   <DVTinh>cái</DVTinh><SLuong>{}</SLuong><DGia>{}.50</DGia>\n\
             \x20   <!-- dòng {i} --><ThTien>{}</ThTien><TSuat>10%</TSuat>\n\
             \x20 </HHDVu>\n",
            i % 17 + 1,
            1000 + i,
            (i % 17 + 1) * (1000 + i)
        ));
    }
    xml.push_str("</DSHHDVu></NDHDon>\n</DLHDon>\n<DSCKS><NBan/></DSCKS>\n</HDon>\n");
    xml
}

#[test]
#[ignore = "measures throughput; run by hand in release mode"]
fn c14n_throughput() {
    let xml = document(10 << 20);
    let mb = xml.len() as f64 / 1e6;
    let started = Instant::now();
    let doc = XmlDocument::parse(&xml, &Limits::default(), &IdAttributes::default()).unwrap();
    let parse = started.elapsed();
    println!(
        "document: {mb:.1} MB, {} nodes; parse + checks + ID index: {:.0} ms ({:.0} MB/s)",
        doc.doc().descendants().count(),
        parse.as_secs_f64() * 1e3,
        mb / parse.as_secs_f64()
    );
    let data = doc.element_by_id("data").unwrap().unwrap();
    let runs: Vec<(&str, C14nMethod, bool)> = vec![
        ("C14N 1.0, whole document", C14nMethod::Inclusive10, false),
        (
            "C14N 1.0 with comments, whole document",
            C14nMethod::Inclusive10WithComments,
            false,
        ),
        ("C14N 1.1, whole document", C14nMethod::Inclusive11, false),
        ("exclusive, whole document", C14nMethod::Exclusive10, false),
        ("C14N 1.0, subtree #data", C14nMethod::Inclusive10, true),
        ("exclusive, subtree #data", C14nMethod::Exclusive10, true),
    ];
    for (name, method, subtree) in runs {
        let c = Canonicalizer::new(method);
        let mut best = f64::MAX;
        let mut len = 0;
        for _ in 0..3 {
            let mut out = Vec::with_capacity(xml.len());
            let t = Instant::now();
            if subtree {
                c.subtree(data, &[], &mut out).unwrap();
            } else {
                c.document(doc.doc(), &mut out).unwrap();
            }
            best = best.min(t.elapsed().as_secs_f64());
            len = out.len();
        }
        println!(
            "{name}: {:.0} ms, {:.0} MB/s of input ({:.1} MB out)",
            best * 1e3,
            mb / best,
            len as f64 / 1e6
        );
    }
    // Streaming straight into a digest.
    let c = Canonicalizer::new(C14nMethod::Exclusive10)
        .with_inclusive_prefixes(InclusivePrefixes::parse("ds"));
    let t = Instant::now();
    let mut hasher = DigestAlgorithm::Sha256.hasher();
    c.subtree(data, &[], &mut hasher).unwrap();
    let digest = hasher.finish();
    let secs = t.elapsed().as_secs_f64();
    println!(
        "exclusive subtree into SHA-256: {:.0} ms, {:.0} MB/s ({} digest bytes)",
        secs * 1e3,
        mb / secs,
        digest.len()
    );
}
