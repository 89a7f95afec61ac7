//! Refusals: why a request was refused before anything was sent. Its own
//! module, below the JSON mapping, the settings and the outbound rules that
//! all produce them, so none of those imports another for this type.

use alloc::borrow::ToOwned;
use alloc::string::String;

/// Why an argument was refused.
#[derive(Clone)]
#[cfg_attr(test, derive(Debug))]
pub struct Bad {
    /// What went wrong.
    pub kind: BadKind,
    /// The argument path (`req.caller`, `nodes[2]`); empty for the body.
    pub field: String,
    /// The expected shape or the rule, in plain words.
    pub reason: String,
}

/// The classes of [`Bad`].
#[derive(Clone, Copy, PartialEq, Eq)]
#[cfg_attr(test, derive(Debug))]
pub enum BadKind {
    /// The caller's arguments (400, nothing sent).
    Input,
    /// The server-held settings are unusable (500).
    Settings,
    /// A URL the request brought is not allowed (403, nothing sent).
    HostNotAllowed,
}

impl Bad {
    /// A refusal of the caller's input at the current position.
    pub fn input(reason: impl Into<String>) -> Self {
        Bad { kind: BadKind::Input, field: String::new(), reason: reason.into() }
    }

    /// A refused member name (unknown, or given twice) at the current
    /// position. The name is the caller's own key, so naming it makes the
    /// refusal useful, but only when [`pbx_convention::quotable_name`].
    pub fn member(reason: &str, name: &str) -> Self {
        Bad::input(reason).at(if pbx_convention::quotable_name(name) { name } else { "<member>" })
    }

    /// Puts `name` in front of the path (errors travel from the inside out).
    pub fn at(mut self, name: &str) -> Self {
        if self.field.is_empty() {
            self.field = name.to_owned();
        } else {
            let sep = if self.field.starts_with('[') { "" } else { "." };
            self.field = [name, sep, &self.field].concat();
        }
        self
    }
}
