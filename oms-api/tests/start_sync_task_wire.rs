//! StartSyncTask on the wire: the exact request, against a raw server on
//! 127.0.0.1.

mod common;

use common::{Canned, CannedServer};
use oms_api::types;
use serde_json::json;

const TOKEN: &str = "MIIEtoken-for-the-wire-test";

#[tokio::test]
async fn sends_the_exact_start_request() {
    let server = CannedServer::start(Canned::new(200, "")).await;
    let response = server
        .client(TOKEN)
        .start_sync_task()
        .project_id("0123456789abcdef0123456789abcdef")
        .sync_task_id("0d146099-8cf4-437d-b6ef-88e043771c8b")
        .body_map(|body| body.dst_ak("dst_ak").dst_sk("dst_sk"))
        .send()
        .await
        .expect("a 200 answer is success");
    assert_eq!(response.status(), 200);

    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let sent = &requests[0];
    assert_eq!(sent.method, "POST");
    assert_eq!(
        sent.target,
        "/v2/0123456789abcdef0123456789abcdef/sync-tasks/0d146099-8cf4-437d-b6ef-88e043771c8b/start"
    );
    assert_eq!(sent.header("x-auth-token"), Some(TOKEN));
    assert_eq!(sent.header("content-type"), Some("application/json"));
    assert_eq!(sent.header("user-agent"), Some(oms_api::USER_AGENT));
    assert_eq!(
        sent.header("api-version"),
        None,
        "progenitor's api-version header must not be sent"
    );
    // Unset optional fields are absent, not null or empty.
    assert_eq!(
        sent.body_json(),
        json!({"dst_ak": "dst_ak", "dst_sk": "dst_sk"})
    );
}

#[tokio::test]
async fn sends_every_field_when_set() {
    let server = CannedServer::start(Canned::new(200, "")).await;
    let kms = "11111111-2222-3333-4444-555555555555";
    server
        .client(TOKEN)
        .start_sync_task()
        .project_id("p")
        .sync_task_id("t")
        .body_map(|body| {
            body.src_ak(Some("srcAK".parse::<types::AccessKey>().unwrap()))
                .with_src_sk("srcSK")
                .dst_ak("dstAK")
                .dst_sk("dstSK")
                .with_source_cdn_authentication_key("cdn-key-中文")
                .with_src_crypto_type(types::CryptoType::Default)
                .with_src_kms_key_id(kms)
                .with_dst_crypto_type("KMS")
                .with_dst_kms_key_id(kms)
                .with_source_cdn_crypto_type(types::CryptoType::Kms)
                .with_source_cdn_kms_key_id(kms)
        })
        .send()
        .await
        .unwrap();
    assert_eq!(
        server.requests()[0].body_json(),
        json!({
            "src_ak": "srcAK", "src_sk": "srcSK", "dst_ak": "dstAK", "dst_sk": "dstSK",
            "source_cdn_authentication_key": "cdn-key-中文",
            "src_crypto_type": "DEFAULT", "src_kms_key_id": kms,
            "dst_crypto_type": "KMS", "dst_kms_key_id": kms,
            "source_cdn_crypto_type": "KMS", "source_cdn_kms_key_id": kms,
        })
    );
}

#[tokio::test]
async fn an_empty_cdn_key_is_allowed_and_sent() {
    let server = CannedServer::start(Canned::new(200, "")).await;
    server
        .client(TOKEN)
        .start_sync_task()
        .project_id("p")
        .sync_task_id("t")
        .body_map(|body| {
            body.dst_ak("a")
                .dst_sk("s")
                .with_source_cdn_authentication_key("")
        })
        .send()
        .await
        .unwrap();
    assert_eq!(
        server.requests()[0].body_json()["source_cdn_authentication_key"],
        json!("")
    );
}

/// Each value must reach the server as exactly one percent-encoded path
/// segment in its place, never as `..` or a second segment.
#[tokio::test]
async fn encodes_awkward_ids_into_exactly_one_segment() {
    let server = CannedServer::start(Canned::new(200, "")).await;
    let client = server.client(TOKEN);
    let cases = [
        ("a/b", "a%2Fb"),
        ("a?b", "a%3Fb"),
        ("a#b", "a%23b"),
        ("%2e%2e", "%252e%252e"),
        ("中文", "%E4%B8%AD%E6%96%87"),
        ("a b", "a%20b"),
        ("...", "..."),
        (".hidden", ".hidden"),
    ];
    for (id, _) in cases {
        client
            .start_sync_task()
            .project_id("p")
            .sync_task_id(id)
            .body_map(|body| body.dst_ak("a").dst_sk("s"))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{id}: {e}"));
    }
    let requests = server.requests();
    assert_eq!(requests.len(), cases.len());
    for ((id, encoded), sent) in cases.iter().zip(&requests) {
        assert_eq!(
            sent.target,
            format!("/v2/p/sync-tasks/{encoded}/start"),
            "{id}"
        );
        let segments: Vec<&str> = sent.target.split('/').skip(1).collect();
        assert_eq!(
            segments,
            ["v2", "p", "sync-tasks", encoded, "start"],
            "{id}"
        );
    }
}
