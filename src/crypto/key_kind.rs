//! What kind of key signed: the type and size that the algorithm policy and reports need,
//! apart from the key material itself (see [`super::PublicKey`]).

/// The type and size of a key, for policy checks and reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum KeyKind {
    /// RSA with a modulus of `bits` bits.
    Rsa {
        /// Modulus size.
        bits: usize,
    },
    /// ECDSA on a named curve of `bits` bits.
    Ec {
        /// Curve name: `P-256`, `P-384`.
        curve: &'static str,
        /// Field size.
        bits: usize,
    },
}

impl KeyKind {
    /// ECDSA on P-256.
    pub const P256: KeyKind = KeyKind::Ec {
        curve: "P-256",
        bits: 256,
    };
    /// ECDSA on P-384.
    pub const P384: KeyKind = KeyKind::Ec {
        curve: "P-384",
        bits: 384,
    };

    /// Key size in bits.
    pub fn bits(&self) -> usize {
        match *self {
            KeyKind::Rsa { bits } | KeyKind::Ec { bits, .. } => bits,
        }
    }
}

impl std::fmt::Display for KeyKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyKind::Rsa { bits } => write!(f, "RSA {bits}"),
            KeyKind::Ec { curve, .. } => write!(f, "EC {curve}"),
        }
    }
}
