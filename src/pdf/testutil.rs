//! Builds small PDF files byte by byte for unit tests.

use std::collections::BTreeMap;

use flate2::{Compression, write::ZlibEncoder};
use std::io::Write;

pub(crate) fn zlib(data: &[u8]) -> Vec<u8> {
    let mut e = ZlibEncoder::new(Vec::new(), Compression::default());
    let _ = e.write_all(data);
    e.finish().unwrap_or_default()
}

/// Appends objects and cross-reference sections to a byte buffer.
pub(crate) struct Builder {
    pub(crate) buf: Vec<u8>,
    /// Objects written since the last section: number → (offset, generation).
    pending: BTreeMap<u32, (u64, u16)>,
    /// Offset of the last section, for `/Prev`.
    pub(crate) last_xref: Option<u64>,
}

impl Builder {
    pub(crate) fn new() -> Self {
        Builder {
            buf: b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n".to_vec(),
            pending: BTreeMap::new(),
            last_xref: None,
        }
    }

    /// Continues after existing bytes whose newest section is at `last_xref`.
    pub(crate) fn append_to(bytes: Vec<u8>, last_xref: u64) -> Self {
        Builder {
            buf: bytes,
            pending: BTreeMap::new(),
            last_xref: Some(last_xref),
        }
    }

    pub(crate) fn offset(&self) -> u64 {
        self.buf.len() as u64
    }

    pub(crate) fn raw(&mut self, bytes: &[u8]) -> &mut Self {
        self.buf.extend_from_slice(bytes);
        self
    }

    pub(crate) fn obj(&mut self, num: u32, body: &str) -> &mut Self {
        self.obj_gen(num, 0, body.as_bytes())
    }

    pub(crate) fn obj_gen(&mut self, num: u32, generation: u16, body: &[u8]) -> &mut Self {
        self.pending.insert(num, (self.offset(), generation));
        self.buf
            .extend_from_slice(format!("{num} {generation} obj\n").as_bytes());
        self.buf.extend_from_slice(body);
        self.buf.extend_from_slice(b"\nendobj\n");
        self
    }

    pub(crate) fn stream(&mut self, num: u32, dict_extra: &str, data: &[u8]) -> &mut Self {
        let mut body = format!("<< /Length {} {dict_extra} >>\nstream\n", data.len()).into_bytes();
        body.extend_from_slice(data);
        body.extend_from_slice(b"\nendstream");
        self.obj_gen(num, 0, &body)
    }

    /// Writes a classic table for the pending objects, the trailer and the end.
    pub(crate) fn table(&mut self, trailer: &str) -> &mut Self {
        let at = self.offset();
        let mut t = String::from("xref\n");
        if self.last_xref.is_none() {
            t.push_str("0 1\n0000000000 65535 f\r\n");
        }
        for (num, (off, generation)) in std::mem::take(&mut self.pending) {
            t.push_str(&format!("{num} 1\n{off:010} {generation:05} n\r\n"));
        }
        let prev = self
            .last_xref
            .map(|p| format!(" /Prev {p}"))
            .unwrap_or_default();
        t.push_str(&format!(
            "trailer\n<< {trailer}{prev} >>\nstartxref\n{at}\n%%EOF\n"
        ));
        self.buf.extend_from_slice(t.as_bytes());
        self.last_xref = Some(at);
        self
    }

    /// Writes an xref stream object `num` for the pending objects plus extra compressed
    /// entries `(num, stream, index)`, Flate with PNG Up predictor.
    pub(crate) fn xref_stream(
        &mut self,
        num: u32,
        trailer: &str,
        compressed: &[(u32, u32, u32)],
    ) -> &mut Self {
        let at = self.offset();
        let mut rows: BTreeMap<u32, [u8; 6]> = BTreeMap::new();
        for (&n, &(off, generation)) in &self.pending {
            let o = (off as u32).to_be_bytes();
            rows.insert(n, [1, o[0], o[1], o[2], o[3], generation as u8]);
        }
        let o = (at as u32).to_be_bytes();
        rows.insert(num, [1, o[0], o[1], o[2], o[3], 0]);
        for &(n, s, i) in compressed {
            let sb = s.to_be_bytes();
            rows.insert(n, [2, sb[0], sb[1], sb[2], sb[3], i as u8]);
        }
        self.pending.clear();
        let mut index = String::new();
        let mut data = Vec::new();
        let mut prev_row = [0u8; 6];
        for (n, row) in &rows {
            index.push_str(&format!("{n} 1 "));
            data.push(2); // PNG Up
            for i in 0..6 {
                data.push(row[i].wrapping_sub(prev_row[i]));
            }
            prev_row = *row;
        }
        let prev = self
            .last_xref
            .map(|p| format!(" /Prev {p}"))
            .unwrap_or_default();
        let z = zlib(&data);
        let mut body = format!(
            "<< /Type /XRef /W [1 4 1] /Index [{index}] /Filter /FlateDecode \
             /DecodeParms << /Predictor 12 /Columns 6 >> /Length {} {trailer}{prev} >>\nstream\n",
            z.len()
        )
        .into_bytes();
        body.extend_from_slice(&z);
        body.extend_from_slice(b"\nendstream");
        self.buf
            .extend_from_slice(format!("{num} 0 obj\n").as_bytes());
        self.buf.extend_from_slice(&body);
        self.buf.extend_from_slice(b"\nendobj\n");
        self.buf
            .extend_from_slice(format!("startxref\n{at}\n%%EOF\n").as_bytes());
        self.last_xref = Some(at);
        self
    }

    pub(crate) fn bytes(&self) -> Vec<u8> {
        self.buf.clone()
    }
}

/// An object stream holding `objects` (number, body), Flate-compressed, as the text of a
/// stream object's dictionary extras and data.
pub(crate) fn object_stream(objects: &[(u32, &str)]) -> (String, Vec<u8>) {
    let mut header = String::new();
    let mut body = String::new();
    for (num, text) in objects {
        header.push_str(&format!("{num} {} ", body.len()));
        body.push_str(text);
        body.push(' ');
    }
    let first = header.len();
    let data = zlib(format!("{header}{body}").as_bytes());
    (
        format!(
            "/Type /ObjStm /N {} /First {first} /Filter /FlateDecode",
            objects.len()
        ),
        data,
    )
}

/// A one-page document with a form holding one signature field, classic table.
pub(crate) fn simple_form() -> Vec<u8> {
    let mut b = Builder::new();
    b.obj(1, "<< /Type /Catalog /Pages 2 0 R /AcroForm 5 0 R >>")
        .obj(
            2,
            "<< /Type /Pages /Kids [3 0 R] /Count 1 /MediaBox [0 0 595 842] >>",
        )
        .obj(3, "<< /Type /Page /Parent 2 0 R /Annots [4 0 R] >>")
        .obj(
            4,
            "<< /Type /Annot /Subtype /Widget /FT /Sig /T (Signature1) /Rect [0 0 0 0] /P 3 0 R >>",
        )
        .obj(5, "<< /Fields [4 0 R] /SigFlags 3 >>")
        .table("/Size 6 /Root 1 0 R /ID [<01020304> <01020304>]");
    b.bytes()
}
