//! The `telephony` interface through the component, for every account
//! kind: the provider requests that went out and the unified values that
//! came back; the Ringostat call log past its 6,500-call cap (split in
//! halves, complete, no duplicates), the request bound, and a provider
//! without an equivalent.

use super::common::{assert_no_secret, session};
use host_test::bindings::exports::telephony::pbx::ringme::{AppCredentials, Auth, Config as RingmeConfig};
use host_test::bindings::exports::telephony::pbx::ringostat::{
    CallLogExportQuery, CallOrder, Config as RingostatConfig,
};
use host_test::bindings::exports::telephony::pbx::telephony::{
    Account, AgentState, CallEntry, CallLogQuery, Direction, PlacedCall, RingostatAccount, State,
};
use host_test::bindings::exports::telephony::pbx::tring::Config as TringConfig;
use host_test::kit::mock::example;
use host_test::kit::mock::{ringme as rm, ringostat as rs, tring as tr, MockProvider, MockResponse, RecordedRequest};
use host_test::PbxError as Error;
use serde_json::{json, Value};
use std::sync::Arc;

const RINGOSTAT_KEY: &str = "rg-SECRET-telephony-4d1e";

fn ringostat_cfg() -> RingostatConfig {
    RingostatConfig { auth_key: RINGOSTAT_KEY.into(), base_url: None, timeout_ms: None, max_body_bytes: None }
}

fn tring_cfg() -> TringConfig {
    TringConfig {
        server: "https://api.tring.nu".into(),
        api_key: "demo-api-key".into(),
        tenant: Some("DEMO".into()),
        timeout_ms: None,
        max_body_bytes: None,
    }
}

fn ringme_cfg() -> RingmeConfig {
    let app = AppCredentials { client_id: rm::CLIENT_ID.into(), client_secret: rm::CLIENT_SECRET.into() };
    RingmeConfig {
        base_url: "https://apiproxy.telphin.ru".into(),
        auth: Auth::App(app),
        timeout_ms: None,
        max_body_bytes: None,
    }
}

fn ringostat() -> Account {
    Account::Ringostat(RingostatAccount { config: ringostat_cfg(), project_id: "11111".into() })
}

fn tring() -> Account {
    Account::Tring(tring_cfg())
}

fn ringme() -> Account {
    Account::Ringme(ringme_cfg())
}

fn query(from: &str, to: &str) -> CallLogQuery {
    CallLogQuery { from: from.into(), to: to.into(), call_id: None }
}

async fn place_call(
    mock: &Arc<MockProvider>,
    account: Account,
    employee: &str,
    customer: &str,
) -> Result<PlacedCall, Error> {
    let mut s = session(mock).await;
    s.pbx.telephony_pbx_telephony().call_place_call(&mut s.store, &account, employee, customer).await.expect("no trap")
}

async fn agent_states(mock: &Arc<MockProvider>, account: Account) -> Result<Vec<AgentState>, Error> {
    let mut s = session(mock).await;
    s.pbx.telephony_pbx_telephony().call_agent_states(&mut s.store, &account).await.expect("no trap")
}

async fn call_log(mock: &Arc<MockProvider>, account: Account, q: CallLogQuery) -> Result<Vec<CallEntry>, Error> {
    let mut s = session(mock).await;
    s.pbx.telephony_pbx_telephony().call_call_log(&mut s.store, &account, &q).await.expect("no trap")
}

/// (method, URL) of every request.
fn sent(mock: &MockProvider) -> Vec<(String, String)> {
    mock.requests().into_iter().map(|r| (r.method, r.url)).collect()
}

/// A call entry but its `raw`: id, start, direction, from, to, duration,
/// talk seconds, answered.
type View<'a> = (
    Option<&'a str>,
    Option<&'a str>,
    Option<Direction>,
    Option<&'a str>,
    Option<&'a str>,
    Option<u32>,
    Option<u32>,
    Option<bool>,
);

fn view(c: &CallEntry) -> View<'_> {
    let (id, start, from, to) = (c.id.as_deref(), c.start_time.as_deref(), c.from.as_deref(), c.to.as_deref());
    (id, start, c.direction, from, to, c.duration, c.talk_seconds, c.answered)
}

