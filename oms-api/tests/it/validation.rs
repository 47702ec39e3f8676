//! Every rule of the spec is enforced before a byte leaves the process: the
//! error names the field and states the rule in the spec's words, and the
//! server sees no request.
//!
//! One style for every request type: a valid request (which is sent, so
//! that each case fails for the one rule it breaks), and a table of cases
//! `(case, field, rule, change)`, each change breaking one rule of it.

use oms_api::builder::{
    CreateSyncEvents, CreateSyncTask, ListSyncTaskStatistic, ListSyncTasks, ShowSyncTask,
    StartSyncTask,
};
use oms_api::{Credentials, Error, types};

use crate::server::{Canned, CannedServer};

const KMS_ID: &str = "11111111-2222-3333-4444-555555555555";
const IDS: &str =
    "may hold only letters, digits, `-`, `_`, `.` and `~`, and must not start with `.`";

type Case<'a, B> = (
    &'static str,
    &'static str,
    &'static str,
    Box<dyn FnOnce(B) -> B + 'a>,
);

fn long(n: usize) -> String {
    "x".repeat(n)
}

/// Sends the valid request, then every case; each must fail with its field
/// and rule, and none may reach the server.
async fn check<B, T, F>(
    server: &CannedServer,
    valid: impl Fn() -> B,
    send: impl Fn(B) -> F,
    cases: Vec<Case<'_, B>>,
) where
    F: std::future::Future<Output = Result<T, Error>>,
    T: std::fmt::Debug,
{
    let before = server.requests().len();
    send(valid())
        .await
        .expect("the valid request is sent and accepted");
    assert_eq!(server.requests().len(), before + 1);
    for (case, field, rule, change) in cases {
        let error = send(change(valid())).await.expect_err(case);
        let Error::Validation(validation) = &error else {
            panic!("{case}: expected a validation error, got {error:?}");
        };
        assert_eq!(
            (validation.field(), validation.rule()),
            (field, rule),
            "{case}"
        );
        assert_eq!(
            error.to_string(),
            format!("invalid {field}: {rule}"),
            "{case}"
        );
    }
    assert_eq!(
        server.requests().len(),
        before + 1,
        "no broken request may reach the server"
    );
}

