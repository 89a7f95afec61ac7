//! The floor of the gateway rows (host-test/benches/pbx/gateway/): the
//! least any `wasi:http/proxy` component can do for the route the gateway
//! is measured on, `POST /v1/ringostat/sip-online`, through WASI HTTP p2.
//!
//! Per request it makes the host calls the route needs and nothing else:
//! the environment (where the provider is, its key), the request's path and
//! `Authorization` header, its body read whole, one outgoing `GET
//! {base}/sipstatus/online` with `Auth-key`, the answer's body read whole,
//! and a `200` whose body is `{"ok":` + the provider's bytes + `}`. No JSON
//! is parsed or built, no token compared in constant time, no input
//! checked, no deadline kept: it is not a gateway, only the cost of the
//! plumbing that any gateway on this host pays. Served by the same
//! `pbx-host serve` binary, its time against the native proxy's says how
//! close any component can come to the target on this host.
//!
//! `GET /v1/health` answers `200` (the benchmark waits for it).

#![cfg_attr(target_arch = "wasm32", no_std)]

#[cfg(target_arch = "wasm32")]
mod floor {
    extern crate alloc;

    use alloc::vec::Vec;
    use pbx_runtime as _;
    use wasi::http::outgoing_handler;
    use wasi::http::types::{
        Fields, IncomingBody, IncomingRequest, OutgoingBody, OutgoingRequest, OutgoingResponse, ResponseOutparam,
        Scheme,
    };

    struct Floor;

    wasi::http::proxy::export!(Floor);

    impl wasi::exports::http::incoming_handler::Guest for Floor {
        fn handle(request: IncomingRequest, out: ResponseOutparam) {
            let path = request.path_with_query().unwrap_or_default();
            if path == "/v1/health" {
                return answer(out, 200, b"{\"status\":\"up\"}");
            }
            let env = wasi::cli::environment::get_environment();
            let setting = |name: &str| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
            let headers = request.headers();
            let token = setting("PBX_GATEWAY_TOKEN").unwrap_or_default().as_bytes();
            let presented = headers.get("authorization");
            if presented.first().and_then(|v| v.get(7..)) != Some(token) {
                return answer(out, 401, b"{}");
            }
            drop(headers);
            let _args = read(request.consume().ok());
            let base = setting("PBX_RINGOSTAT_BASE_URL").unwrap_or_default();
            let (scheme, authority) = match base.split_once("://") {
                Some(("https", a)) => (Scheme::Https, a),
                Some((_, a)) => (Scheme::Http, a),
                None => return answer(out, 500, b"{}"),
            };
            let key = setting("PBX_RINGOSTAT_AUTH_KEY").unwrap_or_default();
            let fields =
                Fields::from_list(&[("auth-key".into(), key.as_bytes().to_vec())]).unwrap_or_else(|_| Fields::new());
            let req = OutgoingRequest::new(fields);
            let _ = req.set_scheme(Some(&scheme));
            let _ = req.set_authority(Some(authority));
            let _ = req.set_path_with_query(Some("/sipstatus/online"));
            let Ok(future) = outgoing_handler::handle(req, None) else { return answer(out, 502, b"{}") };
            let response = match future.get() {
                Some(r) => r,
                None => {
                    future.subscribe().block();
                    future.get().unwrap_or(Err(()))
                }
            };
            let Ok(Ok(response)) = response else { return answer(out, 502, b"{}") };
            let list = read(response.consume().ok());
            drop(response);
            let mut body = Vec::with_capacity(list.len() + 7);
            body.extend_from_slice(b"{\"ok\":");
            body.extend_from_slice(&list);
            body.push(b'}');
            answer(out, 200, &body);
        }
    }

    /// A body read whole (as far as it came).
    fn read(body: Option<IncomingBody>) -> Vec<u8> {
        let mut bytes = Vec::new();
        let Some(body) = body else { return bytes };
        if let Ok(stream) = body.stream() {
            while let Ok(chunk) = stream.blocking_read(64 * 1024) {
                bytes.extend_from_slice(&chunk);
            }
        }
        bytes
    }

    fn answer(out: ResponseOutparam, status: u16, body: &[u8]) {
        let headers =
            [("content-type".into(), b"application/json".to_vec()), ("cache-control".into(), b"no-store".to_vec())];
        let response = OutgoingResponse::new(Fields::from_list(&headers).unwrap_or_else(|_| Fields::new()));
        let _ = response.set_status_code(status);
        let Ok(outgoing) = response.body() else { return };
        ResponseOutparam::set(out, Ok(response));
        if let Ok(stream) = outgoing.write() {
            for chunk in body.chunks(4096) {
                if stream.blocking_write_and_flush(chunk).is_err() {
                    break;
                }
            }
        }
        let _ = OutgoingBody::finish(outgoing, None);
    }
}
