//! The `telephony` interface's demo calls: each function for each account
//! kind, answered by the provider mocks ([`super::ringostat`],
//! [`super::tring`], [`super::ringme`]) with their documented rows.

use serde_json::{json, Value};

/// The demo accounts: (name, `account` argument), with the credentials the
/// built-in mock accepts.
pub fn demo_accounts() -> Vec<(&'static str, Value)> {
    vec![
        ("ringostat", json!({"ringostat": {"config": {"auth-key": "demo-auth-key"}, "project-id": "11111"}})),
        ("tring", json!({"tring": {"server": "https://api.tring.nu", "api-key": "demo-api-key", "tenant": "DEMO"}})),
        (
            "ringme",
            json!({"ringme": {"base-url": "https://apiproxy.telphin.ru",
                   "auth": {"app": {"client-id": super::ringme::CLIENT_ID, "client-secret": super::ringme::CLIENT_SECRET}}}}),
        ),
    ]
}

/// The demo's telephony calls: (function, arguments).
pub fn demo_calls() -> Vec<(&'static str, Value)> {
    let mut calls = Vec::new();
    for (name, account) in demo_accounts() {
        let (employee, customer, range) = match name {
            "ringostat" => ("supportrngst_manager1", "380671112233", ("2024-05-01 00:00:00", "2024-05-01 23:59:59")),
            "tring" => ("101", "+3212345678", ("2024-05-01 00:00:00", "2024-05-01 23:59:59")),
            _ => ("101", "+74951234567", ("2021-01-01 00:00:00", "2021-01-31 23:59:59")),
        };
        calls.push(("telephony.place-call", json!({"account": account, "employee": employee, "customer": customer})));
        calls.push(("telephony.agent-states", json!({"account": account})));
        calls.push(("telephony.call-log", json!({"account": account, "query": {"from": range.0, "to": range.1}})));
    }
    // RingMe's call history has no call-id filter: a typed refusal.
    let (_, ringme) = &demo_accounts()[2];
    calls.push((
        "telephony.call-log",
        json!({"account": ringme, "query": {"from": "2021-01-01 00:00:00", "to": "2021-01-31 23:59:59", "call-id": "CAA308E3"}}),
    ));
    calls
}
