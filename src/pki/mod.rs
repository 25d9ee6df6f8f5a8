//! pki (in progress).
