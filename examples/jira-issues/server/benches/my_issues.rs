//! `cargo bench -p jira-issues --bench my_issues`: the app's `GET /api/my-issues` latency
//! (p50/p99) and throughput with a warm session token (JWKS already cached).
//!
//! What is real: the example's router, `vestibule-axum`'s verification of an EdDSA token,
//! its `Backend` client and the example's Jira client, over loopback HTTP. What is stubbed:
//! one local server plays Vestibule (JWKS, backend API) and Jira (five issues), answering
//! at once, so the figures are the app's own cost plus two loopback round trips, not
//! Vestibule's or Jira's.

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use support::{APP_ORIGIN, Answers, key, mint, start_app, start_stub};

const CONNECTIONS: usize = 16;
const REQUESTS: usize = 4_000;
const RUNS: usize = 3;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let key = key();
    let stub = start_stub(&key, Answers::happy).await;
    let app = start_app(&stub).await;
    let token = mint(&key, &stub, APP_ORIGIN);
    let client = reqwest::Client::new();
    let url = format!("{app}/api/my-issues");

    // Warm: the JWKS fetch and connection pools happen here, not in the figures.
    for _ in 0..20 {
        let status = client.get(&url).bearer_auth(&token).send().await?.status();
        anyhow::ensure!(status.is_success(), "warm-up request answered {status}");
    }

    let mut p50s = Vec::new();
    let mut p99s = Vec::new();
    let mut rates = Vec::new();
    for _ in 0..RUNS {
        let (mut latencies, elapsed) = run(&client, &url, &token).await?;
        latencies.sort_by(f64::total_cmp);
        p50s.push(percentile(&latencies, 0.50));
        p99s.push(percentile(&latencies, 0.99));
        rates.push(REQUESTS as f64 / elapsed.as_secs_f64());
    }
    println!(
        "my-issues (warm token, {CONNECTIONS} connections, {REQUESTS} requests, median of {RUNS} runs): \
         p50 {:.2} ms, p99 {:.2} ms, {:.0} req/s",
        median(&mut p50s),
        median(&mut p99s),
        median(&mut rates)
    );
    Ok(())
}

async fn run(
    client: &reqwest::Client,
    url: &str,
    token: &str,
) -> anyhow::Result<(Vec<f64>, Duration)> {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..CONNECTIONS {
        let (client, url, token) = (client.clone(), url.to_owned(), token.to_owned());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(REQUESTS / CONNECTIONS);
            for _ in 0..REQUESTS / CONNECTIONS {
                let t = Instant::now();
                let response = client.get(&url).bearer_auth(&token).send().await?;
                anyhow::ensure!(response.status().is_success(), "{}", response.status());
                response.bytes().await?;
                latencies.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            Ok(latencies)
        }));
    }
    let mut all = Vec::with_capacity(REQUESTS);
    for task in tasks {
        all.extend(task.await??);
    }
    Ok((all, started.elapsed()))
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)]
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}
