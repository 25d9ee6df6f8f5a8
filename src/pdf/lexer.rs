//! Tokens of the PDF syntax (ISO 32000-1 §7.2, §7.3).
//!
//! The lexer runs over a window of the file: a byte slice, the file offset of its first byte,
//! and whether the window reaches the end of the file. When a token may continue past the end
//! of an incomplete window, it answers [`Fail::NeedMore`] and the caller retries with a larger
//! window; it never reads outside the slice and never panics.

use crate::{Error, Format};

use super::object::{Name, PdfString, Span};

/// Why lexing or parsing a window stopped.
#[derive(Debug)]
pub(crate) enum Fail {
    /// The window ended inside a token or object; retry with a larger window.
    NeedMore,
    /// The input is wrong (or a limit was hit): a final answer.
    Error(Error),
}

impl From<Error> for Fail {
    fn from(e: Error) -> Self {
        Fail::Error(e)
    }
}

/// Result inside the lexer and parser.
pub(crate) type PResult<T> = std::result::Result<T, Fail>;

/// A malformed-PDF failure at a file offset.
pub(crate) fn bad<T>(offset: u64, detail: impl std::fmt::Display) -> PResult<T> {
    Err(Fail::Error(Error::malformed(
        Format::Pdf,
        format!("at byte {offset}: {detail}"),
    )))
}

/// One token.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Token<'a> {
    Int(i64),
    Real(f64),
    Name(Name),
    String(PdfString),
    ArrayOpen,
    ArrayClose,
    DictOpen,
    DictClose,
    /// A run of regular characters that is not a number: `true`, `obj`, `R`, `xref`, …
    Keyword(&'a [u8]),
}

pub(crate) fn is_whitespace(b: u8) -> bool {
    matches!(b, 0 | b'\t' | b'\n' | 0x0C | b'\r' | b' ')
}

