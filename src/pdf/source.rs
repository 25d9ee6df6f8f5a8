//! Random-access byte sources: where a PDF's bytes come from.
//!
//! The reader never needs the whole file at once. It asks a [`Source`] for small windows at
//! known offsets (the tail, one xref section, one object), so a file on disk is read with
//! positional reads and resident memory does not grow with the file size. All offsets are
//! `u64`, so files larger than 4 GiB work on every platform.

use std::io;
use std::sync::Arc;

/// Bytes that can be read at any offset, any number of times, from several threads.
///
/// Implemented for in-memory bytes (`[u8]`, `Vec<u8>`, `Arc<[u8]>`, and references to them)
/// and for [`std::fs::File`] (positional reads that do not move a shared cursor on Unix and
/// Windows). The content must not change while a [`super::Document`] reads it.
pub trait Source {
    /// The total length in bytes.
    fn len(&self) -> io::Result<u64>;

    /// Whether the source holds no bytes.
    fn is_empty(&self) -> io::Result<bool> {
        Ok(self.len()? == 0)
    }

    /// Reads bytes starting at `offset` into `buf` and returns how many were read.
    ///
    /// Returns fewer bytes than `buf.len()` only when the end of the source is reached
    /// (0 at or past the end). An offset past the end is not an error.
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize>;

    /// Reads exactly `buf.len()` bytes at `offset`, or fails with
    /// [`io::ErrorKind::UnexpectedEof`].
    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        let n = self.read_at(offset, buf)?;
        if n == buf.len() {
            Ok(())
        } else {
            Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "read past the end of the source",
            ))
        }
    }
}

/// Copies from an in-memory slice, the common part of every in-memory source.
fn read_slice_at(bytes: &[u8], offset: u64, buf: &mut [u8]) -> usize {
    let Ok(start) = usize::try_from(offset) else {
        return 0;
    };
    let Some(rest) = bytes.get(start..) else {
        return 0;
    };
    let n = rest.len().min(buf.len());
    buf[..n].copy_from_slice(&rest[..n]);
    n
}

impl Source for [u8] {
    fn len(&self) -> io::Result<u64> {
        Ok(<[u8]>::len(self) as u64)
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        Ok(read_slice_at(self, offset, buf))
    }
}

impl Source for Vec<u8> {
    fn len(&self) -> io::Result<u64> {
        Ok(self.as_slice().len() as u64)
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        Ok(read_slice_at(self, offset, buf))
    }
}

impl Source for Arc<[u8]> {
    fn len(&self) -> io::Result<u64> {
        Ok(self.as_ref().len() as u64)
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        Ok(read_slice_at(self, offset, buf))
    }
}

impl<T: Source + ?Sized> Source for &T {
    fn len(&self) -> io::Result<u64> {
        (**self).len()
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        (**self).read_at(offset, buf)
    }
}

impl<T: Source + ?Sized> Source for Box<T> {
    fn len(&self) -> io::Result<u64> {
        (**self).len()
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        (**self).read_at(offset, buf)
    }
}

impl Source for std::fs::File {
    fn len(&self) -> io::Result<u64> {
        Ok(self.metadata()?.len())
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        if offset > i64::MAX as u64 {
            // Past the end of any file; positional reads take a signed offset.
            return Ok(0);
        }
        let mut done = 0;
        while done < buf.len() {
            let at = offset.checked_add(done as u64).ok_or_else(|| {
                io::Error::new(io::ErrorKind::InvalidInput, "offset overflows u64")
            })?;
            match positional_read(self, at, &mut buf[done..]) {
                Ok(0) => break,
                Ok(n) => done += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(done)
    }
}

#[cfg(unix)]
fn positional_read(file: &std::fs::File, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buf, offset)
}

#[cfg(windows)]
fn positional_read(file: &std::fs::File, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
    // `seek_read` moves the file cursor, but kyso never uses that cursor.
    std::os::windows::fs::FileExt::seek_read(file, buf, offset)
}

#[cfg(not(any(unix, windows)))]
fn positional_read(file: &std::fs::File, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
    // Portable fallback: seek then read through `&File`. Not safe against another thread
    // using the same handle's cursor at the same moment; such platforms are rare.
    use std::io::{Read, Seek, SeekFrom};
    let mut handle = file;
    handle.seek(SeekFrom::Start(offset))?;
    handle.read(buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn check(source: &dyn Source) {
        assert_eq!(source.len().ok(), Some(10));
        let mut buf = [0u8; 4];
        assert_eq!(source.read_at(2, &mut buf).ok(), Some(4));
        assert_eq!(&buf, b"2345");
        assert_eq!(source.read_at(8, &mut buf).ok(), Some(2));
        assert_eq!(&buf[..2], b"89");
        assert_eq!(source.read_at(10, &mut buf).ok(), Some(0));
        assert_eq!(source.read_at(u64::MAX, &mut buf).ok(), Some(0));
        assert!(source.read_exact_at(7, &mut buf).is_err());
        assert!(source.read_exact_at(6, &mut buf).is_ok());
        assert_eq!(&buf, b"6789");
    }

    #[test]
    fn in_memory_sources() {
        let v: Vec<u8> = b"0123456789".to_vec();
        check(&v);
        let slice: &[u8] = v.as_slice();
        check(&slice);
        let a: Arc<[u8]> = Arc::from(v.clone());
        check(&a);
        let b: Box<dyn Source> = Box::new(v);
        check(&b);
    }

    #[test]
    fn file_source() -> std::io::Result<()> {
        let mut f = tempfile::tempfile()?;
        f.write_all(b"0123456789")?;
        check(&f);
        Ok(())
    }
}
