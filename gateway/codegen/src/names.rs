//! Rust names of WIT items, exactly as wit-bindgen 0.61 spells them in the
//! bindings, so the generated code names the bindings' items.

use heck::{ToShoutySnakeCase, ToUpperCamelCase};
use proc_macro2::Ident;
use quote::format_ident;

/// A function, field or module name: wit-bindgen's own public rule (snake
/// case, a Rust keyword gets a trailing `_`).
pub fn rust_ident(name: &str) -> String {
    wit_bindgen_rust::to_rust_ident(name)
}

/// A type or case name. wit-bindgen-rust keeps this rule private, so it is
/// restated here: upper camel case, except that `guest` would clash with the
/// `Guest` traits of exports and becomes `Guest_`.
pub fn rust_type_name(name: &str) -> String {
    if name == "guest" {
        "Guest_".to_string()
    } else {
        name.to_upper_camel_case()
    }
}

/// A flag's constant name (bitflags style, as wit-bindgen writes them).
pub fn flag_name(name: &str) -> String {
    name.to_shouty_snake_case()
}

/// [`rust_ident`] as an identifier token.
pub fn ident(name: &str) -> Ident {
    format_ident!("{}", rust_ident(name))
}

/// [`rust_type_name`] as an identifier token.
pub fn type_ident(name: &str) -> Ident {
    format_ident!("{}", rust_type_name(name))
}

/// [`flag_name`] as an identifier token.
pub fn flag_ident(name: &str) -> Ident {
    format_ident!("{}", flag_name(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_get_a_trailing_underscore_and_kebab_case_becomes_snake() {
        assert_eq!(rust_ident("type"), "type_");
        assert_eq!(rust_ident("self"), "self_");
        assert_eq!(rust_ident("sip-online"), "sip_online");
        assert_eq!(rust_ident("auth-key"), "auth_key");
    }

    #[test]
    fn type_names_are_camel_case_and_guest_is_renamed() {
        assert_eq!(rust_type_name("field-error"), "FieldError");
        assert_eq!(rust_type_name("guest"), "Guest_");
        assert_eq!(flag_name("read-only"), "READ_ONLY");
    }
}
