//! TRiNG errors: the 200-with-text quirks, empty and invalid bodies, every
//! error class without the key, and the input checks.

use super::*;

/// "Too bad..." with a JSON content type is `unauthorized`, for every kind
/// of answer; the body is not echoed.
#[tokio::test]
async fn too_bad_text_is_unauthorized() {
    let too_bad = || MockResponse::json(200, example("tring.too-bad"));
    let mock = MockProvider::always(too_bad());
    let outs: Vec<Result<(), Error>> = vec![
        run!(mock, |t, s, c| t.call_count_peers(s, &c)).map(|_| ()),
        run!(mock, |t, s, c| t.call_peers(s, &c)).map(|_| ()),
        run!(mock, |t, s, c| t.call_info_queue(s, &c, "3")).map(|_| ()),
        run!(mock, |t, s, c| t.call_dial(s, &c, &dial_req("101", "102"))).map(|_| ()),
        run!(mock, |t, s, c| t.call_recording(s, &c, CALL_ID)).map(|_| ()),
        run!(mock, |t, s, c| t.call_info_recording(s, &c, CALL_ID)).map(|_| ()),
        run!(mock, |t, s, c| t.call_info_cdrs(s, &c, &CdrFilter { format: Some(CdrFormat::Csv), ..cdr_filter() }))
            .map(|_| ()),
        run!(mock, |t, s, c| t.call_phonebook_add(s, &c, "b", "{}")).map(|_| ()),
    ];
    for out in outs {
        match out {
            Err(Error::Unauthorized(m)) => assert!(!m.contains("Too bad"), "{m}"),
            other => panic!("{other:?}"),
        }
    }
    // The built-in mock refuses the wrong key the same way.
    let mock = MockProvider::builtin();
    let mut sess = session(&mock).await;
    let c = Config { api_key: "wrong-key".into(), ..cfg() };
    let out = sess.pbx.telephony_pbx_tring().call_count_peers(&mut sess.store, &c).await.unwrap();
    assert!(matches!(out, Err(Error::Unauthorized(_))), "{out:?}");
}

/// Empty bodies: rows are `[]`, one object, an action, media `not-found`.
#[tokio::test]
async fn empty_bodies() {
    let mock = MockProvider::always(MockResponse::html(200, ""));
    assert_eq!(run!(mock, |t, s, c| t.call_peers(s, &c)).unwrap(), "[]");
    assert_eq!(run!(mock, |t, s, c| t.call_info_cdrs(s, &c, &cdr_filter())).unwrap(), "[]");
    assert_eq!(run!(mock, |t, s, c| t.call_queue_list(s, &c, &QueueRef::Id("3".into()))).unwrap(), "[]");
    assert_eq!(run!(mock, |t, s, c| t.call_managedb_list(s, &c, ManagedbObject::Did, None, None, None)).unwrap(), "[]");
    assert!(matches!(run!(mock, |t, s, c| t.call_info_queue(s, &c, "3")), Err(Error::NotFound(_))));
    assert!(matches!(run!(mock, |t, s, c| t.call_channel(s, &c, "SIP/9")), Err(Error::NotFound(_))));
    assert!(matches!(run!(mock, |t, s, c| t.call_hangup(s, &c, Some("SIP/9"), None, None)), Err(Error::NotFound(_))));
    assert!(matches!(run!(mock, |t, s, c| t.call_info_flow(s, &c, Some("*99"))), Err(Error::NotFound(_))));
    assert_eq!(run!(mock, |t, s, c| t.call_info_variable(s, &c, None)).unwrap(), "[]");
    assert!(matches!(run!(mock, |t, s, c| t.call_count_peers(s, &c)), Err(Error::NotFound(_))));
    assert!(matches!(run!(mock, |t, s, c| t.call_dial(s, &c, &dial_req("101", "102"))), Err(Error::NotFound(_))));
    assert!(matches!(run!(mock, |t, s, c| t.call_voicemail_message(s, &c, None, "7")), Err(Error::NotFound(_))));
    assert_eq!(mock.requests().len(), 12);
}

