//! The shipped gateway is the face and the library linked into one module
//! (the face's feature `linked`); `./dev build` also composes the same face
//! with `pbx_component.wasm` as two components (target/variants/composed/,
//! what Spin's dependency manifest does). Every route, called with the same
//! arguments against the same mocks, must answer the same from both and
//! send the providers the same requests: linking replaces the calls across
//! the components' boundary with Rust calls (and the gateway profile
//! compiles the library at opt-level 2, not "z"), which must change no
//! answer, so any difference is a defect of the linked build.

use super::*;
use crate::plain::sample;
use host_test::kit::mock::MockResponse;
use wasmtime::component::types::ComponentItem;

/// Where `./dev build` puts the composed gateway (PBX_COMPOSED_GATEWAY
/// overrides).
const COMPOSED: &str = "target/variants/composed/pbx_gateway.wasm";

/// A mock provider, made anew for each gateway.
type Mock = fn() -> Arc<MockProvider>;

/// Every library function as its route and a JSON body: sample arguments
/// (`plain::sample`: most calls reach the provider), `cfg` left out so the
/// server-held config is used.
fn calls() -> Vec<(String, Value)> {
    let host = host();
    let mut out = Vec::new();
    for (name, item) in host.component.component_type().exports(&host.engine) {
        let ComponentItem::ComponentInstance(inst) = item.ty else { continue };
        let iface = name.trim_start_matches("telephony:pbx/").trim_end_matches("@0.1.0");
        for (function, item) in inst.exports(&host.engine) {
            let ComponentItem::ComponentFunc(f) = item.ty else { continue };
            let args: serde_json::Map<String, Value> = f
                .params()
                .filter(|(p, _)| *p != "cfg")
                .map(|(p, ty)| (p.to_string(), host_test::dynamic::from_val(&sample(&ty), &ty)))
                .collect();
            out.push((format!("{iface}/{function}"), Value::Object(args)));
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_linked_gateway_answers_as_the_composed_one() {
    let path = host_test::built_wasm(std::env::var_os("PBX_COMPOSED_GATEWAY"), COMPOSED);
    let bytes = std::fs::read(&path).expect("the composed gateway: run ./dev build first");
    let composed = host_test::cache::load(&host().engine, &bytes, &host_test::cache::default_dir())
        .expect("compile the composed gateway");
    // Linked: one module, so one memory; composed: the face's and the
    // library's.
    let memories = |c: &Component| c.resources_required().map(|r| r.num_memories);
    assert_eq!(memories(gateway_component()), Some(1), "the shipped gateway is one module");
    assert_eq!(memories(&composed), Some(2), "the composed gateway is two");

    let mocks: [(&str, Mock); 4] = [
        ("documented answers", MockProvider::builtin),
        ("401", || MockProvider::always(MockResponse::json(401, r#"{"error":"invalid_token","message":"no"}"#))),
        ("429", || MockProvider::always(MockResponse::json(429, "{}").header("retry-after", "7"))),
        ("500", || MockProvider::always(MockResponse::html(500, "<html>down</html>"))),
    ];
    let calls = calls();
    assert!(calls.len() >= 100, "{} functions", calls.len());
    let mut statuses = std::collections::BTreeSet::new();
    for (name, mock) in mocks {
        let (a_mock, b_mock) = (mock(), mock());
        let mut a = Served::start(a_mock.clone(), server_env()).await;
        let opts = ServeOptions::new(server_env(), mock_transport(b_mock.clone()));
        let gateway = Gateway::from_component(host(), composed.clone(), opts).expect("link the composed gateway");
        let mut b = Served::on(gateway, b_mock.clone()).await;
        for (route, body) in &calls {
            let (x, y) = (a.post(route, body.clone()).await, b.post(route, body.clone()).await);
            assert_eq!(
                (x.status, x.header("content-type"), x.text()),
                (y.status, y.header("content-type"), y.text()),
                "{route} against the {name} mock: linked vs composed"
            );
            statuses.insert(x.status);
        }
        // The same requests went out, byte for byte, in the same order.
        let (sent_a, sent_b) = (a_mock.requests(), b_mock.requests());
        assert_eq!(sent_a.len(), sent_b.len(), "requests sent against the {name} mock");
        for (x, y) in sent_a.iter().zip(&sent_b) {
            assert_eq!(x, y, "against the {name} mock: linked vs composed");
        }
        // `stop`, not `finish` (its check that no answer carries a
        // credential): `ringme/get-token` answers a token by design.
        a.stop().await;
        b.stop().await;
    }
    // Successes and several kinds of failure were compared.
    assert!(statuses.contains(&200) && statuses.len() >= 4, "statuses compared: {statuses:?}");
}
