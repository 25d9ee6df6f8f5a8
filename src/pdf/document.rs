//! The revision view of a PDF file: its cross-reference chain, one [`Revision`] per
//! incremental update, and lazy object lookup as seen by any revision.
//!
//! Opening reads the tail of the file, then each cross-reference section along the `/Prev`
//! chain, and nothing else. Objects are read when asked for, from a small window around their
//! offset, and kept in a small bounded cache. A verifier must not guess: a broken offset, a
//! loop or a truncated file is a typed error, never a silent reconstruction.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::{Error, Format, Limits, Result};

use super::cache::Lru;
use super::filter::{self, FilterSpec};
use super::lexer::{Fail, Lexer, PResult, Token, bad, is_whitespace};
use super::object::{
    Dictionary, IndirectObject, Location, ObjRef, Object, Span, Stream, StreamData,
};
use super::objstm::ObjectStream;
use super::parser::{Body, RawIndirect, parse_indirect};
use super::source::Source;
use super::xref::{XrefEntry, XrefKind, parse_table, parse_xref_stream};

/// How much of the file's end is searched for `startxref` and `%%EOF`.
const TAIL: u64 = 2048;
/// The first window read for an object whose extent is unknown.
const DEFAULT_WINDOW: u64 = 2048;
/// The smallest first window.
const MIN_WINDOW: u64 = 64;
/// The largest first window sized from the distance to the next known offset.
const MAX_HINTED_WINDOW: u64 = 64 << 10;
/// Chunk size of [`Document::read_chunks`].
const CHUNK: usize = 64 << 10;
/// A window grows straight to the next known offset when that is at most this far.
const MAX_JUMP: u64 = 1 << 20;
/// How far after a cross-reference section its `startxref … %%EOF` may be.
const EOF_SEARCH: u64 = 1024;
/// Nested loads (a stream's indirect `/Length`, an object stream holding an object) deeper
/// than this are a loop.
const MAX_LOAD_DEPTH: u32 = 8;
/// Longest chain `1 0 R` → `2 0 R` → … that [`RevisionView::resolve`] follows.
const MAX_REF_CHAIN: u32 = 32;
/// Objects kept in the cache.
const OBJECT_CACHE_ENTRIES: usize = 1024;
/// Bytes (roughly) of parsed objects kept in the cache.
const OBJECT_CACHE_BYTES: usize = 16 << 20;
/// Decoded object streams kept in the cache.
const OBJSTM_CACHE_ENTRIES: usize = 4;
/// Bytes of decoded object streams kept in the cache, at most.
const OBJSTM_CACHE_BYTES: u64 = 64 << 20;

