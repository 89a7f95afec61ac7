//! RingMe auth: the token form, Bearer tokens, the per-instance token cache
//! and the single retry after a 401, and the token endpoint's errors.

use super::*;

#[tokio::test]
async fn get_token_posts_the_client_credentials_form() {
    let mock = provider(3600, |_| example());
    let mut s = session(&mock).await;
    let t = s.pbx.telephony_pbx_ringme().call_get_token(&mut s.store, &cfg()).await.unwrap().unwrap();
    assert_eq!(
        (t.access_token.as_str(), t.token_type.as_str(), t.expires_in, t.scope.as_deref()),
        ("rm-TOKEN-1", "Bearer", 3600, Some("all"))
    );
    let r = mock.single();
    assert_eq!((r.method.as_str(), r.url.as_str()), ("POST", "http://127.0.0.1:9/oauth/token"));
    let body = format!("grant_type=client_credentials&client_id={CLIENT_ID}&client_secret={SECRET}");
    assert_eq!(r.body_text(), body);
    assert_eq!(
        headers(&r),
        vec![
            ("host", "127.0.0.1:9"),
            ("content-type", "application/x-www-form-urlencoded"),
            ("content-length", body.len().to_string().as_str()),
        ]
    );
    let two = Some(Duration::from_millis(2_000));
    assert_eq!(r.timeouts, [two, two, two]);

    // get-token always fetches; its token is then reused by calls.
    let t2 = s.pbx.telephony_pbx_ringme().call_get_token(&mut s.store, &cfg()).await.unwrap().unwrap();
    assert_eq!(t2.access_token, "rm-TOKEN-2");
    client_info(&mut s, &cfg(), None).await.unwrap();
    assert_eq!(mock.requests().len(), 3);
    assert_eq!(bearers(&mock), vec!["Bearer rm-TOKEN-2"]);
}

#[tokio::test]
async fn the_form_encodes_odd_credentials() {
    let mock = provider(3600, |_| example());
    let mut s = session(&mock).await;
    let c = Config {
        auth: Auth::App(AppCredentials { client_id: "a b".into(), client_secret: "s&t=u+v/w%".into() }),
        ..cfg()
    };
    s.pbx.telephony_pbx_ringme().call_get_token(&mut s.store, &c).await.unwrap().unwrap();
    assert_eq!(
        mock.single().body_text(),
        "grant_type=client_credentials&client_id=a+b&client_secret=s%26t%3Du%2Bv%2Fw%25"
    );
}

#[tokio::test]
async fn client_info_gets_a_token_then_calls_with_it() {
    let mock = MockProvider::builtin();
    let mut s = session(&mock).await;
    let c = client_info(&mut s, &demo_cfg(), None).await.unwrap();
    assert_is_example(&c);
    let log = mock.requests();
    assert_eq!(log.len(), 2);
    assert_eq!((log[0].method.as_str(), log[0].url.as_str()), ("POST", "https://apiproxy.telphin.ru/oauth/token"));
    let r = &log[1];
    assert_eq!(
        (r.method.as_str(), r.url.as_str()),
        ("GET", "https://apiproxy.telphin.ru/api/ver1.0/client/@me/client/")
    );
    let auth = format!("Bearer {}", builtin::ACCESS_TOKEN);
    assert_eq!(headers(r), vec![("host", "apiproxy.telphin.ru"), ("authorization", auth.as_str())]);
    assert!(r.body.is_empty());
    let thirty = Some(Duration::from_secs(30));
    assert_eq!(r.timeouts, [thirty, thirty, thirty], "default timeout-ms");
}

#[tokio::test]
async fn bearer_auth_sends_the_token_and_never_retries() {
    let mock = MockProvider::always(example());
    let mut s = session(&mock).await;
    assert_is_example(&client_info(&mut s, &bearer_cfg(), None).await.unwrap());
    let r = mock.single();
    assert_eq!(headers(&r), vec![("host", "127.0.0.1:9"), ("authorization", "Bearer rm-BEARER-given-33aa")]);

    let mock = MockProvider::always(MockResponse::json(
        401,
        r#"{"error":"invalid_token","error_description":"Token expired"}"#,
    ));
    let mut s = session(&mock).await;
    let err = client_info(&mut s, &bearer_cfg(), None).await.unwrap_err();
    assert!(matches!(&err, Error::Unauthorized(m) if m == "Token expired"), "{err:?}");
    assert_eq!(mock.requests().len(), 1, "nothing to refresh: no retry");
    assert_no_secret(&err, &[BEARER]);

    let err = s.pbx.telephony_pbx_ringme().call_get_token(&mut s.store, &bearer_cfg()).await.unwrap().unwrap_err();
    assert!(matches!(&err, Error::InvalidInput(f) if f.field == "cfg.auth"), "{err:?}");
}

