//! OAuth for RingMe: the token request, the per-instance token cache, and
//! [`Session`], which authorizes each call (one fresh token and one retry
//! after a 401 with `app` auth) and redacts every secret from errors.
//!
//! The cache lives for the life of the component instance. It is keyed by
//! the token endpoint URL, the client id and the client secret, so one
//! application never gets another's token. A token is reused while
//! [`is_fresh`]: until 60 s before its `expires-in` runs out, counted from
//! when the token request was sent. A token with `expires-in` of 60 s or
//! less is never cached: it serves the operation that fetched it only.
//! `get-token` always fetches, and its token replaces the cached one.

use crate::prelude::*;

use super::decode::decode_token;
use super::requests::{check_auth, Api, TOKEN_PATH};
use crate::bindings::exports::telephony::pbx::ringme::{AppCredentials, Auth, Config, Token};
use crate::error::Result;
use crate::http::{self, Method, Request, Response};
use crate::url::form_body;
use crate::Error;

/// A cached token is dropped this long before it expires.
pub const EXPIRY_MARGIN_S: u32 = 60;
/// Most applications whose tokens one instance keeps.
const MAX_CACHED: usize = 8;

/// Whether a token obtained at `obtained_ns` (monotonic nanoseconds) with
/// `expires_in` seconds may still be used at `now_ns`: until 60 s before it
/// expires. Never when `expires_in` is 60 or less.
pub fn is_fresh(obtained_ns: u64, expires_in: u32, now_ns: u64) -> bool {
    let usable_ns = u64::from(expires_in.saturating_sub(EXPIRY_MARGIN_S)) * 1_000_000_000;
    now_ns.saturating_sub(obtained_ns) < usable_ns
}

/// Monotonic time in nanoseconds (0 outside a component: native tests pass
/// their own times to the pure functions).
fn now_ns() -> u64 {
    #[cfg(target_arch = "wasm32")]
    {
        wasi::clocks::monotonic_clock::now()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        0
    }
}

/// Which application a token belongs to.
#[derive(Clone, PartialEq, Eq)]
pub struct CacheKey {
    token_url: String,
    client_id: String,
    client_secret: String,
}

impl CacheKey {
    /// The key of `creds` at the token endpoint of `api`.
    pub fn new(api: &Api, creds: &AppCredentials) -> CacheKey {
        CacheKey {
            token_url: api.base.target(TOKEN_PATH, &[]).to_url(),
            client_id: creds.client_id.clone(),
            client_secret: creds.client_secret.clone(),
        }
    }
}

impl core::fmt::Debug for CacheKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CacheKey")
            .field("token_url", &self.token_url)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

/// One cached token.
pub struct CachedToken {
    key: CacheKey,
    access_token: String,
    obtained_ns: u64,
    expires_in: u32,
}

impl core::fmt::Debug for CachedToken {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CachedToken")
            .field("key", &self.key)
            .field("access_token", &crate::redact::REDACTED)
            .field("obtained_ns", &self.obtained_ns)
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

/// The fresh token cached for `key`, if any.
pub fn lookup(cache: &[CachedToken], key: &CacheKey, now_ns: u64) -> Option<String> {
    cache
        .iter()
        .find(|c| c.key == *key && is_fresh(c.obtained_ns, c.expires_in, now_ns))
        .map(|c| c.access_token.clone())
}

/// Drops the token cached for `key`.
pub fn forget(cache: &mut Vec<CachedToken>, key: &CacheKey) {
    cache.retain(|c| c.key != *key);
}

/// Caches `token` for `key` (replacing the old one) unless it is too short
/// lived to reuse; keeps at most [`MAX_CACHED`] applications.
pub fn remember(cache: &mut Vec<CachedToken>, key: &CacheKey, token: &Token, obtained_ns: u64) {
    forget(cache, key);
    if token.expires_in <= EXPIRY_MARGIN_S {
        return;
    }
    if cache.len() >= MAX_CACHED {
        cache.remove(0);
    }
    cache.push(CachedToken {
        key: key.clone(),
        access_token: token.access_token.clone(),
        obtained_ns,
        expires_in: token.expires_in,
    });
}

/// The tokens of this component instance.
#[cfg(not(target_arch = "wasm32"))]
static CACHE: std::sync::Mutex<Vec<CachedToken>> = std::sync::Mutex::new(Vec::new());

#[cfg(not(target_arch = "wasm32"))]
fn with_cache<T>(f: impl FnOnce(&mut Vec<CachedToken>) -> T) -> T {
    let mut guard = CACHE.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    f(&mut guard)
}

/// The tokens of this component instance (one thread runs it).
#[cfg(target_arch = "wasm32")]
struct Cache(core::cell::RefCell<Vec<CachedToken>>);

// SAFETY: a wasm32 component instance runs on a single thread.
#[cfg(target_arch = "wasm32")]
#[allow(unsafe_code)]
unsafe impl Sync for Cache {}

#[cfg(target_arch = "wasm32")]
static CACHE: Cache = Cache(core::cell::RefCell::new(Vec::new()));

#[cfg(target_arch = "wasm32")]
fn with_cache<T>(f: impl FnOnce(&mut Vec<CachedToken>) -> T) -> T {
    f(&mut CACHE.0.borrow_mut())
}

/// `POST <base-url>/oauth/token`, form-encoded client-credentials grant.
pub fn token_request(api: &Api, creds: &AppCredentials) -> Request {
    let body = form_body(&[
        ("grant_type", "client_credentials"),
        ("client_id", &creds.client_id),
        ("client_secret", &creds.client_secret),
    ]);
    // A token grant changes nothing the caller cares about: a lost one is
    // `timeout` / `transport`, safe to retry (see `Request::acts`).
    api.at(Method::Post, TOKEN_PATH, &[]).body("application/x-www-form-urlencoded", body).acts(false)
}

/// Adds `Authorization: Bearer <token>`.
pub fn authorize(req: Request, token: &str) -> Request {
    req.header("Authorization", format!("Bearer {token}"))
}

/// One operation: the checked config, and every token it used (for
/// redaction).
pub struct Session<'a> {
    api: Api,
    auth: &'a Auth,
    tokens: Vec<String>,
}

