//! Signing with a key on a PKCS#11 token (feature `pkcs11`), through `cryptoki`.
//!
//! Vietnamese signers mostly hold their keys on USB tokens whose vendors (VNPT-CA,
//! Viettel-CA, BKAV-CA, …) ship a PKCS#11 module. [`Pkcs11Signer::open`] loads the module,
//! finds the token (by label or serial) and the key (by label or id), logs in once, and
//! signs digests:
//!
//! | signature | mechanism | what the token gets |
//! |---|---|---|
//! | RSA PKCS#1 v1.5 | `CKM_RSA_PKCS` | the DER `DigestInfo` of the digest (built with `der`) |
//! | RSASSA-PSS | `CKM_RSA_PKCS_PSS` | the digest, with hash, MGF1 and salt length as parameters |
//! | ECDSA | `CKM_ECDSA` | the digest; the token's `r‖s` is DER-encoded by the `ecdsa` crate |
//!
//! Sessions are kept in a pool and reused: one login serves every signature, and several
//! threads sign at once on as many sessions as the token allows (see [`TokenKey::sessions`]).
//! A module is initialised once per process and stays loaded, since `C_Initialize` and
//! `C_Finalize` are process-wide in PKCS#11.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex, OnceLock};

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::mechanism::rsa::{PkcsMgfType, PkcsPssParams};
use cryptoki::mechanism::{Mechanism, MechanismType};
use cryptoki::object::{
    Attribute, AttributeType, CertificateType, KeyType, ObjectClass, ObjectHandle,
};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::{Limit, Slot};
use der::Encode;

use super::token::{PinSource, TokenKey, TokenListing, TokenObject};
use super::{DigestAlgorithm, KeyKind, PublicKey, SignatureAlgorithm, SignatureScheme, Signer};
use crate::error::{Error, Result, TokenError};

/// A signer whose key stays on a PKCS#11 token. `Send + Sync`: share one among threads.
pub struct Pkcs11Signer {
    context: Pkcs11,
    slot: Slot,
    /// How the key is found again in each new session.
    key_template: Vec<Attribute>,
    key_name: String,
    public: PublicKey,
    chain: Vec<Vec<u8>>,
    rsa_scheme: SignatureScheme,
    pool: Mutex<Pool>,
    returned: Condvar,
    max_sessions: usize,
}

/// Open sessions not in use, each with the key's handle in it, and how many exist.
struct Pool {
    idle: Vec<(Session, ObjectHandle)>,
    open: usize,
}

impl std::fmt::Debug for Pkcs11Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Pkcs11Signer({}, slot {})",
            self.key_name,
            self.slot.id()
        )
    }
}

/// Modules initialised in this process, by path.
fn modules() -> &'static Mutex<HashMap<PathBuf, Pkcs11>> {
    static MODULES: OnceLock<Mutex<HashMap<PathBuf, Pkcs11>>> = OnceLock::new();
    MODULES.get_or_init(Default::default)
}

/// Loads and initialises a module once per process.
fn load(module: &Path) -> Result<Pkcs11> {
    let failed = |detail: String| TokenError::Module {
        module: module.display().to_string(),
        detail,
    };
    if !module.is_file() {
        return Err(failed("no such file".into()).into());
    }
    let key = module
        .canonicalize()
        .unwrap_or_else(|_| module.to_path_buf());
    let mut loaded = modules()
        .lock()
        .map_err(|_| failed("lock poisoned".into()))?;
    if let Some(context) = loaded.get(&key) {
        return Ok(context.clone());
    }
    let context = Pkcs11::new(&key).map_err(|e| failed(e.to_string()))?;
    match context.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
        Ok(()) | Err(CkError::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
        Err(e) => return Err(failed(e.to_string()).into()),
    }
    loaded.insert(key, context.clone());
    Ok(context)
}

/// A module error as kyso's: the PIN and mechanism cases typed, the rest as the module said.
fn device(e: CkError) -> Error {
    match e {
        CkError::Pkcs11(RvError::PinLocked, _) => TokenError::PinLocked.into(),
        CkError::Pkcs11(
            RvError::MechanismInvalid
            | RvError::MechanismParamInvalid
            | RvError::KeyTypeInconsistent
            | RvError::KeyFunctionNotPermitted,
            f,
        ) => TokenError::Mechanism(format!("this signature ({f})")).into(),
        other => TokenError::Device(other.to_string()).into(),
    }
}

