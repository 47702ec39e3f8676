//! How long SDK-HMAC-SHA256 signing of a StartSyncTask request takes, and
//! the same as the client authenticates every request (signing plus header
//! and URL updates).
//!
//! `cargo bench -p oms-api --bench signing`

use std::hint::black_box;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use criterion::{Criterion, criterion_group, criterion_main};
use http::{HeaderMap, HeaderValue};
use oms_api::Credentials;
use oms_api::signer::{self, SignableRequest, SigningKey};

const BODY: &[u8] = br#"{"src_ak":"srcAK","src_sk":"srcSK","dst_ak":"dstAK","dst_sk":"dstSK"}"#;
const PATH: &str =
    "/v2/0123456789abcdef0123456789abcdef/sync-tasks/0d146099-8cf4-437d-b6ef-88e043771c8b/start";

fn signing(c: &mut Criterion) {
    let url: url::Url = format!("https://oms.cn-north-4.myhuaweicloud.com{PATH}")
        .parse()
        .unwrap();
    let mut headers = HeaderMap::new();
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    headers.insert("user-agent", HeaderValue::from_static(oms_api::USER_AGENT));
    headers.insert(
        "x-project-id",
        HeaderValue::from_static("0123456789abcdef0123456789abcdef"),
    );
    let key = SigningKey::new(
        "TESTAKTESTAKTESTAK01",
        "TestSecretKeyTestSecretKeyTestSecretKey0",
    )
    .unwrap();
    let time = UNIX_EPOCH + Duration::from_secs(1_704_164_645);
    c.bench_function("sign StartSyncTask (pure signer)", |b| {
        b.iter(|| {
            let request = SignableRequest {
                method: "POST",
                url: &url,
                headers: &headers,
                body: BODY,
            };
            black_box(signer::sign(black_box(&request), &key, time).unwrap())
        })
    });

    let credentials = Credentials::access_key(
        "TESTAKTESTAKTESTAK01",
        "TestSecretKeyTestSecretKeyTestSecretKey0",
    )
    .unwrap()
    .with_project_id("0123456789abcdef0123456789abcdef")
    .unwrap();
    let http = reqwest::Client::new();
    c.bench_function("sign StartSyncTask (client authentication)", |b| {
        b.iter_batched(
            || {
                http.post(format!("https://oms.cn-north-4.myhuaweicloud.com{PATH}"))
                    .header("content-type", "application/json")
                    .header("user-agent", oms_api::USER_AGENT)
                    .body(BODY)
                    .build()
                    .unwrap()
            },
            |mut request| {
                credentials
                    .authenticate(&mut request, SystemTime::now())
                    .unwrap();
                black_box(request)
            },
            criterion::BatchSize::SmallInput,
        )
    });
}

criterion_group!(benches, signing);
criterion_main!(benches);
