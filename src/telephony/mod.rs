//! The `telephony` export: one contract over every provider. Each function
//! dispatches on the account to the provider's mapping ([`ringostat`],
//! [`tring`], [`ringme`]), which calls that provider's typed operations
//! (`<provider>::ops`: the same requests, checks, errors and redaction as
//! its export, typed values rather than JSON text) and maps their decoded
//! rows with pure functions; [`words`] holds the shared
//! tables of provider words.
//!
//! Decisions (also in the WIT docs, each tested):
//! - `invalid-input` of a provider operation names the telephony
//!   parameter (`employee`, `customer`, `account.project-id`); config fields
//!   keep their `cfg.*` names;
//! - where a provider has no equivalent of a request part (RingMe has no
//!   call-id filter) the function refuses it with `invalid-input`, nothing
//!   sent; values a provider does not give are `none`;
//! - multi-page reads stop at [`ringme::MAX_PAGES`] requests with
//!   `provider`, code `request-limit`, as the Ringostat export does.

use crate::prelude::*;

mod rename;
pub mod ringme;
pub mod ringostat;
pub mod tring;
pub mod words;

pub use rename::renamed;

use crate::bindings::exports::telephony::pbx::telephony::{
    Account, AgentState, CallEntry, CallLogQuery, Guest, PlacedCall,
};
use crate::datetime;
use crate::error::{invalid, Result};
use crate::Component;

// Inlined into the generated export glue, as in `tring` and `ringme`.
impl Guest for Component {
    #[inline(always)]
    fn place_call(account: Account, employee: String, customer: String) -> Result<PlacedCall> {
        match account {
            Account::Ringostat(a) => ringostat::place_call(a, &employee, &customer),
            Account::Tring(cfg) => tring::place_call(cfg, &employee, &customer),
            Account::Ringme(cfg) => ringme::place_call(cfg, &employee, &customer),
        }
    }

    #[inline(always)]
    fn agent_states(account: Account) -> Result<Vec<AgentState>> {
        match account {
            Account::Ringostat(a) => ringostat::agent_states(a.config),
            Account::Tring(cfg) => tring::agent_states(cfg),
            Account::Ringme(cfg) => ringme::agent_states(cfg),
        }
    }

    #[inline(always)]
    fn call_log(account: Account, query: CallLogQuery) -> Result<Vec<CallEntry>> {
        check_query(&query)?;
        match account {
            Account::Ringostat(a) => ringostat::call_log(a.config, &query),
            Account::Tring(cfg) => tring::call_log(cfg, &query),
            Account::Ringme(cfg) => ringme::call_log(cfg, &query),
        }
    }
}

/// The range (`YYYY-MM-DD HH:MM:SS`, `to` not before `from`) and the
/// call id (1-64 letters, digits, `. _ -`: it goes into a filter).
pub fn check_query(q: &CallLogQuery) -> Result<()> {
    datetime::range("query.from", &q.from, "query.to", &q.to)?;
    if let Some(id) = &q.call_id {
        let ok = (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
        if !ok {
            return Err(invalid("query.call-id", "must be 1-64 letters, digits, . _ -"));
        }
    }
    Ok(())
}

/// Helpers the mapping tests share.
#[cfg(test)]
pub mod testing;

#[cfg(test)]
mod tests {
    use super::testing::invalid_field as field;
    use super::*;
    use crate::{Error, FieldError};

    fn query(from: &str, to: &str, id: Option<&str>) -> CallLogQuery {
        CallLogQuery { from: from.into(), to: to.into(), call_id: id.map(Into::into) }
    }

    #[test]
    fn queries_are_checked() {
        assert!(check_query(&query("2024-05-01 00:00:00", "2024-05-01 23:59:59", Some("1714550400.12"))).is_ok());
        assert_eq!(field(check_query(&query("2024-05-01", "2024-05-01 23:59:59", None))), "query.from");
        assert_eq!(field(check_query(&query("2024-05-02 00:00:00", "2024-05-01 23:59:59", None))), "query.to");
        for bad in ["", "a,b", "a=b", "a b", &"x".repeat(65)] {
            assert_eq!(
                field(check_query(&query("2024-05-01 00:00:00", "2024-05-01 00:00:00", Some(bad)))),
                "query.call-id"
            );
        }
    }

    #[test]
    fn renames_only_the_named_fields() {
        let e = |f: &str| Error::InvalidInput(FieldError { field: f.into(), reason: "r".into() });
        let names = [("req.callee", "employee")];
        assert_eq!(field::<()>(Err(renamed(e("req.callee"), &names))), "employee");
        assert_eq!(field::<()>(Err(renamed(e("cfg.auth-key"), &names))), "cfg.auth-key");
        assert!(matches!(renamed(Error::Timeout, &names), Error::Timeout));
    }
}