fn text_of(bytes: Vec<u8>) -> String {
    String::from_utf8_lossy(&bytes).trim_end().to_owned()
}

/// The slot whose token matches `key`'s selection.
fn find_slot(context: &Pkcs11, key: &TokenKey) -> Result<Slot> {
    let mut present = Vec::new();
    let mut found = Vec::new();
    for slot in context.get_slots_with_initialized_token().map_err(device)? {
        let info = context.get_token_info(slot).map_err(device)?;
        let (label, serial) = (info.label().trim(), info.serial_number().trim());
        present.push(format!("{label:?} serial {serial:?}"));
        let label_ok = key.token_label.as_deref().is_none_or(|l| l == label);
        let serial_ok = key.token_serial.as_deref().is_none_or(|s| s == serial);
        if label_ok && serial_ok {
            found.push(slot);
        }
    }
    match found.as_slice() {
        [slot] => Ok(*slot),
        [] => Err(TokenError::TokenNotFound {
            wanted: key.token_name(),
            present: if present.is_empty() {
                "none".into()
            } else {
                present.join(", ")
            },
        }
        .into()),
        _ => Err(TokenError::TokenNotFound {
            wanted: format!("{} (several match; give --token-serial)", key.token_name()),
            present: present.join(", "),
        }
        .into()),
    }
}

fn object_template(class: ObjectClass, key: &TokenKey) -> Vec<Attribute> {
    let mut template = vec![Attribute::Class(class)];
    if let Some(label) = &key.key_label {
        template.push(Attribute::Label(label.as_bytes().to_vec()));
    }
    if let Some(id) = &key.key_id {
        template.push(Attribute::Id(id.clone()));
    }
    template
}

/// The one private key matching `template` in `session`.
fn find_key(session: &Session, template: &[Attribute], name: &str) -> Result<ObjectHandle> {
    match session.find_objects(template).map_err(device)?.as_slice() {
        [key] => Ok(*key),
        [] => Err(TokenError::Key(format!("no private key {name} on the token")).into()),
        _ => Err(TokenError::Key(format!(
            "several private keys match {name}; give --key-label or --key-id"
        ))
        .into()),
    }
}

fn bytes_attribute(
    session: &Session,
    object: ObjectHandle,
    kind: AttributeType,
) -> Result<Vec<u8>> {
    for attribute in session.get_attributes(object, &[kind]).map_err(device)? {
        match attribute {
            Attribute::Id(v) | Attribute::Label(v) | Attribute::Value(v) => return Ok(v),
            _ => {}
        }
    }
    Ok(Vec::new())
}