fn malformed(detail: impl Into<String>) -> Error {
    Error::malformed(Format::Pdf, detail)
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic elsewhere cannot leave a cache half-updated in a way that matters: recover.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// One revision: the original document or one incremental update.
///
/// A revision normally has one cross-reference section. A hybrid file's section includes
/// its `/XRefStm` stream; a linearized file's first-page section (which sits before the main
/// section it points to) is merged with that main section into one revision.
#[derive(Debug, Clone)]
pub struct Revision {
    startxref: u64,
    sections: Vec<u64>,
    kind: XrefKind,
    trailer: Dictionary,
    entries: Vec<(u32, XrefEntry)>,
    eof_offset: u64,
    end: u64,
}

impl Revision {
    /// The offset of this revision's cross-reference section, as its `startxref` (or the next
    /// revision's `/Prev`) gives it.
    pub fn startxref(&self) -> u64 {
        self.startxref
    }

    /// The offsets of every cross-reference section in this revision, newest first (more than
    /// one only for hybrid and linearized files).
    pub fn sections(&self) -> &[u64] {
        &self.sections
    }

    /// How the cross-reference information is written.
    pub fn xref_kind(&self) -> XrefKind {
        self.kind
    }

    /// The trailer dictionary (for a cross-reference stream, the stream's dictionary).
    pub fn trailer(&self) -> &Dictionary {
        &self.trailer
    }

    /// Every entry this revision's cross-reference information lists, sorted by object number.
    ///
    /// These are the object numbers the revision defines, redefines or frees — or merely
    /// repeats, when an update rewrites the whole table; [`Document::changed_entries`] leaves
    /// the repeats out.
    pub fn entries(&self) -> &[(u32, XrefEntry)] {
        &self.entries
    }

    /// This revision's own entry for object number `num`, if it lists one.
    pub fn entry(&self, num: u32) -> Option<XrefEntry> {
        self.entries
            .binary_search_by_key(&num, |&(n, _)| n)
            .ok()
            .map(|i| self.entries[i].1)
    }

    /// The offset of the `%%EOF` marker that ends this revision.
    pub fn eof_offset(&self) -> u64 {
        self.eof_offset
    }

    /// The end of this revision: the offset just after its `%%EOF` marker and the one
    /// end-of-line marker (CR LF, LF or CR) that follows it, if any. The bytes `0..end()` are
    /// the document as this revision left it.
    ///
    /// The end-of-line may have been written by the next update rather than with this
    /// revision (a file ending in `%%EOF` without one gets it from the appender), so a
    /// signature over this revision may end at [`Revision::marker_end`] or here.
    pub fn end(&self) -> u64 {
        self.end
    }

    /// The offset just after the `%%EOF` marker, without any end-of-line.
    pub fn marker_end(&self) -> u64 {
        self.eof_offset + 5
    }

    /// The `/Size` of this revision's trailer.
    pub fn size(&self) -> Option<u32> {
        self.trailer
            .get_int("Size")
            .and_then(|s| u32::try_from(s).ok())
    }
}

/// A cross-reference stream's entries, dictionary, and the offset after its `endobj`.
type XrefStreamSection = (Vec<(u32, XrefEntry)>, Dictionary, u64);

/// One cross-reference section as read along the `/Prev` chain.
struct Section {
    offset: u64,
    kind: XrefKind,
    entries: Vec<(u32, XrefEntry)>,
    trailer: Dictionary,
    /// Just after the trailer dictionary or the xref stream's `endobj`.
    end: u64,
}

/// A PDF file opened for reading, revision by revision.
///
/// Revisions are numbered from 0 (the original document) to `revisions().len() - 1` (the
/// newest). [`Document::get`] sees the newest revision; [`Document::view`] gives the document
/// as any older revision saw it.
///
/// The newest revision is the one whose `startxref … %%EOF` is the last in the file. Bytes
/// after its [`Revision::end`] (`len() > latest_revision().end()`: trailing garbage, or an
/// update cut short before its own `%%EOF`) belong to no revision; a verifier treats them as
/// an unsigned change.
///
/// Cost: opening reads the last 2 KiB and each cross-reference section. An object is read from
/// a window that reaches the next known object offset (at most 2 KiB at first, grown by the
/// missing bytes only), so a stream's data is never read unless asked for. Reading the form,
/// the page tree and a signature of a 50 MB file takes about 3 KiB besides the signature's
/// `/Contents`. Memory is bounded by two small caches (1024 parsed objects up to 16 MiB; 4
/// decoded object streams up to 64 MiB or [`Limits::max_decompressed_bytes`]).
pub struct Document<S> {
    source: S,
    len: u64,
    limits: Limits,
    revisions: Vec<Revision>,
    /// Sorted offsets of all known objects and sections, to size read windows.
    offsets: Vec<u64>,
    /// For each object number, the revisions that list it (oldest first) and their entries:
    /// finding the entry a revision sees takes a binary search instead of a walk back through
    /// every revision, which made the per-revision analysis of a many-times-signed file
    /// quadratic.
    entry_history: HashMap<u32, Vec<(usize, XrefEntry)>>,
    objects: Mutex<Lru<(usize, u32), IndirectObject>>,
    object_streams: Mutex<Lru<(usize, u32), ObjectStream>>,
}

impl<S> std::fmt::Debug for Document<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Document")
            .field("len", &self.len)
            .field("revisions", &self.revisions)
            .finish_non_exhaustive()
    }
}

impl<S: Source> Document<S> {
    /// Opens a PDF: finds `startxref` at the end, follows the `/Prev` chain through classic
    /// tables, cross-reference streams and hybrid sections, and records each revision.
    ///
    /// Reads only the tail and the cross-reference sections.
    pub fn open(source: S, limits: &Limits) -> Result<Self> {
        let len = source.len()?;
        if len > limits.max_document_bytes {
            return Err(Error::LimitExceeded {
                what: "PDF document size",
                limit: limits.max_document_bytes,
            });
        }
        if len == 0 {
            return Err(malformed("the file is empty"));
        }
        let objstm_budget = limits.max_decompressed_bytes.min(OBJSTM_CACHE_BYTES);
        let mut doc = Document {
            source,
            len,
            limits: limits.clone(),
            revisions: Vec::new(),
            offsets: Vec::new(),
            entry_history: HashMap::new(),
            objects: Mutex::new(Lru::new(OBJECT_CACHE_ENTRIES, OBJECT_CACHE_BYTES)),
            object_streams: Mutex::new(Lru::new(
                OBJSTM_CACHE_ENTRIES,
                usize::try_from(objstm_budget).unwrap_or(usize::MAX),
            )),
        };
        let (startxref, eof_offset, end) = doc.find_startxref()?;

        // Walk the chain, newest section first.
        let mut sections: Vec<Section> = Vec::new();
        let mut visited = HashSet::new();
        let mut next = Some(startxref);
        while let Some(offset) = next {
            if !visited.insert(offset) {
                return Err(malformed(format!(
                    "cross-reference /Prev chain loops back to byte {offset}"
                )));
            }
            if sections.len() >= limits.max_revisions as usize {
                return Err(Error::LimitExceeded {
                    what: "PDF revisions",
                    limit: u64::from(limits.max_revisions),
                });
            }
            let section = doc.read_section(offset)?;
            next = match section.trailer.get("Prev") {
                None => None,
                Some(Object::Int(p)) => Some(
                    u64::try_from(*p)
                        .map_err(|_| malformed(format!("trailer /Prev {p} is negative")))?,
                ),
                Some(o) => {
                    return Err(malformed(format!("trailer /Prev is a {}", o.kind())));
                }
            };
            sections.push(section);
        }
        doc.revisions = doc.build_revisions(sections, (eof_offset, end))?;
        doc.offsets = doc.collect_offsets();
        for (k, revision) in doc.revisions.iter().enumerate() {
            for (num, entry) in &revision.entries {
                doc.entry_history.entry(*num).or_default().push((k, *entry));
            }
        }
        Ok(doc)
    }

