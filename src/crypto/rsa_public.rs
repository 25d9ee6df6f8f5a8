//! RSA signature verification: the public-key operation and the PKCS#1 v1.5 and PSS encoding
//! checks of RFC 8017.
//!
//! Verification is most of the work of checking a signed document (three RSA operations per
//! signature: the signature itself and two certificate links), so the public operation has its
//! own Montgomery arithmetic on 64-bit limbs rather than the general constant-time big
//! integers of the `rsa` crate, which are two to three times slower here (with the key set-up
//! the crate does on parsing, more). Nothing in a public operation is secret, so the code may
//! branch on data. Signing is not done here (see `crypto::signer`).
//!
//! PKCS#1 v1.5 is checked by building the one valid encoding and comparing, never by parsing
//! the decrypted block, which is how signature forgeries against lenient parsers arise.

use super::DigestAlgorithm;

/// Smallest and largest modulus accepted, in bits. Larger moduli would let one signature cost
/// seconds of arithmetic.
const MIN_MODULUS_BITS: usize = 512;
const MAX_MODULUS_BITS: usize = 8192;
/// Largest public exponent accepted (as the `rsa` crate: 2³³ − 1); the work grows with it.
const MAX_EXPONENT: u64 = (1 << 33) - 1;

/// Why a modulus/exponent pair cannot be a public key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyProblem {
    /// Even, or outside the accepted sizes.
    Modulus,
    /// Even, smaller than 3, larger than [`MAX_EXPONENT`] or not smaller than the modulus.
    Exponent,
}

impl std::fmt::Display for KeyProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            KeyProblem::Modulus => "RSA modulus is even or of an unsupported size",
            KeyProblem::Exponent => "RSA public exponent is out of range",
        })
    }
}

/// An RSA public key ready for the public operation.
#[derive(Clone, Debug)]
pub(crate) struct PublicOperation {
    /// Modulus, little-endian 64-bit limbs, the top limb non-zero.
    modulus: Vec<u64>,
    /// −modulus⁻¹ mod 2⁶⁴.
    n0_inverse: u64,
    /// Modulus length in bytes (the length of every signature and encoded message).
    len: usize,
    /// Modulus length in bits.
    bits: usize,
    exponent: u64,
}

impl PublicOperation {
    /// Checks and prepares a key from its big-endian modulus and exponent (leading zeros
    /// allowed).
    pub(crate) fn new(modulus: &[u8], exponent: &[u8]) -> Result<Self, KeyProblem> {
        let modulus = strip_leading_zeros(modulus);
        let exponent = strip_leading_zeros(exponent);
        let bits = bit_length(modulus);
        if !(MIN_MODULUS_BITS..=MAX_MODULUS_BITS).contains(&bits)
            || modulus.last().is_none_or(|low| low & 1 == 0)
        {
            return Err(KeyProblem::Modulus);
        }
        if exponent.len() > 8 {
            return Err(KeyProblem::Exponent);
        }
        let exponent = exponent.iter().fold(0u64, |e, &b| (e << 8) | u64::from(b));
        if exponent < 3 || exponent & 1 == 0 || exponent > MAX_EXPONENT {
            return Err(KeyProblem::Exponent);
        }
        let limbs = limbs_from_be(modulus, modulus.len().div_ceil(8));
        // Newton's iteration doubles the correct low bits each step: 1 → 64 in six.
        let mut inverse = 1u64;
        for _ in 0..6 {
            inverse = inverse.wrapping_mul(2u64.wrapping_sub(limbs[0].wrapping_mul(inverse)));
        }
        Ok(Self {
            modulus: limbs,
            n0_inverse: inverse.wrapping_neg(),
            len: modulus.len(),
            bits,
            exponent,
        })
    }