impl core::fmt::Debug for Session<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Session").field("api", &self.api).finish_non_exhaustive()
    }
}

/// Runs one operation and scrubs the client secret, the bearer token and
/// every access token it saw from whatever error it gives.
pub fn run<T>(cfg: &Config, op: impl FnOnce(&mut Session<'_>) -> Result<T>) -> Result<T> {
    let mut s = Session::new(cfg).map_err(|e| scrub(cfg, &[], e))?;
    op(&mut s).map_err(|e| scrub(cfg, &s.tokens, e))
}

/// One API call: checks `cfg`, builds the request with `build`, sends it
/// authorized ([`Session::call`]) and decodes the answer with `decode`,
/// scrubbing every error as [`run`] does. Only the decoded type is generic:
/// the operations share one copy of the rest.
pub fn call_api<T>(
    cfg: &Config,
    build: &dyn Fn(&Api) -> Result<Request>,
    decode: fn(&Response) -> Result<T>,
) -> Result<T> {
    let (resp, tokens) = exchange(cfg, build)?;
    decode(&resp).map_err(|e| scrub(cfg, &tokens, e))
}

/// The shared part of [`call_api`]: the answer and the access tokens used
/// (for redacting what the decoder may say), or the scrubbed error.
fn exchange(cfg: &Config, build: &dyn Fn(&Api) -> Result<Request>) -> Result<(Response, Vec<String>)> {
    let mut s = Session::new(cfg).map_err(|e| scrub(cfg, &[], e))?;
    match build(s.api()).and_then(|req| s.call(req)) {
        Ok(resp) => Ok((resp, s.tokens)),
        Err(e) => Err(scrub(cfg, &s.tokens, e)),
    }
}

/// Redacts the config's secret and `tokens` from `e`.
fn scrub(cfg: &Config, tokens: &[String], e: Error) -> Error {
    let mut secrets: Vec<&str> = tokens.iter().map(String::as_str).collect();
    secrets.push(match &cfg.auth {
        Auth::Bearer(t) => t,
        Auth::App(c) => &c.client_secret,
    });
    e.redact(&secrets)
}

impl<'a> Session<'a> {
    /// Checks `base-url`, `timeout-ms` and `auth`.
    pub fn new(cfg: &'a Config) -> Result<Session<'a>> {
        let api = Api::new(cfg)?;
        check_auth(&cfg.auth)?;
        Ok(Session { api, auth: &cfg.auth, tokens: Vec::new() })
    }

    /// The checked base URL and deadline.
    pub fn api(&self) -> &Api {
        &self.api
    }

    /// The application credentials, with `app` auth.
    pub fn app(&self) -> Option<&'a AppCredentials> {
        match self.auth {
            Auth::App(c) => Some(c),
            Auth::Bearer(_) => None,
        }
    }

    /// Gets a new token and caches it.
    pub fn fetch_token(&mut self, creds: &AppCredentials) -> Result<Token> {
        let started = now_ns();
        let resp = http::send(&token_request(&self.api, creds))?;
        let token = decode_token(&resp)?;
        self.tokens.push(token.access_token.clone());
        with_cache(|c| remember(c, &CacheKey::new(&self.api, creds), &token, started));
        Ok(token)
    }

    /// Sends `req` authorized. With `bearer`, once. With `app`, with the
    /// cached token (or a new one); after a 401, once more with one new token.
    pub fn call(&mut self, req: Request) -> Result<Response> {
        let creds = match self.auth {
            Auth::Bearer(token) => return http::send(&authorize(req, token)),
            Auth::App(creds) => creds,
        };
        let key = CacheKey::new(&self.api, creds);
        let cached = with_cache(|c| lookup(c, &key, now_ns()));
        let token = match cached {
            Some(t) => {
                self.tokens.push(t.clone());
                t
            }
            None => self.fetch_token(creds)?.access_token,
        };
        let resp = http::send(&authorize(req.clone(), &token))?;
        if resp.status != 401 {
            return Ok(resp);
        }
        with_cache(|c| forget(c, &key));
        let token = self.fetch_token(creds)?.access_token;
        http::send(&authorize(req, &token))
    }
}