/// Bodies that are not JSON where JSON was asked: `decode`; and JSON
/// `Response: Error` from any function: `provider`.
#[tokio::test]
async fn invalid_bodies_and_refusals() {
    for body in ["]", "<html><body>Error</body></html>", "OK", "[{\"a\":1}"] {
        let mock = MockProvider::always(MockResponse::json(200, body));
        assert!(matches!(run!(mock, |t, s, c| t.call_peers(s, &c)), Err(Error::Decode(_))), "{body}");
        assert!(matches!(run!(mock, |t, s, c| t.call_info_config(s, &c)), Err(Error::Decode(_))), "{body}");
        assert!(
            matches!(run!(mock, |t, s, c| t.call_dial(s, &c, &dial_req("101", "102"))), Err(Error::Decode(_))),
            "{body}"
        );
    }
    let mock = MockProvider::always(MockResponse::json(200, r#"{"Response":"Error","Message":"Agent not in queue"}"#));
    match run!(mock, |t, s, c| t.call_queue_del(s, &c, &QueueRef::Id("3".into()), "101")) {
        Err(Error::Provider(p)) => {
            assert_eq!((p.status, p.code, p.message.as_str()), (200, None, "Agent not in queue"))
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(run!(mock, |t, s, c| t.call_recording(s, &c, CALL_ID)), Err(Error::Provider(_))));
}

/// Every error class, and the key (raw or encoded) is in none of them,
/// though it is in every URL.
#[tokio::test]
async fn error_classes_never_carry_the_key() {
    let big = vec![b'['; 17 * 1024 * 1024];
    type Expect = Box<dyn Fn(&Error) -> bool>;
    let cases: Vec<(MockResponse, Expect)> = vec![
        (MockResponse::json(200, example("tring.too-bad")), Box::new(|e| matches!(e, Error::Unauthorized(_)))),
        (MockResponse::new(401, "text/plain", "no"), Box::new(|e| matches!(e, Error::Unauthorized(m) if m == "no"))),
        (MockResponse::new(403, "text/plain", "Forbidden"), Box::new(|e| matches!(e, Error::Forbidden(_)))),
        (
            MockResponse::html(404, "<html>nope</html>"),
            Box::new(|e| matches!(e, Error::NotFound(m) if m.contains("HTML"))),
        ),
        (
            MockResponse::json(429, "").header("retry-after", "9"),
            Box::new(|e| matches!(e, Error::RateLimited(Some(9)))),
        ),
        (
            MockResponse::new(500, "text/plain", format!("failed GET /pbx/proxyapi.php?key={KEY_ENC}&x key={KEY}")),
            Box::new(
                |e| matches!(e, Error::Provider(p) if p.status == 500 && p.message == "failed GET /pbx/proxyapi.php?key=[redacted]&x key=[redacted]"),
            ),
        ),
        (
            MockResponse::json(200, &format!(r#"{{"Response":"Error","Message":"invalid key {KEY}"}}"#)),
            Box::new(|e| matches!(e, Error::Provider(p) if p.message == "invalid key [redacted]")),
        ),
        (
            MockResponse::json(200, &format!("{KEY} ]")),
            Box::new(|e| matches!(e, Error::Decode(m) if m.contains("[redacted]"))),
        ),
        (MockResponse::html(200, ""), Box::new(|e| matches!(e, Error::NotFound(_)))),
        (MockResponse::new(200, "application/json", big), Box::new(|e| matches!(e, Error::TooLarge(_)))),
        (
            MockResponse::json(200, "{}").delayed(Duration::from_millis(2_500)),
            Box::new(|e| matches!(e, Error::Timeout)),
        ),
    ];
    for (answer, expected) in cases {
        let mock = MockProvider::always(answer.clone());
        let err = run!(mock, |t, s, c| t.call_info_queue(s, &c, "3")).expect_err("must fail");
        assert!(expected(&err), "{} answered -> {err:?}", answer.status);
        assert_no_secret(&err, &[KEY, KEY_ENC]);
        assert_eq!(mock.requests().len(), 1, "sent once");
    }
}

#[tokio::test]
async fn a_dead_server_is_a_transport_error_without_the_key() {
    let mut s = host().instance(host_test::Transport::Network).await.unwrap();
    // Port 9 (discard) on loopback: nothing listens there.
    let c = Config { server: "http://127.0.0.1:9".into(), ..cfg() };
    let err = s.pbx.telephony_pbx_tring().call_count_peers(&mut s.store, &c).await.unwrap().unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert_no_secret(&err, &[KEY, KEY_ENC]);
    let err = s.pbx.telephony_pbx_tring().call_recording(&mut s.store, &c, CALL_ID).await.unwrap().unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert_no_secret(&err, &[KEY, KEY_ENC]);
}

/// Every input check refuses before sending anything and names the field.
#[tokio::test]
async fn bad_input_sends_nothing() {
    let mock = MockProvider::builtin();
    let with = |f: &dyn Fn(&mut Config)| {
        let mut c = cfg();
        f(&mut c);
        c
    };
    for (c, field) in [
        (with(&|c| c.api_key = String::new()), "cfg.api-key"),
        (with(&|c| c.api_key = format!("{KEY}\r\n")), "cfg.api-key"),
        (with(&|c| c.server = String::new()), "cfg.server"),
        (with(&|c| c.server = "ftp://pbx.example.com".into()), "cfg.server"),
        (with(&|c| c.server = "https://pbx.example.com/?x=1".into()), "cfg.server"),
        (with(&|c| c.server = "pbx example.com".into()), "cfg.server"),
        (with(&|c| c.tenant = Some(String::new())), "cfg.tenant"),
        (with(&|c| c.tenant = Some("DE MO".into())), "cfg.tenant"),
        (with(&|c| c.tenant = Some("DEMO\n".into())), "cfg.tenant"),
        (with(&|c| c.timeout_ms = Some(0)), "cfg.timeout-ms"),
    ] {
        let out = run!(mock, |t, s, _c| t.call_count_peers(s, &c));
        match out {
            Err(Error::InvalidInput(f)) => {
                assert_eq!(f.field, field);
                assert_no_secret(&f, &[KEY, KEY_ENC]);
            }
            other => panic!("{field}: {other:?}"),
        }
    }
    let field_of = |out: Result<String, Error>| match out {
        Err(Error::InvalidInput(f)) => f.field,
        other => panic!("{other:?}"),
    };
    let q3 = QueueRef::Id("3".into());
    let mut fields = vec![
        field_of(run!(mock, |t, s, c| t.call_channel(s, &c, ""))),
        field_of(run!(mock, |t, s, c| t.call_info_queue(s, &c, "3 OR 1"))),
        field_of(run!(mock, |t, s, c| t.call_info_agents(s, &c, Some("q")))),
        field_of(run!(mock, |t, s, c| t.call_info_sms(s, &c, Some("2024\u{0}"), None))),
        field_of(run!(mock, |t, s, c| t.call_phonebook_add(s, &c, "b", "name=x"))),
        field_of(run!(mock, |t, s, c| t.call_phonebook_delete(s, &c, "b", "4a"))),
        field_of(run!(mock, |t, s, c| t.call_agent_pause(s, &c, "101", &QueueRef::Id("x".into()), None))),
        field_of(run!(mock, |t, s, c| t.call_campaign_start(s, &c, "abc"))),
        field_of(run!(mock, |t, s, c| t.call_sms(s, &c, "+32 12", "hi", None, None))),
        field_of(run!(mock, |t, s, c| t.call_sms(s, &c, "3212", " ", None, None))),
        field_of(run!(mock, |t, s, c| t.call_queue_add(s, &c, &q3, "", None, None))),
        field_of(run!(mock, |t, s, c| t.call_queue_log(
            s,
            &c,
            &q3,
            &QueueLogEntry { data3: Some("\u{7}".into()), ..log_entry() }
        ))),
        field_of(run!(mock, |t, s, c| t.call_queue_reset(s, &c, "-1"))),
        field_of(run!(mock, |t, s, c| t.call_responsepath_getid(s, &c, "5", "a b", None, None))),
        field_of(run!(mock, |t, s, c| t.call_managedb_get(s, &c, ManagedbObject::Huntlist, "9"))),
        field_of(run!(mock, |t, s, c| t.call_managedb_delete(s, &c, ManagedbObject::Tenant, "9"))),
        field_of(run!(mock, |t, s, c| t.call_managedb_update(s, &c, ManagedbObject::Phone, "9", "{oops"))),
        field_of(run!(mock, |t, s, c| t.call_managedb_addtenant(s, &c, "9", "DEMO"))),
        field_of(run!(mock, |t, s, c| t.call_fax_send(s, &c, &fax_req(b"")))),
        field_of(run!(mock, |t, s, c| t.call_fax_send(
            s,
            &c,
            &FaxRequest { status_email: Some("a b@c".into()), ..fax_req(b"%PDF") }
        ))),
        field_of(run!(mock, |t, s, c| t.call_managedb_updatebinary(
            s,
            &c,
            "9",
            "a\"b.wav",
            &Media { content_type: "audio/wav".into(), data: WAV.to_vec() }
        ))),
        field_of(run!(mock, |t, s, c| t.call_check_auth(s, &c, "", "pw"))),
        field_of(run!(mock, |t, s, c| t.call_check_auth(s, &c, "admin", ""))),
        field_of(run!(mock, |t, s, c| t.call_hangup(s, &c, None, None, Some(true)))),
        field_of(run!(mock, |t, s, c| t.call_hangup(s, &c, None, Some("103 DEVEL"), None))),
        field_of(run!(mock, |t, s, c| t.call_info_flow(s, &c, Some("*5 0")))),
    ];
    let dial = |f: &dyn Fn(&mut DialRequest)| {
        let mut d = dial_req("101", "102");
        f(&mut d);
        d
    };
    for d in [
        dial(&|d| d.source = String::new()),
        dial(&|d| d.dest = "+32 12".into()),
        dial(&|d| d.dest = "102\r\nX: y".into()),
        dial(&|d| d.source_clid = Some("a\u{0}".into())),
        dial(&|d| d.server = Some("node 2".into())),
    ] {
        match run!(mock, |t, s, c| t.call_dial(s, &c, &d)) {
            Err(Error::InvalidInput(f)) => fields.push(f.field),
            other => panic!("{other:?}"),
        }
    }
    match run!(mock, |t, s, c| t.call_recording(s, &c, "")) {
        Err(Error::InvalidInput(f)) => fields.push(f.field),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        fields,
        vec![
            "channel",
            "id",
            "queue",
            "start",
            "values",
            "peid",
            "queue",
            "campaign",
            "dest",
            "message",
            "extension",
            "entry.data3",
            "queueid",
            "rrid",
            "object",
            "object",
            "jsondata",
            "tenantid",
            "req.pdf",
            "req.status-email",
            "file-name",
            "username",
            "password",
            "channel",
            "extension",
            "id",
            "req.source",
            "req.dest",
            "req.dest",
            "req.source-clid",
            "req.server",
            "id",
        ]
    );
    assert!(mock.requests().is_empty(), "nothing was sent: {:?}", mock.requests());
}
