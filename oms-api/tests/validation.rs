//! Every rule of the spec is enforced before a byte leaves the process: the
//! error names the field and the rule, and the server sees no request.

mod common;

use common::{Canned, CannedServer};
use oms_api::builder::StartSyncTask;
use oms_api::{Credentials, Error, types};

const KMS_ID: &str = "11111111-2222-3333-4444-555555555555";

/// A valid request: every case below breaks exactly one rule of it.
fn valid(request: StartSyncTask<'_>) -> StartSyncTask<'_> {
    request
        .project_id("project")
        .sync_task_id("task")
        .body_map(|body| body.dst_ak("ak").dst_sk("sk"))
}

type Breaker = Box<dyn for<'a> Fn(StartSyncTask<'a>) -> StartSyncTask<'a>>;

fn cases() -> Vec<(&'static str, &'static str, &'static str, Breaker)> {
    let long = |n: usize| "x".repeat(n);
    vec![
        (
            "empty project_id",
            "project_id",
            "shorter than 1",
            Box::new(|r| r.project_id("")),
        ),
        (
            "long project_id",
            "project_id",
            "longer than 1024",
            Box::new(move |r| r.project_id(long(1025))),
        ),
        (
            "dot project_id",
            "project_id",
            "doesn't match pattern",
            Box::new(|r| r.project_id(".")),
        ),
        (
            "dot-dot project_id",
            "project_id",
            "doesn't match pattern",
            Box::new(|r| r.project_id("..")),
        ),
        (
            "empty sync_task_id",
            "sync_task_id",
            "shorter than 1",
            Box::new(|r| r.sync_task_id("")),
        ),
        (
            "dot sync_task_id",
            "sync_task_id",
            "doesn't match pattern",
            Box::new(|r| r.sync_task_id(".")),
        ),
        (
            "dot-dot sync_task_id",
            "sync_task_id",
            "doesn't match pattern",
            Box::new(|r| r.sync_task_id("..")),
        ),
        (
            "long sync_task_id",
            "sync_task_id",
            "longer than 255",
            Box::new(move |r| r.sync_task_id(long(256))),
        ),
        (
            "missing dst_ak",
            "dst_ak",
            "is required",
            Box::new(|r| r.body(types::StartSyncTaskReq::builder().dst_sk("sk"))),
        ),
        (
            "missing dst_sk",
            "dst_sk",
            "is required",
            Box::new(|r| r.body(types::StartSyncTaskReq::builder().dst_ak("ak"))),
        ),
        (
            "empty dst_ak",
            "dst_ak",
            "shorter than 1",
            Box::new(|r| r.body_map(|b| b.dst_ak(""))),
        ),
        (
            "long dst_ak",
            "dst_ak",
            "longer than 100",
            Box::new(move |r| r.body_map(|b| b.dst_ak(long(101)))),
        ),
        (
            "empty dst_sk",
            "dst_sk",
            "shorter than 1",
            Box::new(|r| r.body_map(|b| b.dst_sk(""))),
        ),
        (
            "long dst_sk",
            "dst_sk",
            "longer than 100",
            Box::new(move |r| r.body_map(|b| b.dst_sk(long(101)))),
        ),
        (
            "empty src_ak",
            "src_ak",
            "shorter than 1",
            Box::new(|r| r.body_map(|b| b.with_src_ak(""))),
        ),
        (
            "long src_ak",
            "src_ak",
            "longer than 100",
            Box::new(move |r| r.body_map(|b| b.with_src_ak(long(101)))),
        ),
        (
            "empty src_sk",
            "src_sk",
            "shorter than 1",
            Box::new(|r| r.body_map(|b| b.with_src_sk(""))),
        ),
        (
            "long src_sk",
            "src_sk",
            "longer than 100",
            Box::new(move |r| r.body_map(|b| b.with_src_sk(long(101)))),
        ),
        (
            "long CDN key",
            "source_cdn_authentication_key",
            "longer than 255",
            Box::new(move |r| r.body_map(|b| b.with_source_cdn_authentication_key(long(256)))),
        ),
        (
            "unknown src_crypto_type",
            "src_crypto_type",
            "invalid value",
            Box::new(|r| r.body_map(|b| b.with_src_crypto_type("AES"))),
        ),
        (
            "unknown dst_crypto_type",
            "dst_crypto_type",
            "invalid value",
            Box::new(|r| r.body_map(|b| b.with_dst_crypto_type("kms"))),
        ),
        (
            "unknown source_cdn_crypto_type",
            "source_cdn_crypto_type",
            "invalid value",
            Box::new(|r| r.body_map(|b| b.with_source_cdn_crypto_type(""))),
        ),
        (
            "short src_kms_key_id",
            "src_kms_key_id",
            "shorter than 36",
            Box::new(|r| r.body_map(|b| b.with_src_kms_key_id(&KMS_ID[1..]))),
        ),
        (
            "long dst_kms_key_id",
            "dst_kms_key_id",
            "longer than 36",
            Box::new(|r| r.body_map(|b| b.with_dst_kms_key_id(format!("{KMS_ID}0")))),
        ),
        (
            "empty source_cdn_kms_key_id",
            "source_cdn_kms_key_id",
            "shorter than 36",
            Box::new(|r| r.body_map(|b| b.with_source_cdn_kms_key_id(""))),
        ),
    ]
}