    /// `signature^e mod n` as `len` big-endian bytes, or `None` when the signature is not an
    /// integer representative of this modulus (wrong length, or not below the modulus).
    pub(crate) fn apply(&self, signature: &[u8]) -> Option<Vec<u8>> {
        if signature.len() != self.len {
            return None;
        }
        let k = self.modulus.len();
        let base = limbs_from_be(signature, k);
        if !less_than(&base, &self.modulus) {
            return None;
        }
        let r_squared = self.r_squared();
        let mut scratch = vec![0u64; k];
        // base·R: the base in Montgomery form.
        let mut base_mont = vec![0u64; k];
        self.mont_mul(&base, &r_squared, &mut base_mont);
        let mut acc = base_mont.clone();
        // Left to right over the exponent's bits below the top one. The exponent is odd, so
        // the last step multiplies; multiplying by the plain base there (a·R · base · R⁻¹)
        // leaves Montgomery form with no extra multiplication.
        let top_bit = 63 - self.exponent.leading_zeros();
        for bit in (0..top_bit).rev() {
            self.mont_square(&acc, &mut scratch);
            std::mem::swap(&mut acc, &mut scratch);
            if self.exponent >> bit & 1 == 1 {
                let factor = if bit == 0 { &base } else { &base_mont };
                self.mont_mul(&acc, factor, &mut scratch);
                std::mem::swap(&mut acc, &mut scratch);
            }
        }
        Some(limbs_to_be(&acc, self.len))
    }

    /// R² mod n, R = 2^(64k), by 2k steps of schoolbook division: each multiplies by 2⁶⁴
    /// and reduces, costing about k word multiplications, so the whole is about one
    /// Montgomery multiplication. The division runs on the modulus shifted until its top bit
    /// is set (the quotient estimate of Knuth's algorithm D is then at most two too large),
    /// carrying the value shifted the same way: (x·2^s) mod (n·2^s) = (x mod n)·2^s.
    fn r_squared(&self) -> Vec<u64> {
        let k = self.modulus.len();
        let shift = self.modulus[k - 1].leading_zeros();
        let normalized = shift_left(&self.modulus, shift);
        let mut value = vec![0u64; k];
        value[0] = 1 << shift;
        for _ in 0..2 * k {
            times_word_mod(&mut value, &normalized);
        }
        shift_right(&value, shift)
    }

    /// out ← a²·R⁻¹ mod n for a < n: the square's cross products are computed once and
    /// doubled, then the 2k-limb square is reduced.
    fn mont_square(&self, a: &[u64], out: &mut [u64]) {
        let n = &self.modulus[..];
        let k = n.len();
        let a = &a[..k];
        let mut p = vec![0u64; 2 * k];
        for (i, &a_i) in a.iter().enumerate() {
            let a_i = u128::from(a_i);
            let mut carry = 0u128;
            for (p_ij, &a_j) in p[2 * i + 1..i + k].iter_mut().zip(&a[i + 1..]) {
                let s = u128::from(*p_ij) + a_i * u128::from(a_j) + carry;
                *p_ij = s as u64;
                carry = s >> 64;
            }
            p[i + k] = carry as u64;
        }
        // p ← 2p + Σ a_i²·2^(128i)
        let mut shifted_out = 0u64;
        let mut carry = 0u128;
        for (pair, &a_i) in p.chunks_exact_mut(2).zip(a) {
            let square = u128::from(a_i) * u128::from(a_i);
            let low = (pair[0] << 1) | shifted_out;
            let high = (pair[1] << 1) | (pair[0] >> 63);
            shifted_out = pair[1] >> 63;
            let s = u128::from(low) + (square as u64 as u128) + carry;
            pair[0] = s as u64;
            let s = u128::from(high) + (square >> 64) + (s >> 64);
            pair[1] = s as u64;
            carry = s >> 64;
        }
        self.reduce(&mut p, out);
    }

    /// out ← p·R⁻¹ mod n for a 2k-limb p < n·R (Montgomery reduction).
    fn reduce(&self, p: &mut [u64], out: &mut [u64]) {
        let n = &self.modulus[..];
        let k = n.len();
        let mut extra = 0u64;
        for i in 0..k {
            let m = u128::from(p[i].wrapping_mul(self.n0_inverse));
            let mut carry = 0u128;
            for (p_ij, &n_j) in p[i..i + k].iter_mut().zip(n) {
                let s = u128::from(*p_ij) + m * u128::from(n_j) + carry;
                *p_ij = s as u64;
                carry = s >> 64;
            }
            let s = u128::from(p[i + k]) + carry + u128::from(extra);
            p[i + k] = s as u64;
            extra = (s >> 64) as u64;
        }
        out.copy_from_slice(&p[k..]);
        if extra != 0 || !less_than(out, n) {
            subtract_in_place(out, n);
        }
    }

