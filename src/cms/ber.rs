//! BER to DER: CMS in the wild (older PKCS#7 signers, some tokens) uses indefinite lengths
//! and constructed OCTET STRINGs. kyso normalises the whole structure once, then parses DER.

use crate::error::{Error, Format, Result};

/// Deepest nesting accepted; CMS structures are nowhere near it.
const MAX_DEPTH: usize = 64;

fn err(detail: &str) -> Error {
    Error::malformed(Format::Cms, detail.to_string())
}

/// Re-encodes one BER value (and nothing after it) as DER lengths: indefinite lengths become
/// definite, non-minimal lengths minimal, constructed OCTET/BIT STRINGs primitive.
/// Returns the DER bytes and how many input bytes the value used.
pub(crate) fn to_der(input: &[u8]) -> Result<(Vec<u8>, usize)> {
    let mut out = Vec::with_capacity(input.len());
    let used = value(input, &mut out, 0)?;
    Ok((out, used))
}

struct Header {
    tag: Vec<u8>,
    constructed: bool,
    /// `None` for indefinite.
    len: Option<usize>,
    header_len: usize,
}

fn header(input: &[u8]) -> Result<Header> {
    let first = *input.first().ok_or_else(|| err("truncated"))?;
    let constructed = first & 0x20 != 0;
    let mut i = 1;
    if first & 0x1f == 0x1f {
        loop {
            let b = *input.get(i).ok_or_else(|| err("truncated tag"))?;
            i += 1;
            if b & 0x80 == 0 {
                break;
            }
            if i > 6 {
                return Err(err("tag too long"));
            }
        }
    }
    let tag = input[..i].to_vec();
    let l = *input.get(i).ok_or_else(|| err("truncated length"))?;
    i += 1;
    let len = if l == 0x80 {
        if !constructed {
            return Err(err("indefinite length on a primitive value"));
        }
        None
    } else if l & 0x80 == 0 {
        Some(l as usize)
    } else {
        let n = (l & 0x7f) as usize;
        if n > 8 {
            return Err(err("length too long"));
        }
        let bytes = input.get(i..i + n).ok_or_else(|| err("truncated length"))?;
        i += n;
        let mut v: u64 = 0;
        for &b in bytes {
            v = (v << 8) | b as u64;
        }
        Some(usize::try_from(v).map_err(|_| err("length too large"))?)
    };
    if let Some(len) = len
        && input.len() - i < len
    {
        return Err(err("value longer than its input"));
    }
    Ok(Header {
        tag,
        constructed,
        len,
        header_len: i,
    })
}

/// Appends a DER length (X.690 §10.1: definite, minimal), as the `der` crate encodes it.
fn push_len(out: &mut Vec<u8>, len: usize) -> Result<()> {
    use der::Encode as _;
    der::Length::try_from(len)
        .and_then(|l| l.encode_to_vec(out))
        .map(|_| ())
        .map_err(|_| err("value too long"))
}

/// Writes the DER form of the value at the start of `input`; returns bytes consumed.
fn value(input: &[u8], out: &mut Vec<u8>, depth: usize) -> Result<usize> {
    if depth > MAX_DEPTH {
        return Err(err("nesting too deep"));
    }
    let h = header(input)?;
    let body = &input[h.header_len..];
    if !h.constructed {
        let len = h.len.ok_or_else(|| err("indefinite primitive"))?;
        out.extend_from_slice(&h.tag);
        push_len(out, len)?;
        out.extend_from_slice(&body[..len]);
        return Ok(h.header_len + len);
    }
    // Constructed: convert the children, then write the header with the real length.
    let mut children = Vec::new();
    let mut pos = 0;
    let consumed = loop {
        match h.len {
            Some(len) if pos == len => break h.header_len + len,
            Some(len) if pos > len => return Err(err("child overruns its parent")),
            None if body.get(pos..pos + 2) == Some(&[0, 0]) => break h.header_len + pos + 2,
            _ => {}
        }
        let limit = h.len.unwrap_or(body.len());
        let child_input = body.get(pos..limit).ok_or_else(|| err("truncated"))?;
        if child_input.is_empty() {
            return Err(err("missing end-of-contents"));
        }
        pos += value(child_input, &mut children, depth + 1)?;
    };
    let tag_number = h.tag[0] & 0x1f;
    let universal = h.tag[0] & 0xc0 == 0;
    if universal && h.tag.len() == 1 && (tag_number == 4 || tag_number == 3) {
        // Constructed OCTET STRING / BIT STRING: concatenate the segments' contents.
        let mut content = Vec::new();
        let mut rest = children.as_slice();
        let mut first_segment = true;
        while !rest.is_empty() {
            let ch = header(rest)?;
            let len = ch.len.ok_or_else(|| err("indefinite segment"))?;
            let seg = &rest[ch.header_len..ch.header_len + len];
            if tag_number == 3 {
                // Every segment carries its own unused-bits octet; only the last may be non-zero.
                let (unused, bits) = seg
                    .split_first()
                    .ok_or_else(|| err("empty bit string segment"))?;
                if first_segment {
                    content.push(*unused);
                } else if let Some(u) = content.first_mut() {
                    *u = *unused;
                }
                content.extend_from_slice(bits);
            } else {
                content.extend_from_slice(seg);
            }
            first_segment = false;
            rest = &rest[ch.header_len + len..];
        }
        out.push(h.tag[0] & !0x20);
        push_len(out, content.len())?;
        out.extend_from_slice(&content);
    } else {
        out.extend_from_slice(&h.tag);
        push_len(out, children.len())?;
        out.extend_from_slice(&children);
    }
    Ok(consumed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indefinite_lengths_become_definite() {
        // SEQUENCE (indefinite) { INTEGER 5, OCTET STRING constructed (indefinite) { "ab", "c" } }
        let ber = [
            0x30, 0x80, 0x02, 0x01, 0x05, 0x24, 0x80, 0x04, 0x02, b'a', b'b', 0x04, 0x01, b'c',
            0x00, 0x00, 0x00, 0x00,
        ];
        let (der, used) = to_der(&ber).expect("convert");
        assert_eq!(used, ber.len());
        assert_eq!(
            der,
            [0x30, 0x08, 0x02, 0x01, 0x05, 0x04, 0x03, b'a', b'b', b'c']
        );
    }

    #[test]
    fn hostile_input_is_an_error() {
        assert!(to_der(&[0x30, 0x80]).is_err());
        assert!(to_der(&[0x30, 0x85, 1, 2, 3, 4, 5]).is_err());
        assert!(to_der(&[0x04, 0x80, 0, 0]).is_err());
        let deep: Vec<u8> = std::iter::repeat_n([0x30u8, 0x80], 200).flatten().collect();
        assert!(to_der(&deep).is_err());
    }
}
