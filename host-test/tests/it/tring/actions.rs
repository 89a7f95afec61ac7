//! TRiNG actions: agents, transfers, campaigns, DIAL, FAX (multipart) and
//! QUEUE.

use super::*;

#[tokio::test]
async fn agent_transfer_calls_and_campaigns() {
    json_case!("AGENT&extension=101&queue=3&action=pause&pausereason=lunch%20break&format=json", DONE, |t, s, c| t
        .call_agent_pause(s, &c, "101", &QueueRef::Id("3".into()), Some("lunch break")));
    json_case!("AGENT&extension=101&queuenumber=600&action=unpause&format=json", DONE, |t, s, c| t.call_agent_unpause(
        s,
        &c,
        "101",
        &QueueRef::Number("600".into())
    ));
    json_case!("ATXTRANSFER&channel=SIP%2F101-1&dest=102&format=json", DONE, |t, s, c| t.call_atx_transfer(
        s,
        &c,
        "SIP/101-1",
        "102"
    ));
    json_case!("HANGUP&channel=SIP%2F101-1&extension=103-DEVEL&fast=yes&format=json", DONE, |t, s, c| t.call_hangup(
        s,
        &c,
        Some("SIP/101-1"),
        Some("103-DEVEL"),
        Some(true)
    ));
    json_case!("HANGUP&channel=SIP%2F101-1&format=json", DONE, |t, s, c| t.call_hangup(
        s,
        &c,
        Some("SIP/101-1"),
        None,
        Some(false)
    ));
    // The page lets `extension` stand alone.
    json_case!("HANGUP&extension=103-DEVEL&format=json", DONE, |t, s, c| t.call_hangup(
        s,
        &c,
        None,
        Some("103-DEVEL"),
        None
    ));
    json_case!("TRANSFER&channel=SIP%2F101-1&extrachannel=SIP%2F102-2&dest=600&format=json", DONE, |t, s, c| t
        .call_transfer(s, &c, "SIP/101-1", "600", Some("SIP/102-2")));
    json_case!(
        "SMS&dest=%2B3212345678&destclid=TRiNG&server=node2&message=Hello%2C%20world%21%0Abye&format=json",
        DONE,
        |t, s, c| t.call_sms(s, &c, "+3212345678", "Hello, world!\nbye", Some("TRiNG"), Some("node2"))
    );
    json_case!("CAMPAIGN&campaign=12&action=start&format=json", DONE, |t, s, c| t.call_campaign_start(s, &c, "12"));
    json_case!("CAMPAIGN&campaign=12&action=stop&format=json", DONE, |t, s, c| t.call_campaign_stop(s, &c, "12"));
    json_case!("CAMPAIGN&campaign=12&action=pause&format=json", DONE, |t, s, c| t.call_campaign_pause(s, &c, "12"));
    json_case!("CAMPAIGN&campaign=12&action=resume&format=json", DONE, |t, s, c| t.call_campaign_resume(s, &c, "12"));
    json_case!(
        "CAMPAIGN&campaign=12&action=addnumber&number=%2B3212345678&numberdescription=VIP%20client&format=json",
        DONE,
        |t, s, c| t.call_campaign_addnumber(s, &c, "12", "+3212345678", Some("VIP client"))
    );
    json_case!("CAMPAIGN&campaign=12&action=delnumber&number=3212345678&format=json", DONE, |t, s, c| t
        .call_campaign_delnumber(s, &c, "12", "3212345678"));
}

#[tokio::test]
async fn dial_success_plain_and_refusal() {
    let mock = MockProvider::builtin();
    let out = run!(mock, |t, s, c| t.call_dial(s, &c, &dial_req("101", "+3212345678"))).unwrap();
    assert_eq!((out.id.as_str(), out.message.as_str()), (CALL_ID, "Originate successfully queued"));
    let r = mock.single();
    assert_eq!(
        (r.method.as_str(), r.url.as_str()),
        ("GET", url("DIAL&source=101&dest=%2B3212345678&format=json").as_str())
    );

    let full = DialRequest {
        var: Some("LANG=nl".into()),
        account: Some("SOURCE".into()),
        dial_timeout: Some(30),
        timeout: Some(3600),
        source_clid: Some("Sales <100>".into()),
        dest_clid: Some("3210".into()),
        recording: Some(RecordingMode::Nochange),
        server: Some("node2.tring.nu".into()),
        auto_answer: Some(true),
        no_follow: Some(true),
        ..dial_req("ACCOUNT", "600")
    };
    let mock = MockProvider::builtin();
    run!(mock, |t, s, c| t.call_dial(s, &c, &full)).unwrap();
    assert_eq!(
        mock.single().url,
        url("DIAL&source=ACCOUNT&dest=600&var=LANG%3Dnl&account=SOURCE&dialtimeout=30&timeout=3600&sourceclid=Sales%20%3C100%3E&destclid=3210&recording=nochange&server=node2.tring.nu&autoanswer=yes&nofollow=yes&format=json")
    );

    // A server that ignores format=json answers the plain form.
    let mock = MockProvider::always(MockResponse::html(200, "Success|Originate successfully queued|15a4cfe6429054|"));
    let out = run!(mock, |t, s, c| t.call_dial(s, &c, &dial_req("101", "102"))).unwrap();
    assert_eq!((out.id.as_str(), out.message.as_str()), ("15a4cfe6429054", "Originate successfully queued"));

    // Response: Error is a provider error with the message, status 200, no code.
    let mock = MockProvider::builtin();
    match run!(mock, |t, s, c| t.call_dial(s, &c, &dial_req("101", "000"))) {
        Err(Error::Provider(p)) => {
            assert_eq!((p.status, p.code.as_deref(), p.message.as_str()), (200, None, "Extension does not exist."))
        }
        other => panic!("{other:?}"),
    }
    let mock = MockProvider::always(MockResponse::html(200, "Error|No route|"));
    assert!(
        matches!(run!(mock, |t, s, c| t.call_dial(s, &c, &dial_req("101", "102"))), Err(Error::Provider(p)) if p.message == "No route")
    );
}

