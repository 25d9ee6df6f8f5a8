//! Remote signing services: the hash goes out, the user confirms on a phone, the signature
//! comes back.
//!
//! A service is a [`RemoteSigner`]: [`submit`](RemoteSigner::submit) a hash,
//! [`poll`](RemoteSigner::poll) until it is signed or refused. Two ways to use one:
//!
//! - [`RemoteKey`] waits for the answer and is a [`Signer`], so `sign_pdf`, `sign_xml`,
//!   `settings::sign_many` and every level of PAdES use a service exactly like a key file;
//! - a server that must not block (a web back end) calls `settings::prepare`, submits
//!   [`Prepared::to_sign`](crate::settings::Prepared::to_sign)'s hash, keeps the state, and
//!   calls `settings::finish` when the answer arrives — see [`await_signature`].
//!
//! How the Vietnamese services map onto the interface (the adapters that need a live service
//! are written against their published APIs by the integrator; only [`csc`] ships here):
//!
//! | service | [`submit`](RemoteSigner::submit) | [`poll`](RemoteSigner::poll) | signature |
//! |---|---|---|---|
//! | Viettel MySign, any CSC v1 service ([`csc::CscSigner`]) | `POST signatures/signHash` with `credentialID`, `SAD`, `hash` (base64), `hashAlgo` and `signAlgo` OIDs | not needed: the answer carries the signature ([`Progress::Signed`]) | `signatures[0]`, base64: PKCS#1 v1.5, PSS, or ECDSA DER |
//! | VNPT SmartCA | the sign request with the service's client credentials, the user's id and the hash (`sign_type` hash), answered by a transaction id ([`Progress::Pending`]) | the transaction's status request until the user confirms in the SmartCA app | the signature value of the status answer, base64 |
//! | VGCA (Ban Cơ yếu Chính phủ) remote signing | `SignMsg`/hash signing request with the hash and the certificate's serial, answered by a request id | the request's status until it is confirmed | the returned signature value, base64 |
//!
//! The certificate chain comes from the service too (CSC `credentials/info` with
//! `certificates: "chain"`; the SmartCA and VGCA credential queries), through
//! [`RemoteSigner::certificate_chain`]. Whatever a service answers, the signature is checked
//! against the certificate's key before it is embedded.

pub mod csc;

use std::time::{Duration, Instant};

use crate::crypto::{DigestAlgorithm, SignatureAlgorithm, SignatureScheme, Signer};
use crate::error::{Error, Result};

/// What is asked of a service: sign `digest` with `algorithm`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignRequest {
    /// The hash to sign.
    pub digest: Vec<u8>,
    /// The signature algorithm (its digest is the hash's).
    pub algorithm: SignatureAlgorithm,
    /// A text to show the user on the phone, such as the document's name.
    pub description: Option<String>,
}

/// Where a submitted request stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    /// Waiting for the user; poll again with this transaction id.
    Pending {
        /// The service's id of the request.
        transaction: String,
    },
    /// Signed: the raw signature (PKCS#1 v1.5 or PSS bytes; ECDSA as DER or `r‖s`).
    Signed(Vec<u8>),
    /// The user or the service refused, with the service's reason.
    Refused(String),
}

/// A service that signs hashes remotely. Implement it for a service; kyso's signing code
/// needs nothing else.
pub trait RemoteSigner: Send + Sync {
    /// The signer's certificate, then its issuers (DER).
    fn certificate_chain(&self) -> Result<Vec<Vec<u8>>>;

    /// Sends the hash. A service that answers at once returns [`Progress::Signed`].
    fn submit(&self, request: &SignRequest) -> Result<Progress>;

    /// Asks once about a [`Progress::Pending`] request.
    fn poll(&self, transaction: &str) -> Result<Progress>;
}

/// How long to wait for the user, and how often to ask.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wait {
    /// Pause between polls.
    pub interval: Duration,
    /// Give up after this long (services themselves expire requests after a few minutes).
    pub timeout: Duration,
}

impl Default for Wait {
    fn default() -> Self {
        Wait {
            interval: Duration::from_secs(2),
            timeout: Duration::from_secs(300),
        }
    }
}

/// Submits `request` and polls until the service answers; a refusal or the timeout is
/// [`Error::Signer`].
pub fn await_signature(
    remote: &dyn RemoteSigner,
    request: &SignRequest,
    wait: Wait,
) -> Result<Vec<u8>> {
    let deadline = Instant::now() + wait.timeout;
    let mut progress = remote.submit(request)?;
    loop {
        match progress {
            Progress::Signed(signature) => return Ok(signature),
            Progress::Refused(reason) => {
                return Err(Error::Signer(format!("the service refused: {reason}")));
            }
            Progress::Pending { transaction } => {
                if Instant::now() >= deadline {
                    return Err(Error::Signer(format!(
                        "no answer to request {transaction} within {} s",
                        wait.timeout.as_secs()
                    )));
                }
                std::thread::sleep(wait.interval);
                progress = remote.poll(&transaction)?;
            }
        }
    }
}

/// A remote service as a [`Signer`]: each signature is submitted and awaited.
pub struct RemoteKey<R: RemoteSigner> {
    remote: R,
    chain: Vec<Vec<u8>>,
    rsa_scheme: SignatureScheme,
    wait: Wait,
    ec: bool,
}

impl<R: RemoteSigner> std::fmt::Debug for RemoteKey<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RemoteKey({} certificates)", self.chain.len())
    }
}

impl<R: RemoteSigner> RemoteKey<R> {
    /// Asks the service for its certificates once; signatures wait as `wait` says.
    pub fn new(remote: R, wait: Wait) -> Result<Self> {
        let chain = remote.certificate_chain()?;
        let leaf = chain
            .first()
            .ok_or_else(|| Error::Signer("the service gave no certificate".into()))?;
        let kind = crate::pki::Certificate::from_der(leaf)?.key_kind();
        Ok(RemoteKey {
            remote,
            chain,
            rsa_scheme: SignatureScheme::RsaPkcs1v15,
            wait,
            ec: !matches!(kind, Some(crate::crypto::KeyKind::Rsa { .. })),
        })
    }

    /// Ask for RSASSA-PSS instead of PKCS#1 v1.5 (RSA keys).
    pub fn with_rsa_pss(mut self) -> Self {
        self.rsa_scheme = SignatureScheme::RsaPss;
        self
    }
}

impl<R: RemoteSigner> Signer for RemoteKey<R> {
    fn certificate_chain(&self) -> &[Vec<u8>] {
        &self.chain
    }

    fn signature_algorithm(&self, digest: DigestAlgorithm) -> SignatureAlgorithm {
        match self.ec {
            true => SignatureAlgorithm::ecdsa(digest),
            false => SignatureAlgorithm::new(self.rsa_scheme, digest),
        }
    }

    fn sign_digest(&self, algorithm: SignatureAlgorithm, digest: &[u8]) -> Result<Vec<u8>> {
        let request = SignRequest {
            digest: digest.to_vec(),
            algorithm,
            description: None,
        };
        await_signature(&self.remote, &request, self.wait)
    }
}
