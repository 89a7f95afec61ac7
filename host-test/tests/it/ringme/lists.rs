//! RingMe lists and calls: extensions, click-to-call, the call history.

use super::*;

#[tokio::test]
async fn extensions_pages_and_types() {
    let mock = MockProvider::builtin();
    let mut s = session(&mock).await;
    let r = s.pbx.telephony_pbx_ringme();
    let list = r.call_extensions(&mut s.store, &demo_cfg(), None, Some(1), Some(50)).await.unwrap().unwrap();
    assert_eq!(list.len(), 3);
    let e = &list[0];
    assert_eq!(
        (e.id, e.name.as_deref(), e.status.as_deref(), e.type_.as_deref(), e.label.as_deref()),
        (469100, Some("0001*101"), Some("active"), Some("phone"), Some("Reception"))
    );
    assert_eq!(list[1].label, None);
    let raw: serde_json::Value = serde_json::from_str(&e.raw).unwrap();
    assert_eq!(raw["client_id"], 12, "raw keeps every field");
    let log = mock.requests();
    assert_eq!(log[1].url, "https://apiproxy.telphin.ru/api/ver1.0/client/@me/extension/?page=1&per_page=50");
    assert_eq!(log[1].method, "GET");

    let empty = r.call_extensions(&mut s.store, &demo_cfg(), Some("12"), Some(2), None).await.unwrap().unwrap();
    assert!(empty.is_empty());
    let log = mock.requests();
    assert_eq!(log.len(), 3, "the token was reused");
    assert_eq!(log[2].path_and_query, "/api/ver1.0/client/12/extension/?page=2");
    r.call_extensions(&mut s.store, &demo_cfg(), None, None, None).await.unwrap().unwrap();
    assert_eq!(mock.requests()[3].path_and_query, "/api/ver1.0/client/@me/extension/");
}

#[tokio::test]
async fn click_to_call_posts_json() {
    let mock = MockProvider::builtin();
    let mut s = session(&mock).await;
    let req =
        CallbackRequest { src_num: vec!["0001*101".into(), "+79161112233".into()], dst_num: "+74951234567".into() };
    let started = s
        .pbx
        .telephony_pbx_ringme()
        .call_click_to_call(&mut s.store, &demo_cfg(), 469100, &req)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(started.call_api_id, "02abb9ee685a11ea94bfe17eb6eaecba");
    assert_eq!(started.call_id.as_deref(), Some("02abb9ee685a11ea94bfe17eb6eaecbb"));
    let r = &mock.requests()[1];
    assert_eq!(
        (r.method.as_str(), r.url.as_str()),
        ("POST", "https://apiproxy.telphin.ru/api/ver1.0/extension/469100/callback/")
    );
    let body = r#"{"src_num":["0001*101","+79161112233"],"dst_num":"+74951234567"}"#;
    assert_eq!(r.body_text(), body);
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.header("content-length"), Some(body.len().to_string().as_str()));
}

#[tokio::test]
async fn call_history_with_a_time_range() {
    let mock = MockProvider::builtin();
    let mut s = session(&mock).await;
    let q = CallHistoryQuery {
        start_datetime: Some("2021-01-01 00:00:00".into()),
        end_datetime: Some("2021-01-31 23:59:59".into()),
        page: Some(1),
        per_page: Some(20),
    };
    let page =
        s.pbx.telephony_pbx_ringme().call_call_history(&mut s.store, &demo_cfg(), None, &q).await.unwrap().unwrap();
    let r = &mock.requests()[1];
    assert_eq!(
        r.path_and_query,
        "/api/ver1.0/client/@me/call_history/?start_datetime=2021-01-01%2000%3A00%3A00&end_datetime=2021-01-31%2023%3A59%3A59&page=1&per_page=20"
    );
    assert_eq!(r.query_value("start_datetime").as_deref(), Some("2021-01-01 00:00:00"));
    assert_eq!(
        (page.page, page.per_page, page.order.as_deref(), page.calls.len()),
        (Some(1), Some(20), Some("desc"), 2)
    );
    let c = &page.calls[0];
    assert_eq!(c.call_uuid.as_deref(), Some("CAA308E3333C4A19AAED9C0254B9C61B"));
    assert_eq!(
        (c.flow.as_deref(), c.result.as_deref(), c.duration, c.bridged_duration),
        (Some("out"), Some("bridged"), Some(37), Some(24))
    );
    assert_eq!((c.from_username.as_deref(), c.to_username.as_deref()), (Some("0001*101"), Some("+74951234567")));
    assert_eq!((c.extension_id, c.did_number.as_deref()), (Some(469100), None));
    assert_eq!(c.hangup_time_gmt.as_deref(), Some("2021-01-01 16:30:16"));
    let raw: serde_json::Value = serde_json::from_str(&c.raw).unwrap();
    assert_eq!(raw["cdr"][0]["record_uuid"], "469100-5D36E555");
    assert_eq!(
        (page.calls[1].bridged_username.as_deref(), page.calls[1].did_number.as_deref()),
        (None, Some("74951110000"))
    );

    // A bare array is accepted too; no filters sends no query.
    let mock = MockProvider::always(MockResponse::json(200, r#"[{"call_uuid":"X","duration":"5"}]"#));
    let mut s = session(&mock).await;
    let none = CallHistoryQuery { start_datetime: None, end_datetime: None, page: None, per_page: None };
    let page = s
        .pbx
        .telephony_pbx_ringme()
        .call_call_history(&mut s.store, &bearer_cfg(), Some("12"), &none)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((page.page, page.calls[0].duration), (None, Some(5)));
    assert_eq!(mock.single().path_and_query, "/api/ver1.0/client/12/call_history/");
}
