//! A small deterministic generator (xorshift64*) for tests and benchmarks: a fixed seed gives
//! the same keys and mutations on every run, so a failure is reproducible. Not for secrets.
//!
//! Shared by the integration tests (`common::rng`), the unit tests of `src/crypto/keys.rs`
//! and `benches/crypto.rs` (each through `#[path]`).
#![allow(dead_code)]

/// xorshift64* state.
pub struct Rng(pub u64);

impl Rng {
    /// The next 64 bits.
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// `len` bytes.
    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }
}

/// So that the `rsa` crate can make keys from it.
impl rsa::rand_core::TryRng for Rng {
    type Error = std::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        Ok(self.next() as u32)
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        Ok(self.next())
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        dst.iter_mut().for_each(|b| *b = self.next() as u8);
        Ok(())
    }
}