#[tokio::test]
async fn start_sync_task_rules() {
    let server = CannedServer::start(Canned::new(200, "")).await;
    let client = server.client("token");
    let valid = || {
        client
            .start_sync_task()
            .project_id("project")
            .sync_task_id("task")
            .body_map(|body| body.dst_ak("ak").dst_sk("sk"))
    };
    let cases: Vec<Case<'_, StartSyncTask<'_>>> = vec![
        (
            "empty project_id",
            "project_id",
            "must be 1 to 1024 characters",
            Box::new(|r| r.project_id("")),
        ),
        (
            "long project_id",
            "project_id",
            "must be 1 to 1024 characters",
            Box::new(|r| r.project_id(long(1025))),
        ),
        (
            "dot project_id",
            "project_id",
            IDS,
            Box::new(|r| r.project_id(".")),
        ),
        (
            "dot-dot project_id",
            "project_id",
            IDS,
            Box::new(|r| r.project_id("..")),
        ),
        (
            "backslash project_id",
            "project_id",
            IDS,
            Box::new(|r| r.project_id(r"x\..\..\evil")),
        ),
        (
            "empty sync_task_id",
            "sync_task_id",
            "must be 1 to 255 characters",
            Box::new(|r| r.sync_task_id("")),
        ),
        (
            "dot sync_task_id",
            "sync_task_id",
            IDS,
            Box::new(|r| r.sync_task_id(".")),
        ),
        (
            "dot-dot sync_task_id",
            "sync_task_id",
            IDS,
            Box::new(|r| r.sync_task_id("..")),
        ),
        (
            "slash sync_task_id",
            "sync_task_id",
            IDS,
            Box::new(|r| r.sync_task_id("a/b")),
        ),
        (
            "newline sync_task_id",
            "sync_task_id",
            IDS,
            Box::new(|r| r.sync_task_id("a\nb")),
        ),
        (
            "long sync_task_id",
            "sync_task_id",
            "must be 1 to 255 characters",
            Box::new(|r| r.sync_task_id(long(256))),
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
            "must be 1 to 100 characters",
            Box::new(|r| r.body_map(|b| b.dst_ak(""))),
        ),
        (
            "long dst_ak",
            "dst_ak",
            "must be 1 to 100 characters",
            Box::new(|r| r.body_map(|b| b.dst_ak(long(101)))),
        ),
        (
            "empty dst_sk",
            "dst_sk",
            "must be 1 to 100 characters",
            Box::new(|r| r.body_map(|b| b.dst_sk(""))),
        ),
        (
            "long dst_sk",
            "dst_sk",
            "must be 1 to 100 characters",
            Box::new(|r| r.body_map(|b| b.dst_sk(long(101)))),
        ),
        (
            "empty src_ak",
            "src_ak",
            "must be 1 to 100 characters",
            Box::new(|r| r.body_map(|b| b.src_ak(""))),
        ),
        (
            "long src_ak",
            "src_ak",
            "must be 1 to 100 characters",
            Box::new(|r| r.body_map(|b| b.src_ak(long(101)))),
        ),
        (
            "empty src_sk",
            "src_sk",
            "must be 1 to 100 characters",
            Box::new(|r| r.body_map(|b| b.src_sk(""))),
        ),
        (
            "long src_sk from an Option",
            "src_sk",
            "must be 1 to 100 characters",
            Box::new(|r| r.body_map(|b| b.set_src_sk(Some(long(101))))),
        ),
        (
            "long CDN key",
            "source_cdn_authentication_key",
            "must be at most 255 characters",
            Box::new(|r| r.body_map(|b| b.source_cdn_authentication_key(long(256)))),
        ),
        (
            "unknown src_crypto_type",
            "src_crypto_type",
            "must be one of `DEFAULT`, `KMS`",
            Box::new(|r| r.body_map(|b| b.src_crypto_type("AES"))),
        ),
        (
            "unknown dst_crypto_type",
            "dst_crypto_type",
            "must be one of `DEFAULT`, `KMS`",
            Box::new(|r| r.body_map(|b| b.dst_crypto_type("kms"))),
        ),
        (
            "unknown source_cdn_crypto_type",
            "source_cdn_crypto_type",
            "must be one of `DEFAULT`, `KMS`",
            Box::new(|r| r.body_map(|b| b.source_cdn_crypto_type(""))),
        ),
        (
            "short src_kms_key_id",
            "src_kms_key_id",
            "must be exactly 36 characters",
            Box::new(|r| r.body_map(|b| b.src_kms_key_id(&KMS_ID[1..]))),
        ),
        (
            "long dst_kms_key_id",
            "dst_kms_key_id",
            "must be exactly 36 characters",
            Box::new(|r| r.body_map(|b| b.dst_kms_key_id(format!("{KMS_ID}0")))),
        ),
        (
            "empty source_cdn_kms_key_id",
            "source_cdn_kms_key_id",
            "must be exactly 36 characters",
            Box::new(|r| r.body_map(|b| b.source_cdn_kms_key_id(""))),
        ),
        (
            "missing sync_task_id",
            "sync_task_id",
            "is required",
            Box::new(|_| {
                client
                    .start_sync_task()
                    .project_id("p")
                    .body_map(|b| b.dst_ak("a").dst_sk("s"))
            }),
        ),
    ];
    check(&server, valid, |r| r.send(), cases).await;
}

