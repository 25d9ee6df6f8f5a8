//! The Cloud Signature Consortium API v1 (`signatures/signHash`), which Viettel MySign and
//! other remote signing services speak.
//!
//! | CSC v1 call | what kyso sends | what kyso reads |
//! |---|---|---|
//! | `POST {base}/credentials/info` | `{"credentialID", "certificates": "chain"}` | `cert.certificates`: base64 DER, signer first |
//! | `POST {base}/signatures/signHash` | `{"credentialID", "SAD", "hash": [base64], "hashAlgo": OID, "signAlgo": OID}` | `signatures[0]`: base64 |
//!
//! `signAlgo` is `1.2.840.113549.1.1.1` (rsaEncryption: PKCS#1 v1.5 over the DigestInfo of
//! the hash), `1.2.840.113549.1.1.10` (RSASSA-PSS, with `signAlgoParams` the DER
//! RSASSA-PSS-params, base64) or `1.2.840.10045.4.3.2/3/4` (ECDSA with SHA-256/384/512). The
//! access token goes in `Authorization: Bearer`, and only to the service's own host (see
//! [`crate::pki::http::post_with_headers`]). Getting the token and the SAD (OAuth2, the
//! user's OTP or app confirmation, `credentials/authorize`) is the integrator's part: it
//! involves the user.

use base64::Engine;
use serde::Deserialize;

use super::{Progress, RemoteSigner, SignRequest};
use crate::crypto::{SignatureScheme, oid};
use crate::error::{Error, Format, Result};
use crate::pki::http::{HttpLimits, post_with_headers};

/// A CSC v1 credential: the service, the access token, the credential and its SAD.
#[derive(Clone)]
pub struct CscSigner {
    /// The API's base URL, such as `https://…/csc/v1` (no trailing slash).
    pub base_url: String,
    /// The OAuth2 access token.
    pub access_token: String,
    /// The credential (key and certificate) to sign with.
    pub credential_id: String,
    /// Signature Activation Data from `credentials/authorize`, when the service asks for it.
    pub sad: Option<String>,
    /// Limits of each HTTP exchange.
    pub limits: HttpLimits,
}

/// The token and SAD stay out of debug output and logs.
impl std::fmt::Debug for CscSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CscSigner({}, {})", self.base_url, self.credential_id)
    }
}

fn b64() -> &'static base64::engine::GeneralPurpose {
    &base64::engine::general_purpose::STANDARD
}

fn answer<T: serde::de::DeserializeOwned>(bytes: &[u8], call: &str) -> Result<T> {
    serde_json::from_slice(bytes)
        .map_err(|e| Error::malformed(Format::Json, format!("CSC {call} answer: {e}")))
}

#[derive(Deserialize)]
struct InfoAnswer {
    cert: InfoCert,
}

#[derive(Deserialize)]
struct InfoCert {
    certificates: Vec<String>,
}

#[derive(Deserialize)]
struct SignHashAnswer {
    signatures: Vec<String>,
}

impl CscSigner {
    fn call(&self, path: &str, body: &serde_json::Value) -> Result<Vec<u8>> {
        let url = format!("{}/{path}", self.base_url.trim_end_matches('/'));
        let bearer = format!("Bearer {}", self.access_token);
        let body = serde_json::to_vec(body).map_err(|e| Error::Signer(e.to_string()))?;
        post_with_headers(
            &url,
            "application/json",
            &body,
            &[("Authorization", &bearer)],
            self.limits,
        )
    }
}

impl RemoteSigner for CscSigner {
    fn certificate_chain(&self) -> Result<Vec<Vec<u8>>> {
        let body = serde_json::json!({"credentialID": self.credential_id, "certificates": "chain"});
        let info: InfoAnswer = answer(&self.call("credentials/info", &body)?, "credentials/info")?;
        info.cert
            .certificates
            .iter()
            .map(|c| {
                b64().decode(c.trim()).map_err(|e| {
                    Error::malformed(Format::Certificate, format!("CSC certificate: {e}"))
                })
            })
            .collect()
    }

    fn submit(&self, request: &SignRequest) -> Result<Progress> {
        let digest = request.algorithm.digest;
        let sign_algo = match request.algorithm.scheme {
            SignatureScheme::RsaPkcs1v15 => oid::RSA_ENCRYPTION,
            SignatureScheme::RsaPss => oid::RSASSA_PSS,
            SignatureScheme::Ecdsa => request.algorithm.oid(),
        };
        let mut body = serde_json::json!({
            "credentialID": self.credential_id,
            "hash": [b64().encode(&request.digest)],
            "hashAlgo": digest.oid().to_string(),
            "signAlgo": sign_algo.to_string(),
        });
        if let Some(map) = body.as_object_mut() {
            if let Some(sad) = &self.sad {
                map.insert("SAD".into(), sad.clone().into());
            }
            if let Some(params) = request.algorithm.parameters_der()?
                && request.algorithm.scheme == SignatureScheme::RsaPss
            {
                map.insert("signAlgoParams".into(), b64().encode(params).into());
            }
        }
        let signed: SignHashAnswer = answer(
            &self.call("signatures/signHash", &body)?,
            "signatures/signHash",
        )?;
        let first = signed
            .signatures
            .first()
            .ok_or_else(|| Error::Signer("CSC signHash answered no signature".into()))?;
        let signature = b64()
            .decode(first.trim())
            .map_err(|e| Error::Signer(format!("CSC signature: {e}")))?;
        Ok(Progress::Signed(signature))
    }

    /// signHash answers at once; there is nothing to poll.
    fn poll(&self, transaction: &str) -> Result<Progress> {
        Err(Error::Signer(format!(
            "CSC signHash has no pending request {transaction}"
        )))
    }
}