    /// The resource limits this document was opened with.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The byte source.
    pub fn source(&self) -> &S {
        &self.source
    }

    /// The file's length in bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the file is empty (never true for an opened document).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// All revisions, oldest (the original document) first.
    pub fn revisions(&self) -> &[Revision] {
        &self.revisions
    }

    /// The newest revision.
    pub fn latest_revision(&self) -> &Revision {
        // infallible: open() fails unless at least one section was read.
        &self.revisions[self.revisions.len() - 1]
    }

    /// The document as revision `rev` (0 = original) saw it, or `None` if there is no such
    /// revision.
    pub fn view(&self, rev: usize) -> Option<RevisionView<'_, S>> {
        (rev < self.revisions.len()).then_some(RevisionView { doc: self, rev })
    }

    /// The document as its newest revision sees it.
    pub fn latest(&self) -> RevisionView<'_, S> {
        // infallible: open() fails unless at least one section was read, so len() >= 1.
        RevisionView {
            doc: self,
            rev: self.revisions.len() - 1,
        }
    }

    /// The newest trailer.
    pub fn trailer(&self) -> &Dictionary {
        &self.latest_revision().trailer
    }

    /// Whether the newest trailer has `/Encrypt`. Strings and stream data of an encrypted file
    /// are returned as stored (encrypted); signing code refuses such files.
    pub fn is_encrypted(&self) -> bool {
        self.trailer().contains_key("Encrypt")
    }

    /// An object as the newest revision sees it; `None` when it is free or absent (a
    /// reference to it means `null`).
    pub fn get(&self, r: ObjRef) -> Result<Option<Arc<IndirectObject>>> {
        self.latest().get(r)
    }

    /// An object as revision `rev` saw it.
    pub fn get_in_revision(&self, rev: usize, r: ObjRef) -> Result<Option<Arc<IndirectObject>>> {
        self.view(rev)
            .ok_or_else(|| Error::InvalidOption(format!("the document has no revision {rev}")))?
            .get(r)
    }

    /// Follows references (see [`RevisionView::resolve`]) as the newest revision sees them.
    pub fn resolve(&self, object: &Object) -> Result<Object> {
        self.latest().resolve(object)
    }

    /// The entries of revision `rev` that differ from what revision `rev - 1` had for the same
    /// object number: the objects it adds, replaces or frees (for revision 0, all entries).
    pub fn changed_entries(&self, rev: usize) -> Vec<(u32, XrefEntry)> {
        let Some(r) = self.revisions.get(rev) else {
            return Vec::new();
        };
        r.entries
            .iter()
            .filter(|(num, e)| rev == 0 || self.lookup(rev - 1, *num).map(|(_, p)| p) != Some(*e))
            .copied()
            .collect()
    }

    /// A stream's data as stored in the file (still encoded), at most
    /// [`Limits::max_decompressed_bytes`] bytes.
    pub fn stream_data_raw(&self, stream: &Stream) -> Result<Vec<u8>> {
        match &stream.data {
            StreamData::Owned(bytes) => Ok(bytes.clone()),
            StreamData::InFile { offset, length } => {
                if *length > self.limits.max_decompressed_bytes {
                    return Err(Error::LimitExceeded {
                        what: "PDF stream size",
                        limit: self.limits.max_decompressed_bytes,
                    });
                }
                self.read_vec(*offset, *length)
            }
        }
    }

    /// A stream's data with its filters undone. Supports FlateDecode (with PNG and TIFF
    /// predictors) and no filter; any other filter is [`Error::Unsupported`]. The output is
    /// capped at [`Limits::max_decompressed_bytes`].
    pub fn stream_data_decoded(&self, stream: &Stream) -> Result<Vec<u8>> {
        let view = self.latest();
        let mut dict = Dictionary::new();
        for key in ["Filter", "DecodeParms", "F"] {
            if let Some(v) = stream.dict.get(key) {
                dict.set(key, view.resolve(v)?);
            }
        }
        let filters = filters_of(&dict)?;
        filter::decode(
            self.stream_data_raw(stream)?,
            &filters,
            self.limits.max_decompressed_bytes,
        )
    }

    /// Reads the bytes of `span` in chunks of at most 64 KiB and hands each to `f`, in order:
    /// for hashing a signature's byte ranges without holding the file in memory.
    pub fn read_chunks(&self, span: Span, mut f: impl FnMut(&[u8])) -> Result<()> {
        if span.end > self.len || span.start > span.end {
            return Err(malformed(format!(
                "byte range {}..{} is outside the file ({} bytes)",
                span.start, span.end, self.len
            )));
        }
        let mut buf = vec![0u8; CHUNK.min(span.len() as usize)];
        let mut at = span.start;
        while at < span.end {
            let n = (span.end - at).min(CHUNK as u64) as usize;
            self.source.read_exact_at(at, &mut buf[..n])?;
            f(&buf[..n]);
            at += n as u64;
        }
        Ok(())
    }

    // ----- reading -----

    fn read_vec(&self, offset: u64, n: u64) -> Result<Vec<u8>> {
        let end = offset
            .checked_add(n)
            .filter(|&e| e <= self.len)
            .ok_or_else(|| {
                malformed(format!(
                    "{n} bytes at {offset} run past the end of the file"
                ))
            })?;
        let _ = end;
        let n = usize::try_from(n).map_err(|_| Error::LimitExceeded {
            what: "PDF read size",
            limit: usize::MAX as u64,
        })?;
        let mut buf = vec![0u8; n];
        self.source.read_exact_at(offset, &mut buf)?;
        Ok(buf)
    }

    /// Bytes from `offset` to the next known object or section offset (plus some slack): an
    /// object normally ends before the next one starts.
    fn extent(&self, offset: u64) -> Option<u64> {
        let i = self.offsets.partition_point(|&o| o <= offset);
        self.offsets.get(i).map(|&next| next - offset + 16)
    }

    /// The first window size for an object at `offset`: up to the next known offset, so that
    /// an object of a few tens of kilobytes (a signature dictionary) is read and parsed once.
    fn window_hint(&self, offset: u64) -> u64 {
        self.extent(offset)
            .map_or(DEFAULT_WINDOW, |e| e.clamp(MIN_WINDOW, MAX_HINTED_WINDOW))
    }

    /// Runs `f` on a window at `offset`, growing the window while `f` needs more.
    fn parse_at<T>(
        &self,
        offset: u64,
        first_window: u64,
        mut f: impl FnMut(&mut Lexer<'_>) -> PResult<T>,
    ) -> Result<T> {
        if offset >= self.len {
            return Err(malformed(format!(
                "offset {offset} is past the end of the file ({} bytes)",
                self.len
            )));
        }
        let cap = self.limits.max_decompressed_bytes.max(DEFAULT_WINDOW);
        let avail = self.len - offset;
        let extent = self.extent(offset);
        let mut size = first_window.max(1);
        let mut buf: Vec<u8> = Vec::new();
        loop {
            // Grow the window by reading only the bytes not read yet.
            let want = size.min(avail);
            let have = buf.len() as u64;
            if want > have {
                let more = self.read_vec(offset + have, want - have)?;
                buf.extend_from_slice(&more);
            }
            let complete = want == avail;
            let mut lx = Lexer::new(&buf, offset, complete);
            match f(&mut lx) {
                Ok(v) => return Ok(v),
                Err(Fail::Error(e)) => return Err(e),
                Err(Fail::NeedMore) if complete => {
                    return Err(malformed(format!(
                        "at byte {offset}: unexpected end of file"
                    )));
                }
                Err(Fail::NeedMore) => {
                    if size >= cap {
                        return Err(Error::LimitExceeded {
                            what: "size of one PDF object",
                            limit: cap,
                        });
                    }
                    // Jump to the next known offset when it is near, else grow geometrically.
                    size = match extent {
                        Some(e) if e > size && e <= MAX_JUMP => e,
                        _ => size.saturating_mul(4),
                    }
                    .min(cap);
                }
            }
        }
    }

    /// Finds the last `startxref N %%EOF` in the tail.
    fn find_startxref(&self) -> Result<(u64, u64, u64)> {
        let tail_len = self.len.min(TAIL);
        let base = self.len - tail_len;
        let tail = self.read_vec(base, tail_len)?;
        let Some(pos) = rfind(&tail, b"startxref") else {
            return Err(malformed(
                "no 'startxref' near the end of the file: not a PDF, or truncated",
            ));
        };
        let mut lx = Lexer::new(&tail[pos..], base + pos as u64, true);
        let offset = match (lx.next_token(), lx.next_token()) {
            (Ok(Some((Token::Keyword(b"startxref"), _))), Ok(Some((Token::Int(n), _)))) => {
                u64::try_from(n).map_err(|_| malformed("negative startxref offset"))?
            }
            _ => return Err(malformed("'startxref' is not followed by an offset")),
        };
        let after = usize::try_from(lx.offset() - base).unwrap_or(tail.len());
        let mut i = after;
        while i < tail.len() && is_whitespace(tail[i]) {
            i += 1;
        }
        if !tail[i..].starts_with(b"%%EOF") {
            return Err(malformed(
                "no %%EOF after the last startxref: the file is truncated",
            ));
        }
        let eof = base + i as u64;
        let end = eof + 5 + eol_len(&tail[i + 5..]) as u64;
        Ok((offset, eof, end))
    }

    /// After an older section: optional `startxref N`, then `%%EOF`.
    fn find_eof(&self, from: u64) -> Result<(u64, u64)> {
        let n = self.len.saturating_sub(from).min(EOF_SEARCH);
        let buf = self.read_vec(from, n)?;
        let mut i = 0;
        let mut seen_startxref = false;
        loop {
            while i < buf.len() && is_whitespace(buf[i]) {
                i += 1;
            }
            let rest = &buf[i..];
            if rest.starts_with(b"%%EOF") {
                let eof = from + i as u64;
                return Ok((eof, eof + 5 + eol_len(&rest[5..]) as u64));
            } else if rest.starts_with(b"%") {
                while i < buf.len() && buf[i] != b'\n' && buf[i] != b'\r' {
                    i += 1;
                }
            } else if rest.starts_with(b"startxref") && !seen_startxref {
                seen_startxref = true;
                i += 9;
                while i < buf.len() && is_whitespace(buf[i]) {
                    i += 1;
                }
                while i < buf.len() && buf[i].is_ascii_digit() {
                    i += 1;
                }
            } else {
                return Err(malformed(format!(
                    "the cross-reference section ending at byte {from} is not followed by \
                     startxref and %%EOF"
                )));
            }
        }
    }

    /// Reads the cross-reference section at `offset` (table, stream or hybrid).
    fn read_section(&self, offset: u64) -> Result<Section> {
        let limits = &self.limits;
        let is_table = self.parse_at(offset, 16, |lx| {
            lx.skip_whitespace()?;
            lx.at_keyword(b"xref")
        })?;
        if !is_table {
            let (entries, trailer, end) = self.read_xref_stream(offset).map_err(|e| match e {
                Error::Malformed { detail, .. } => malformed(format!(
                    "no cross-reference table or stream at byte {offset}: {detail}"
                )),
                other => other,
            })?;
            return Ok(Section {
                offset,
                kind: XrefKind::Stream,
                entries,
                trailer,
                end,
            });
        }
        let table = self.parse_at(offset, DEFAULT_WINDOW, |lx| {
            lx.skip_whitespace()?;
            parse_table(lx, limits)
        })?;
        let mut entries = table.entries;
        let mut kind = XrefKind::Table;
        if let Some(stm) = table.trailer.get("XRefStm") {
            let stm = stm
                .as_int()
                .and_then(|s| u64::try_from(s).ok())
                .ok_or_else(|| malformed("trailer /XRefStm is not an offset"))?;
            let (more, _, _) = self.read_xref_stream(stm)?;
            // The table's entries come first and so take precedence.
            entries.extend(more);
            kind = XrefKind::Hybrid;
        }
        Ok(Section {
            offset,
            kind,
            entries,
            trailer: table.trailer,
            end: table.end,
        })
    }

    /// Reads a cross-reference stream object at `offset`: its entries, dictionary and end.
    fn read_xref_stream(&self, offset: u64) -> Result<XrefStreamSection> {
        let max_depth = self.limits.max_nesting;
        let raw = self.parse_at(offset, DEFAULT_WINDOW, |lx| parse_indirect(lx, max_depth))?;
        let (Object::Dict(dict), Body::Stream(data_offset)) = (raw.object, raw.body) else {
            return Err(malformed(format!(
                "object at byte {offset} is not a stream"
            )));
        };
        if !dict.is_name("Type", "XRef") {
            return Err(malformed(format!(
                "stream at byte {offset} is not a cross-reference stream (/Type /XRef)"
            )));
        }
        let length = match dict.get("Length") {
            Some(Object::Int(n)) => u64::try_from(*n)
                .map_err(|_| malformed(format!("xref stream /Length {n} is negative")))?,
            _ => return Err(malformed("xref stream /Length must be a direct integer")),
        };
        let (_, end) = self.finish_stream(raw.id, data_offset, length)?;
        let filters = filters_of(&dict)?;
        let data = filter::decode(
            self.stream_data_raw(&Stream {
                dict: Dictionary::new(),
                data: StreamData::InFile {
                    offset: data_offset,
                    length,
                },
            })?,
            &filters,
            self.limits.max_decompressed_bytes,
        )?;
        let entries = parse_xref_stream(&dict, &data, &self.limits)?;
        Ok((entries, dict, end))
    }

    /// Checks `endstream` and `endobj` after a stream's data; returns the offsets after each.
    fn finish_stream(&self, id: ObjRef, data_offset: u64, length: u64) -> Result<(u64, u64)> {
        let data_end = data_offset
            .checked_add(length)
            .filter(|&e| e < self.len)
            .ok_or_else(|| {
                malformed(format!(
                    "object {id}: stream /Length {length} runs past the end of the file"
                ))
            })?;
        self.parse_at(data_end, MIN_WINDOW, |lx| {
            let endstream = match lx.next_token()? {
                Some((Token::Keyword(b"endstream"), span)) => span.end,
                _ => {
                    return bad(
                        data_end,
                        format!("object {id}: no 'endstream' after /Length {length} bytes"),
                    );
                }
            };
            match lx.next_token()? {
                Some((Token::Keyword(b"endobj"), span)) => Ok((endstream, span.end)),
                _ => bad(
                    lx.offset(),
                    format!("object {id}: no 'endobj' after the stream"),
                ),
            }
        })
    }

    /// Groups sections (newest first) into revisions, oldest first. A section placed before
    /// the section its `/Prev` points to (a linearized file's first-page section) belongs to
    /// the same revision as that section. A revision ends at the `%%EOF` after its physically
    /// last section; the newest at the file's last `%%EOF` (`newest_eof`).
    fn build_revisions(
        &self,
        sections: Vec<Section>,
        newest_eof: (u64, u64),
    ) -> Result<Vec<Revision>> {
        let mut groups: Vec<Vec<Section>> = Vec::new();
        let mut previous_offset: Option<u64> = None;
        for s in sections.into_iter().rev() {
            let merge = previous_offset.is_some_and(|p| s.offset < p);
            previous_offset = Some(s.offset);
            match groups.last_mut() {
                Some(group) if merge => group.insert(0, s),
                _ => groups.push(vec![s]),
            }
        }
        let count = groups.len();
        let mut revisions = Vec::with_capacity(count);
        for (i, group) in groups.into_iter().enumerate() {
            let last_end = group.iter().map(|s| s.end).max().unwrap_or(0);
            let (eof_offset, end) = if i + 1 == count {
                newest_eof
            } else {
                self.find_eof(last_end)?
            };
            let sections: Vec<u64> = group.iter().map(|s| s.offset).collect();
            let mut group = group.into_iter();
            let Some(newest) = group.next() else {
                continue;
            };
            let mut entries = newest.entries;
            for older in group {
                entries.extend(older.entries);
            }
            revisions.push(Revision {
                startxref: newest.offset,
                sections,
                kind: newest.kind,
                trailer: newest.trailer,
                entries: sorted_first_wins(entries),
                eof_offset,
                end,
            });
        }
        Ok(revisions)
    }

    fn collect_offsets(&self) -> Vec<u64> {
        let mut v: Vec<u64> = self
            .revisions
            .iter()
            .flat_map(|r| {
                r.entries
                    .iter()
                    .filter_map(|(_, e)| match e {
                        XrefEntry::InUse { offset, .. } => Some(*offset),
                        _ => None,
                    })
                    .chain(r.sections.iter().copied())
                    .chain([r.eof_offset])
            })
            .collect();
        v.push(self.len);
        v.sort_unstable();
        v.dedup();
        v
    }

    // ----- objects -----

    /// The entry for `num` as revision `rev` sees it, and the revision that wrote it.
    fn lookup(&self, rev: usize, num: u32) -> Option<(usize, XrefEntry)> {
        let history = self.entry_history.get(&num)?;
        let seen = history.partition_point(|(k, _)| *k <= rev);
        history.get(seen.checked_sub(1)?).copied()
    }

    fn load(&self, rev: usize, r: ObjRef, depth: u32) -> Result<Option<Arc<IndirectObject>>> {
        if depth > MAX_LOAD_DEPTH {
            return Err(malformed(format!(
                "loading object {r} needs other objects in a loop (or too deeply)"
            )));
        }
        let Some((k, entry)) = self.lookup(rev, r.num) else {
            return Ok(None);
        };
        if entry.generation() != r.generation {
            return Ok(None);
        }
        if matches!(entry, XrefEntry::Free { .. }) {
            return Ok(None);
        }
        if let Some(hit) = lock(&self.objects).get(&(k, r.num)) {
            return Ok(Some(hit));
        }
        let (object, weight) = match entry {
            XrefEntry::Free { .. } => return Ok(None),
            XrefEntry::InUse { offset, .. } => {
                let o = self.load_uncompressed(k, r, offset, depth)?;
                let w = o
                    .span
                    .map_or(256, |s| s.len() as usize)
                    .min(OBJECT_CACHE_BYTES);
                (o, w)
            }
            XrefEntry::Compressed { stream, index } => {
                (self.load_compressed(k, r, stream, index, depth)?, 256)
            }
        };
        let object = Arc::new(object);
        lock(&self.objects).insert((k, r.num), Arc::clone(&object), weight);
        Ok(Some(object))
    }

    fn load_uncompressed(
        &self,
        k: usize,
        r: ObjRef,
        offset: u64,
        depth: u32,
    ) -> Result<IndirectObject> {
        let max_depth = self.limits.max_nesting;
        let raw: RawIndirect = self.parse_at(offset, self.window_hint(offset), |lx| {
            parse_indirect(lx, max_depth)
        })?;
        if raw.id != r {
            return Err(malformed(format!(
                "the cross-reference entry for object {r} points to byte {offset}, which holds \
                 object {}",
                raw.id
            )));
        }
        match (raw.object, raw.body) {
            (object, Body::EndObj(end)) => Ok(IndirectObject {
                id: r,
                object,
                location: Location::Offset(offset),
                span: Some(Span::new(raw.header.start, end)),
                value_span: Some(raw.value_span),
            }),
            (Object::Dict(dict), Body::Stream(data_offset)) => {
                let length = match dict.get("Length") {
                    Some(Object::Int(n)) => Some(*n),
                    Some(Object::Ref(lr)) => self
                        .load(k, *lr, depth + 1)?
                        .and_then(|o| o.object.as_int()),
                    _ => None,
                };
                let length = length.and_then(|n| u64::try_from(n).ok()).ok_or_else(|| {
                    malformed(format!("object {r}: stream without a valid /Length"))
                })?;
                let (endstream, end) = self.finish_stream(r, data_offset, length)?;
                Ok(IndirectObject {
                    id: r,
                    object: Object::Stream(Stream {
                        dict,
                        data: StreamData::InFile {
                            offset: data_offset,
                            length,
                        },
                    }),
                    location: Location::Offset(offset),
                    span: Some(Span::new(raw.header.start, end)),
                    value_span: Some(Span::new(raw.value_span.start, endstream)),
                })
            }
            (_, Body::Stream(_)) => {
                Err(malformed(format!("object {r}: stream without dictionary")))
            }
        }
    }

    fn load_compressed(
        &self,
        k: usize,
        r: ObjRef,
        stream: u32,
        index: u32,
        depth: u32,
    ) -> Result<IndirectObject> {
        let objstm = self.object_stream(k, stream, depth + 1)?;
        let object = objstm.object(index, r.num, self.limits.max_nesting)?;
        Ok(IndirectObject {
            id: r,
            object,
            location: Location::InObjectStream { stream, index },
            span: None,
            value_span: None,
        })
    }

    fn object_stream(&self, rev: usize, num: u32, depth: u32) -> Result<Arc<ObjectStream>> {
        let Some((k, entry)) = self.lookup(rev, num) else {
            return Err(malformed(format!("object stream {num} does not exist")));
        };
        let generation = match entry {
            XrefEntry::InUse { generation, .. } => generation,
            XrefEntry::Compressed { .. } => {
                return Err(malformed(format!(
                    "object stream {num} is itself inside an object stream"
                )));
            }
            XrefEntry::Free { .. } => {
                return Err(malformed(format!("object stream {num} is a free object")));
            }
        };
        if let Some(hit) = lock(&self.object_streams).get(&(k, num)) {
            return Ok(hit);
        }
        let Some(obj) = self.load(rev, ObjRef::new(num, generation), depth)? else {
            return Err(malformed(format!("object stream {num} does not exist")));
        };
        let Object::Stream(stream) = &obj.object else {
            return Err(malformed(format!("object {num} is not an object stream")));
        };
        let data = self.stream_data_decoded(stream)?;
        let objstm = Arc::new(ObjectStream::new(&stream.dict, data, &self.limits)?);
        let weight = objstm.size();
        lock(&self.object_streams).insert((k, num), Arc::clone(&objstm), weight);
        Ok(objstm)
    }
}