#[tokio::test]
async fn fax_send_uploads_the_pdf_as_multipart() {
    let pdf = b"%PDF-1.4\n1 0 obj <<>> endobj\n\x00\xff binary\r\n%%EOF\n".to_vec();
    let req = FaxRequest {
        quality: Some(FaxQuality::Superfine),
        page_size: Some(FaxPageSize::Letter),
        rotate: Some(FaxRotate::East),
        delete_after_send: Some(true),
        schedule: Some("2024-05-01 10:00".into()),
        status_email: Some("ops@example.com".into()),
        ..fax_req(&pdf)
    };
    let mock = MockProvider::builtin();
    let out = run!(mock, |t, s, c| t.call_fax_send(s, &c, &req));
    assert_eq!(out.unwrap(), r#"{"Response":"Success","Message":"Fax queued","ID":"77"}"#.to_string());
    let r = mock.single();
    assert_eq!(r.method, "POST");
    assert_eq!(
        r.url,
        url("FAX&action=send&source_number=3210&dest_number=%2B3212345678&quality=204x392&pagesize=letter&rotate=E&deleteaftersend=on&schedule=2024-05-01%2010%3A00&statusemail=ops%40example.com&format=json")
    );
    let ct = r.header("content-type").unwrap().to_string();
    let boundary = ct.strip_prefix("multipart/form-data; boundary=").expect("multipart").to_string();
    assert!(!boundary.is_empty() && boundary.len() <= 70);
    let mut expected = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"filename\"; filename=\"fax.pdf\"\r\nContent-Type: application/pdf\r\n\r\n"
    )
    .into_bytes();
    expected.extend_from_slice(&pdf);
    expected.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    assert_eq!(r.body, expected);
    assert_eq!(r.header("content-length"), Some(expected.len().to_string().as_str()));
    assert!(r.header("transfer-encoding").is_none());

    // A PDF that contains the boundary gets another one.
    let tricky = format!("%PDF {boundary} {boundary}1 x").into_bytes();
    let mock = MockProvider::builtin();
    run!(mock, |t, s, c| t.call_fax_send(s, &c, &fax_req(&tricky))).unwrap();
    let r = mock.single();
    let other = r.header("content-type").unwrap().strip_prefix("multipart/form-data; boundary=").unwrap().to_string();
    assert!(!tricky.windows(other.len()).any(|w| w == other.as_bytes()), "{other}");
    assert_eq!(r.url, url("FAX&action=send&source_number=3210&dest_number=%2B3212345678&format=json"));
}

#[tokio::test]
async fn queue_functions() {
    let num = QueueRef::Number("600".into());
    let id = QueueRef::Id("3".into());
    json_case!("QUEUE&number=600&action=list&format=json", ROWS, |t, s, c| t.call_queue_list(s, &c, &num));
    json_case!("QUEUE&id=3&action=fulllist&format=json", ROWS, |t, s, c| t.call_queue_fulllist(s, &c, &id));
    json_case!("QUEUE&number=600&extension=101&action=add&order=2&type=CUFF&format=json", DONE, |t, s, c| t
        .call_queue_add(s, &c, &num, "101", Some(2), Some(AgentType::Cuff)));
    json_case!("QUEUE&number=600&extension=101&action=add&format=json", DONE, |t, s, c| t
        .call_queue_add(s, &c, &num, "101", None, None));
    json_case!("QUEUE&id=3&extension=101&action=del&format=json", DONE, |t, s, c| t.call_queue_del(s, &c, &id, "101"));
    json_case!("QUEUE&id=3&action=clean&format=json", DONE, |t, s, c| t.call_queue_clean(s, &c, &id));
    let entry = QueueLogEntry {
        uniqid: Some("1714550400.12".into()),
        extension: Some("NONE".into()),
        event: Some("CUSTOM".into()),
        data1: Some("a b".into()),
        data2: Some("2".into()),
        data3: Some("3".into()),
        data4: Some("4".into()),
        data5: Some("5".into()),
    };
    json_case!(
        "QUEUE&number=600&uniqid=1714550400.12&extension=NONE&action=log&event=CUSTOM&data1=a%20b&data2=2&data3=3&data4=4&data5=5&format=json",
        DONE,
        |t, s, c| t.call_queue_log(s, &c, &num, &entry)
    );
    json_case!("QUEUE&id=3&action=log&format=json", DONE, |t, s, c| t.call_queue_log(s, &c, &id, &log_entry()));
    json_case!("QUEUERESET&queueid=3&format=json", DONE, |t, s, c| t.call_queue_reset(s, &c, "3"));
}
