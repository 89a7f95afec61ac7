//! TRiNG reads: the counts, PHONEBOOK, the INFO JSON functions and INFO
//! cdrs with every filter and format.

use super::*;

#[tokio::test]
async fn counts_peers_channels_and_status_reqtypes() {
    json_case!("COUNTCHANNELS&format=json", r#"{"total":4}"#, |t, s, c| t.call_count_channels(s, &c, None));
    json_case!("COUNTCHANNELS&nodename=node1.tring.nu&format=json", r#"{"node1.tring.nu":"3"}"#, |t, s, c| t
        .call_count_channels(s, &c, Some("node1.tring.nu")));
    json_case!("COUNTCALLS&format=json", "3", |t, s, c| t.call_count_calls(s, &c));
    json_case!("PEERS&format=json", ROWS, |t, s, c| t.call_peers(s, &c));
    json_case!("BLFS&format=json", ROWS, |t, s, c| t.call_blfs(s, &c));
    json_case!("FLOWS&format=json", ROWS, |t, s, c| t.call_flows(s, &c));
    json_case!("CHANNEL&channel=SIP%2F101-DEVEL-00000a1b&format=json", OBJ, |t, s, c| t.call_channel(
        s,
        &c,
        "SIP/101-DEVEL-00000a1b"
    ));
    json_case!("CHANNELS&format=json", ROWS, |t, s, c| t.call_channels(s, &c));
}

#[tokio::test]
async fn count_peers_keeps_node_order_and_reads_string_counts() {
    let mock = MockProvider::builtin();
    let out = run!(mock, |t, s, c| t.call_count_peers(s, &c)).unwrap();
    assert_eq!(out.nodes, vec![("node1.tring.nu".to_string(), 12), ("node2.tring.nu".to_string(), 7)]);
    assert_eq!(out.total, 19);
    let r = mock.single();
    assert_eq!((r.method.as_str(), r.url.as_str()), ("GET", url("COUNTPEERS&format=json").as_str()));
    assert_eq!(headers(&r), vec![("host", "pbx.example.com")]);
    let two = Some(Duration::from_millis(2_000));
    assert_eq!(r.timeouts, [two, two, two]);

    let mock = MockProvider::always(MockResponse::json(200, r#"{"zz":3,"aa":"10"}"#));
    let out = run!(mock, |t, s, c| t.call_count_peers(s, &c)).unwrap();
    assert_eq!((out.nodes, out.total), (vec![("zz".to_string(), 3), ("aa".to_string(), 10)], 13));
    let mock = MockProvider::always(MockResponse::json(200, r#"{"n1":"many"}"#));
    assert!(matches!(run!(mock, |t, s, c| t.call_count_peers(s, &c)), Err(Error::Decode(_))));
}

#[tokio::test]
async fn phonebook_functions() {
    json_case!(
        "PHONEBOOK&phonebook=Main%20book&subreqtype=query&field=name&value=Jo%25&format=json",
        ROWS,
        |t, s, c| t.call_phonebook_query(s, &c, "Main book", "name", "Jo%")
    );
    json_case!("PHONEBOOK&phonebook=Main&subreqtype=delete&peid=42&format=json", DONE, |t, s, c| t
        .call_phonebook_delete(s, &c, "Main", "42"));
    json_case!("PHONEBOOK&phonebook=Main&subreqtype=cleanall&format=json", DONE, |t, s, c| t
        .call_phonebook_cleanall(s, &c, "Main"));

    let mock = MockProvider::builtin();
    let values = r#"[{"name":"Jo Do","number":"+3212"}]"#;
    let out = run!(mock, |t, s, c| t.call_phonebook_add(s, &c, "Main", values));
    assert_eq!(out.unwrap(), r#"{"Response":"Success","Message":"Record added"}"#);
    let r = mock.single();
    assert_eq!(
        (r.method.as_str(), r.url.as_str()),
        ("POST", url("PHONEBOOK&phonebook=Main&subreqtype=add&format=json").as_str())
    );
    let body = "values=%5B%7B%22name%22%3A%22Jo+Do%22%2C%22number%22%3A%22%2B3212%22%7D%5D";
    assert_eq!(r.body_text(), body);
    assert_eq!(
        headers(&r),
        vec![
            ("host", "pbx.example.com"),
            ("content-type", "application/x-www-form-urlencoded"),
            ("content-length", body.len().to_string().as_str()),
        ]
    );
}

#[tokio::test]
async fn info_json_functions() {
    json_case!("INFO&info=queues&format=json", ROWS, |t, s, c| t.call_info_queues(s, &c));
    json_case!("INFO&info=queue&id=3&format=json", OBJ, |t, s, c| t.call_info_queue(s, &c, "3"));
    json_case!("INFO&info=agents&format=json", ROWS, |t, s, c| t.call_info_agents(s, &c, None));
    json_case!("INFO&info=agents&queue=3&format=json", ROWS, |t, s, c| t.call_info_agents(s, &c, Some("3")));
    json_case!("INFO&info=agentsconnected&queue=3&format=json", ROWS, |t, s, c| t.call_info_agentsconnected(
        s,
        &c,
        Some("3")
    ));
    json_case!("INFO&info=agentsdelay&format=json", ROWS, |t, s, c| t.call_info_agentsdelay(s, &c, None));
    json_case!("INFO&info=outdialed&format=json", ROWS, |t, s, c| t.call_info_outdialed(s, &c));
    json_case!("INFO&info=simpledialed&format=json", ROWS, |t, s, c| t.call_info_simpledialed(s, &c));
    json_case!("INFO&info=call&id=15c5ec7352f0d7&format=json", OBJ, |t, s, c| t.call_info_call(s, &c, CALL_ID));
    json_case!("INFO&info=voicemailtranscript&id=7&format=json", OBJ, |t, s, c| t
        .call_info_voicemailtranscript(s, &c, "7"));
    json_case!("INFO&info=dids&format=json", ROWS, |t, s, c| t.call_info_dids(s, &c));
    json_case!("INFO&info=sms&start=2024-05-01%2000%3A00%3A00&end=2024-05-02&format=json", ROWS, |t, s, c| t
        .call_info_sms(s, &c, Some("2024-05-01 00:00:00"), Some("2024-05-02")));
    json_case!("INFO&info=extensions&format=json", ROWS, |t, s, c| t.call_info_extensions(s, &c));
    json_case!("INFO&info=extstate&format=json", ROWS, |t, s, c| t.call_info_extstate(s, &c));
    json_case!("INFO&info=config&format=json", OBJ, |t, s, c| t.call_info_config(s, &c));
    json_case!("INFO&info=queuelogs&queue=3&start=2024-05-01&format=json", ROWS, |t, s, c| t.call_info_queuelogs(
        s,
        &c,
        Some("3"),
        Some("2024-05-01"),
        None
    ));
    json_case!("INFO&info=balance&end=2024-05-31&format=json", r#"{"balance":"12.50"}"#, |t, s, c| t
        .call_info_balance(s, &c, None, Some("2024-05-31")));
    json_case!("INFO&info=flow&id=%2A50&format=json", OBJ, |t, s, c| t.call_info_flow(s, &c, Some("*50")));
    json_case!("INFO&info=variable&id=NIGHT&format=json", OBJ, |t, s, c| t.call_info_variable(s, &c, Some("NIGHT")));
    // `id` is optional on the page: left out when not given.
    json_case!("INFO&info=flow&format=json", ROWS, |t, s, c| t.call_info_flow(s, &c, None));
    json_case!("INFO&info=variable&format=json", ROWS, |t, s, c| t.call_info_variable(s, &c, None));
}

#[tokio::test]
async fn cdrs_with_every_filter_and_format() {
    let all = CdrFilter {
        id: Some("1".into()),
        uniqueid: Some("1714550400.12".into()),
        linkedid: Some("1714550400.11".into()),
        src: Some("101,102".into()),
        firstdst: Some("600".into()),
        direction: Some("in".into()),
        phone: Some("+3212345678".into()),
        template: Some("short list".into()),
        start: Some("2024-05-01 00:00:00".into()),
        end: Some("2024-05-02 00:00:00".into()),
        format: None,
    };
    json_case!(
        "INFO&info=cdrs&id=1&uniqueid=1714550400.12&linkedid=1714550400.11&src=101%2C102&firstdst=600&direction=in&phone=%2B3212345678&template=short%20list&start=2024-05-01%2000%3A00%3A00&end=2024-05-02%2000%3A00%3A00&format=json",
        ROWS,
        |t, s, c| t.call_info_cdrs(s, &c, &all)
    );
    let simple = SimplecdrFilter {
        id: Some("1".into()),
        uniqueid: Some("u".into()),
        calleridnum: Some("3212".into()),
        calleridname: Some("Jo Do".into()),
        disposition: Some("ANSWERED".into()),
        direction: Some("out".into()),
        whoanswered: Some("101".into()),
        phone: Some("3212".into()),
        start: Some("2024-05-01".into()),
        end: Some("2024-05-02".into()),
        format: Some(SimplecdrFormat::Json),
    };
    json_case!(
        "INFO&info=simplecdrs&id=1&uniqueid=u&calleridnum=3212&calleridname=Jo%20Do&disposition=ANSWERED&direction=out&whoanswered=101&phone=3212&start=2024-05-01&end=2024-05-02&format=json",
        ROWS,
        |t, s, c| t.call_info_simplecdrs(s, &c, &simple)
    );

    // CSV and XML come back as text, unchecked; empty CSV is the empty text.
    let csv = "calldate,src\n2024-05-01 10:00:00,101";
    for (format, body, rest) in [
        (CdrFormat::Csv, csv, "INFO&info=cdrs&format=csv"),
        (CdrFormat::Xml, "<cdrs><cdr/></cdrs>", "INFO&info=cdrs&format=xml"),
        (CdrFormat::Csv, "", "INFO&info=cdrs&format=csv"),
    ] {
        let mock = MockProvider::always(MockResponse::new(200, "text/plain", body));
        let f = CdrFilter { format: Some(format), ..cdr_filter() };
        let out = run!(mock, |t, s, c| t.call_info_cdrs(s, &c, &f));
        assert_eq!(out.unwrap(), body.to_string());
        assert_eq!(mock.single().url, url(rest));
    }
    let mock = MockProvider::always(MockResponse::new(200, "text/csv", csv));
    let f = SimplecdrFilter { format: Some(SimplecdrFormat::Csv), ..simplecdr_filter() };
    assert_eq!(run!(mock, |t, s, c| t.call_info_simplecdrs(s, &c, &f)).unwrap(), csv);
    assert_eq!(mock.single().url, url("INFO&info=simplecdrs&format=csv"));
    // The `%` tenant wildcard of CDR queries.
    let mock = MockProvider::always(MockResponse::json(200, ROWS));
    let mut sess = session(&mock).await;
    let c = Config { tenant: Some("%".into()), ..cfg() };
    let out = sess.pbx.telephony_pbx_tring().call_info_cdrs(&mut sess.store, &c, &cdr_filter()).await.unwrap();
    assert_eq!(out.unwrap(), ROWS.to_string());
    assert!(mock.single().url.contains("&tenant=%25&reqtype=INFO&info=cdrs&format=json"));
}