#[tokio::test]
async fn one_token_serves_many_calls_in_an_instance() {
    let mock = provider(3600, |_| example());
    let mut s = session(&mock).await;
    for _ in 0..3 {
        client_info(&mut s, &cfg(), None).await.unwrap();
    }
    let log = mock.requests();
    assert_eq!(log.iter().filter(|r| is_token_request(r)).count(), 1, "{log:#?}");
    assert_eq!(log.len(), 4);
    assert_eq!(bearers(&mock), vec!["Bearer rm-TOKEN-1"; 3]);

    // Another application (another secret) never gets that token.
    let other = Config {
        auth: Auth::App(AppCredentials { client_id: CLIENT_ID.into(), client_secret: "another-secret".into() }),
        ..cfg()
    };
    client_info(&mut s, &other, None).await.unwrap();
    assert_eq!(bearers(&mock).last().map(String::as_str), Some("Bearer rm-TOKEN-2"));
    // Nor another host.
    let elsewhere = Config { base_url: "http://127.0.0.1:9/other".into(), ..cfg() };
    client_info(&mut s, &elsewhere, None).await.unwrap();
    assert_eq!(bearers(&mock).last().map(String::as_str), Some("Bearer rm-TOKEN-3"));
    // The first application still has its own.
    client_info(&mut s, &cfg(), None).await.unwrap();
    assert_eq!(bearers(&mock).last().map(String::as_str), Some("Bearer rm-TOKEN-1"));

    // A fresh instance starts with no token.
    let mut fresh = session(&mock).await;
    client_info(&mut fresh, &cfg(), None).await.unwrap();
    assert_eq!(bearers(&mock).last().map(String::as_str), Some("Bearer rm-TOKEN-4"));
}

#[tokio::test]
async fn a_short_lived_token_is_not_reused() {
    let mock = provider(30, |_| example());
    let mut s = session(&mock).await;
    client_info(&mut s, &cfg(), None).await.unwrap();
    client_info(&mut s, &cfg(), None).await.unwrap();
    let kinds: Vec<bool> = mock.requests().iter().map(is_token_request).collect();
    assert_eq!(kinds, vec![true, false, true, false]);
    assert_eq!(bearers(&mock), vec!["Bearer rm-TOKEN-1", "Bearer rm-TOKEN-2"]);

    // 61 s: reusable for one second, so right away it is.
    let mock = provider(61, |_| example());
    let mut s = session(&mock).await;
    client_info(&mut s, &cfg(), None).await.unwrap();
    client_info(&mut s, &cfg(), None).await.unwrap();
    assert_eq!(mock.requests().len(), 3);
}

