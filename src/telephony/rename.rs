//! A provider operation's field names in an error, renamed to the
//! telephony parameters' (a leaf the mapping files import).

use crate::prelude::*;
use crate::Error;

/// `e` with an `invalid-input` field renamed by `names` (provider
/// operation's name, telephony parameter's name).
pub fn renamed(e: Error, names: &[(&str, &str)]) -> Error {
    match e {
        Error::InvalidInput(mut f) => {
            if let Some((_, to)) = names.iter().find(|(from, _)| f.field == *from) {
                f.field = to.to_string();
            }
            Error::InvalidInput(f)
        }
        other => other,
    }
}