/// The `/Filter` and `/DecodeParms` of a stream dictionary whose entries are direct.
fn filters_of(dict: &Dictionary) -> Result<Vec<FilterSpec>> {
    if dict.contains_key("F") {
        return Err(Error::Unsupported(
            "PDF stream with its data in an external file (/F)".into(),
        ));
    }
    let names: Vec<Object> = match dict.get("Filter") {
        None => return Ok(Vec::new()),
        Some(Object::Name(n)) => vec![Object::Name(n.clone())],
        Some(Object::Array(a)) => a.items().to_vec(),
        Some(o) => return Err(malformed(format!("stream /Filter is a {}", o.kind()))),
    };
    let params: Vec<Object> = match dict.get("DecodeParms") {
        None => Vec::new(),
        Some(Object::Dict(d)) => vec![Object::Dict(d.clone())],
        Some(Object::Array(a)) => a.items().to_vec(),
        Some(o) => return Err(malformed(format!("stream /DecodeParms is a {}", o.kind()))),
    };
    names
        .into_iter()
        .enumerate()
        .map(|(i, n)| {
            let Object::Name(name) = n else {
                return Err(malformed("stream /Filter holds a non-name"));
            };
            let params = match params.get(i) {
                None | Some(Object::Null) => None,
                Some(Object::Dict(d)) => Some(d.clone()),
                Some(_) => return Err(malformed("stream /DecodeParms holds a non-dictionary")),
            };
            Ok(FilterSpec { name, params })
        })
        .collect()
}