#[tokio::test]
async fn a_401_gets_one_fresh_token_and_one_retry() {
    // The provider revoked token 1: the call is retried once with token 2.
    let mock = provider(3600, |req| {
        if req.header("authorization") == Some("Bearer rm-TOKEN-1") {
            MockResponse::json(
                401,
                r#"{"error":"invalid_token","error_description":"The access token provided has expired"}"#,
            )
        } else {
            example()
        }
    });
    let mut s = session(&mock).await;
    assert_is_example(&client_info(&mut s, &cfg(), None).await.unwrap());
    let kinds: Vec<bool> = mock.requests().iter().map(is_token_request).collect();
    assert_eq!(kinds, vec![true, false, true, false]);
    assert_eq!(bearers(&mock), vec!["Bearer rm-TOKEN-1", "Bearer rm-TOKEN-2"]);
    let retry = &mock.requests()[3];
    assert_eq!(
        (retry.method.as_str(), retry.url.as_str()),
        ("GET", "http://127.0.0.1:9/api/ver1.0/client/@me/client/")
    );
    // The new token is the one kept.
    client_info(&mut s, &cfg(), None).await.unwrap();
    assert_eq!(mock.requests().len(), 5);
    assert_eq!(bearers(&mock).last().map(String::as_str), Some("Bearer rm-TOKEN-2"));

    // The same for a PUT: the body goes again, unchanged.
    let mock = provider(3600, |req| {
        if req.header("authorization") == Some("Bearer rm-TOKEN-1") {
            MockResponse::json(401, r#"{"message":"Unauthorized"}"#)
        } else {
            example()
        }
    });
    let mut s = session(&mock).await;
    let changes = ClientUpdate { hold_music: Some(4), ..no_changes() };
    s.pbx.telephony_pbx_ringme().call_update_client(&mut s.store, &cfg(), None, &changes).await.unwrap().unwrap();
    let log = mock.requests();
    assert_eq!(log.len(), 4);
    assert_eq!(
        (log[1].body_text(), log[3].body_text()),
        (r#"{"hold_music":4}"#.to_string(), r#"{"hold_music":4}"#.to_string())
    );
}

#[tokio::test]
async fn a_second_401_is_unauthorized_never_a_third_try() {
    let mock = provider(3600, |_| {
        MockResponse::json(
            401,
            &format!(r#"{{"error":"invalid_token","error_description":"Token {TOKEN}2 is not valid"}}"#),
        )
    });
    let mut s = session(&mock).await;
    let err = client_info(&mut s, &cfg(), None).await.unwrap_err();
    assert!(matches!(&err, Error::Unauthorized(m) if m == "Token [redacted] is not valid"), "{err:?}");
    assert_eq!(mock.requests().len(), 4, "token, call, token, call");
    assert_no_secret(&err, &[SECRET, TOKEN]);
}

#[tokio::test]
async fn token_endpoint_errors() {
    let cases: Vec<Case> = vec![
        (
            MockResponse::json(401, r#"{"error":"invalid_client","error_description":"Client authentication failed"}"#),
            Box::new(|e| matches!(e, Error::Unauthorized(m) if m == "Client authentication failed")),
        ),
        (
            MockResponse::json(400, r#"{"error":"invalid_client","error_description":"Client authentication failed"}"#),
            Box::new(|e| matches!(e, Error::Unauthorized(m) if m == "Client authentication failed")),
        ),
        (
            MockResponse::json(400, r#"{"error":"invalid_grant"}"#),
            Box::new(|e| matches!(e, Error::Unauthorized(m) if m == "invalid_grant")),
        ),
        (
            MockResponse::json(200, r#"{"error":"invalid_client","error_description":"Bad secret"}"#),
            Box::new(|e| matches!(e, Error::Unauthorized(m) if m == "Bad secret")),
        ),
        (
            MockResponse::json(429, "{}").header("X-RateLimit-Reset", "600"),
            Box::new(|e| matches!(e, Error::RateLimited(Some(600)))),
        ),
        (
            MockResponse::json(503, r#"{"message":"maintenance"}"#),
            Box::new(|e| matches!(e, Error::Provider(p) if p.status == 503 && p.message == "maintenance")),
        ),
        (
            MockResponse::html(200, "<html>login</html>"),
            Box::new(|e| matches!(e, Error::Decode(m) if m.contains("html"))),
        ),
        (
            MockResponse::json(200, r#"{"token_type":"Bearer"}"#),
            Box::new(|e| matches!(e, Error::Decode(m) if m.contains("access_token"))),
        ),
        (
            MockResponse::json(200, &format!(r#"{{"access_token":"{TOKEN}x","expires_in":"soon"}}"#)),
            Box::new(|e| matches!(e, Error::Decode(m) if m.contains("expires_in"))),
        ),
        (
            MockResponse::json(
                401,
                &format!(r#"{{"error":"invalid_client","error_description":"secret {SECRET} is wrong"}}"#),
            ),
            Box::new(|e| matches!(e, Error::Unauthorized(m) if m == "secret [redacted] is wrong")),
        ),
    ];
    for (answer, expected) in cases {
        let mock = MockProvider::always(answer.clone());
        let mut s = session(&mock).await;
        let err = client_info(&mut s, &cfg(), None).await.expect_err("must fail");
        assert!(expected(&err), "{} -> {err:?}", answer.status);
        assert_eq!(mock.requests().len(), 1, "only the token request went out");
        assert!(is_token_request(&mock.single()));
        assert_no_secret(&err, &[SECRET, TOKEN]);
        let err = s.pbx.telephony_pbx_ringme().call_get_token(&mut s.store, &cfg()).await.unwrap().unwrap_err();
        assert!(expected(&err), "get-token: {err:?}");
        assert_no_secret(&err, &[SECRET, TOKEN]);
    }
}