fn states(list: &[AgentState]) -> Vec<(&str, State, Option<&str>)> {
    list.iter().map(|a| (a.agent.as_str(), a.state, a.provider_state.as_deref())).collect()
}

const TRING: &str = "https://api.tring.nu/pbx/proxyapi.php?key=demo-api-key&tenant=DEMO&reqtype=";
const RINGME: &str = "https://apiproxy.telphin.ru";

#[tokio::test]
async fn place_call_on_ringostat_is_the_outbound_callback() {
    let mock = MockProvider::builtin();
    let placed = place_call(&mock, ringostat(), "supportrngst_manager1", "380671112233").await.unwrap();
    assert_eq!(placed.id, None, "Ringostat documents no call id");
    let r = mock.single();
    assert_eq!((r.method.as_str(), r.url.as_str()), ("POST", "https://api.ringostat.net/a/v2"));
    assert_eq!(r.header("auth-key"), Some(RINGOSTAT_KEY));
    let body: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(body["method"], "Api\\V2\\Callback.external");
    assert_eq!(
        body["params"],
        json!({"caller": "380671112233", "callee": "supportrngst_manager1", "manager_dst": 1, "direction": "out", "projectId": "11111"})
    );
    // The provider's refusal (HTTP 200 with an error object) stays typed.
    let mock = MockProvider::builtin();
    match place_call(&mock, ringostat(), "supportrngst_manager1", "380000000000").await {
        Err(Error::Provider(p)) => assert_eq!((p.status, p.message.as_str()), (200, "Invalid phone number")),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn place_call_on_tring_dials() {
    let mock = MockProvider::builtin();
    let placed = place_call(&mock, tring(), "101", "+3212345678").await.unwrap();
    assert_eq!(placed.id.as_deref(), Some(tr::CALL_ID));
    assert_eq!(sent(&mock), vec![("GET".into(), format!("{TRING}DIAL&source=101&dest=%2B3212345678&format=json"))]);
    let mock = MockProvider::builtin();
    match place_call(&mock, tring(), "101", "0001").await {
        Err(Error::Provider(p)) => assert_eq!(p.message, "Extension does not exist."),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn place_call_on_ringme_clicks_to_call_from_the_employees_extension() {
    for employee in ["101", "0001*101", "469100"] {
        let mock = MockProvider::builtin();
        let placed = place_call(&mock, ringme(), employee, "+74951234567").await.unwrap();
        assert_eq!(placed.id.as_deref(), Some("02abb9ee685a11ea94bfe17eb6eaecbb"), "the call_id");
        assert_eq!(
            sent(&mock),
            vec![
                ("POST".into(), format!("{RINGME}/oauth/token")),
                ("GET".into(), format!("{RINGME}/api/ver1.0/client/@me/extension/?page=1&per_page=100")),
                ("GET".into(), format!("{RINGME}/api/ver1.0/client/@me/extension/?page=2&per_page=100")),
                ("POST".into(), format!("{RINGME}/api/ver1.0/extension/469100/callback/")),
            ],
            "{employee}"
        );
        assert_eq!(mock.requests()[3].body_text(), r#"{"src_num":["0001*101"],"dst_num":"+74951234567"}"#);
    }
    // No such extension: not-found, and no call placed.
    let mock = MockProvider::builtin();
    assert!(matches!(place_call(&mock, ringme(), "109", "+74951234567").await, Err(Error::NotFound(_))));
    assert!(mock.requests().iter().all(|r| !r.path().ends_with("/callback/")));
}

#[tokio::test]
async fn bad_parties_send_nothing() {
    for (account, employee, customer, field) in [
        (ringostat(), "a b", "380671112233", "employee"),
        (ringostat(), "manager1", "12", "customer"),
        (
            Account::Ringostat(RingostatAccount { config: ringostat_cfg(), project_id: "p1".into() }),
            "manager1",
            "380671112233",
            "account.project-id",
        ),
        (tring(), "", "+3212345678", "employee"),
        (tring(), "101", "32 12", "customer"),
        (ringme(), "10 1", "+74951234567", "employee"),
        (ringme(), "101", "", "customer"),
    ] {
        let mock = MockProvider::builtin();
        match place_call(&mock, account, employee, customer).await {
            Err(Error::InvalidInput(f)) => assert_eq!(f.field, field),
            other => panic!("{field}: {other:?}"),
        }
        assert!(mock.requests().is_empty(), "{field}");
    }
}

#[tokio::test]
async fn agent_states_for_every_account_kind() {
    let mock = MockProvider::builtin();
    let list = agent_states(&mock, ringostat()).await.unwrap();
    assert_eq!(
        sent(&mock),
        vec![
            ("GET".into(), "https://api.ringostat.net/sipstatus/online".into()),
            ("GET".into(), "https://api.ringostat.net/sipstatus/speaking".into()),
        ]
    );
    let online = Some("online");
    let speaking = Some("speaking");
    assert_eq!(
        states(&list),
        vec![
            ("supportrngst_manager1", State::Available, online),
            ("supportrngst_manager2", State::Busy, speaking),
            ("supportrngst_manager3", State::Available, online),
            ("supportrngst_manager4", State::Busy, speaking),
            ("supportrngst_manager5", State::Busy, speaking),
            ("supportrngst_manager6", State::Available, online),
            ("supportrngst_manager7", State::Busy, speaking),
        ]
    );

    let mock = MockProvider::builtin();
    let list = agent_states(&mock, tring()).await.unwrap();
    assert_eq!(sent(&mock), vec![("GET".into(), format!("{TRING}INFO&info=extstate&format=json"))]);
    assert_eq!(
        states(&list),
        vec![
            ("101", State::Busy, Some("INUSE")),
            ("102", State::Available, Some("NOT_INUSE")),
            ("103", State::Offline, Some("UNAVAILABLE"))
        ]
    );

    let mock = MockProvider::builtin();
    let list = agent_states(&mock, ringme()).await.unwrap();
    assert_eq!(
        sent(&mock),
        vec![
            ("POST".into(), format!("{RINGME}/oauth/token")),
            ("GET".into(), format!("{RINGME}/api/ver1.0/client/@me/extension/?page=1&per_page=100")),
            ("GET".into(), format!("{RINGME}/api/ver1.0/client/@me/extension/?page=2&per_page=100")),
        ]
    );
    assert_eq!(
        states(&list),
        vec![("0001*101", State::Unknown, Some("active")), ("0001*102", State::Offline, Some("blocked"))],
        "phone extensions only; `active` says nothing about presence"
    );
}

#[tokio::test]
async fn call_log_on_ringostat_maps_the_export() {
    let mock = MockProvider::builtin();
    let calls = call_log(&mock, ringostat(), query("2024-05-01 00:00:00", "2024-05-01 23:59:59")).await.unwrap();
    let r = mock.single();
    assert_eq!(
        r.url,
        "https://api.ringostat.net/calls/list?export_type=json&from=2024-05-01%2000%3A00%3A00&to=2024-05-01%2023%3A59%3A59\
&fields=calldate%2Ccaller%2Cdst%2Cdisposition%2Cduration%2Cbillsec%2Cwaittime%2Ccall_type%2Cuniqueid%2Cconnected_with\
%2Crecording%2Cemployee_fio%2Cutm_source%2Cutm_medium%2Cutm_campaign%2Cutm_content%2Cutm_term&order=calldate%20asc"
    );
    assert_eq!(r.header("auth-key"), Some(RINGOSTAT_KEY));
    let got: Vec<View> = calls.iter().map(view).collect();
    assert_eq!(
        got,
        vec![
            (
                Some("1714544102.101"),
                Some("2024-05-01 09:15:02"),
                Some(Direction::Inbound),
                Some("380671112233"),
                Some("380441112233"),
                Some(57),
                Some(42),
                Some(true)
            ),
            (
                Some("1714549219.102"),
                Some("2024-05-01 10:40:19"),
                Some(Direction::Outbound),
                Some("supportrngst_manager2"),
                Some("380632223344"),
                Some(30),
                Some(0),
                Some(false)
            ),
            (
                Some("1714568744.103"),
                Some("2024-05-01 16:05:44"),
                Some(Direction::Outbound),
                Some("supportrngst_manager1"),
                Some("380501234567"),
                Some(185),
                Some(171),
                Some(true)
            ),
        ]
    );
    let raw: Value = serde_json::from_str(&calls[0].raw).unwrap();
    assert_eq!(raw["employee_fio"], "Olena Koval");
    // One call by id: `filters=uniqueid=<id>`.
    let mock = MockProvider::builtin();
    let q =
        CallLogQuery { call_id: Some("1714568744.103".into()), ..query("2024-05-01 00:00:00", "2024-05-01 23:59:59") };
    let calls = call_log(&mock, ringostat(), q).await.unwrap();
    assert_eq!(calls.len(), 1);
    assert_eq!(mock.single().query_value("filters").as_deref(), Some("uniqueid=1714568744.103"));
}

#[tokio::test]
async fn call_log_on_tring_is_info_cdrs() {
    let mock = MockProvider::builtin();
    let calls = call_log(&mock, tring(), query("2024-05-01 00:00:00", "2024-05-01 23:59:59")).await.unwrap();
    assert_eq!(
        sent(&mock),
        vec![(
            "GET".into(),
            format!("{TRING}INFO&info=cdrs&start=2024-05-01%2000%3A00%3A00&end=2024-05-01%2023%3A59%3A59&format=json")
        )]
    );
    let got: Vec<View> = calls.iter().map(view).collect();
    assert_eq!(
        got,
        vec![
            (
                Some("1714550400.12"),
                Some("2024-05-01 10:00:00"),
                Some(Direction::Outbound),
                Some("101"),
                Some("+3212345678"),
                Some(57),
                Some(42),
                Some(true)
            ),
            (
                Some("1714555800.31"),
                Some("2024-05-01 11:30:00"),
                Some(Direction::Inbound),
                Some("+3287654321"),
                Some("101"),
                Some(20),
                Some(0),
                Some(false)
            ),
        ]
    );
    let rows: Value = serde_json::from_str(example("tring.info-cdrs")).unwrap();
    assert_eq!(serde_json::from_str::<Value>(&calls[1].raw).unwrap(), rows[1]);
}

#[tokio::test]
async fn call_log_on_ringme_reads_every_page() {
    let mock = MockProvider::builtin();
    let calls = call_log(&mock, ringme(), query("2021-01-01 00:00:00", "2021-01-31 23:59:59")).await.unwrap();
    let history = format!("{RINGME}/api/ver1.0/client/@me/call_history/?start_datetime=2021-01-01%2000%3A00%3A00&end_datetime=2021-01-31%2023%3A59%3A59");
    assert_eq!(
        sent(&mock),
        vec![
            ("POST".into(), format!("{RINGME}/oauth/token")),
            ("GET".into(), format!("{history}&page=1&per_page=100"))
        ],
        "a page shorter than the per_page it reports is the last"
    );
    let got: Vec<View> = calls.iter().map(view).collect();
    assert_eq!(
        got,
        vec![
            (
                Some("CAA308E3333C4A19AAED9C0254B9C61B"),
                Some("2021-01-01 16:29:39"),
                Some(Direction::Outbound),
                Some("0001*101"),
                Some("+74951234567"),
                Some(37),
                Some(24),
                Some(true)
            ),
            (
                Some("0B1C9E27A05B4B0E8C6D3F2A9E5D7C11"),
                Some("2021-01-02 09:00:01"),
                Some(Direction::Inbound),
                Some("+79161112233"),
                Some("0001*600"),
                Some(30),
                Some(0),
                Some(false)
            ),
        ]
    );
    // A provider that serves one call per page and reports no page size:
    // read on to the first empty page.
    let mock = MockProvider::new(|req: &RecordedRequest| {
        if !req.path().ends_with("/call_history/") {
            return rm::answer(req).expect("known path");
        }
        let all: Value = serde_json::from_str(example("ringme.call-history")).unwrap();
        let page: usize = req.query_value("page").unwrap().parse().unwrap();
        let rows: Vec<Value> = all["call_history"].as_array().unwrap().iter().skip(page - 1).take(1).cloned().collect();
        MockResponse::json(200, &Value::Array(rows).to_string())
    });
    let calls = call_log(&mock, ringme(), query("2021-01-01 00:00:00", "2021-01-31 23:59:59")).await.unwrap();
    let pages: Vec<String> = mock.requests().iter().skip(1).map(|r| r.query_value("page").unwrap()).collect();
    assert_eq!(pages, ["1", "2", "3"]);
    assert_eq!(
        calls.iter().map(|c| c.id.clone().unwrap()).collect::<Vec<_>>(),
        ["CAA308E3333C4A19AAED9C0254B9C61B", "0B1C9E27A05B4B0E8C6D3F2A9E5D7C11"]
    );
}

#[tokio::test]
async fn a_provider_without_an_equivalent_refuses_before_sending() {
    let mock = MockProvider::builtin();
    let q = CallLogQuery { call_id: Some("CAA308E3".into()), ..query("2021-01-01 00:00:00", "2021-01-31 23:59:59") };
    match call_log(&mock, ringme(), q).await {
        Err(Error::InvalidInput(f)) => {
            assert_eq!(f.field, "query.call-id");
            assert_eq!(f.reason, "RingMe's call history has no filter by call id");
        }
        other => panic!("{other:?}"),
    }
    assert!(mock.requests().is_empty());
    // A bad range is refused for every account kind, nothing sent.
    for account in [ringostat(), tring(), ringme()] {
        let mock = MockProvider::builtin();
        let r = call_log(&mock, account, query("2024-05-02 00:00:00", "2024-05-01 00:00:00")).await;
        assert!(matches!(r, Err(Error::InvalidInput(ref f)) if f.field == "query.to"), "{r:?}");
        assert!(mock.requests().is_empty());
    }
}

/// `2024-05-01` plus `secs` seconds (within the day).
fn at(secs: u32) -> String {
    format!("2024-05-01 {:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
}

/// A Ringostat stand-in holding `log`, with the builtin's strict checks.
fn log_provider(log: Vec<Value>) -> Arc<MockProvider> {
    MockProvider::new(move |req| rs::calls_list(req, &log))
}

fn export_query(from: &str, to: &str) -> CallLogExportQuery {
    CallLogExportQuery {
        from: from.into(),
        to: to.into(),
        fields: vec!["calldate".into(), "uniqueid".into()],
        filters: None,
        order: None,
    }
}

async fn export(
    mock: &Arc<MockProvider>,
    q: CallLogExportQuery,
) -> Result<Vec<host_test::bindings::exports::telephony::pbx::ringostat::RingostatCall>, Error> {
    let mut s = session(mock).await;
    s.pbx.telephony_pbx_ringostat().call_call_log_export(&mut s.store, &ringostat_cfg(), &q).await.expect("no trap")
}

/// The (from, to) of every request.
fn ranges(mock: &MockProvider) -> Vec<(String, String)> {
    mock.requests().iter().map(|r| (r.query_value("from").unwrap(), r.query_value("to").unwrap())).collect()
}

#[tokio::test]
async fn a_range_of_14000_calls_comes_back_whole_through_halves() {
    // One call every 6 s over 84,000 s: 14,000 calls, more than twice the cap.
    let log: Vec<Value> =
        (0..14_000u32).map(|i| json!({"calldate": at(i * 6), "uniqueid": format!("c{i}"), "billsec": "1"})).collect();
    let mock = log_provider(log);
    let calls = export(&mock, export_query(&at(0), &at(83_999))).await.unwrap();
    let ids: Vec<String> = calls.iter().map(|c| c.uniqueid.clone().unwrap()).collect();
    assert_eq!(ids, (0..14_000).map(|i| format!("c{i}")).collect::<Vec<_>>(), "every call once, in order");
    assert_eq!(calls[1].calldate.as_deref(), Some("2024-05-01 00:00:06"));
    assert_eq!(calls[1].billsec, None, "not asked in `fields`");
    let r = |a: u32, b: u32| (at(a), at(b));
    assert_eq!(
        ranges(&mock),
        vec![
            r(0, 83_999),
            r(0, 41_999),
            r(0, 20_999),
            r(21_000, 41_999),
            r(42_000, 83_999),
            r(42_000, 62_999),
            r(63_000, 83_999)
        ]
    );
    assert!(mock.requests().iter().all(|q| q.query_value("fields").as_deref() == Some("calldate,uniqueid")));

    // Newest first: the later half first at every split.
    let log: Vec<Value> = (0..14_000u32).map(|i| json!({"calldate": at(i * 6), "uniqueid": format!("c{i}")})).collect();
    let mock = log_provider(log);
    let q = CallLogExportQuery { order: Some(CallOrder::NewestFirst), ..export_query(&at(0), &at(83_999)) };
    let calls = export(&mock, q).await.unwrap();
    let ids: Vec<String> = calls.iter().map(|c| c.uniqueid.clone().unwrap()).collect();
    assert_eq!(ids, (0..14_000).rev().map(|i| format!("c{i}")).collect::<Vec<_>>());
    assert_eq!(ranges(&mock)[..3], [r(0, 83_999), r(42_000, 83_999), r(63_000, 83_999)]);

    // Through the telephony call log too.
    let log: Vec<Value> = (0..14_000u32)
        .map(|i| json!({"calldate": at(i * 6), "uniqueid": format!("c{i}"), "disposition": "ANSWERED"}))
        .collect();
    let mock = log_provider(log);
    let calls = call_log(&mock, ringostat(), query(&at(0), &at(83_999))).await.unwrap();
    assert_eq!(calls.len(), 14_000);
    assert!(calls
        .iter()
        .enumerate()
        .all(|(i, c)| c.id.as_deref() == Some(format!("c{i}").as_str()) && c.answered == Some(true)));
    assert_eq!(mock.requests().len(), 7);
}

#[tokio::test]
async fn the_request_bound_and_an_unsplittable_second_are_typed() {
    // Every range wider than a second is "full": the export gives up after 64 requests.
    let full: String =
        Value::Array((0..rs::CALL_CAP).map(|i| json!({"calldate": at(0), "uniqueid": format!("x{i}")})).collect())
            .to_string();
    let mock = MockProvider::new(move |req| {
        if req.query_value("from") == req.query_value("to") {
            MockResponse::json(200, "[]")
        } else {
            MockResponse::json(200, &full)
        }
    });
    match export(&mock, export_query(&at(0), &at(86_399))).await {
        Err(Error::Provider(p)) => assert_eq!((p.status, p.code.as_deref()), (200, Some("request-limit"))),
        other => panic!("{:?}", other.map(|c| c.len())),
    }
    assert_eq!(mock.requests().len(), 64);

    // 6,500 calls within one second cannot be split.
    let log: Vec<Value> = (0..rs::CALL_CAP).map(|i| json!({"calldate": at(5), "uniqueid": format!("s{i}")})).collect();
    let mock = log_provider(log);
    match export(&mock, export_query(&at(0), &at(7))).await {
        Err(Error::Provider(p)) => assert_eq!(p.code.as_deref(), Some("cap-in-one-second")),
        other => panic!("{:?}", other.map(|c| c.len())),
    }
    let r = |a: u32, b: u32| (at(a), at(b));
    assert_eq!(ranges(&mock), vec![r(0, 7), r(0, 3), r(4, 7), r(4, 5), r(4, 4), r(5, 5)]);
}

#[tokio::test]
async fn export_errors_keep_the_key_out() {
    let mock = MockProvider::always(MockResponse::json(401, &format!(r#"{{"message":"bad key {RINGOSTAT_KEY}"}}"#)));
    let err = export(&mock, export_query(&at(0), &at(10))).await.unwrap_err();
    assert!(matches!(err, Error::Unauthorized(_)), "{err:?}");
    assert_no_secret(&err, &[RINGOSTAT_KEY]);
    let mock = MockProvider::builtin();
    let bad = CallLogExportQuery { fields: vec!["a b".into()], ..export_query(&at(0), &at(10)) };
    assert!(matches!(export(&mock, bad).await, Err(Error::InvalidInput(ref f)) if f.field == "query.fields"));
    assert!(mock.requests().is_empty());
}
