//! Objects from tokens (ISO 32000-1 §7.3, §7.3.10).
//!
//! The parser is iterative: arrays and dictionaries live on an explicit stack whose depth is
//! bounded by [`crate::Limits::max_nesting`], so `[[[[…` ten thousand deep is an error, not a
//! stack overflow. Every value inside a container gets its file span.

use std::collections::HashSet;

use crate::Error;

use super::lexer::{Fail, Lexer, PResult, Token, bad};
use super::object::{Array, Dictionary, Name, ObjRef, Object, Span};

/// Dictionaries with more entries than this check duplicate keys with a hash set.
const LINEAR_KEY_CHECK: usize = 16;

enum Frame {
    Array {
        array: Array,
        start: u64,
    },
    Dict {
        dict: Dictionary,
        start: u64,
        key: Option<Name>,
        seen: Option<HashSet<Name>>,
    },
}

/// Parses one direct object at the lexer's cursor. `max_depth` bounds container nesting.
pub(crate) fn parse_object(lx: &mut Lexer<'_>, max_depth: u32) -> PResult<(Object, Span)> {
    let mut stack: Vec<Frame> = Vec::new();
    loop {
        // Inside a dictionary and waiting for a key: the next token is a name or `>>`.
        if let Some(Frame::Dict {
            key: key @ None, ..
        }) = stack.last_mut()
        {
            let Some((token, span)) = lx.next_token()? else {
                return bad(lx.offset(), "end of data inside a dictionary");
            };
            match token {
                Token::Name(name) => {
                    *key = Some(name);
                    continue;
                }
                Token::DictClose => {
                    let Some(Frame::Dict { dict, start, .. }) = stack.pop() else {
                        return bad(span.start, "'>>' without a matching '<<'");
                    };
                    let value = (Object::Dict(dict), Span::new(start, span.end));
                    if let Some(done) = deliver(&mut stack, value)? {
                        return Ok(done);
                    }
                    continue;
                }
                _ => return bad(span.start, "a dictionary key must be a name"),
            }
        }

        let Some((token, span)) = lx.next_token()? else {
            return bad(lx.offset(), "end of data where an object was expected");
        };
        let value = match token {
            Token::ArrayOpen | Token::DictOpen => {
                if stack.len() >= max_depth as usize {
                    return Err(Fail::Error(Error::LimitExceeded {
                        what: "PDF object nesting depth",
                        limit: u64::from(max_depth),
                    }));
                }
                stack.push(if token == Token::ArrayOpen {
                    Frame::Array {
                        array: Array::new(),
                        start: span.start,
                    }
                } else {
                    Frame::Dict {
                        dict: Dictionary::new(),
                        start: span.start,
                        key: None,
                        seen: None,
                    }
                });
                continue;
            }
            Token::ArrayClose => match stack.pop() {
                Some(Frame::Array { array, start }) => {
                    (Object::Array(array), Span::new(start, span.end))
                }
                _ => return bad(span.start, "']' without a matching '['"),
            },
            Token::DictClose => return bad(span.start, "'>>' where a value was expected"),
            Token::Int(n) => match try_reference(lx, n)? {
                Some((r, end)) => (Object::Ref(r), Span::new(span.start, end)),
                None => (Object::Int(n), span),
            },
            Token::Real(r) => (Object::Real(r), span),
            Token::Name(n) => (Object::Name(n), span),
            Token::String(s) => (Object::String(s), span),
            Token::Keyword(b"true") => (Object::Bool(true), span),
            Token::Keyword(b"false") => (Object::Bool(false), span),
            Token::Keyword(b"null") => (Object::Null, span),
            Token::Keyword(k) => {
                return bad(
                    span.start,
                    format!("unexpected keyword '{}'", String::from_utf8_lossy(k)),
                );
            }
        };
        if let Some(done) = deliver(&mut stack, value)? {
            return Ok(done);
        }
    }
}

