//! The shared `error` variant's result type and constructors. A leaf: it
//! uses only the WIT types (status mapping is in [`crate::status`],
//! redaction in [`crate::redact`]).

use crate::prelude::*;

use crate::{Error, FieldError};

/// Every fallible step in the component returns this.
pub type Result<T> = core::result::Result<T, Error>;

/// `invalid-input` for `field`: nothing was sent.
pub fn invalid(field: &str, reason: impl Into<String>) -> Error {
    Error::InvalidInput(FieldError { field: field.to_string(), reason: reason.into() })
}

/// `decode`: the answer did not have the documented shape.
pub fn decode(what: impl Into<String>) -> Error {
    Error::Decode(what.into())
}
