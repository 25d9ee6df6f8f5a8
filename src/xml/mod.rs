//! xml (in progress).
