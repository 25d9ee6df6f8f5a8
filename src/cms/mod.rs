//! cms (in progress).