    /// out ← a·b·R⁻¹ mod n for a, b < n (coarsely integrated operand scanning: the
    /// multiplication and the reduction share one pass over the limbs).
    fn mont_mul(&self, a: &[u64], b: &[u64], out: &mut [u64]) {
        let n = &self.modulus[..];
        let k = n.len();
        let (a, b) = (&a[..k], &b[..k]);
        // t < 2n throughout, so one extra limb holds it.
        let mut t = vec![0u64; k + 1];
        for &a_i in a {
            let a_i = u128::from(a_i);
            let s = u128::from(t[0]) + a_i * u128::from(b[0]);
            let m = u128::from((s as u64).wrapping_mul(self.n0_inverse));
            let mut carry_mul = s >> 64;
            let mut carry_red = (u128::from(s as u64) + m * u128::from(n[0])) >> 64;
            // Each step reads t[j] and writes t[j−1]: the division by 2⁶⁴ as it goes.
            let (first, rest) = t.split_at_mut(1);
            let (body, top) = rest.split_at_mut(k - 1);
            let mut prev = &mut first[0];
            for ((t_j, &b_j), &n_j) in body.iter_mut().zip(&b[1..]).zip(&n[1..]) {
                let s = u128::from(*t_j) + a_i * u128::from(b_j) + carry_mul;
                carry_mul = s >> 64;
                let r = u128::from(s as u64) + m * u128::from(n_j) + carry_red;
                carry_red = r >> 64;
                *prev = r as u64;
                prev = t_j;
            }
            let s = u128::from(top[0]) + carry_mul + carry_red;
            *prev = s as u64;
            top[0] = (s >> 64) as u64;
        }
        out.copy_from_slice(&t[..k]);
        if t[k] != 0 || !less_than(out, n) {
            subtract_in_place(out, n);
        }
    }
}

/// Checks an RSASSA-PKCS1-v1_5 signature over `digest` (RFC 8017 §8.2.2): the public
/// operation must give exactly `00 01 FF…FF 00 DigestInfo(digest)`, with the DigestInfo's
/// parameters an explicit NULL as RFC 8017 writes it.
pub(crate) fn verify_pkcs1v15(
    key: &PublicOperation,
    algorithm: DigestAlgorithm,
    digest: &[u8],
    signature: &[u8],
) -> bool {
    let Some(encoded) = key.apply(signature) else {
        return false;
    };
    let digest_info = digest_info(algorithm, digest);
    // At least eight bytes of 0xFF padding (RFC 8017 §9.2 step 3).
    let Some(padding) = key.len.checked_sub(digest_info.len() + 3) else {
        return false;
    };
    if padding < 8 {
        return false;
    }
    let mut expected = Vec::with_capacity(key.len);
    expected.extend_from_slice(&[0x00, 0x01]);
    expected.resize(2 + padding, 0xFF);
    expected.push(0x00);
    expected.extend_from_slice(&digest_info);
    expected == encoded
}

/// DER `DigestInfo ::= SEQUENCE { AlgorithmIdentifier { oid, NULL }, OCTET STRING digest }`.
/// Every part is shorter than 128 bytes, so each length is one byte.
fn digest_info(algorithm: DigestAlgorithm, digest: &[u8]) -> Vec<u8> {
    let oid = algorithm.oid();
    let oid = oid.as_bytes();
    let algorithm_len = 2 + oid.len() + 2;
    let inner_len = 2 + algorithm_len + 2 + digest.len();
    let mut out = Vec::with_capacity(2 + inner_len);
    out.extend_from_slice(&[0x30, inner_len as u8, 0x30, algorithm_len as u8]);
    out.extend_from_slice(&[0x06, oid.len() as u8]);
    out.extend_from_slice(oid);
    out.extend_from_slice(&[0x05, 0x00, 0x04, digest.len() as u8]);
    out.extend_from_slice(digest);
    out
}

