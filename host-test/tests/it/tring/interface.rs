//! The TRiNG interface as a whole: one function per reqtype and sub-action,
//! and the demo calls against the built-in mock.

use super::*;

/// The interface has one function per reqtype and sub-action of the page.
#[tokio::test]
async fn every_reqtype_and_sub_action_is_a_function() {
    let h = host();
    let mut names: Vec<String> = host_test::dynamic::list_functions(&h.engine, &h.component)
        .into_iter()
        .filter_map(|f| f.strip_prefix("tring.").map(str::to_string))
        .collect();
    names.sort();
    let mut expected = vec![
        "count-peers",
        "count-channels",
        "peers",
        "blfs",
        "flows",
        "channel",
        "channels",
        "phonebook-query",
        "phonebook-add",
        "phonebook-delete",
        "phonebook-cleanall",
        "info-queues",
        "info-queue",
        "info-agents",
        "info-agentsconnected",
        "info-agentsdelay",
        "info-outdialed",
        "info-simpledialed",
        "info-call",
        "info-recording",
        "recording",
        "play-recording",
        "info-voicemail",
        "info-voicemailtranscript",
        "info-dids",
        "info-sms",
        "info-extensions",
        "info-extstate",
        "info-config",
        "info-cdrs",
        "info-simplecdrs",
        "info-queuelogs",
        "info-balance",
        "info-flow",
        "info-variable",
        "agent-pause",
        "agent-unpause",
        "atx-transfer",
        "campaign-start",
        "campaign-stop",
        "campaign-pause",
        "campaign-resume",
        "campaign-addnumber",
        "campaign-delnumber",
        "dial",
        "fax-send",
        "hangup",
        "mediafile-getaudio",
        "queue-list",
        "queue-fulllist",
        "queue-add",
        "queue-del",
        "queue-clean",
        "queue-log",
        "queue-reset",
        "reboot",
        "responsepath-list",
        "responsepath-getid",
        "responsepath-getlast",
        "set-flow",
        "sms",
        "transfer",
        "unregister",
        "virtualext-list",
        "virtualext-add",
        "virtualext-del",
        "virtualext-clean",
        "voicemail-list",
        "voicemail-messages",
        "voicemail-message",
        "voicemail-delete",
        "count-calls",
        "managedb-list",
        "managedb-get",
        "managedb-add",
        "managedb-update",
        "managedb-delete",
        "managedb-getbinary",
        "managedb-updatebinary",
        "managedb-getextensions",
        "managedb-setextensions",
        "managedb-listtenants",
        "managedb-addtenant",
        "managedb-deltenant",
        "managedb-listroutes",
        "managedb-replace",
        "check-auth",
        "get-webrtc-auth",
    ];
    expected.sort();
    assert_eq!(names, expected);
    assert_eq!(names.len(), 88);
}

/// The CLI's demo calls all run against the built-in mock, with the
/// documented outcomes.
#[tokio::test]
async fn demo_calls_run_against_the_builtin_mock() {
    let h = host();
    let mut outcomes = Vec::new();
    for (function, mut args) in host_test::kit::mock::tring::demo_calls() {
        args.as_object_mut()
            .unwrap()
            .insert("cfg".into(), serde_json::json!({"server": "https://api.tring.nu", "api-key": "demo-api-key"}));
        let mock = MockProvider::builtin();
        let mut store = h.store(host_test::kit::mock_transport(mock.clone()));
        let instance = h.pre.instance_pre().instantiate_async(&mut store).await.unwrap();
        let func = host_test::dynamic::find(&mut store, &instance, function).unwrap();
        let out = host_test::dynamic::call(&mut store, func, &args).await.unwrap();
        assert_eq!(mock.requests().len(), 1, "{function}");
        assert!(mock.single().url.starts_with("https://api.tring.nu/pbx/proxyapi.php?key=demo-api-key&reqtype="));
        outcomes.push(if out.get("ok").is_some() { "ok".to_string() } else { out["err"].to_string() });
    }
    let errs: Vec<&String> = outcomes.iter().filter(|o| *o != "ok").collect();
    assert_eq!(errs.len(), 3, "{outcomes:?}");
    assert!(errs[0].contains("provider") && errs[1].contains("not-found") && errs[2].contains("not-found"), "{errs:?}");
}