pub(crate) fn is_delimiter(b: u8) -> bool {
    matches!(
        b,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

pub(crate) fn is_regular(b: u8) -> bool {
    !is_whitespace(b) && !is_delimiter(b)
}

/// Each byte's value as a hexadecimal digit, or 0xFF.
const HEX_DIGITS: [u8; 256] = {
    let mut table = [0xFF; 256];
    let mut i = 0;
    while i < 256 {
        if let Some(v) = hex_value(i as u8) {
            table[i] = v;
        }
        i += 1;
    }
    table
};

const fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// A cursor over a window of the file.
#[derive(Debug, Clone)]
pub(crate) struct Lexer<'a> {
    buf: &'a [u8],
    pos: usize,
    base: u64,
    complete: bool,
}

impl<'a> Lexer<'a> {
    /// A lexer over `buf`, whose first byte is at file offset `base`; `complete` tells whether
    /// the window reaches the end of the data.
    pub(crate) fn new(buf: &'a [u8], base: u64, complete: bool) -> Self {
        Lexer {
            buf,
            pos: 0,
            base,
            complete,
        }
    }

    /// The file offset of the cursor.
    pub(crate) fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    /// The cursor as an index into the window.
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    /// Moves the cursor to an index into the window (clamped to the window).
    pub(crate) fn set_pos(&mut self, pos: usize) {
        self.pos = pos.min(self.buf.len());
    }

    /// The window's bytes from the cursor on.
    pub(crate) fn rest(&self) -> &'a [u8] {
        self.buf.get(self.pos..).unwrap_or(&[])
    }

    /// The next byte, or `NeedMore`/`None` at the end of the window.
    fn peek(&self) -> PResult<Option<u8>> {
        match self.buf.get(self.pos) {
            Some(&b) => Ok(Some(b)),
            None if self.complete => Ok(None),
            None => Err(Fail::NeedMore),
        }
    }

    /// The end of the window was reached inside a token.
    fn eof<T>(&self, what: &str) -> PResult<T> {
        if self.complete {
            bad(self.offset(), format!("end of data inside {what}"))
        } else {
            Err(Fail::NeedMore)
        }
    }

    /// Skips white-space and comments.
    pub(crate) fn skip_whitespace(&mut self) -> PResult<()> {
        while let Some(b) = self.peek()? {
            if is_whitespace(b) {
                self.pos += 1;
            } else if b == b'%' {
                while let Some(c) = self.peek()? {
                    if c == b'\r' || c == b'\n' {
                        break;
                    }
                    self.pos += 1;
                }
            } else {
                break;
            }
        }
        Ok(())
    }

    /// Skips one end-of-line marker (CR LF, LF or CR) if the cursor is on one.
    pub(crate) fn skip_eol(&mut self) -> PResult<()> {
        match self.peek()? {
            Some(b'\n') => self.pos += 1,
            Some(b'\r') => {
                self.pos += 1;
                if self.peek()? == Some(b'\n') {
                    self.pos += 1;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// The next token and its span, or `None` at the end of complete data.
    pub(crate) fn next_token(&mut self) -> PResult<Option<(Token<'a>, Span)>> {
        self.skip_whitespace()?;
        let start = self.pos;
        let Some(b) = self.peek()? else {
            return Ok(None);
        };
        let token = match b {
            b'[' => {
                self.pos += 1;
                Token::ArrayOpen
            }
            b']' => {
                self.pos += 1;
                Token::ArrayClose
            }
            b'(' => Token::String(self.literal_string()?),
            b'/' => Token::Name(self.name()?),
            b'<' => {
                self.pos += 1;
                if self.peek()? == Some(b'<') {
                    self.pos += 1;
                    Token::DictOpen
                } else {
                    Token::String(self.hex_string()?)
                }
            }
            b'>' => {
                self.pos += 1;
                if self.peek()? == Some(b'>') {
                    self.pos += 1;
                    Token::DictClose
                } else {
                    return bad(self.base + start as u64, "stray '>'");
                }
            }
            b')' | b'{' | b'}' => {
                return bad(
                    self.base + start as u64,
                    format!("unexpected '{}'", char::from(b)),
                );
            }
            _ => self.regular()?,
        };
        let span = Span::new(self.base + start as u64, self.offset());
        Ok(Some((token, span)))
    }

    /// A run of regular characters: a number or a keyword.
    fn regular(&mut self) -> PResult<Token<'a>> {
        let start = self.pos;
        while let Some(b) = self.peek()? {
            if !is_regular(b) {
                break;
            }
            self.pos += 1;
        }
        let word = &self.buf[start..self.pos];
        let at = self.base + start as u64;
        let numeric = word
            .iter()
            .all(|&c| c.is_ascii_digit() || matches!(c, b'+' | b'-' | b'.'));
        if !numeric {
            return Ok(Token::Keyword(word));
        }
        parse_number(word).map_or_else(|| bad(at, "malformed number"), Ok)
    }

    /// A name after its `/`; `#xx` escapes decoded.
    fn name(&mut self) -> PResult<Name> {
        self.pos += 1; // the '/'
        let mut out = Vec::new();
        while let Some(b) = self.peek()? {
            if !is_regular(b) {
                break;
            }
            if b == b'#' {
                let hi = self.buf.get(self.pos + 1).copied();
                let lo = self.buf.get(self.pos + 2).copied();
                if lo.is_none() && !self.complete {
                    return Err(Fail::NeedMore);
                }
                match (hi.and_then(hex_value), lo.and_then(hex_value)) {
                    (Some(h), Some(l)) => {
                        out.push(h << 4 | l);
                        self.pos += 3;
                        continue;
                    }
                    // Before PDF 1.2 '#' was an ordinary character.
                    _ => out.push(b'#'),
                }
            } else {
                out.push(b);
            }
            self.pos += 1;
        }
        Ok(Name::new(out))
    }

    /// A hex string after its `<`; white-space ignored, an odd last digit padded with 0.
    fn hex_string(&mut self) -> PResult<PdfString> {
        // A signature's /Contents holds tens of kilobytes of digits: pairs of digits are
        // decoded two at a time through a table, white-space and odd positions one by one.
        let rest = self.rest();
        let mut out = Vec::new();
        let mut high: Option<u8> = None;
        let mut i = 0;
        while let Some(&b) = rest.get(i) {
            if high.is_none()
                && let Some(&next) = rest.get(i + 1)
            {
                let (h, l) = (HEX_DIGITS[usize::from(b)], HEX_DIGITS[usize::from(next)]);
                if h | l < 16 {
                    out.push(h << 4 | l);
                    i += 2;
                    continue;
                }
            }
            match HEX_DIGITS[usize::from(b)] {
                v @ 0..16 => match high.take() {
                    Some(h) => out.push(h << 4 | v),
                    None => high = Some(v),
                },
                _ if is_whitespace(b) => {}
                _ if b == b'>' => {
                    if let Some(h) = high {
                        out.push(h << 4);
                    }
                    self.pos += i + 1;
                    return Ok(PdfString::hex(out));
                }
                _ => {
                    return bad(
                        self.offset() + i as u64,
                        "invalid character in a hex string",
                    );
                }
            }
            i += 1;
        }
        self.pos = self.buf.len();
        self.eof("a hex string")
    }

    /// A literal string after its `(`: escapes, balanced parentheses, end-of-line markers
    /// read as LF (ISO 32000-1 §7.3.4.2).
    fn literal_string(&mut self) -> PResult<PdfString> {
        self.pos += 1; // the '('
        let mut out = Vec::new();
        let mut depth = 1u32;
        loop {
            let Some(b) = self.peek()? else {
                return self.eof("a literal string");
            };
            self.pos += 1;
            match b {
                b'(' => {
                    depth += 1;
                    out.push(b);
                }
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                    out.push(b);
                }
                b'\r' => {
                    if self.peek()? == Some(b'\n') {
                        self.pos += 1;
                    }
                    out.push(b'\n');
                }
                b'\\' => {
                    let Some(e) = self.peek()? else {
                        return self.eof("a literal string");
                    };
                    self.pos += 1;
                    match e {
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'b' => out.push(0x08),
                        b'f' => out.push(0x0C),
                        b'(' | b')' | b'\\' => out.push(e),
                        b'\r' => {
                            // A line continuation: backslash and EOL are dropped.
                            if self.peek()? == Some(b'\n') {
                                self.pos += 1;
                            }
                        }
                        b'\n' => {}
                        b'0'..=b'7' => {
                            let mut v = u32::from(e - b'0');
                            for _ in 0..2 {
                                match self.peek()? {
                                    Some(d @ b'0'..=b'7') => {
                                        v = v * 8 + u32::from(d - b'0');
                                        self.pos += 1;
                                    }
                                    _ => break,
                                }
                            }
                            // High-order overflow is ignored (§7.3.4.2).
                            out.push((v & 0xFF) as u8);
                        }
                        // An unknown escape: the backslash is ignored.
                        other => out.push(other),
                    }
                }
                _ => out.push(b),
            }
        }
        Ok(PdfString::literal(out))
    }

    /// Whether the bytes at the cursor are exactly `word` followed by a non-regular character
    /// (or the end of complete data). Does not move the cursor.
    pub(crate) fn at_keyword(&self, word: &[u8]) -> PResult<bool> {
        let rest = self.rest();
        if rest.len() < word.len() {
            if !self.complete && word.starts_with(rest) {
                return Err(Fail::NeedMore);
            }
            return Ok(false);
        }
        if &rest[..word.len()] != word {
            return Ok(false);
        }
        match rest.get(word.len()) {
            Some(&b) => Ok(!is_regular(b)),
            None if self.complete => Ok(true),
            None => Err(Fail::NeedMore),
        }
    }
}

/// Parses `[+-]digits` as an integer or `[+-]digits.digits` (either part may be empty, not
/// both) as a real.
fn parse_number<'a>(word: &[u8]) -> Option<Token<'a>> {
    let body = match word.first() {
        Some(b'+' | b'-') => &word[1..],
        _ => word,
    };
    let dots = body.iter().filter(|&&c| c == b'.').count();
    let digits = body.iter().filter(|c| c.is_ascii_digit()).count();
    if digits == 0 || dots > 1 || digits + dots != body.len() {
        return None;
    }
    // infallible: the checks above leave only ASCII digits, one sign and at most one dot.
    let text = std::str::from_utf8(word).ok()?;
    if dots == 0 {
        text.parse::<i64>().ok().map(Token::Int)
    } else {
        text.parse::<f64>().ok().map(Token::Real)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(input: &[u8]) -> Vec<Token<'_>> {
        let mut lx = Lexer::new(input, 0, true);
        let mut out = Vec::new();
        while let Ok(Some((t, _))) = lx.next_token() {
            out.push(t);
        }
        out
    }

    fn one(input: &[u8]) -> Token<'_> {
        match Lexer::new(input, 0, true).next_token() {
            Ok(Some((t, _))) => t,
            other => panic!("no token from {input:?}: {other:?}"),
        }
    }

    #[test]
    fn numbers() {
        assert_eq!(one(b"123"), Token::Int(123));
        assert_eq!(one(b"-17"), Token::Int(-17));
        assert_eq!(one(b"+4"), Token::Int(4));
        assert_eq!(one(b"3.5"), Token::Real(3.5));
        assert_eq!(one(b"-.5"), Token::Real(-0.5));
        assert_eq!(one(b"4."), Token::Real(4.0));
        assert!(Lexer::new(b"1.2.3", 0, true).next_token().is_err());
        assert!(Lexer::new(b"--1", 0, true).next_token().is_err());
        assert!(
            Lexer::new(b"99999999999999999999999", 0, true)
                .next_token()
                .is_err()
        );
    }

    #[test]
    fn names_decode_escapes() {
        assert_eq!(one(b"/A#20B"), Token::Name(Name::new(b"A B".to_vec())));
        assert_eq!(one(b"/Type/Sig"), Token::Name(Name::from("Type")));
        assert_eq!(one(b"/"), Token::Name(Name::new(Vec::new())));
        assert_eq!(one(b"/A#G1"), Token::Name(Name::from("A#G1")));
    }

    #[test]
    fn literal_strings() {
        let t = one(b"(a(b)c\\)\\n\\101\\\r\nx\r\ny\\q)");
        assert_eq!(
            t,
            Token::String(PdfString::literal(b"a(b)c)\nAx\nyq".to_vec()))
        );
        assert_eq!(
            one(b"(\\0053)"),
            Token::String(PdfString::literal(vec![5, b'3']))
        );
        assert!(Lexer::new(b"(abc", 0, true).next_token().is_err());
    }

    #[test]
    fn hex_strings() {
        assert_eq!(
            one(b"<48 65 6c6C6f>"),
            Token::String(PdfString::hex(b"Hello".to_vec()))
        );
        assert_eq!(
            one(b"<901FA>"),
            Token::String(PdfString::hex(vec![0x90, 0x1F, 0xA0]))
        );
        assert_eq!(one(b"<>"), Token::String(PdfString::hex(Vec::new())));
        // White-space may split a pair; an odd digit count ends with an implied 0.
        assert_eq!(
            one(b"<4 86\n5\t6c 6>"),
            Token::String(PdfString::hex(vec![0x48, 0x65, 0x6c, 0x60]))
        );
        assert!(Lexer::new(b"<12G4>", 0, true).next_token().is_err());
    }

    #[test]
    fn punctuation_and_comments() {
        assert_eq!(
            tokens(b"<< /A [1 2] >> % comment\n true"),
            vec![
                Token::DictOpen,
                Token::Name(Name::from("A")),
                Token::ArrayOpen,
                Token::Int(1),
                Token::Int(2),
                Token::ArrayClose,
                Token::DictClose,
                Token::Keyword(b"true"),
            ]
        );
    }

    #[test]
    fn incomplete_window_asks_for_more() {
        for input in [&b"12"[..], b"(abc", b"<4142", b"/Nam", b"tru", b"% c"] {
            let r = Lexer::new(input, 0, false).next_token();
            assert!(matches!(r, Err(Fail::NeedMore)), "{input:?}: {r:?}");
        }
    }

    #[test]
    fn spans_are_file_offsets() {
        let mut lx = Lexer::new(b"  /Key (v)", 1000, true);
        let (_, s1) = lx
            .next_token()
            .ok()
            .flatten()
            .unwrap_or((Token::Int(0), Span::new(0, 0)));
        assert_eq!(s1, Span::new(1002, 1006));
        let (_, s2) = lx
            .next_token()
            .ok()
            .flatten()
            .unwrap_or((Token::Int(0), Span::new(0, 0)));
        assert_eq!(s2, Span::new(1007, 1010));
    }

    #[test]
    fn keyword_probe() {
        let lx = Lexer::new(b"endobj 1", 0, true);
        assert!(matches!(lx.at_keyword(b"endobj"), Ok(true)));
        assert!(matches!(lx.at_keyword(b"endo"), Ok(false)));
        let lx = Lexer::new(b"endst", 0, false);
        assert!(matches!(lx.at_keyword(b"endstream"), Err(Fail::NeedMore)));
    }
}