/// Checks an RSASSA-PSS signature over `digest` (RFC 8017 §9.1.2) with MGF1 over the same
/// digest. The salt length is read from the encoding rather than assumed: signers differ
/// (digest length, maximum, 32) and the salt's length does not weaken verification.
pub(crate) fn verify_pss(
    key: &PublicOperation,
    algorithm: DigestAlgorithm,
    digest: &[u8],
    signature: &[u8],
) -> bool {
    let Some(decrypted) = key.apply(signature) else {
        return false;
    };
    let em_bits = key.bits - 1;
    let em_len = em_bits.div_ceil(8);
    // When modBits − 1 is a multiple of 8 the encoded message is one byte shorter than the
    // modulus, and that byte must be zero.
    let (head, em) = decrypted.split_at(decrypted.len() - em_len);
    let h_len = algorithm.output_len();
    if head.iter().any(|&b| b != 0) || em_len < h_len + 2 || em.last() != Some(&0xBC) {
        return false;
    }
    let (masked_db, rest) = em.split_at(em_len - h_len - 1);
    let hash = &rest[..h_len];
    let unused_bits = 8 * em_len - em_bits;
    let top_mask = 0xFFu8 >> unused_bits;
    if masked_db.first().is_some_and(|&b| b & !top_mask != 0) {
        return false;
    }
    let mut db = mgf1(algorithm, hash, masked_db.len());
    for (d, m) in db.iter_mut().zip(masked_db) {
        *d ^= m;
    }
    if let Some(first) = db.first_mut() {
        *first &= top_mask;
    }
    // DB = PS (zeros) ‖ 0x01 ‖ salt.
    let Some(separator) = db.iter().position(|&b| b != 0) else {
        return false;
    };
    if db[separator] != 0x01 {
        return false;
    }
    let salt = &db[separator + 1..];
    let mut hasher = algorithm.hasher();
    hasher.update(&[0u8; 8]);
    hasher.update(digest);
    hasher.update(salt);
    hasher.finish() == hash
}

/// MGF1 (RFC 8017 §B.2.1): `len` bytes of H(seed ‖ counter) blocks.
fn mgf1(algorithm: DigestAlgorithm, seed: &[u8], len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + algorithm.output_len());
    let mut counter: u32 = 0;
    while out.len() < len {
        let mut hasher = algorithm.hasher();
        hasher.update(seed);
        hasher.update(&counter.to_be_bytes());
        out.extend_from_slice(&hasher.finish());
        counter += 1;
    }
    out.truncate(len);
    out
}

/// value ← value·2⁶⁴ mod n, for value < n and n's top bit set (k ≥ 2 limbs).
fn times_word_mod(value: &mut [u64], n: &[u64]) {
    let k = n.len();
    let (top, next) = (value[k - 1], value[k - 2]);
    // Estimate the quotient from the top two limbs; it is never too small.
    let estimate = ((u128::from(top) << 64 | u128::from(next)) / u128::from(n[k - 1]))
        .min(u128::from(u64::MAX)) as u64;
    // value·2⁶⁴ − estimate·n over k + 1 limbs, in two's complement; shifting up by one limb
    // as we go (limb j of value·2⁶⁴ is limb j − 1 of value).
    let mut product_carry = 0u128;
    let mut borrow = false;
    let mut shifted_in = 0u64;
    for (v, &n_j) in value.iter_mut().zip(n) {
        let product = u128::from(estimate) * u128::from(n_j) + product_carry;
        product_carry = product >> 64;
        let (d, b1) = shifted_in.overflowing_sub(product as u64);
        let (d, b2) = d.overflowing_sub(u64::from(borrow));
        shifted_in = *v;
        *v = d;
        borrow = b1 || b2;
    }
    let top_limb = shifted_in
        .wrapping_sub(product_carry as u64)
        .wrapping_sub(u64::from(borrow));
    // Too large an estimate left a negative remainder: add n back (at most twice).
    let mut top_limb = top_limb;
    while top_limb != 0 {
        let mut carry = false;
        for (v, &n_j) in value.iter_mut().zip(n) {
            let (s, c1) = v.overflowing_add(n_j);
            let (s, c2) = s.overflowing_add(u64::from(carry));
            *v = s;
            carry = c1 || c2;
        }
        top_limb = top_limb.wrapping_add(u64::from(carry));
    }
}