/// Length of the end-of-line marker at the start of `bytes` (CR LF, LF, CR or none).
fn eol_len(bytes: &[u8]) -> usize {
    match bytes {
        [b'\r', b'\n', ..] => 2,
        [b'\n', ..] | [b'\r', ..] => 1,
        _ => 0,
    }
}

fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

/// Sorts entries by object number; of repeated numbers the first listed wins.
fn sorted_first_wins(mut entries: Vec<(u32, XrefEntry)>) -> Vec<(u32, XrefEntry)> {
    entries.sort_by_key(|&(n, _)| n); // stable: keeps listing order within a number
    entries.dedup_by_key(|&mut (n, _)| n);
    entries
}

/// The document as one revision saw it.
pub struct RevisionView<'d, S> {
    doc: &'d Document<S>,
    rev: usize,
}

impl<S> Clone for RevisionView<'_, S> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<S> Copy for RevisionView<'_, S> {}

impl<'d, S: Source> RevisionView<'d, S> {
    /// The document.
    pub fn document(&self) -> &'d Document<S> {
        self.doc
    }

    /// The revision's index (0 = original).
    pub fn index(&self) -> usize {
        self.rev
    }

    /// The revision.
    pub fn revision(&self) -> &'d Revision {
        // infallible: views are only made for existing revisions.
        &self.doc.revisions[self.rev]
    }

    /// The revision's trailer.
    pub fn trailer(&self) -> &'d Dictionary {
        &self.revision().trailer
    }

    /// The cross-reference entry through which this revision finds object number `num`, and
    /// the index of the revision that wrote it (this one or an older one).
    pub fn entry(&self, num: u32) -> Option<(usize, XrefEntry)> {
        self.doc.lookup(self.rev, num)
    }

    /// An object as this revision sees it; `None` when free or absent.
    pub fn get(&self, r: ObjRef) -> Result<Option<Arc<IndirectObject>>> {
        self.doc.load(self.rev, r, 0)
    }

    /// Follows references until a direct value: a reference to a free or absent object is
    /// `null` (ISO 32000-1 §7.3.10). Chains longer than 32 are an error (a loop such as
    /// `1 0 obj 1 0 R endobj` ends there).
    pub fn resolve(&self, object: &Object) -> Result<Object> {
        self.resolve_with(object, Object::clone)
    }

    /// Follows references like [`RevisionView::resolve`] and hands the direct value to `f`
    /// without copying it (`null` for a free or absent object).
    pub(crate) fn resolve_with<T>(
        &self,
        object: &Object,
        f: impl FnOnce(&Object) -> T,
    ) -> Result<T> {
        let &Object::Ref(mut r) = object else {
            return Ok(f(object));
        };
        for _ in 0..MAX_REF_CHAIN {
            match self.get(r)? {
                None => return Ok(f(&Object::Null)),
                Some(o) => match &o.object {
                    Object::Ref(next) => r = *next,
                    other => return Ok(f(other)),
                },
            }
        }
        Err(malformed(format!(
            "reference chain through object {r} is too long or loops"
        )))
    }

    /// Resolves `object` and requires a dictionary (or a stream's dictionary); `null` is
    /// `None`.
    pub fn resolve_dict(&self, object: &Object, what: &str) -> Result<Option<Dictionary>> {
        match self.resolve(object)? {
            Object::Null => Ok(None),
            Object::Dict(d) => Ok(Some(d)),
            Object::Stream(s) => Ok(Some(s.dict)),
            other => Err(malformed(format!(
                "{what} is a {}, not a dictionary",
                other.kind()
            ))),
        }
    }

    /// The document catalog (`/Root` of the trailer) and its reference.
    pub fn catalog(&self) -> Result<(ObjRef, Dictionary)> {
        let root = self
            .trailer()
            .get_ref("Root")
            .ok_or_else(|| malformed("trailer without an indirect /Root"))?;
        let catalog = self
            .resolve_dict(&Object::Ref(root), "the catalog")?
            .ok_or_else(|| malformed(format!("the catalog {root} does not exist")))?;
        Ok((root, catalog))
    }
}

#[cfg(test)]
mod tests;
