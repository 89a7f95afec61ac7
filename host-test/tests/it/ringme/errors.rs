//! RingMe errors: every error class of an API call without a secret or
//! token, a dead provider, and the input checks.

use super::*;

/// Every error class of an API call, and no secret or token in any.
#[tokio::test]
async fn api_error_classes() {
    let big = vec![b' '; 17 * 1024 * 1024];
    let cases: Vec<Case> = vec![
        (
            MockResponse::json(403, r#"{"message":"Access denied"}"#),
            Box::new(|e| matches!(e, Error::Forbidden(m) if m == "Access denied")),
        ),
        (
            MockResponse::json(404, r#"{"message":"Record not found"}"#),
            Box::new(|e| matches!(e, Error::NotFound(m) if m == "Record not found")),
        ),
        (
            MockResponse::json(429, r#"{"message":"Rate limit exceeded"}"#)
                .header("X-RateLimit-Limit", "1000")
                .header("X-RateLimit-Remaining", "0")
                .header("X-RateLimit-Reset", "1800"),
            Box::new(|e| matches!(e, Error::RateLimited(Some(1800)))),
        ),
        (
            MockResponse::json(429, "{}").header("Retry-After", "7"),
            Box::new(|e| matches!(e, Error::RateLimited(Some(7)))),
        ),
        (MockResponse::json(429, "{}"), Box::new(|e| matches!(e, Error::RateLimited(None)))),
        (
            MockResponse::json(400, r#"{"message":"timezone is not valid"}"#),
            Box::new(
                |e| matches!(e, Error::Provider(p) if p.status == 400 && p.code.is_none() && p.message == "timezone is not valid"),
            ),
        ),
        (
            MockResponse::json(500, r#"{"error":"server_error","error_description":"try later"}"#),
            Box::new(
                |e| matches!(e, Error::Provider(p) if p.status == 500 && p.code.as_deref() == Some("server_error") && p.message == "try later"),
            ),
        ),
        (
            MockResponse::html(502, "<html><body><h1>502 Bad Gateway</h1></body></html>"),
            Box::new(|e| matches!(e, Error::Provider(p) if p.status == 502 && p.message.contains("HTML body"))),
        ),
        (
            MockResponse::html(200, "<!DOCTYPE html><html>login</html>"),
            Box::new(|e| matches!(e, Error::Decode(m) if m.contains("HTML"))),
        ),
        (MockResponse::json(200, r#"{"id": 12, "name": "trunc"#), Box::new(|e| matches!(e, Error::Decode(_)))),
        (
            MockResponse::json(200, r#"{"name": "no id"}"#),
            Box::new(|e| matches!(e, Error::Decode(m) if m.contains("`id`"))),
        ),
        (
            MockResponse::json(200, r#"{"id": 12, "dial_rule_id": "nineteen"}"#),
            Box::new(|e| matches!(e, Error::Decode(m) if m.contains("dial_rule_id"))),
        ),
        (MockResponse::new(200, "application/json", big), Box::new(|e| matches!(e, Error::TooLarge(16_777_216)))),
        (
            MockResponse::json(200, fixture("ringme.client")).delayed(Duration::from_millis(2_500)),
            Box::new(|e| matches!(e, Error::Timeout)),
        ),
        (
            MockResponse::json(418, &format!(r#"{{"message":"token {TOKEN}1 of secret {SECRET}"}}"#)),
            Box::new(|e| matches!(e, Error::Provider(p) if p.message == "token [redacted] of secret [redacted]")),
        ),
    ];
    for (answer, expected) in cases {
        let a = answer.clone();
        let mock = provider(3600, move |_| a.clone());
        let mut s = session(&mock).await;
        let err = client_info(&mut s, &cfg(), None).await.expect_err("must fail");
        assert!(expected(&err), "{} -> {err:?}", answer.status);
        assert_eq!(mock.requests().len(), 2, "a token, then the call once");
        assert_no_secret(&err, &[SECRET, TOKEN]);

        let a = answer.clone();
        let mock = MockProvider::new(move |_| a.clone());
        let mut s = session(&mock).await;
        let err = client_info(&mut s, &bearer_cfg(), None).await.expect_err("must fail");
        if answer.status != 418 {
            assert!(expected(&err), "bearer: {} -> {err:?}", answer.status);
        }
        assert_eq!(mock.requests().len(), 1, "bearer: sent once");
        assert_no_secret(&err, &[BEARER]);
    }
    let mock = MockProvider::always(MockResponse::json(401, &format!(r#"{{"message":"bad token {BEARER}"}}"#)));
    let mut s = session(&mock).await;
    let err = client_info(&mut s, &bearer_cfg(), None).await.unwrap_err();
    assert!(matches!(&err, Error::Unauthorized(m) if m == "bad token [redacted]"), "{err:?}");
}

#[tokio::test]
async fn a_dead_provider_is_a_transport_error() {
    let h = crate::common::host();
    for c in [cfg(), bearer_cfg()] {
        let mut s = h.instance(host_test::Transport::Network).await.unwrap();
        // Port 9 (discard) on loopback: nothing listens there.
        let err = client_info(&mut s, &c, None).await.unwrap_err();
        assert!(matches!(err, Error::Transport(_)), "{err:?}");
        assert_no_secret(&err, &[SECRET, BEARER, TOKEN]);
    }
}

/// Every input check refuses before anything is sent (not even a token
/// request), names the field, and never quotes a secret.
#[tokio::test]
async fn bad_input_sends_nothing() {
    let mock = MockProvider::builtin();
    let mut s = session(&mock).await;
    let with = |f: &dyn Fn(&mut Config)| {
        let mut c = cfg();
        f(&mut c);
        c
    };
    let app_with = |id: &str, secret: &str| {
        with(&|c| c.auth = Auth::App(AppCredentials { client_id: id.into(), client_secret: secret.into() }))
    };
    let bad_cfgs = [
        (with(&|c| c.base_url = String::new()), "cfg.base-url"),
        (with(&|c| c.base_url = "apiproxy.telphin.ru".into()), "cfg.base-url"),
        (with(&|c| c.base_url = "ftp://apiproxy.telphin.ru".into()), "cfg.base-url"),
        (with(&|c| c.base_url = "https://apiproxy.telphin.ru/?x=1".into()), "cfg.base-url"),
        (with(&|c| c.base_url = "https://apiproxy.telphin.ru\r\n".into()), "cfg.base-url"),
        (with(&|c| c.timeout_ms = Some(0)), "cfg.timeout-ms"),
        (app_with("", SECRET), "cfg.auth.app.client-id"),
        (app_with("id\r\n", SECRET), "cfg.auth.app.client-id"),
        (app_with(CLIENT_ID, ""), "cfg.auth.app.client-secret"),
        (app_with(CLIENT_ID, &format!("{SECRET}\n")), "cfg.auth.app.client-secret"),
        (app_with(CLIENT_ID, &format!("{SECRET}\0")), "cfg.auth.app.client-secret"),
        (with(&|c| c.auth = Auth::Bearer(String::new())), "cfg.auth.bearer"),
        (with(&|c| c.auth = Auth::Bearer(format!("{BEARER}\r\nX-Injected: 1"))), "cfg.auth.bearer"),
    ];
    for (c, field) in &bad_cfgs {
        let out = client_info(&mut s, c, None).await;
        assert!(matches!(&out, Err(Error::InvalidInput(f)) if f.field == *field), "{field}: {out:?}");
        assert_no_secret(&out, &[SECRET, BEARER]);
        let out = s.pbx.telephony_pbx_ringme().call_get_token(&mut s.store, c).await.unwrap();
        assert!(matches!(&out, Err(Error::InvalidInput(f)) if f.field == *field), "get-token {field}: {out:?}");
    }
    for id in ["", "me", "12/../13", "1?x=1", "1#f", "%31", "1 2", "abc"] {
        let out = client_info(&mut s, &cfg(), Some(id)).await;
        assert!(matches!(&out, Err(Error::InvalidInput(f)) if f.field == "client-id"), "{id:?}: {out:?}");
    }
    let r = s.pbx.telephony_pbx_ringme();
    let out = r.call_update_client(&mut s.store, &cfg(), None, &no_changes()).await.unwrap();
    assert!(matches!(&out, Err(Error::InvalidInput(f)) if f.field == "changes"), "{out:?}");
    let out = r.call_extensions(&mut s.store, &cfg(), None, Some(0), None).await.unwrap();
    assert!(matches!(&out, Err(Error::InvalidInput(f)) if f.field == "page"), "{out:?}");
    let out = r.call_extensions(&mut s.store, &cfg(), Some("x/y"), None, None).await.unwrap();
    assert!(matches!(&out, Err(Error::InvalidInput(f)) if f.field == "client-id"), "{out:?}");
    let call = |src: Vec<&str>, dst: &str| CallbackRequest {
        src_num: src.into_iter().map(String::from).collect(),
        dst_num: dst.into(),
    };
    for (ext, req, field) in [
        (0, call(vec!["101"], "+74951234567"), "extension-id"),
        (-5, call(vec!["101"], "+74951234567"), "extension-id"),
        (1, call(vec![], "+74951234567"), "req.src-num"),
        (1, call(vec!["1 01"], "+74951234567"), "req.src-num"),
        (1, call(vec!["101"], ""), "req.dst-num"),
        (1, call(vec!["101"], "+7495\r\n"), "req.dst-num"),
    ] {
        let out = r.call_click_to_call(&mut s.store, &cfg(), ext, &req).await.unwrap();
        assert!(matches!(&out, Err(Error::InvalidInput(f)) if f.field == field), "{field}: {out:?}");
    }
    let q = |start: Option<&str>, end: Option<&str>, page: Option<u32>, per_page: Option<u32>| CallHistoryQuery {
        start_datetime: start.map(String::from),
        end_datetime: end.map(String::from),
        page,
        per_page,
    };
    for (query, field) in [
        (q(Some("2021-01-01"), None, None, None), "query.start-datetime"),
        (q(Some("2021-02-30T00:00:00"), None, None, None), "query.start-datetime"),
        (q(None, Some("2021-01-01 25:00:00"), None, None), "query.end-datetime"),
        (q(Some("2021-02-01 00:00:00"), Some("2021-01-01 00:00:00"), None, None), "query.end-datetime"),
        (q(None, None, Some(0), None), "query.page"),
        (q(None, None, None, Some(0)), "query.per-page"),
    ] {
        let out = r.call_call_history(&mut s.store, &cfg(), None, &query).await.unwrap();
        assert!(matches!(&out, Err(Error::InvalidInput(f)) if f.field == field), "{field}: {out:?}");
    }
    assert!(mock.requests().is_empty(), "nothing was sent: {:?}", mock.requests());
}
