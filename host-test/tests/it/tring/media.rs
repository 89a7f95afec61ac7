//! TRiNG binary answers: recordings, voicemail, media files, and the
//! plain-text INFO inforecording.

use super::*;

#[tokio::test]
async fn recordings_and_every_binary_answer() {
    // INFO recording / playrecording: audio/mpeg from the builtin mock.
    let mock = MockProvider::builtin();
    let out = run!(mock, |t, s, c| t.call_recording(s, &c, CALL_ID)).unwrap();
    assert_eq!((out.content_type.as_str(), out.data.as_slice()), ("audio/mpeg", AUDIO));
    let r = mock.single();
    assert_eq!((r.method.as_str(), r.url.as_str()), ("GET", url("INFO&info=recording&id=15c5ec7352f0d7").as_str()));

    let wav = || MockResponse::new(200, "audio/wav", WAV);
    let cases = [
        ("play", "INFO&info=playrecording&id=1714550400.12", MockResponse::new(200, "audio/mpeg", AUDIO)),
        ("voicemail", "INFO&info=voicemail&id=7", wav()),
        ("getaudio", "MEDIAFILE&action=getaudio&objectid=9", wav()),
        ("message", "VOICEMAIL&mailbox=101&msgid=7&action=message", wav()),
        ("getbinary", "MANAGEDB&object=mediafile&action=getbinary&objectid=9", wav()),
    ];
    for (which, rest, answer) in cases {
        let expected = (answer.headers[0].1.clone(), answer.body.clone());
        let mock = MockProvider::always(answer);
        let out = match which {
            "play" => run!(mock, |t, s, c| t.call_play_recording(s, &c, "1714550400.12")),
            "voicemail" => run!(mock, |t, s, c| t.call_info_voicemail(s, &c, "7")),
            "getaudio" => run!(mock, |t, s, c| t.call_mediafile_getaudio(s, &c, "9")),
            "message" => run!(mock, |t, s, c| t.call_voicemail_message(s, &c, Some("101"), "7")),
            _ => run!(mock, |t, s, c| t.call_managedb_getbinary(s, &c, "9")),
        };
        let out = out.unwrap();
        assert_eq!((out.content_type, out.data), expected, "{which}");
        let r = mock.single();
        assert_eq!((r.method.as_str(), r.url.as_str()), ("GET", url(rest).as_str()), "{which}");
    }

    // Unknown id: 200 with an empty text/html body.
    let mock = MockProvider::builtin();
    assert!(matches!(run!(mock, |t, s, c| t.call_recording(s, &c, "unknown")), Err(Error::NotFound(_))));
    // An HTML page where audio was expected.
    let mock = MockProvider::always(MockResponse::html(200, "<html><body>No such file</body></html>"));
    assert!(matches!(run!(mock, |t, s, c| t.call_recording(s, &c, CALL_ID)), Err(Error::Decode(_))));
    // Audio the server labelled text/html is still audio.
    let mock = MockProvider::always(MockResponse::html(200, "").tap_body(AUDIO));
    let out = run!(mock, |t, s, c| t.call_recording(s, &c, CALL_ID)).unwrap();
    assert_eq!((out.content_type.as_str(), out.data.as_slice()), ("audio/mpeg", AUDIO));
    // No content type at all.
    let mut bare = MockResponse::new(200, "x", vec![1u8, 2, 3]);
    bare.headers.clear();
    let mock = MockProvider::always(bare);
    let out = run!(mock, |t, s, c| t.call_mediafile_getaudio(s, &c, "9")).unwrap();
    assert_eq!(out.content_type, "application/octet-stream");
}

/// Builds a response with binary `body`.
trait TapBody {
    fn tap_body(self, body: &[u8]) -> Self;
}

impl TapBody for MockResponse {
    fn tap_body(mut self, body: &[u8]) -> Self {
        self.body = body.to_vec();
        self
    }
}

#[tokio::test]
async fn info_recording_is_plain_text_without_format() {
    let mock = MockProvider::builtin();
    let rows = run!(mock, |t, s, c| t.call_info_recording(s, &c, CALL_ID)).unwrap();
    assert_eq!(rows, vec![vec!["1714550400.12", "101", "+3212345678", "2024-05-01 10:00:00", "42"]]);
    let r = mock.single();
    assert_eq!((r.method.as_str(), r.url.as_str()), ("GET", url("INFO&info=inforecording&id=15c5ec7352f0d7").as_str()));
    assert!(!r.url.contains("format"), "inforecording ignores format=json; none is sent");
    let mock = MockProvider::builtin();
    assert!(matches!(run!(mock, |t, s, c| t.call_info_recording(s, &c, "nope")), Err(Error::NotFound(_))));
}