fn shift_left(limbs: &[u64], shift: u32) -> Vec<u64> {
    if shift == 0 {
        return limbs.to_vec();
    }
    let mut carry = 0;
    limbs
        .iter()
        .map(|&l| {
            let out = (l << shift) | carry;
            carry = l >> (64 - shift);
            out
        })
        .collect()
}

fn shift_right(limbs: &[u64], shift: u32) -> Vec<u64> {
    if shift == 0 {
        return limbs.to_vec();
    }
    (0..limbs.len())
        .map(|i| {
            let high = limbs.get(i + 1).map_or(0, |&h| h << (64 - shift));
            (limbs[i] >> shift) | high
        })
        .collect()
}

fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    &bytes[start..]
}

fn bit_length(be: &[u8]) -> usize {
    be.first()
        .map_or(0, |&top| be.len() * 8 - top.leading_zeros() as usize)
}

/// Big-endian bytes (at most 8·`limbs` of them) into little-endian limbs.
fn limbs_from_be(bytes: &[u8], limbs: usize) -> Vec<u64> {
    let mut out = vec![0u64; limbs];
    // Whole limbs from the end, then the short leading one.
    let chunks = bytes.rchunks(8);
    for (limb, chunk) in out.iter_mut().zip(chunks) {
        *limb = chunk.iter().fold(0u64, |l, &b| (l << 8) | u64::from(b));
    }
    out
}

fn limbs_to_be(limbs: &[u64], len: usize) -> Vec<u8> {
    (0..len)
        .rev()
        .map(|i| (limbs[i / 8] >> (8 * (i % 8))) as u8)
        .collect()
}

/// a < b, for equally long little-endian numbers.
fn less_than(a: &[u64], b: &[u64]) -> bool {
    for (x, y) in a.iter().rev().zip(b.iter().rev()) {
        if x != y {
            return x < y;
        }
    }
    false
}