#[tokio::test]
async fn list_sync_tasks_rules() {
    let server = CannedServer::start(Canned::new(200, r#"{"tasks":[],"count":0}"#)).await;
    let client = server.client("token");
    let valid = || {
        client
            .list_sync_tasks()
            .project_id("p")
            .limit(100u32)
            .offset(10_000)
    };
    let cases: Vec<Case<'_, ListSyncTasks<'_>>> = vec![
        (
            "limit 0",
            "limit",
            "must be 1 to 100",
            Box::new(|r| r.limit(0u32)),
        ),
        (
            "limit 101",
            "limit",
            "must be 1 to 100",
            Box::new(|r| r.limit(101u32)),
        ),
        (
            "offset -1",
            "offset",
            "must be 0 to 10000",
            Box::new(|r| r.offset(-1)),
        ),
        (
            "offset 10001",
            "offset",
            "must be 0 to 10000",
            Box::new(|r| r.offset(10_001)),
        ),
        (
            "offset from an Option",
            "offset",
            "must be 0 to 10000",
            Box::new(|r| r.set_offset(Some(20_000))),
        ),
        (
            "status",
            "status",
            "must be one of `SYNCHRONIZING`, `STOPPED`",
            Box::new(|r| r.status("RUNNING")),
        ),
    ];
    check(&server, valid, |r| r.send(), cases).await;
}

#[tokio::test]
async fn show_and_statistics_rules() {
    let server = CannedServer::start(Canned::new(200, "{}")).await;
    let client = server.client("token");
    let valid = || {
        client
            .show_sync_task()
            .project_id("p")
            .sync_task_id("t")
            .query_time(0)
    };
    let cases: Vec<Case<'_, ShowSyncTask<'_>>> = vec![
        (
            "missing query_time",
            "query_time",
            "is required",
            Box::new(|_| client.show_sync_task().project_id("p").sync_task_id("t")),
        ),
        (
            "negative query_time",
            "query_time",
            "must be at least 0",
            Box::new(|r| r.query_time(-1)),
        ),
    ];
    check(&server, valid, |r| r.send(), cases).await;

    let valid = || {
        client
            .list_sync_task_statistic()
            .project_id("p")
            .sync_task_id("t")
            .data_type("REQUEST,SUCCESS,FAILURE,SKIP,SIZE")
            .start_time(0)
            .end_time(1)
    };
    let data_types = "must be one or more of `REQUEST`, `SUCCESS`, `FAILURE`, `SKIP` and `SIZE`, separated by `,`";
    let mut cases: Vec<Case<'_, ListSyncTaskStatistic<'_>>> = vec![
        (
            "dot-dot id",
            "sync_task_id",
            IDS,
            Box::new(|r| r.sync_task_id("..")),
        ),
        (
            "negative start",
            "start_time",
            "must be at least 0",
            Box::new(|r| r.start_time(-5)),
        ),
        (
            "negative end",
            "end_time",
            "must be at least 0",
            Box::new(|r| r.end_time(-1)),
        ),
    ];
    for bad in [
        "",
        "REQUEST,",
        "request",
        "REQUEST,BYTES",
        "REQUEST SUCCESS",
    ] {
        cases.push((
            "bad data_type",
            "data_type",
            data_types,
            Box::new(move |r| r.data_type(bad)),
        ));
    }
    check(&server, valid, |r| r.send(), cases).await;
}

#[tokio::test]
async fn create_sync_events_rules() {
    let server = CannedServer::start(Canned::new(200, "")).await;
    let client = server.client("token");
    let key = |n: usize| "k".repeat(n);
    let valid = || {
        client
            .create_sync_events()
            .project_id("p")
            .sync_task_id(key(1024))
            .body_map(|b| b.object_keys(vec![key(16_384); 100]))
    };
    let cases: Vec<Case<'_, CreateSyncEvents<'_>>> = vec![
        (
            "no keys",
            "object_keys",
            "must have 1 to 100 items",
            Box::new(|r| r.body_map(|b| b.object_keys(Vec::<String>::new()))),
        ),
        (
            "101 keys",
            "object_keys",
            "must have 1 to 100 items",
            Box::new(move |r| r.body_map(|b| b.object_keys(vec![key(1); 101]))),
        ),
        (
            "empty key",
            "object_keys[1]",
            "must be 1 to 16384 characters",
            Box::new(|r| r.body_map(|b| b.object_keys(["a", ""]))),
        ),
        (
            "long key",
            "object_keys[0]",
            "must be 1 to 16384 characters",
            Box::new(move |r| r.body_map(|b| b.object_keys([key(16_385)]))),
        ),
        (
            "long task id",
            "sync_task_id",
            "must be 1 to 1024 characters",
            Box::new(move |r| r.sync_task_id(key(1025))),
        ),
    ];
    check(&server, valid, |r| r.send(), cases).await;
}

#[tokio::test]
async fn create_sync_task_rules() {
    let server = CannedServer::start(Canned::new(200, r#"{"sync_task_id":"new"}"#)).await;
    let client = server.client("token");
    let valid = || {
        client.create_sync_task().project_id("p").body_map(|b| {
            crate::server::valid_create_body(b)
                .description("plain text, with: punctuation; ok! 中文")
        })
    };
    let forbidden = "must not contain any of `<`, `>`, `(`, `)`, `\"`, `'` and `&`";
    let cases: Vec<Case<'_, CreateSyncTask<'_>>> = vec![
        (
            "forbidden <",
            "description",
            forbidden,
            Box::new(|r| r.body_map(|b| b.description("a <b>"))),
        ),
        (
            "forbidden &",
            "description",
            forbidden,
            Box::new(|r| r.body_map(|b| b.description("Tom & Jerry"))),
        ),
        (
            "forbidden quote",
            "description",
            forbidden,
            Box::new(|r| r.body_map(|b| b.description("it's"))),
        ),
        (
            "forbidden parenthesis",
            "description",
            forbidden,
            Box::new(|r| r.body_map(|b| b.description("(x)"))),
        ),
        (
            "long description",
            "description",
            "must be at most 255 characters",
            Box::new(|r| r.body_map(|b| b.description(long(256)))),
        ),
        (
            "long src_region",
            "src_region",
            "must be at most 100 characters",
            Box::new(|r| r.body_map(|b| b.src_region(long(101)))),
        ),
        (
            "long src_bucket",
            "src_bucket",
            "must be at most 1024 characters",
            Box::new(|r| r.body_map(|b| b.src_bucket(long(1025)))),
        ),
        (
            "long dst_bucket",
            "dst_bucket",
            "must be at most 1024 characters",
            Box::new(|r| r.body_map(|b| b.dst_bucket(long(1025)))),
        ),
        (
            "long src_ak",
            "src_ak",
            "must be at most 100 characters",
            Box::new(|r| r.body_map(|b| b.src_ak(long(101)))),
        ),
        (
            "long dst_sk",
            "dst_sk",
            "must be at most 100 characters",
            Box::new(|r| r.body_map(|b| b.dst_sk(long(101)))),
        ),
        (
            "long app_id",
            "app_id",
            "must be at most 255 characters",
            Box::new(|r| r.body_map(|b| b.app_id(long(256)))),
        ),
        (
            "short kms id",
            "src_kms_key_id",
            "must be exactly 36 characters",
            Box::new(|r| r.body_map(|b| b.src_kms_key_id("k"))),
        ),
        (
            "unknown cloud",
            "src_cloud_type",
            "must be one of `AWS`, `Azure`, `Aliyun`, `Tencent`, `HuaweiCloud`, `QingCloud`, `KingsoftCloud`, `Baidu`, `Qiniu`, `UCloud`",
            Box::new(|r| r.body_map(|b| b.src_cloud_type("GCP"))),
        ),
        (
            "unknown policy",
            "dst_storage_policy",
            "must be one of `STANDARD`, `IA`, `ARCHIVE`, `DEEP_ARCHIVE`, `SRC_STORAGE_MAPPING`",
            Box::new(|r| r.body_map(|b| b.dst_storage_policy("COLD"))),
        ),
        (
            "unknown check",
            "consistency_check",
            "must be one of `size_last_modified`, `crc64`, `transmission`",
            Box::new(|r| r.body_map(|b| b.consistency_check("md5"))),
        ),
        (
            "incomplete CDN",
            "source_cdn.authentication_type",
            "is required",
            Box::new(|r| {
                r.body_map(|b| {
                    b.source_cdn(
                        types::SourceCdnReq::builder()
                            .domain("cdn.example.com")
                            .protocol("https"),
                    )
                })
            }),
        ),
        (
            "bad CDN protocol",
            "source_cdn.protocol",
            "must be one of `http`, `https`",
            Box::new(|r| {
                r.body_map(|b| {
                    b.source_cdn(
                        types::SourceCdnReq::builder()
                            .domain("cdn.example.com")
                            .protocol("ftp")
                            .authentication_type("NONE"),
                    )
                })
            }),
        ),
    ];
    check(&server, valid, |r| r.send(), cases).await;
}

#[tokio::test]
async fn sync_tasks_are_refused_in_a_region_that_does_not_offer_them() {
    let server = CannedServer::start(Canned::new(200, "")).await;
    let client = oms_api::Client::builder()
        .region(oms_api::Region::CnNorth1)
        .endpoint(server.url())
        .credentials(Credentials::iam_token("t").unwrap())
        .build()
        .unwrap();
    let error = client
        .stop_sync_task()
        .project_id("p")
        .sync_task_id("t")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid region: cn-north-1 does not offer StopSyncTask; it is offered in cn-north-4, cn-east-3, cn-southwest-2"
    );
    assert!(server.requests().is_empty());
    assert!(!oms_api::Region::CnNorth1.offers(&oms_api::operations::STOP_SYNC_TASK));
    assert!(oms_api::Region::CnSouthwest2.offers(&oms_api::operations::STOP_SYNC_TASK));
}

#[test]
fn rejects_an_iam_token_of_the_wrong_length() {
    for token in [String::new(), "t".repeat(16385)] {
        let error = Credentials::iam_token(token.clone()).unwrap_err();
        let Error::Validation(validation) = &error else {
            panic!("expected a validation error, got {error:?}");
        };
        assert_eq!(validation.field(), "X-Auth-Token");
        assert_eq!(validation.rule(), "must be 1 to 16384 characters");
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
fn a_project_id_is_checked_when_the_credentials_are_made() {
    for bad in ["\nX-Evil: 1", "中文", "a\u{7f}", "..", "a/b", ""] {
        let error = Credentials::access_key("AK", "sk")
            .unwrap()
            .with_project_id(bad)
            .unwrap_err();
        let Error::Validation(validation) = &error else {
            panic!("{bad:?}: expected a validation error, got {error:?}");
        };
        assert_eq!(validation.field(), "project_id", "{bad:?}");
    }
}

#[test]
fn building_a_client_requires_an_endpoint_and_credentials() {
    let error = oms_api::Client::builder()
        .credentials(Credentials::iam_token("t").unwrap())
        .build()
        .unwrap_err();
    assert!(error.to_string().starts_with("invalid endpoint"), "{error}");
    // Without credentials the chain is asked; here it finds nothing.
    let no_variables = oms_api::credentials::Environment::from_pairs::<&str, &str>([]);
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