/// Logs in with the user PIN; a wrong PIN reports the token's remaining-tries flags.
fn login(context: &Pkcs11, slot: Slot, session: &Session, pin: &PinSource) -> Result<()> {
    if !context
        .get_token_info(slot)
        .map_err(device)?
        .login_required()
    {
        return Ok(());
    }
    let result = match pin.pin()? {
        Some(pin) => session.login(UserType::User, Some(&pin)),
        None => session.login(UserType::User, None),
    };
    match result {
        Ok(()) | Err(CkError::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => Ok(()),
        Err(CkError::Pkcs11(RvError::PinIncorrect | RvError::PinLenRange, _)) => {
            let info = context.get_token_info(slot).map_err(device)?;
            Err(TokenError::WrongPin {
                count_low: info.user_pin_count_low(),
                final_try: info.user_pin_final_try(),
                locked: info.user_pin_locked(),
            }
            .into())
        }
        Err(e) => Err(device(e)),
    }
}

impl Pkcs11Signer {
    /// Opens the key `key` describes and logs in with the PIN from `pin`.
    ///
    /// The certificate is the token's certificate with the key's `CKA_ID` (or label), else
    /// the first of `key.chain_pem`; issuers come from `key.chain_pem`, then from the token.
    pub fn open(key: &TokenKey, pin: &PinSource) -> Result<Self> {
        let context = load(&key.module)?;
        let slot = find_slot(&context, key)?;
        let session = context.open_ro_session(slot).map_err(device)?;
        login(&context, slot, &session, pin)?;
        let key_name = key.key_name();
        let key_template = object_template(ObjectClass::PRIVATE_KEY, key);
        let handle = find_key(&session, &key_template, &key_name)?;
        // The certificate: same CKA_ID as the key (the PKCS#11 convention), else same label.
        let id = bytes_attribute(&session, handle, AttributeType::Id)?;
        let label = bytes_attribute(&session, handle, AttributeType::Label)?;
        let mut leaf = None;
        for template in [
            (!id.is_empty()).then(|| vec![Attribute::Id(id.clone())]),
            (!label.is_empty()).then(|| vec![Attribute::Label(label.clone())]),
        ]
        .into_iter()
        .flatten()
        {
            let mut template = template;
            template.push(Attribute::Class(ObjectClass::CERTIFICATE));
            template.push(Attribute::CertificateType(CertificateType::X_509));
            if let Some(cert) = session.find_objects(&template).map_err(device)?.first() {
                leaf = Some(bytes_attribute(&session, *cert, AttributeType::Value)?);
                break;
            }
        }
        let file_chain = super::pem_certificates(&key.chain_pem)?;
        let leaf = match leaf {
            Some(leaf) => leaf,
            None => file_chain
                .first()
                .cloned()
                .ok_or_else(|| TokenError::NoCertificate {
                    key: key_name.clone(),
                })?,
        };
        let mut others = file_chain;
        let all = vec![Attribute::Class(ObjectClass::CERTIFICATE)];
        for cert in session.find_objects(&all).map_err(device)? {
            others.push(bytes_attribute(&session, cert, AttributeType::Value)?);
        }
        let chain = super::signer::chain_from_leaf(leaf, others)?;
        let public = super::signer::public_key_of(&chain)?;
        // A certificate on the token that is not the key's own would sign with the wrong
        // name: refuse before the first signature.
        check_key_type(&session, handle, public.kind())?;
        let max_sessions = key.sessions.unwrap_or_else(|| {
            let token = match context.get_token_info(slot).map(|i| i.max_session_count()) {
                Ok(Limit::Max(n)) => usize::try_from(n).unwrap_or(1),
                _ => 8,
            };
            let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
            token.clamp(1, cores.max(1))
        });
        Ok(Pkcs11Signer {
            context,
            slot,
            key_template,
            key_name,
            public,
            chain,
            rsa_scheme: SignatureScheme::RsaPkcs1v15,
            pool: Mutex::new(Pool {
                idle: vec![(session, handle)],
                open: 1,
            }),
            returned: Condvar::new(),
            max_sessions: max_sessions.max(1),
        })
    }

    /// Sign with RSASSA-PSS instead of PKCS#1 v1.5 (RSA keys).
    pub fn with_rsa_pss(mut self) -> Self {
        self.rsa_scheme = SignatureScheme::RsaPss;
        self
    }

    /// The most sessions this signer signs through at once.
    pub fn max_sessions(&self) -> usize {
        self.max_sessions
    }

    /// An idle session, a new one while under the limit, or the next one returned.
    fn take(&self) -> Result<(Session, ObjectHandle)> {
        let poisoned = || Error::from(TokenError::Device("session pool poisoned".into()));
        let mut pool = self.pool.lock().map_err(|_| poisoned())?;
        loop {
            if let Some(session) = pool.idle.pop() {
                return Ok(session);
            }
            if pool.open < self.max_sessions {
                pool.open += 1;
                drop(pool);
                // The login of the first session holds for every session of this process.
                let opened = self.context.open_ro_session(self.slot).map_err(device);
                let found = opened.and_then(|s| {
                    let key = find_key(&s, &self.key_template, &self.key_name)?;
                    Ok((s, key))
                });
                if found.is_err() {
                    let mut pool = self.pool.lock().map_err(|_| poisoned())?;
                    pool.open -= 1;
                }
                return found;
            }
            pool = self.returned.wait(pool).map_err(|_| poisoned())?;
        }
    }

    fn give_back(&self, session: (Session, ObjectHandle)) {
        if let Ok(mut pool) = self.pool.lock() {
            pool.idle.push(session);
            self.returned.notify_one();
        }
    }
}

/// Refuses a certificate whose key type differs from the token key's.
fn check_key_type(session: &Session, key: ObjectHandle, certificate: KeyKind) -> Result<()> {
    let attributes = session
        .get_attributes(key, &[AttributeType::KeyType])
        .map_err(device)?;
    let on_token = attributes.iter().find_map(|a| match a {
        Attribute::KeyType(t) => Some(*t),
        _ => None,
    });
    let fits = match (on_token, certificate) {
        (Some(t), KeyKind::Rsa { .. }) => t == KeyType::RSA,
        (Some(t), _) => t == KeyType::EC,
        (None, _) => true,
    };
    if fits {
        Ok(())
    } else {
        Err(TokenError::Key(format!(
            "the certificate's key ({certificate}) is not the token key's type"
        ))
        .into())
    }
}

/// `DigestInfo` of RFC 8017 §9.2, what CKM_RSA_PKCS signs for PKCS#1 v1.5:
///
/// ```text
/// DigestInfo ::= SEQUENCE {
///     digestAlgorithm AlgorithmIdentifier,
///     digest OCTET STRING
/// }
/// ```
#[derive(der::Sequence)]
struct DigestInfo {
    digest_algorithm: spki::AlgorithmIdentifierOwned,
    digest: der::asn1::OctetString,
}

/// The DER `DigestInfo` of a digest (parameters NULL, as RFC 8017's encodings have them).
pub(crate) fn digest_info(algorithm: DigestAlgorithm, digest: &[u8]) -> Result<Vec<u8>> {
    let der_err = |e: der::Error| Error::malformed(crate::error::Format::Der, e.to_string());
    DigestInfo {
        digest_algorithm: spki::AlgorithmIdentifierOwned {
            oid: algorithm.oid(),
            parameters: Some(der::asn1::Any::from(der::asn1::Null)),
        },
        digest: der::asn1::OctetString::new(digest.to_vec()).map_err(der_err)?,
    }
    .to_der()
    .map_err(der_err)
}

fn hash_mechanism(digest: DigestAlgorithm) -> (MechanismType, PkcsMgfType) {
    match digest {
        DigestAlgorithm::Sha1 => (MechanismType::SHA1, PkcsMgfType::MGF1_SHA1),
        DigestAlgorithm::Sha256 => (MechanismType::SHA256, PkcsMgfType::MGF1_SHA256),
        DigestAlgorithm::Sha384 => (MechanismType::SHA384, PkcsMgfType::MGF1_SHA384),
        DigestAlgorithm::Sha512 => (MechanismType::SHA512, PkcsMgfType::MGF1_SHA512),
    }
}

impl Signer for Pkcs11Signer {
    fn certificate_chain(&self) -> &[Vec<u8>] {
        &self.chain
    }

    fn signature_algorithm(&self, digest: DigestAlgorithm) -> SignatureAlgorithm {
        match self.public.kind() {
            KeyKind::Rsa { .. } => SignatureAlgorithm::new(self.rsa_scheme, digest),
            _ => SignatureAlgorithm::ecdsa(digest),
        }
    }

    fn sign_digest(&self, algorithm: SignatureAlgorithm, digest: &[u8]) -> Result<Vec<u8>> {
        if digest.len() != algorithm.digest.output_len() {
            return Err(Error::InvalidOption(
                "digest length does not match its algorithm".into(),
            ));
        }
        if !algorithm.scheme.fits(self.public.kind()) {
            return Err(TokenError::Mechanism(format!(
                "{} with a {} key",
                algorithm.name(),
                self.public.kind()
            ))
            .into());
        }
        let (hash, mgf) = hash_mechanism(algorithm.digest);
        let pss;
        let (mechanism, data, wanted) = match algorithm.scheme {
            SignatureScheme::RsaPkcs1v15 => (
                Mechanism::RsaPkcs,
                digest_info(algorithm.digest, digest)?,
                MechanismType::RSA_PKCS,
            ),
            SignatureScheme::RsaPss => {
                let salt = algorithm
                    .salt_len()
                    .unwrap_or(algorithm.digest.output_len());
                pss = PkcsPssParams {
                    hash_alg: hash,
                    mgf,
                    s_len: (salt as u64).into(),
                };
                (
                    Mechanism::RsaPkcsPss(pss),
                    digest.to_vec(),
                    MechanismType::RSA_PKCS_PSS,
                )
            }
            SignatureScheme::Ecdsa => (Mechanism::Ecdsa, digest.to_vec(), MechanismType::ECDSA),
        };
        let supported = self.context.get_mechanism_list(self.slot).map_err(device)?;
        if !supported.contains(&wanted) {
            return Err(TokenError::Mechanism(format!("{wanted} ({})", algorithm.name())).into());
        }
        let session = self.take()?;
        let signed = session.0.sign(&mechanism, session.1, &data);
        self.give_back(session);
        let signature = signed.map_err(device)?;
        match algorithm.scheme {
            SignatureScheme::Ecdsa => super::ecdsa_to_der(&self.public, &signature),
            _ => Ok(signature),
        }
    }
}

/// The tokens of a module, with their keys and certificates. With a PIN source, each token
/// is logged in to so that private keys show too; without, only public objects are listed.
pub fn list_tokens(module: &Path, pin: Option<&PinSource>) -> Result<Vec<TokenListing>> {
    let context = load(module)?;
    let mut tokens = Vec::new();
    for slot in context.get_slots_with_initialized_token().map_err(device)? {
        let info = context.get_token_info(slot).map_err(device)?;
        let mut pin_flags = Vec::new();
        for (set, name) in [
            (info.user_pin_count_low(), "pin_count_low"),
            (info.user_pin_final_try(), "pin_final_try"),
            (info.user_pin_locked(), "pin_locked"),
        ] {
            if set {
                pin_flags.push(name);
            }
        }
        let session = context.open_ro_session(slot).map_err(device)?;
        if let Some(pin) = pin {
            login(&context, slot, &session, pin)?;
        }
        let mut objects = Vec::new();
        for (class, name) in [
            (ObjectClass::PRIVATE_KEY, "private_key"),
            (ObjectClass::PUBLIC_KEY, "public_key"),
            (ObjectClass::CERTIFICATE, "certificate"),
        ] {
            for handle in session
                .find_objects(&[Attribute::Class(class)])
                .map_err(device)?
            {
                let attributes = session
                    .get_attributes(
                        handle,
                        &[
                            AttributeType::Label,
                            AttributeType::Id,
                            AttributeType::KeyType,
                            AttributeType::Value,
                        ],
                    )
                    .unwrap_or_default();
                let mut object = TokenObject {
                    class: name,
                    label: String::new(),
                    id: String::new(),
                    key_type: None,
                    subject: None,
                };
                for attribute in attributes {
                    match attribute {
                        Attribute::Label(l) => object.label = text_of(l),
                        Attribute::Id(id) => object.id = hex::encode(id),
                        Attribute::KeyType(t) => object.key_type = Some(t.to_string()),
                        Attribute::Value(v) if class == ObjectClass::CERTIFICATE => {
                            object.subject = super::signer::subject_text(&v);
                        }
                        _ => {}
                    }
                }
                objects.push(object);
            }
        }
        tokens.push(TokenListing {
            slot: slot.id(),
            label: info.label().trim().to_owned(),
            serial: info.serial_number().trim().to_owned(),
            manufacturer: info.manufacturer_id().trim().to_owned(),
            model: info.model().trim().to_owned(),
            pin_flags,
            objects,
        });
    }
    Ok(tokens)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The DER the `der` crate writes is the fixed prefix RFC 8017 §9.2 note 1 lists.
    #[test]
    fn digest_info_matches_rfc_8017_prefixes() {
        let sha256 = digest_info(DigestAlgorithm::Sha256, &[0xab; 32]).expect("sha256");
        let prefix = hex::decode("3031300d060960864801650304020105000420").expect("hex");
        assert_eq!(&sha256[..prefix.len()], prefix.as_slice());
        assert_eq!(&sha256[prefix.len()..], &[0xab; 32]);
        let sha512 = digest_info(DigestAlgorithm::Sha512, &[1; 64]).expect("sha512");
        let prefix = hex::decode("3051300d060960864801650304020305000440").expect("hex");
        assert!(sha512.starts_with(&prefix));
    }

    #[test]
    fn a_missing_module_is_a_typed_error() {
        let err = load(Path::new("/no/such/libvendor-pkcs11.so")).expect_err("no module");
        assert!(
            matches!(err, Error::Token(TokenError::Module { .. })),
            "{err}"
        );
    }

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn the_signer_is_send_and_sync() {
        assert_send_sync::<Pkcs11Signer>();
    }
}
