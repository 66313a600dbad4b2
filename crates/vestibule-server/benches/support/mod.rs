//! What the server benches share: reading a child's address from its readiness line, one
//! complete sign-in against the emulator, and the statistics they print.
// Each bench uses its own part of this module.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::Child;
use std::time::Duration;

/// Reads the child's stdout up to the line that starts with `prefix` and returns the rest of
/// it (the address), then keeps draining stdout so that the child never blocks on a full pipe.
pub fn listening_address(child: &mut Child, prefix: &str) -> String {
    let mut lines = BufReader::new(child.stdout.take().expect("a piped stdout")).lines();
    let addr = loop {
        let line = lines.next().expect("a readiness line").unwrap();
        if let Some(addr) = line.strip_prefix(prefix) {
            break addr.to_owned();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    addr
}

/// One complete sign-in by a fresh "browser" at `addr` (start → the emulator's auto consent →
/// callback); returns its session cookie (`name=value`). The callback goes to `addr` whatever
/// the instance's public URL says, so any process of several can finish the flow.
pub async fn sign_in(http: &reqwest::Client, addr: &str) -> String {
    let start = http
        .get(format!(
            "http://{addr}/v1/oauth/atlassian/start?intent=sign_in"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(start.status(), 303);
    let flow_cookie = cookie_pair(&start, "vst_oauth_flow_").unwrap();
    let authorize = start.headers()["location"].to_str().unwrap().to_owned();
    let consent = http.get(authorize).send().await.unwrap();
    let callback = consent.headers()["location"].to_str().unwrap();
    let path = &callback[callback.find("/v1/oauth_callback").unwrap()..];
    let done = http
        .get(format!("http://{addr}{path}"))
        .header("cookie", flow_cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 303);
    let landing = done.headers()["location"].to_str().unwrap();
    assert!(
        landing.ends_with("/user"),
        "signed in, landing on {landing}"
    );
    cookie_pair(&done, "vst_session_").expect("a session cookie")
}

/// The `name=value` of the cookie whose name starts with `prefix`.
pub fn cookie_pair(response: &reqwest::Response, prefix: &str) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(prefix))
        .map(|v| v.split(';').next().unwrap().to_owned())
}

pub fn median(values: &mut [f64]) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    values[values.len() / 2]
}

/// The `p` quantile of sorted latencies.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}
