//! pdf (in progress).
