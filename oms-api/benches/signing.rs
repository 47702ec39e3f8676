//! How long SDK-HMAC-SHA256 signing of a StartSyncTask request takes: the
//! signer, the same as the client authenticates every request (signing plus
//! header and URL updates), and as the reference, one straightforward
//! HMAC-SHA256 over the same canonical request already built (hashing the
//! body and the canonical request, then the HMAC and its hex), and the
//! floor under both: the same SHA-256 blocks hashed with every text built
//! beforehand and the key absorbed once.
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
    let request = SignableRequest {
        method: "POST",
        url: &url,
        headers: &headers,
        body: BODY,
    };
    let signer::Canonical {
        canonical_request: canonical,
        string_to_sign,
        ..
    } = signer::canonicalize(&request, time).unwrap();
    c.bench_function(
        "reference: one HMAC-SHA256 over the built canonical request",
        |b| {
            b.iter(|| {
                use hmac::{Hmac, Mac};
                use sha2::{Digest, Sha256};
                let body_hash = Sha256::digest(black_box(BODY));
                let digest = Sha256::digest(black_box(canonical.as_bytes()));
                let mut mac =
                    Hmac::<Sha256>::new_from_slice(key.secret_key().expose_secret().as_bytes())
                        .unwrap();
                mac.update(b"SDK-HMAC-SHA256\n20240102T030405Z\n");
                mac.update(hex::encode(digest).as_bytes());
                black_box((body_hash, hex::encode(mac.finalize().into_bytes())))
            })
        },
    );
    // What no signer can go below on this machine: the SHA-256 blocks the
    // protocol hashes (the body, the canonical request, the string to sign
    // with the key absorbed beforehand, the outer HMAC), with every text
    // already built.
    let keyed = {
        use hmac::{Hmac, Mac};
        Hmac::<sha2::Sha256>::new_from_slice(key.secret_key().expose_secret().as_bytes()).unwrap()
    };
    c.bench_function("floor: the SHA-256 blocks alone, texts prebuilt", |b| {
        b.iter(|| {
            use hmac::Mac;
            use sha2::{Digest, Sha256};
            let body_hash = Sha256::digest(black_box(BODY));
            let digest = Sha256::digest(black_box(canonical.as_bytes()));
            let mut mac = keyed.clone();
            mac.update(black_box(string_to_sign.as_bytes()));
            black_box((body_hash, digest, mac.finalize().into_bytes()))
        })
    });
    c.bench_function("reference: a straightforward signer (format!, then hash)", |b| {
        b.iter(|| {
            use hmac::{Hmac, Mac};
            use sha2::{Digest, Sha256};
            let date = "20240102T030405Z";
            let signed = "content-type;host;user-agent;x-project-id;x-sdk-date";
            let canonical = format!(
                "POST\n{PATH}/\n\ncontent-type:application/json\nhost:oms.cn-north-4.myhuaweicloud.com\nuser-agent:{}\nx-project-id:0123456789abcdef0123456789abcdef\nx-sdk-date:{date}\n\n{signed}\n{}",
                oms_api::USER_AGENT,
                hex::encode(Sha256::digest(black_box(BODY)))
            );
            let to_sign = format!(
                "SDK-HMAC-SHA256\n{date}\n{}",
                hex::encode(Sha256::digest(canonical.as_bytes()))
            );
            let mut mac = Hmac::<Sha256>::new_from_slice(key.secret_key().expose_secret().as_bytes()).unwrap();
            mac.update(to_sign.as_bytes());
            let signature = hex::encode(mac.finalize().into_bytes());
            black_box(format!("SDK-HMAC-SHA256 Access=TESTAKTESTAKTESTAK01, SignedHeaders={signed}, Signature={signature}"))
        })
    });
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
