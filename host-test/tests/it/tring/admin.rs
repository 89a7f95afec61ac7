//! TRiNG administration: peers, paths, flows, virtual extensions,
//! voicemail, MANAGEDB reads and writes, CHECKAUTH and GETWEBRTCAUTH.

use super::*;

#[tokio::test]
async fn peers_paths_flows_virtualext_voicemail() {
    json_case!("REBOOT&peer=ALL&format=json", DONE, |t, s, c| t.call_reboot(s, &c, "ALL"));
    json_case!("UNREGISTER&peer=101-DEVEL&format=json", DONE, |t, s, c| t.call_unregister(s, &c, "101-DEVEL"));
    json_case!("RESPONSEPATH&id=5&action=list&format=json", ROWS, |t, s, c| t
        .call_responsepath_list(s, &c, "5", None, None));
    json_case!("RESPONSEPATH&id=5&filter=queue&filterdata=3&action=list&format=json", ROWS, |t, s, c| t
        .call_responsepath_list(s, &c, "5", Some(ResponsepathFilter::Queue), Some("3")));
    json_case!(
        "RESPONSEPATH&id=5&rrid=1714550400.12&filter=uniqueid&filterdata=x&action=getid&format=json",
        OBJ,
        |t, s, c| t.call_responsepath_getid(s, &c, "5", "1714550400.12", Some(ResponsepathFilter::Uniqueid), Some("x"))
    );
    json_case!("RESPONSEPATH&id=5&filter=answer&filterdata=101&action=getlast&format=json", OBJ, |t, s, c| t
        .call_responsepath_getlast(s, &c, "5", Some(ResponsepathFilter::Answer), Some("101")));
    json_case!("SETFLOW&number=%2A50&state=NOT_INUSE&value=night%20mode&format=json", DONE, |t, s, c| t.call_set_flow(
        s,
        &c,
        "*50",
        Some(FlowState::NotInuse),
        Some("night mode")
    ));
    json_case!("SETFLOW&number=51&state=RINGING&format=json", DONE, |t, s, c| t.call_set_flow(
        s,
        &c,
        "51",
        Some(FlowState::Ringing),
        None
    ));
    json_case!("VIRTUALEXT&number=800&action=list&format=json", ROWS, |t, s, c| t.call_virtualext_list(s, &c, "800"));
    json_case!("VIRTUALEXT&number=800&extension=101&action=add&format=json", DONE, |t, s, c| t
        .call_virtualext_add(s, &c, "800", "101"));
    json_case!("VIRTUALEXT&number=800&extension=101&action=del&format=json", DONE, |t, s, c| t
        .call_virtualext_del(s, &c, "800", "101"));
    json_case!("VIRTUALEXT&number=800&action=clean&format=json", DONE, |t, s, c| t.call_virtualext_clean(s, &c, "800"));
    json_case!("VOICEMAIL&action=list&format=json", ROWS, |t, s, c| t.call_voicemail_list(s, &c, None));
    json_case!("VOICEMAIL&mailbox=101&action=list&format=json", ROWS, |t, s, c| t.call_voicemail_list(
        s,
        &c,
        Some("101")
    ));
    json_case!("VOICEMAIL&mailbox=101&action=messages&format=json", ROWS, |t, s, c| t
        .call_voicemail_messages(s, &c, "101"));
    json_case!("VOICEMAIL&msgid=7&action=delete&format=json", DONE, |t, s, c| t
        .call_voicemail_delete(s, &c, None, "7"));
}

#[tokio::test]
async fn managedb_reads_and_gets() {
    json_case!("MANAGEDB&object=extension&action=list&format=json", ROWS, |t, s, c| t.call_managedb_list(
        s,
        &c,
        ManagedbObject::Extension,
        None,
        None,
        None
    ));
    json_case!("MANAGEDB&object=route&routingprofileid=4&action=list&format=json", ROWS, |t, s, c| t
        .call_managedb_list(s, &c, ManagedbObject::Route, Some("4"), None, None));
    json_case!("MANAGEDB&object=destination&typesrc=DID&typeidsrc=12&action=list&format=json", ROWS, |t, s, c| t
        .call_managedb_list(s, &c, ManagedbObject::Destination, None, Some("DID"), Some("12")));
    json_case!("MANAGEDB&object=routingprofile&action=get&objectid=9&format=json", OBJ, |t, s, c| t.call_managedb_get(
        s,
        &c,
        ManagedbObject::Routingprofile,
        "9"
    ));
    json_case!("MANAGEDB&object=conference&action=delete&objectid=9&format=json", DONE, |t, s, c| t
        .call_managedb_delete(s, &c, ManagedbObject::Conference, "9"));
    json_case!("MANAGEDB&object=huntlist&action=getextensions&objectid=9&format=json", ROWS, |t, s, c| t
        .call_managedb_getextensions(s, &c, "9"));
    json_case!("MANAGEDB&object=user&action=listtenants&objectid=9&format=json", ROWS, |t, s, c| t
        .call_managedb_listtenants(s, &c, "9"));
    json_case!("MANAGEDB&object=user&action=addtenant&objectid=9&tenantid=3&format=json", DONE, |t, s, c| t
        .call_managedb_addtenant(s, &c, "9", "3"));
    json_case!("MANAGEDB&object=user&action=deltenant&objectid=9&tenantid=3&format=json", DONE, |t, s, c| t
        .call_managedb_deltenant(s, &c, "9", "3"));
    json_case!("MANAGEDB&object=provider&action=listroutes&objectid=9&format=json", ROWS, |t, s, c| t
        .call_managedb_listroutes(s, &c, "9"));
}