/// Puts a finished value into the innermost container, or returns it when there is none.
fn deliver(stack: &mut [Frame], value: (Object, Span)) -> PResult<Option<(Object, Span)>> {
    let (object, span) = value;
    match stack.last_mut() {
        None => Ok(Some((object, span))),
        Some(Frame::Array { array, .. }) => {
            array.push_spanned(object, Some(span));
            Ok(None)
        }
        Some(Frame::Dict {
            dict, key, seen, ..
        }) => {
            let Some(k) = key.take() else {
                return bad(span.start, "a dictionary key must be a name");
            };
            let duplicate = match seen {
                Some(set) => !set.insert(k.clone()),
                None => dict.entries().iter().any(|e| e.key == k),
            };
            if duplicate {
                return bad(span.start, format!("dictionary key {k:?} appears twice"));
            }
            if seen.is_none() && dict.len() >= LINEAR_KEY_CHECK {
                let mut set: HashSet<Name> = dict.entries().iter().map(|e| e.key.clone()).collect();
                set.insert(k.clone());
                *seen = Some(set);
            }
            dict.push_spanned(k, object, Some(span));
            Ok(None)
        }
    }
}

/// After an integer, checks for `generation R`; on a match consumes it and returns the
/// reference and the end offset, else leaves the cursor where it was.
fn try_reference(lx: &mut Lexer<'_>, num: i64) -> PResult<Option<(ObjRef, u64)>> {
    let saved = lx.pos();
    let result = (|| -> PResult<Option<(ObjRef, u64)>> {
        let Some((Token::Int(generation), _)) = lx.next_token()? else {
            return Ok(None);
        };
        let Some((Token::Keyword(b"R"), span)) = lx.next_token()? else {
            return Ok(None);
        };
        match (u32::try_from(num), u16::try_from(generation)) {
            (Ok(n), Ok(g)) if n > 0 => Ok(Some((ObjRef::new(n, g), span.end))),
            _ => bad(
                span.start,
                format!("invalid reference {num} {generation} R"),
            ),
        }
    })();
    match result {
        Ok(Some(found)) => Ok(Some(found)),
        Ok(None) => {
            lx.set_pos(saved);
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// The start of an indirect object: `num generation obj`.
pub(crate) fn parse_object_header(lx: &mut Lexer<'_>) -> PResult<(ObjRef, Span)> {
    let start = lx.offset();
    let num = match lx.next_token()? {
        Some((Token::Int(n), _)) => n,
        _ => return bad(start, "expected an object number ('N G obj')"),
    };
    let generation = match lx.next_token()? {
        Some((Token::Int(g), _)) => g,
        _ => return bad(start, "expected a generation number ('N G obj')"),
    };
    let end = match lx.next_token()? {
        Some((Token::Keyword(b"obj"), span)) => span.end,
        _ => return bad(start, "expected the keyword 'obj'"),
    };
    match (u32::try_from(num), u16::try_from(generation)) {
        (Ok(n), Ok(g)) if n > 0 => Ok((ObjRef::new(n, g), Span::new(start, end))),
        _ => bad(start, format!("invalid object number {num} {generation}")),
    }
}

/// What follows an indirect object's value.
#[derive(Debug)]
pub(crate) enum Body {
    /// `endobj`; the offset after it.
    EndObj(u64),
    /// `stream` and its end-of-line; the offset of the first data byte.
    Stream(u64),
}

/// An uncompressed indirect object as parsed from a window: the stream's length is not
/// resolved yet.
#[derive(Debug)]
pub(crate) struct RawIndirect {
    pub(crate) id: ObjRef,
    pub(crate) object: Object,
    pub(crate) header: Span,
    pub(crate) value_span: Span,
    pub(crate) body: Body,
}

/// Parses `N G obj value endobj` or `N G obj <<dict>> stream EOL` at the cursor.
pub(crate) fn parse_indirect(lx: &mut Lexer<'_>, max_depth: u32) -> PResult<RawIndirect> {
    let (id, header) = parse_object_header(lx)?;
    let (object, value_span) = parse_object(lx, max_depth)?;
    let Some((token, span)) = lx.next_token()? else {
        return bad(lx.offset(), format!("object {id}: missing 'endobj'"));
    };
    let body = match token {
        Token::Keyword(b"endobj") => Body::EndObj(span.end),
        Token::Keyword(b"stream") => {
            if !matches!(object, Object::Dict(_)) {
                return bad(
                    span.start,
                    format!("object {id}: 'stream' after a non-dictionary"),
                );
            }
            // ISO 32000-1 §7.3.8.1: CR LF or LF; a lone CR is tolerated.
            lx.skip_eol()?;
            Body::Stream(lx.offset())
        }
        _ => return bad(span.start, format!("object {id}: expected 'endobj'")),
    };
    Ok(RawIndirect {
        id,
        object,
        header,
        value_span,
        body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(input: &[u8]) -> PResult<(Object, Span)> {
        parse_object(&mut Lexer::new(input, 0, true), 64)
    }

    #[test]
    fn nested_containers_with_spans() {
        let input = b"<< /Type /Sig /ByteRange [0 10 20 30] /Contents <00ff> /R 3 0 R /N null >>";
        let Ok((Object::Dict(d), span)) = parse(input) else {
            panic!("not a dictionary");
        };
        assert_eq!(span, Span::new(0, input.len() as u64));
        assert!(d.is_name("Type", "Sig"));
        let contents = d.span("Contents").unwrap_or(Span::new(0, 0));
        assert_eq!(
            &input[contents.start as usize..contents.end as usize],
            b"<00ff>"
        );
        let br = d.span("ByteRange").unwrap_or(Span::new(0, 0));
        assert_eq!(&input[br.start as usize..br.end as usize], b"[0 10 20 30]");
        assert_eq!(d.get_ref("R"), Some(ObjRef::new(3, 0)));
        assert!(d.get("N").is_none());
        assert!(d.entry("N").is_some());
        let keys: Vec<_> = d.iter().map(|(k, _)| k.clone()).collect();
        assert_eq!(keys[0], Name::from("Type"));
        assert_eq!(keys[4], Name::from("N"));
    }

    #[test]
    fn array_item_spans() {
        let Ok((Object::Array(a), _)) = parse(b"[1 2 0 R (x) [true]]") else {
            panic!("not an array");
        };
        assert_eq!(a.len(), 4);
        assert_eq!(a.get(1), Some(&Object::Ref(ObjRef::new(2, 0))));
        assert_eq!(a.span(1), Some(Span::new(3, 8)));
        assert_eq!(a.span(3), Some(Span::new(13, 19)));
    }

    #[test]
    fn integers_that_are_not_references() {
        let Ok((Object::Array(a), _)) = parse(b"[1 2 3 R 4]") else {
            panic!("not an array");
        };
        assert_eq!(
            a.items(),
            &[
                Object::Int(1),
                Object::Ref(ObjRef::new(2, 3)),
                Object::Int(4)
            ]
        );
        assert!(
            parse(b"[0 0 R]").is_err(),
            "object 0 is never a valid reference"
        );
        assert!(parse(b"[1 70000 R]").is_err());
    }

    #[test]
    fn errors_not_panics() {
        for input in [
            &b"<< /A >>"[..],
            b"<< 1 2 >>",
            b"]",
            b">>",
            b"[1 2",
            b"<< /A 1 /A 2 >>",
            b"endobj",
            b"",
        ] {
            assert!(parse(input).is_err(), "{input:?}");
        }
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let deep = vec![b'['; 10_000];
        assert!(matches!(
            parse(&deep),
            Err(Fail::Error(Error::LimitExceeded { .. }))
        ));
        let mut ok = vec![b'['; 64];
        ok.extend(vec![b']'; 64]);
        assert!(parse(&ok).is_ok());
    }

    #[test]
    fn many_keys_duplicate_detected() {
        let mut input = b"<<".to_vec();
        for i in 0..40 {
            input.extend(format!("/K{i} {i} ").as_bytes());
        }
        input.extend(b"/K7 1 >>");
        assert!(parse(&input).is_err());
    }

    #[test]
    fn indirect_objects() {
        let input = b"12 0 obj\n<< /Length 5 >>\nstream\r\nhello\nendstream\nendobj\n";
        let raw = parse_indirect(&mut Lexer::new(input, 100, true), 64);
        let Ok(raw) = raw else { panic!("{raw:?}") };
        assert_eq!(raw.id, ObjRef::new(12, 0));
        assert!(matches!(raw.body, Body::Stream(o) if o == 100 + 33));
        let raw = parse_indirect(&mut Lexer::new(b"3 1 obj (x) endobj", 0, true), 64);
        assert!(matches!(
            raw,
            Ok(RawIndirect {
                body: Body::EndObj(18),
                ..
            })
        ));
        assert!(parse_indirect(&mut Lexer::new(b"3 0 obj 5 6", 0, true), 64).is_err());
        assert!(parse_indirect(&mut Lexer::new(b"0 0 obj 5 endobj", 0, true), 64).is_err());
    }
}
