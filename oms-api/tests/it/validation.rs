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
            "must be 1 to 100 characters",
            Box::new(|r| r.body_map(|b| b.src_region(long(101)))),
        ),
        (
            "long src_bucket",
            "src_bucket",
            "must be 1 to 1024 characters",
            Box::new(|r| r.body_map(|b| b.src_bucket(long(1025)))),
        ),
        (
            "long dst_bucket",
            "dst_bucket",
            "must be 1 to 1024 characters",
            Box::new(|r| r.body_map(|b| b.dst_bucket(long(1025)))),
        ),
        (
            "long src_ak",
            "src_ak",
            "must be 1 to 100 characters",
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
    // Without credentials the chain is asked; a malformed source in it is
    // an error when the client is built.
    let half = oms_api::credentials::Environment::from_pairs([("HUAWEICLOUD_SDK_AK", "A")]);
    let error = oms_api::Client::builder()
        .region(oms_api::Region::CnNorth4)
        .environment(half)
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

/// A server that answers every operation as it must be answered (`{}`, or
/// `[]` for the bare lists).
async fn any_server() -> CannedServer {
    CannedServer::answering(crate::security::answer).await
}

#[tokio::test]
async fn migration_task_rules() {
    use oms_api::builder::{
        BatchUpdateTasks, CreateTask, ListTasks, StartTask, UpdateBandwidthPolicy,
    };
    use oms_api::types::{BandwidthPolicy, DstNodeReq, SrcNodeReq};
    let server = any_server().await;
    let client = server.client("token");

    let valid = || {
        client
            .create_task()
            .project_id("p")
            .body_map(crate::server::valid_create_task_body)
    };
    let cases: Vec<Case<'_, CreateTask<'_>>> = vec![
        (
            "forbidden description",
            "description",
            "must not contain any of `^`, `<`, `>`, `&`, `\"` and `'`",
            Box::new(|r| r.body_map(|b| b.description("a < b"))),
        ),
        (
            "negative migrate_since",
            "migrate_since",
            "must be 0 to 9223372036854775807",
            Box::new(|r| r.body_map(|b| b.migrate_since(-1))),
        ),
        (
            "six bandwidth policies",
            "bandwidth_policy",
            "must have at most 5 items",
            Box::new(|r| {
                r.body_map(|b| {
                    b.bandwidth_policy(vec![
                        BandwidthPolicy::builder()
                            .start("00:00")
                            .end("01:00")
                            .max_bandwidth(1_048_576);
                        6
                    ])
                })
            }),
        ),
        (
            "bad bandwidth hour",
            "bandwidth_policy[0].end",
            "must be a time of day `hh:mm`, 00:00 to 23:59",
            Box::new(|r| {
                r.body_map(|b| {
                    b.bandwidth_policy([BandwidthPolicy::builder()
                        .start("00:00")
                        .end("24:00")
                        .max_bandwidth(1_048_576)])
                })
            }),
        ),
        (
            "destination without sk",
            "dst_node.sk",
            "is required",
            Box::new(|r| {
                r.body_map(|b| {
                    b.dst_node(
                        DstNodeReq::builder()
                            .ak("a")
                            .bucket("dst")
                            .region("cn-north-4"),
                    )
                })
            }),
        ),
        (
            "501 object keys",
            "src_node.object_key",
            "must have at most 500 items",
            Box::new(|r| {
                r.body_map(|b| {
                    b.src_node(
                        SrcNodeReq::builder()
                            .bucket("src")
                            .object_key(vec!["k"; 501]),
                    )
                })
            }),
        ),
    ];
    check(&server, valid, |r| r.send(), cases).await;

    let valid = || client.list_tasks().project_id("p");
    let cases: Vec<Case<'_, ListTasks<'_>>> = vec![
        (
            "limit 101",
            "limit",
            "must be 1 to 100",
            Box::new(|r| r.limit(101)),
        ),
        (
            "offset 10001",
            "offset",
            "must be 0 to 10000",
            Box::new(|r| r.offset(10_001)),
        ),
        (
            "status 8",
            "status",
            "must be 1 to 7",
            Box::new(|r| r.status(8)),
        ),
        (
            "empty group id",
            "group_id",
            "must be 1 to 100 characters",
            Box::new(|r| r.group_id("")),
        ),
    ];
    check(&server, valid, |r| r.send(), cases).await;

    let valid = || {
        client
            .start_task()
            .project_id("p")
            .task_id(1)
            .body_map(|b| b.dst_ak("a").dst_sk("s"))
    };
    let cases: Vec<Case<'_, StartTask<'_>>> = vec![
        (
            "negative id",
            "task_id",
            "must be 0 to 999999999999999",
            Box::new(|r| r.task_id(-1)),
        ),
        (
            "huge id",
            "task_id",
            "must be 0 to 999999999999999",
            Box::new(|r| r.task_id(1_000_000_000_000_000_i64)),
        ),
        (
            "empty dst_sk",
            "dst_sk",
            "must be 1 to 100 characters",
            Box::new(|r| r.body_map(|b| b.dst_sk(""))),
        ),
        (
            "long token",
            "src_security_token",
            "must be at most 16384 characters",
            Box::new(|r| r.body_map(|b| b.src_security_token(long(16385)))),
        ),
    ];
    check(&server, valid, |r| r.send(), cases).await;

    let valid = || {
        client
            .update_bandwidth_policy()
            .project_id("p")
            .task_id(1)
            .body_map(|b| b.bandwidth_policy(crate::server::no_limits()))
    };
    let cases: Vec<Case<'_, UpdateBandwidthPolicy<'_>>> = vec![(
        "too little bandwidth",
        "bandwidth_policy[0].max_bandwidth",
        "must be 1048576 to 209715200",
        Box::new(|r| {
            r.body_map(|b| {
                b.bandwidth_policy([BandwidthPolicy::builder()
                    .start("00:00")
                    .end("01:00")
                    .max_bandwidth(1)])
            })
        }),
    )];
    check(&server, valid, |r| r.send(), cases).await;

    let valid = || {
        client
            .batch_update_tasks()
            .project_id("p")
            .body_map(|b| b.ids([1_i64]).bandwidth_policy(crate::server::no_limits()))
    };
    let cases: Vec<Case<'_, BatchUpdateTasks<'_>>> = vec![
        (
            "both group and ids",
            "request",
            "exactly one of `group_id` and `ids` must be set",
            Box::new(|r| r.body_map(|b| b.group_id("g"))),
        ),
        (
            "21 ids",
            "ids",
            "must have at most 20 items",
            Box::new(|r| r.body_map(|b| b.ids(vec![1_i64; 21]))),
        ),
    ];
    check(&server, valid, |r| r.send(), cases).await;
}

#[tokio::test]
async fn task_group_rules() {
    use oms_api::builder::{
        CreateTaskGroup, ListTaskGroup, RetryTaskGroup, ShowTaskGroup, StartTaskGroup,
    };
    let server = any_server().await;
    let client = server.client("token");

    let valid = || {
        client
            .create_task_group()
            .project_id("p")
            .body_map(crate::server::valid_create_task_group_body)
    };
    let cases: Vec<Case<'_, CreateTaskGroup<'_>>> = vec![
        (
            "long description",
            "description",
            "must be at most 255 characters",
            Box::new(|r| r.body_map(|b| b.description(long(256)))),
        ),
        (
            "long connection string",
            "src_node.connection_string",
            "must be at most 2048 characters",
            Box::new(|r| {
                r.body_map(|b| {
                    b.src_node(
                        oms_api::types::TaskGroupSrcNode::builder().connection_string(long(2049)),
                    )
                })
            }),
        ),
    ];
    check(&server, valid, |r| r.send(), cases).await;

    let valid = || client.list_task_group().project_id("p");
    let cases: Vec<Case<'_, ListTaskGroup<'_>>> = vec![
        (
            "status 10",
            "status",
            "must be 0 to 9",
            Box::new(|r| r.status(10)),
        ),
        (
            "limit 0",
            "limit",
            "must be 1 to 100",
            Box::new(|r| r.limit(0)),
        ),
    ];
    check(&server, valid, |r| r.send(), cases).await;

    let valid = || client.show_task_group().project_id("p").group_id("g");
    let cases: Vec<Case<'_, ShowTaskGroup<'_>>> = vec![
        (
            "dot-dot group",
            "group_id",
            IDS,
            Box::new(|r| r.group_id("..")),
        ),
        (
            "empty group",
            "group_id",
            "must be 1 to 1024 characters",
            Box::new(|r| r.group_id("")),
        ),
    ];
    check(&server, valid, |r| r.send(), cases).await;

    let valid = || {
        client
            .start_task_group()
            .project_id("p")
            .group_id("g")
            .body_map(|b| b.dst_ak("a").dst_sk("s"))
    };
    let cases: Vec<Case<'_, StartTaskGroup<'_>>> = vec![(
        "long json auth file",
        "json_auth_file",
        "must be at most 65535 characters",
        Box::new(|r| r.body_map(|b| b.json_auth_file(long(65536)))),
    )];
    check(&server, valid, |r| r.send(), cases).await;

    let valid = || {
        client
            .retry_task_group()
            .project_id("p")
            .group_id("g")
            .body_map(|b| b)
    };
    let cases: Vec<Case<'_, RetryTaskGroup<'_>>> = vec![(
        "long cdn key",
        "source_cdn_authentication_key",
        "must be at most 255 characters",
        Box::new(|r| r.body_map(|b| b.source_cdn_authentication_key(long(256)))),
    )];
    check(&server, valid, |r| r.send(), cases).await;
}

#[tokio::test]
async fn bucket_helper_and_catalog_rules() {
    use oms_api::builder::{
        CheckPrefix, CheckUrlSourceListFileFormat, ShowApiInfo, ShowBucketList, ShowBucketObjects,
        ShowBucketRegion, ShowCdnInfo, ShowCloudType,
    };
    let server = any_server().await;
    let client = server.client("token");

    let valid = || {
        client
            .show_bucket_list()
            .project_id("p")
            .body_map(|b| b.cloud_type("Aliyun"))
    };
    let cases: Vec<Case<'_, ShowBucketList<'_>>> = vec![(
        "long app id",
        "app_id",
        "must be at most 255 characters",
        Box::new(|r| r.body_map(|b| b.app_id(long(256)))),
    )];
    check(&server, valid, |r| r.send(), cases).await;

    let valid = || {
        client.show_bucket_objects().project_id("p").body_map(|b| {
            b.cloud_type("Aliyun")
                .bucket_name("b")
                .file_path("")
                .data_center("r")
                .page_size(100)
                .behind_filename("")
        })
    };
    let cases: Vec<Case<'_, ShowBucketObjects<'_>>> = vec![
        (
            "page of 101",
            "page_size",
            "must be 1 to 100",
            Box::new(|r| r.body_map(|b| b.page_size(101))),
        ),
        (
            "a path that is not a folder",
            "file_path",
            "must be empty or end with `/`",
            Box::new(|r| r.body_map(|b| b.file_path("photos"))),
        ),
    ];
    check(&server, valid, |r| r.send(), cases).await;

    let valid = || {
        client
            .show_bucket_region()
            .project_id("p")
            .body_map(|b| b.cloud_type("Aliyun").bucket_name("b"))
    };
    let cases: Vec<Case<'_, ShowBucketRegion<'_>>> = vec![(
        "long bucket name",
        "bucket_name",
        "must be 1 to 100 characters",
        Box::new(|r| r.body_map(|b| b.bucket_name(long(101)))),
    )];
    check(&server, valid, |r| r.send(), cases).await;

    let valid = || {
        client
            .show_cdn_info()
            .project_id("p")
            .body_map(crate::server::valid_cdn_info_body)
    };
    let cases: Vec<Case<'_, ShowCdnInfo<'_>>> = vec![(
        "101 keys",
        "prefix.keys",
        "must have at most 100 items",
        Box::new(|r| {
            r.body_map(|b| b.prefix(oms_api::types::PrefixKeyInfo::builder().keys(vec!["k"; 101])))
        }),
    )];
    check(&server, valid, |r| r.send(), cases).await;

    let valid = || {
        client.check_prefix().project_id("p").body_map(|b| {
            b.cloud_type("Aliyun")
                .bucket_name("b")
                .file_name("x/")
                .data_center("r")
        })
    };
    let cases: Vec<Case<'_, CheckPrefix<'_>>> = vec![(
        "long security token",
        "security_token",
        "must be at most 16384 characters",
        Box::new(|r| r.body_map(|b| b.security_token(long(16385)))),
    )];
    check(&server, valid, |r| r.send(), cases).await;

    let valid = || {
        client
            .check_url_source_list_file_format()
            .project_id("p")
            .body_map(|b| b.obs_bucket("lists").list_file_key("urls.txt"))
    };
    let cases: Vec<Case<'_, CheckUrlSourceListFileFormat<'_>>> = vec![(
        "empty key",
        "list_file_key",
        "must be 1 to 1024 characters",
        Box::new(|r| r.body_map(|b| b.list_file_key(""))),
    )];
    check(&server, valid, |r| r.send(), cases).await;

    let valid = || client.show_cloud_type().project_id("p").type_("src");
    let cases: Vec<Case<'_, ShowCloudType<'_>>> = vec![(
        "a role that is neither",
        "type",
        "must be one of `src`, `dst`",
        Box::new(|r| r.type_("both")),
    )];
    check(&server, valid, |r| r.send(), cases).await;

    let valid = || client.show_api_info().version("v2");
    let cases: Vec<Case<'_, ShowApiInfo<'_>>> = vec![
        (
            "dot-dot version",
            "version",
            IDS,
            Box::new(|r| r.version("..")),
        ),
        (
            "slash version",
            "version",
            IDS,
            Box::new(|r| r.version("v2/../x")),
        ),
    ];
    check(&server, valid, |r| r.send(), cases).await;
}
