//! RingMe clients: `client-info` (ids, base prefixes, the page's example)
//! and `update-client` (only the set fields; clears as `null`).

use super::*;

#[tokio::test]
async fn a_client_id_and_a_base_prefix_are_kept() {
    let mock = provider(3600, |_| example());
    let mut s = session(&mock).await;
    let c = Config { base_url: "http://127.0.0.1:9/ringme/".into(), ..cfg() };
    client_info(&mut s, &c, Some("12")).await.unwrap();
    let urls: Vec<String> = mock.requests().iter().map(|r| r.url.clone()).collect();
    assert_eq!(
        urls,
        vec!["http://127.0.0.1:9/ringme/oauth/token", "http://127.0.0.1:9/ringme/api/ver1.0/client/12/client/"]
    );
}

#[tokio::test]
async fn extension_len_as_a_number_or_a_string() {
    for (value, expected) in [("3", Some(3)), (r#""3""#, Some(3)), (r#""12""#, Some(12)), ("null", None)] {
        let body = fixture("ringme.client").replace(r#""extension_len": 3"#, &format!(r#""extension_len": {value}"#));
        assert!(body.contains(&format!(r#""extension_len": {value}"#)));
        let mock = MockProvider::always(MockResponse::json(200, &body));
        let mut s = session(&mock).await;
        let c = client_info(&mut s, &bearer_cfg(), None).await.unwrap();
        assert_eq!(c.extension_len, expected, "{value}");
    }
    let body = fixture("ringme.client").replace(r#""extension_len": 3"#, r#""extension_len": "three""#);
    let mock = MockProvider::always(MockResponse::json(200, &body));
    let mut s = session(&mock).await;
    let err = client_info(&mut s, &bearer_cfg(), None).await.unwrap_err();
    assert!(matches!(&err, Error::Decode(m) if m.contains("extension_len")), "{err:?}");
}

#[tokio::test]
async fn update_client_puts_only_the_set_fields() {
    let mock = MockProvider::builtin();
    let mut s = session(&mock).await;
    let changes = ClientUpdate {
        dial_rule_id: Some(20),
        timezone: Some("Europe/Samara".into()),
        disk_space_notify_threshold: Some(90),
        ..no_changes()
    };
    let c = s
        .pbx
        .telephony_pbx_ringme()
        .call_update_client(&mut s.store, &demo_cfg(), None, &changes)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (c.id, c.dial_rule_id, c.timezone.as_deref(), c.disk_space_notify_threshold),
        (12, Some(20), Some("Europe/Samara"), Some(90))
    );
    let log = mock.requests();
    assert_eq!(log.len(), 2);
    let r = &log[1];
    assert_eq!(
        (r.method.as_str(), r.url.as_str()),
        ("PUT", "https://apiproxy.telphin.ru/api/ver1.0/client/@me/client/")
    );
    let body = r#"{"dial_rule_id":20,"disk_space_notify_threshold":90,"timezone":"Europe/Samara"}"#;
    assert_eq!(r.body_text(), body);
    let auth = format!("Bearer {}", builtin::ACCESS_TOKEN);
    assert_eq!(
        headers(r),
        vec![
            ("host", "apiproxy.telphin.ru"),
            ("authorization", auth.as_str()),
            ("content-type", "application/json"),
            ("content-length", body.len().to_string().as_str()),
        ]
    );

    let mock = MockProvider::always(example());
    let mut s = session(&mock).await;
    let all = ClientUpdate {
        dial_rule_id: Some(1),
        disk_space_notify_email: Some("ops@example.com".into()),
        disk_space_notify_threshold: Some(80),
        geo_list: Some("RU BY".into()),
        hold_music: Some(5),
        sip_network_permission_id: Some(6),
        timezone: Some("UTC".into()),
        clear: None,
    };
    s.pbx
        .telephony_pbx_ringme()
        .call_update_client(&mut s.store, &bearer_cfg(), Some("12"), &all)
        .await
        .unwrap()
        .unwrap();
    let r = mock.single();
    assert_eq!(r.path(), "/api/ver1.0/client/12/client/");
    let sent: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(
        sent,
        serde_json::json!({"dial_rule_id": 1, "disk_space_notify_email": "ops@example.com", "disk_space_notify_threshold": 80,
            "geo_list": "RU BY", "hold_music": 5, "sip_network_permission_id": 6, "timezone": "UTC"})
    );
}

/// A field named in `clear` goes out as `null` (the nullable fields of the
/// page's example), in the page's order among the set ones; the built-in
/// mock clears it and answers the client with `none` there.
#[tokio::test]
async fn update_client_clears_fields_with_null() {
    use host_test::bindings::exports::telephony::pbx::ringme::ClientField;
    let mock = MockProvider::builtin();
    let mut s = session(&mock).await;
    let changes = ClientUpdate {
        hold_music: Some(4),
        clear: Some(vec![ClientField::GeoList, ClientField::DiskSpaceNotifyEmail]),
        ..no_changes()
    };
    let r = s.pbx.telephony_pbx_ringme();
    let c = r.call_update_client(&mut s.store, &demo_cfg(), None, &changes).await.unwrap().unwrap();
    assert_eq!((c.hold_music, c.geo_list.as_deref(), c.disk_space_notify_email.as_deref()), (Some(4), None, None));
    let log = mock.requests();
    assert_eq!(log.len(), 2);
    assert_eq!(log[1].method, "PUT");
    assert_eq!(log[1].body_text(), r#"{"disk_space_notify_email":null,"geo_list":null,"hold_music":4}"#);

    // Set and cleared at once, or nothing at all: refused, nothing sent.
    let mock = MockProvider::builtin();
    let mut s = session(&mock).await;
    let r = s.pbx.telephony_pbx_ringme();
    let both = ClientUpdate { hold_music: Some(4), clear: Some(vec![ClientField::HoldMusic]), ..no_changes() };
    let out = r.call_update_client(&mut s.store, &demo_cfg(), None, &both).await.unwrap();
    assert!(matches!(&out, Err(Error::InvalidInput(f)) if f.field == "changes.clear"), "{out:?}");
    let nothing = ClientUpdate { clear: Some(vec![]), ..no_changes() };
    let out = r.call_update_client(&mut s.store, &demo_cfg(), None, &nothing).await.unwrap();
    assert!(matches!(&out, Err(Error::InvalidInput(f)) if f.field == "changes"), "{out:?}");
    assert!(mock.requests().is_empty(), "{:?}", mock.requests());
}

/// The JSON form of a clear (`pbx-host call`, the demo): a list of WIT
/// field names.
#[tokio::test]
async fn update_client_clears_from_json_arguments() {
    let h = crate::common::host();
    let mock = MockProvider::builtin();
    let mut store = h.store(host_test::kit::mock_transport(mock.clone()));
    let instance = h.pre.instance_pre().instantiate_async(&mut store).await.unwrap();
    let func = host_test::dynamic::find(&mut store, &instance, "ringme.update-client").unwrap();
    let args = serde_json::json!({
        "cfg": {"base-url": "https://apiproxy.telphin.ru",
                "auth": {"app": {"client-id": builtin::CLIENT_ID, "client-secret": builtin::CLIENT_SECRET}}},
        "changes": {"timezone": "UTC", "clear": ["sip-network-permission-id"]},
    });
    let out = host_test::dynamic::call(&mut store, func, &args).await.unwrap();
    assert_eq!(out["ok"]["timezone"], "UTC", "{out}");
    assert_eq!(mock.requests()[1].body_text(), r#"{"sip_network_permission_id":null,"timezone":"UTC"}"#);
}