#[tokio::test]
async fn managedb_writes_post_jsondata() {
    let saved = r#"{"Response":"Success","Message":"Saved","ID":"9"}"#;
    let data = r#"{"name":"Night & day","number":"101"}"#;
    let encoded = "jsondata=%7B%22name%22%3A%22Night+%26+day%22%2C%22number%22%3A%22101%22%7D";
    let tags = r#"["EXT-101","EXT-102"]"#;
    let tags_enc = "jsondata=%5B%22EXT-101%22%2C%22EXT-102%22%5D";
    for (which, rest, body) in [
        ("add", "MANAGEDB&object=phone&action=add&format=json", encoded),
        ("update", "MANAGEDB&object=extension&action=update&objectid=9&format=json", encoded),
        ("setextensions", "MANAGEDB&object=huntlist&action=setextensions&objectid=9&format=json", tags_enc),
        ("replace", "MANAGEDB&object=destination&typesrc=DID&typeidsrc=12&action=replace&format=json", tags_enc),
    ] {
        let mock = MockProvider::builtin();
        let out = match which {
            "add" => run!(mock, |t, s, c| t.call_managedb_add(s, &c, ManagedbObject::Phone, data)),
            "update" => run!(mock, |t, s, c| t.call_managedb_update(s, &c, ManagedbObject::Extension, "9", data)),
            "setextensions" => run!(mock, |t, s, c| t.call_managedb_setextensions(s, &c, "9", tags)),
            _ => run!(mock, |t, s, c| t.call_managedb_replace(s, &c, Some("DID"), Some("12"), tags)),
        };
        assert_eq!(out.unwrap(), saved.to_string(), "{which}");
        let r = mock.single();
        assert_eq!((r.method.as_str(), r.url.as_str()), ("POST", url(rest).as_str()), "{which}");
        assert_eq!(r.body_text(), body, "{which}");
        assert_eq!(r.header("content-type"), Some("application/x-www-form-urlencoded"));
        assert_eq!(r.header("content-length"), Some(body.len().to_string().as_str()));
    }

    let file = Media { content_type: "audio/wav".into(), data: WAV.to_vec() };
    let mock = MockProvider::builtin();
    let out = run!(mock, |t, s, c| t.call_managedb_updatebinary(s, &c, "9", "hold music.wav", &file));
    assert_eq!(out.unwrap(), r#"{"Response":"Success","Message":"File stored"}"#.to_string());
    let r = mock.single();
    assert_eq!(
        (r.method.as_str(), r.url.as_str()),
        ("POST", url("MANAGEDB&object=mediafile&action=updatebinary&objectid=9&format=json").as_str())
    );
    let boundary =
        r.header("content-type").unwrap().strip_prefix("multipart/form-data; boundary=").unwrap().to_string();
    let mut expected = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"filename\"; filename=\"hold music.wav\"\r\nContent-Type: audio/wav\r\n\r\n").into_bytes();
    expected.extend_from_slice(WAV);
    expected.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    assert_eq!(r.body, expected);
}

#[tokio::test]
async fn check_auth_and_webrtc_auth() {
    json_case!("CHECKAUTH&username=admin&password=p%40ss%20w%26rd&format=json", OBJ, |t, s, c| t.call_check_auth(
        s,
        &c,
        "admin",
        "p@ss w&rd"
    ));
    json_case!("GETWEBRTCAUTH&username=101-DEVEL&password=s3cr%C3%A9t&format=json", OBJ, |t, s, c| t
        .call_get_webrtc_auth(s, &c, "101-DEVEL", "s3crét"));

    // The password is redacted like the key, raw and encoded.
    let password = "PW-secret/77";
    let echo = format!(r#"{{"Response":"Error","Message":"bad password {password} (PW-secret%2F77) for key {KEY}"}}"#);
    let mock = MockProvider::always(MockResponse::json(200, &echo));
    let err = run!(mock, |t, s, c| t.call_check_auth(s, &c, "admin", password)).unwrap_err();
    assert!(
        matches!(&err, Error::Provider(p) if p.message == "bad password [redacted] ([redacted]) for key [redacted]"),
        "{err:?}"
    );
    assert_no_secret(&err, &[password, "PW-secret%2F77", KEY, KEY_ENC]);
}