/// a ← a − b (mod 2^(64·len)); the final borrow is dropped because callers only subtract
/// when the true result is non-negative.
fn subtract_in_place(a: &mut [u64], b: &[u64]) {
    let mut borrow = false;
    for (x, &y) in a.iter_mut().zip(b) {
        let (d, b1) = x.overflowing_sub(y);
        let (d, b2) = d.overflowing_sub(u64::from(borrow));
        *x = d;
        borrow = b1 || b2;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_bigint::BigUint;

    /// A small deterministic generator (xorshift64*), so failures are reproducible.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }
        fn bytes(&mut self, len: usize) -> Vec<u8> {
            (0..len).map(|_| self.next() as u8).collect()
        }
    }

    /// A random odd modulus of exactly `bits` bits.
    fn modulus(rng: &mut Rng, bits: usize) -> Vec<u8> {
        let mut n = rng.bytes(bits.div_ceil(8));
        let top_bits = bits - 8 * (n.len() - 1);
        n[0] &= 0xFF >> (8 - top_bits);
        n[0] |= 1 << (top_bits - 1);
        *n.last_mut().unwrap() |= 1;
        n
    }

    #[test]
    fn the_public_operation_matches_a_general_modpow_for_every_size_and_exponent() {
        let mut rng = Rng(0x6b79_736f_2026);
        let sizes = [
            512, 513, 520, 575, 576, 1023, 1024, 1025, 2047, 2048, 2049, 3072, 4096,
        ];
        for &bits in &sizes {
            for exponent in [3u64, 17, 65537, (1 << 33) - 1, rng.next() >> 31 | 1] {
                let n = modulus(&mut rng, bits);
                let key = PublicOperation::new(&n, &exponent.to_be_bytes()).unwrap();
                let n_big = BigUint::from_bytes_be(&n);
                // Random values below n, and the edges 0, 1, n − 1.
                let mut bases = vec![vec![0u8; n.len()], {
                    let mut one = vec![0u8; n.len()];
                    *one.last_mut().unwrap() = 1;
                    one
                }];
                let mut n_minus_one = n.clone();
                *n_minus_one.last_mut().unwrap() -= 1;
                bases.push(n_minus_one);
                for _ in 0..3 {
                    let s = BigUint::from_bytes_be(&rng.bytes(n.len())) % &n_big;
                    let mut be = s.to_bytes_be();
                    while be.len() < n.len() {
                        be.insert(0, 0);
                    }
                    bases.push(be);
                }
                for base in bases {
                    let expected =
                        BigUint::from_bytes_be(&base).modpow(&BigUint::from(exponent), &n_big);
                    let got = key.apply(&base).expect("base below n");
                    assert_eq!(got.len(), n.len());
                    assert_eq!(
                        BigUint::from_bytes_be(&got),
                        expected,
                        "{bits} bits, e = {exponent}"
                    );
                }
            }
        }
    }

    #[test]
    fn representatives_that_are_not_below_the_modulus_or_of_another_length_are_refused() {
        let mut rng = Rng(7);
        let n = modulus(&mut rng, 2048);
        let key = PublicOperation::new(&n, &[1, 0, 1]).unwrap();
        assert!(key.apply(&n).is_none(), "s = n");
        assert!(key.apply(&[0xFF; 256]).is_none(), "s > n");
        assert!(key.apply(&n[1..]).is_none(), "short");
        assert!(key.apply(&[0; 257]).is_none(), "long");
    }

    #[test]
    fn keys_outside_the_accepted_shapes_are_refused() {
        let mut rng = Rng(9);
        let n = modulus(&mut rng, 2048);
        let mut even = n.clone();
        *even.last_mut().unwrap() &= 0xFE;
        assert_eq!(
            PublicOperation::new(&even, &[3]).unwrap_err(),
            KeyProblem::Modulus
        );
        let small = modulus(&mut rng, 511);
        assert_eq!(
            PublicOperation::new(&small, &[3]).unwrap_err(),
            KeyProblem::Modulus
        );
        let huge = modulus(&mut rng, 8193);
        assert_eq!(
            PublicOperation::new(&huge, &[3]).unwrap_err(),
            KeyProblem::Modulus
        );
        assert_eq!(
            PublicOperation::new(&[], &[3]).unwrap_err(),
            KeyProblem::Modulus
        );
        for e in [&[][..], &[1], &[2], &[1, 0, 0], &[2, 0, 0, 0, 1], &[1; 9]] {
            assert_eq!(
                PublicOperation::new(&n, e).unwrap_err(),
                KeyProblem::Exponent,
                "{e:?}"
            );
        }
        // Leading zeros are not part of the number.
        let mut padded = vec![0, 0];
        padded.extend_from_slice(&n);
        assert!(PublicOperation::new(&padded, &[0, 1, 0, 1]).is_ok());
    }

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
    impl rsa::rand_core::TryCryptoRng for Rng {}

    fn fixture_key(name: &str) -> rsa::PrivateKey {
        let path = format!("{}/fixtures/pki/{name}.key.pem", env!("CARGO_MANIFEST_DIR"));
        let pem = std::fs::read(path).unwrap();
        match crate::crypto::PrivateKey::from_pem(&pem, None).unwrap() {
            crate::crypto::PrivateKey::Rsa(k) => *k,
            other => panic!("{other:?} is not RSA"),
        }
    }

    fn operation(key: &rsa::PrivateKey) -> PublicOperation {
        use rsa::traits::PublicKeyParts;
        PublicOperation::new(&key.n_bytes(), &key.e_bytes()).unwrap()
    }

    const DIGESTS: [DigestAlgorithm; 4] = [
        DigestAlgorithm::Sha1,
        DigestAlgorithm::Sha256,
        DigestAlgorithm::Sha384,
        DigestAlgorithm::Sha512,
    ];

    fn pss_sign(
        key: &rsa::PrivateKey,
        rng: &mut Rng,
        algorithm: DigestAlgorithm,
        salt: usize,
        digest: &[u8],
    ) -> Vec<u8> {
        use rsa::pss::Pss;
        match algorithm {
            DigestAlgorithm::Sha1 => {
                key.sign_with_rng(rng, Pss::<sha1::Sha1>::new_with_salt(salt), digest)
            }
            DigestAlgorithm::Sha256 => {
                key.sign_with_rng(rng, Pss::<sha2::Sha256>::new_with_salt(salt), digest)
            }
            DigestAlgorithm::Sha384 => {
                key.sign_with_rng(rng, Pss::<sha2::Sha384>::new_with_salt(salt), digest)
            }
            DigestAlgorithm::Sha512 => {
                key.sign_with_rng(rng, Pss::<sha2::Sha512>::new_with_salt(salt), digest)
            }
        }
        .unwrap_or_else(|e| panic!("{algorithm:?} salt {salt}: {e}"))
    }

    #[test]
    fn pkcs1v15_signatures_of_the_rsa_crate_verify_and_any_change_fails() {
        for name in ["leader", "business", "weak-rsa1024"] {
            let private = fixture_key(name);
            let key = operation(&private);
            for algorithm in DIGESTS {
                let digest = algorithm.digest(name.as_bytes());
                let signature = crate::crypto::PrivateKey::Rsa(Box::new(private.clone()))
                    .sign_digest(
                        crate::crypto::SignatureAlgorithm::rsa_pkcs1(algorithm),
                        &digest,
                    )
                    .unwrap();
                assert!(
                    verify_pkcs1v15(&key, algorithm, &digest, &signature),
                    "{name} {algorithm:?}"
                );
                let mut other = digest.clone();
                other[0] ^= 1;
                assert!(!verify_pkcs1v15(&key, algorithm, &other, &signature));
                for at in [0, signature.len() / 2, signature.len() - 1] {
                    let mut bad = signature.clone();
                    bad[at] ^= 0x40;
                    assert!(
                        !verify_pkcs1v15(&key, algorithm, &digest, &bad),
                        "{name} byte {at}"
                    );
                }
                // The same encoding under another digest's DigestInfo is another message.
                let wrong = if algorithm == DigestAlgorithm::Sha1 {
                    DigestAlgorithm::Sha256
                } else {
                    DigestAlgorithm::Sha1
                };
                let wrong_digest = wrong.digest(name.as_bytes());
                assert!(!verify_pkcs1v15(&key, wrong, &wrong_digest, &signature));
                assert!(
                    !verify_pss(&key, algorithm, &digest, &signature),
                    "PKCS#1 is not PSS"
                );
            }
        }
    }

    #[test]
    fn pss_signatures_verify_whatever_their_salt_length_and_any_change_fails() {
        let mut rng = Rng(0x7053_7373);
        // A 1025-bit modulus: modBits − 1 is a multiple of 8, so the encoded message is one
        // byte shorter than the modulus (RFC 8017 §9.1.2 step 3's emLen < k).
        let short_em = rsa::PrivateKey::new(&mut rng, 1025).unwrap();
        let keys = [fixture_key("leader"), fixture_key("business"), short_em];
        for private in &keys {
            let key = operation(private);
            for algorithm in DIGESTS {
                let h_len = algorithm.output_len();
                let em_len = (key.bits - 1).div_ceil(8);
                let max_salt = em_len - h_len - 2;
                for salt in [0, 20, h_len, max_salt]
                    .into_iter()
                    .filter(|&s| s <= max_salt)
                {
                    let digest = algorithm.digest(&salt.to_be_bytes());
                    let signature = pss_sign(private, &mut rng, algorithm, salt, &digest);
                    assert!(
                        verify_pss(&key, algorithm, &digest, &signature),
                        "{} bits, {algorithm:?}, salt {salt}",
                        key.bits
                    );
                    let mut other = digest.clone();
                    other[h_len - 1] ^= 1;
                    assert!(!verify_pss(&key, algorithm, &other, &signature));
                    let mut bad = signature.clone();
                    bad[signature.len() / 3] ^= 1;
                    assert!(!verify_pss(&key, algorithm, &digest, &bad));
                    assert!(!verify_pkcs1v15(&key, algorithm, &digest, &signature));
                }
            }
        }
    }

    #[test]
    fn digest_info_is_the_der_rfc_8017_lists() {
        // RFC 8017 §9.2, note 1: the DER prefix for SHA-256.
        let info = digest_info(DigestAlgorithm::Sha256, &[0xAB; 32]);
        let prefix = [
            0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
            0x01, 0x05, 0x00, 0x04, 0x20,
        ];
        assert_eq!(&info[..prefix.len()], &prefix);
        assert_eq!(info.len(), prefix.len() + 32);
        let sha1 = digest_info(DigestAlgorithm::Sha1, &[0; 20]);
        assert_eq!(
            &sha1[..15],
            &[
                0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04,
                0x14
            ]
        );
    }
}