#[tokio::test]
async fn rejects_every_broken_rule_before_sending() {
    let server = CannedServer::start(Canned::new(200, "")).await;
    let client = server.client("token");
    // The valid request itself goes through, so the cases below fail for
    // the one rule they break.
    valid(client.start_sync_task())
        .send()
        .await
        .expect("the valid request is sent");
    assert_eq!(server.requests().len(), 1);

    for (case, field, rule, breaker) in cases() {
        let error = Error::from(
            breaker(valid(client.start_sync_task()))
                .send()
                .await
                .unwrap_err(),
        );
        let Error::Validation(validation) = &error else {
            panic!("{case}: expected a validation error, got {error:?}");
        };
        assert_eq!(validation.field(), field, "{case}: {error}");
        assert!(validation.rule().contains(rule), "{case}: {error}");
        assert!(error.to_string().contains(field), "{case}: {error}");
    }
    assert_eq!(
        server.requests().len(),
        1,
        "no broken request may reach the server"
    );
}

#[tokio::test]
async fn rejects_a_missing_path_parameter_before_sending() {
    let server = CannedServer::start(Canned::new(200, "")).await;
    let client = server.client("token");
    let error = Error::from(
        client
            .start_sync_task()
            .project_id("p")
            .body_map(|b| b.dst_ak("a").dst_sk("s"))
            .send()
            .await
            .unwrap_err(),
    );
    assert_eq!(error.to_string(), "invalid sync_task_id: is required");
    assert!(server.requests().is_empty());
}

#[test]
fn rejects_an_iam_token_of_the_wrong_length() {
    for token in [String::new(), "t".repeat(16385)] {
        let error = Credentials::iam_token(token.clone()).unwrap_err();
        let Error::Validation(validation) = &error else {
            panic!("expected a validation error, got {error:?}");
        };
        assert_eq!(validation.field(), "X-Auth-Token");
        if !token.is_empty() {
            assert!(!error.to_string().contains(&token));
        }
    }
    assert!(Credentials::iam_token("t".repeat(16384)).is_ok());
}

#[test]
fn rejects_a_token_that_cannot_be_a_header_value() {
    let error = Credentials::iam_token("line\nbreak").unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid X-Auth-Token: contains characters not allowed in a header"
    );
}

#[test]
fn building_a_client_requires_an_endpoint_and_credentials() {
    let error = oms_api::Client::builder()
        .credentials(Credentials::iam_token("t").unwrap())
        .build()
        .unwrap_err();
    assert!(error.to_string().starts_with("invalid endpoint"), "{error}");
    // Without credentials the chain is asked; here it finds nothing.
    let no_variables = oms_api::provider::Environment::from_pairs::<&str, &str>([]);
    let error = oms_api::Client::builder()
        .region(oms_api::Region::CnNorth4)
        .environment(no_variables)
        .build()
        .unwrap_err();
    assert!(matches!(error, Error::Config(_)), "{error:?}");
    let error = oms_api::Client::builder()
        .endpoint("not a url")
        .credentials(Credentials::iam_token("t").unwrap())
        .build()
        .unwrap_err();
    assert_eq!(error.to_string(), "invalid endpoint: is not a URL");
}
