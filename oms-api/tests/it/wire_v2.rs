//! Each of the 27 operations beyond sync tasks on the wire, signed with
//! AK/SK and verified by the local OMS (which refuses a signature that does
//! not match): the exact method, target, headers and body sent, and the
//! answer decoded.

use futures::FutureExt;
use futures::future::BoxFuture;
use oms_api::local::{LocalOms, SourceBucket};
use oms_api::types::{self, BandwidthPolicy, DstNodeReq, SrcNodeReq};
use oms_api::{Client, Credentials, Error};
use serde_json::{Value, json};

const AK: &str = "WIREAKWIREAKWIREAK01";
const SK: &str = "WireSecretKeyWireSecretKeyWireSecretKey0";
const PROJECT: &str = "0123456789abcdef0123456789abcdef";

type Send<'a> = BoxFuture<'a, Result<Value, Error>>;

/// One operation: how to call it, and what must arrive.
struct Case {
    call: for<'a> fn(&'a Client) -> Send<'a>,
    method: &'static str,
    /// After `/v2/{PROJECT}`, except for the version operations.
    target: &'static str,
    /// `None`: no body at all.
    body: Option<Value>,
}

/// The answer as JSON, for a look at what was decoded.
fn decoded<T: serde::Serialize>(value: oms_api::ResponseValue<T>) -> Value {
    serde_json::to_value(value.into_inner()).unwrap()
}

fn policy() -> types::builder::BandwidthPolicy {
    BandwidthPolicy::builder()
        .start("00:00")
        .end("06:30")
        .max_bandwidth(10_485_760)
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            call: |c| c.list_api_versions().send().map(|r| r.map(decoded)).boxed(),
            method: "GET",
            target: "/",
            body: None,
        },
        Case {
            call: |c| {
                c.show_api_info()
                    .version("v2")
                    .send()
                    .map(|r| r.map(decoded))
                    .boxed()
            },
            method: "GET",
            target: "/v2",
            body: None,
        },
        Case {
            call: |c| {
                c.create_task()
                    .project_id(PROJECT)
                    .body_map(|b| {
                        b.task_type("prefix")
                            .src_node(
                                SrcNodeReq::builder()
                                    .cloud_type("AWS")
                                    .region("us-east-1")
                                    .ak("srcAK")
                                    .sk("srcSK")
                                    .security_token("srcToken")
                                    .bucket("photos")
                                    .object_key(["2024/"]),
                            )
                            .dst_node(
                                DstNodeReq::builder()
                                    .ak("dstAK")
                                    .sk("dstSK")
                                    .bucket("dst")
                                    .region("cn-north-4")
                                    .save_prefix("copy/"),
                            )
                            .description("nightly")
                            .migrate_since(1_700_000_000)
                            .bandwidth_policy([policy()])
                            .enable_failed_object_recording(false)
                            .task_priority("HIGH")
                            .consistency_check("crc64")
                    })
                    .send()
                    .map(|r| r.map(decoded))
                    .boxed()
            },
            method: "POST",
            target: "/tasks",
            body: Some(json!({
                "task_type": "prefix",
                "src_node": {
                    "cloud_type": "AWS", "region": "us-east-1", "ak": "srcAK", "sk": "srcSK",
                    "security_token": "srcToken", "bucket": "photos", "object_key": ["2024/"]
                },
                "dst_node": {
                    "ak": "dstAK", "sk": "dstSK", "bucket": "dst", "region": "cn-north-4",
                    "save_prefix": "copy/"
                },
                "description": "nightly",
                "migrate_since": 1_700_000_000,
                "bandwidth_policy": [{"start": "00:00", "end": "06:30", "max_bandwidth": 10_485_760}],
                "enable_failed_object_recording": false,
                "task_priority": "HIGH",
                "consistency_check": "crc64"
            })),
        },
        Case {
            call: |c| {
                c.list_tasks()
                    .project_id(PROJECT)
                    .limit(5)
                    .offset(0)
                    .status(3)
                    .group_id("g-paused")
                    .task_name("photos")
                    .send()
                    .map(|r| r.map(decoded))
                    .boxed()
            },
            method: "GET",
            target: "/tasks?group_id=g-paused&limit=5&offset=0&status=3&task_name=photos",
            body: None,
        },
        Case {
            call: |c| {
                c.show_task()
                    .project_id(PROJECT)
                    .task_id(42)
                    .send()
                    .map(|r| r.map(decoded))
                    .boxed()
            },
            method: "GET",
            target: "/tasks/42",
            body: None,
        },
        Case {
            call: |c| {
                c.start_task()
                    .project_id(PROJECT)
                    .task_id(42)
                    .body_map(|b| {
                        b.src_ak("sAK")
                            .src_sk("sSK")
                            .src_security_token("sTok")
                            .dst_ak("dAK")
                            .dst_sk("dSK")
                            .dst_security_token("dTok")
                            .source_cdn_authentication_key("cdnKey")
                            .migrate_failed_object(true)
                    })
                    .send()
                    .map(|r| r.map(|_| Value::Null))
                    .boxed()
            },
            method: "POST",
            target: "/tasks/42/start",
            body: Some(json!({
                "src_ak": "sAK", "src_sk": "sSK", "src_security_token": "sTok",
                "dst_ak": "dAK", "dst_sk": "dSK", "dst_security_token": "dTok",
                "source_cdn_authentication_key": "cdnKey", "migrate_failed_object": true
            })),
        },
        Case {
            call: |c| {
                c.stop_task()
                    .project_id(PROJECT)
                    .task_id(43)
                    .send()
                    .map(|r| r.map(|_| Value::Null))
                    .boxed()
            },
            method: "POST",
            target: "/tasks/43/stop",
            body: None,
        },
        Case {
            call: |c| {
                c.update_bandwidth_policy()
                    .project_id(PROJECT)
                    .task_id(43)
                    .body_map(|b| b.bandwidth_policy([policy()]))
                    .send()
                    .map(|r| r.map(|_| Value::Null))
                    .boxed()
            },
            method: "PUT",
            target: "/tasks/43/bandwidth-policy",
            body: Some(
                json!({"bandwidth_policy": [{"start": "00:00", "end": "06:30", "max_bandwidth": 10_485_760}]}),
            ),
        },
        Case {
            call: |c| {
                c.batch_update_tasks()
                    .project_id(PROJECT)
                    .body_map(|b| {
                        b.group_id("g-paused")
                            .bandwidth_policy(Vec::<BandwidthPolicy>::new())
                    })
                    .send()
                    .map(|r| r.map(|_| Value::Null))
                    .boxed()
            },
            method: "POST",
            target: "/tasks/batch-update",
            body: Some(json!({"group_id": "g-paused", "bandwidth_policy": []})),
        },
        Case {
            call: |c| {
                c.delete_task()
                    .project_id(PROJECT)
                    .task_id(44)
                    .send()
                    .map(|r| r.map(|_| Value::Null))
                    .boxed()
            },
            method: "DELETE",
            target: "/tasks/44",
            body: None,
        },
        Case {
            call: |c| {
                c.create_task_group()
                    .project_id(PROJECT)
                    .body_map(|b| {
                        b.task_type("PREFIX")
                            .src_node(
                                types::TaskGroupSrcNode::builder()
                                    .cloud_type("Azure")
                                    .region("eastus")
                                    .connection_string(
                                        "DefaultEndpointsProtocol=https;AccountKey=k",
                                    )
                                    .bucket("container")
                                    .object_key(["a/", "b/"]),
                            )
                            .dst_node(
                                types::TaskGroupDstNode::builder()
                                    .ak("dAK")
                                    .sk("dSK")
                                    .region("cn-north-4")
                                    .bucket("dst"),
                            )
                            .enable_kms(false)
                    })
                    .send()
                    .map(|r| r.map(decoded))
                    .boxed()
            },
            method: "POST",
            target: "/taskgroups",
            body: Some(json!({
                "task_type": "PREFIX",
                "src_node": {
                    "cloud_type": "Azure", "region": "eastus",
                    "connection_string": "DefaultEndpointsProtocol=https;AccountKey=k",
                    "bucket": "container", "object_key": ["a/", "b/"]
                },
                "dst_node": {"ak": "dAK", "sk": "dSK", "region": "cn-north-4", "bucket": "dst"},
                "enable_kms": false
            })),
        },
        Case {
            call: |c| {
                c.list_task_group()
                    .project_id(PROJECT)
                    .limit(100)
                    .offset(2_147_483_647)
                    .status(0)
                    .send()
                    .map(|r| r.map(decoded))
                    .boxed()
            },
            method: "GET",
            target: "/taskgroups?limit=100&offset=2147483647&status=0",
            body: None,
        },
        Case {
            call: |c| {
                c.show_task_group()
                    .project_id(PROJECT)
                    .group_id("g-paused")
                    .send()
                    .map(|r| r.map(decoded))
                    .boxed()
            },
            method: "GET",
            target: "/taskgroups/g-paused",
            body: None,
        },
        Case {
            call: |c| {
                c.start_task_group()
                    .project_id(PROJECT)
                    .group_id("g-paused")
                    .body_map(|b| {
                        b.dst_ak("dAK")
                            .dst_sk("dSK")
                            .json_auth_file("{\"type\":\"service_account\"}")
                    })
                    .send()
                    .map(|r| r.map(|_| Value::Null))
                    .boxed()
            },
            method: "PUT",
            target: "/taskgroups/g-paused/start",
            body: Some(
                json!({"dst_ak": "dAK", "dst_sk": "dSK", "json_auth_file": "{\"type\":\"service_account\"}"}),
            ),
        },
        Case {
            call: |c| {
                c.stop_task_group()
                    .project_id(PROJECT)
                    .group_id("g-running")
                    .send()
                    .map(|r| r.map(|_| Value::Null))
                    .boxed()
            },
            method: "PUT",
            target: "/taskgroups/g-running/stop",
            body: None,
        },
        Case {
            call: |c| {
                c.retry_task_group()
                    .project_id(PROJECT)
                    .group_id("g-failed")
                    .body_map(|b| b.src_ak("").src_sk("").migrate_failed_object(false))
                    .send()
                    .map(|r| r.map(|_| Value::Null))
                    .boxed()
            },
            method: "PUT",
            target: "/taskgroups/g-failed/retry",
            body: Some(json!({"src_ak": "", "src_sk": "", "migrate_failed_object": false})),
        },
        Case {
            call: |c| {
                c.update_task_group()
                    .project_id(PROJECT)
                    .group_id("g-failed")
                    .body_map(|b| b.bandwidth_policy([policy()]))
                    .send()
                    .map(|r| r.map(|_| Value::Null))
                    .boxed()
            },
            method: "PUT",
            target: "/taskgroups/g-failed/update",
            body: Some(
                json!({"bandwidth_policy": [{"start": "00:00", "end": "06:30", "max_bandwidth": 10_485_760}]}),
            ),
        },
        Case {
            call: |c| {
                c.delete_task_group()
                    .project_id(PROJECT)
                    .group_id("g-done")
                    .send()
                    .map(|r| r.map(|_| Value::Null))
                    .boxed()
            },
            method: "DELETE",
            target: "/taskgroups/g-done",
            body: None,
        },
        Case {
            call: |c| {
                c.show_bucket_list()
                    .project_id(PROJECT)
                    .body_map(|b| b.cloud_type("Aliyun").ak("sAK").sk("sSK"))
                    .send()
                    .map(|r| r.map(decoded))
                    .boxed()
            },
            method: "POST",
            target: "/objectstorage/buckets",
            body: Some(json!({"cloud_type": "Aliyun", "ak": "sAK", "sk": "sSK"})),
        },
        Case {
            call: |c| {
                c.show_bucket_objects()
                    .project_id(PROJECT)
                    .body_map(|b| {
                        b.cloud_type("Aliyun")
                            .bucket_name("photos")
                            .file_path("2024/")
                            .data_center("cn-hangzhou")
                            .page_size(1)
                            .behind_filename("")
                            .ak("sAK")
                            .sk("sSK")
                    })
                    .send()
                    .map(|r| r.map(decoded))
                    .boxed()
            },
            method: "POST",
            target: "/objectstorage/buckets/objects",
            body: Some(json!({
                "cloud_type": "Aliyun", "bucket_name": "photos", "file_path": "2024/",
                "data_center": "cn-hangzhou", "page_size": 1, "behind_filename": "",
                "ak": "sAK", "sk": "sSK"
            })),
        },
        Case {
            call: |c| {
                c.show_bucket_region()
                    .project_id(PROJECT)
                    .body_map(|b| {
                        b.cloud_type("Aliyun")
                            .bucket_name("photos")
                            .ak("sAK")
                            .sk("sSK")
                    })
                    .send()
                    .map(|r| r.map(decoded))
                    .boxed()
            },
            method: "POST",
            target: "/objectstorage/buckets/regions",
            body: Some(
                json!({"cloud_type": "Aliyun", "bucket_name": "photos", "ak": "sAK", "sk": "sSK"}),
            ),
        },
        Case {
            call: |c| {
                c.show_cdn_info()
                    .project_id(PROJECT)
                    .body_map(|b| {
                        crate::server::valid_cdn_info_body(b)
                            .bucket("photos")
                            .prefix(types::PrefixKeyInfo::builder().keys(["2024/a.jpg", "nope"]))
                    })
                    .send()
                    .map(|r| r.map(decoded))
                    .boxed()
            },
            method: "POST",
            target: "/objectstorage/buckets/cdn-info",
            body: Some(json!({
                "cloud_type": "Aliyun", "region": "cn-hangzhou", "bucket": "photos",
                "ak": "a", "sk": "s",
                "source_cdn": {"domain": "cdn.example.com", "protocol": "https", "authentication_type": "NONE"},
                "prefix": {"keys": ["2024/a.jpg", "nope"]}
            })),
        },
        Case {
            call: |c| {
                c.check_prefix()
                    .project_id(PROJECT)
                    .body_map(|b| {
                        b.cloud_type("Aliyun")
                            .bucket_name("photos")
                            .file_name("2024/")
                            .data_center("cn-hangzhou")
                            .ak("sAK")
                            .sk("sSK")
                    })
                    .send()
                    .map(|r| r.map(decoded))
                    .boxed()
            },
            method: "POST",
            target: "/objectstorage/buckets/prefix",
            body: Some(json!({
                "cloud_type": "Aliyun", "bucket_name": "photos", "file_name": "2024/",
                "data_center": "cn-hangzhou", "ak": "sAK", "sk": "sSK"
            })),
        },
        Case {
            call: |c| {
                c.check_url_source_list_file_format()
                    .project_id(PROJECT)
                    .body_map(|b| {
                        b.obs_bucket("lists")
                            .list_file_key("urls.txt")
                            .ak("dAK")
                            .sk("dSK")
                            .region("cn-north-4")
                    })
                    .send()
                    .map(|r| r.map(|_| Value::Null))
                    .boxed()
            },
            method: "POST",
            target: "/objectstorage/buckets/url-source-list-file",
            body: Some(
                json!({"obs_bucket": "lists", "list_file_key": "urls.txt", "ak": "dAK", "sk": "dSK", "region": "cn-north-4"}),
            ),
        },
        Case {
            call: |c| {
                c.show_cloud_type()
                    .project_id(PROJECT)
                    .type_("src")
                    .send()
                    .map(|r| r.map(decoded))
                    .boxed()
            },
            method: "GET",
            target: "/objectstorage/cloud-type?type=src",
            body: None,
        },
        Case {
            call: |c| {
                c.show_region_info()
                    .project_id(PROJECT)
                    .send()
                    .map(|r| r.map(decoded))
                    .boxed()
            },
            method: "GET",
            target: "/objectstorage/data-center",
            body: None,
        },
        Case {
            call: |c| {
                c.update_privacy_agreement_record()
                    .project_id(PROJECT)
                    .send()
                    .map(|r| r.map(|_| Value::Null))
                    .boxed()
            },
            method: "POST",
            target: "/privacy-agreements",
            body: None,
        },
    ]
}

async fn local_oms() -> LocalOms {
    LocalOms::builder()
        .access_key(AK, SK)
        .raw_migration_task(
            json!({"id": 42, "status": 3, "name": "photos-42", "group_id": "g-paused"}),
        )
        .raw_migration_task(json!({"id": 43, "status": 2}))
        .raw_migration_task(json!({"id": 44, "status": 5}))
        .raw_task_group(json!({"group_id": "g-paused", "status": 3}))
        .raw_task_group(json!({"group_id": "g-running", "status": 2}))
        .raw_task_group(json!({"group_id": "g-failed", "status": 5}))
        .raw_task_group(json!({"group_id": "g-done", "status": 6}))
        .source_bucket(
            SourceBucket::new("photos", "cn-hangzhou")
                .object("2024/a.jpg", 5)
                .object("2024/b.jpg", 6),
        )
        .list_file("lists", "urls.txt", "https://example.com/a.jpg\ta.jpg\n")
        .start()
        .await
        .unwrap()
}

#[tokio::test]
async fn every_operation_sends_exactly_what_was_asked_signed() {
    let oms = local_oms().await;
    let client = Client::builder()
        .endpoint(&oms.base_url())
        .credentials(Credentials::access_key(AK, SK).unwrap())
        .build()
        .unwrap();
    let cases = cases();
    assert_eq!(cases.len(), 27);
    let mut answers = Vec::new();
    for (n, case) in cases.iter().enumerate() {
        let answer = (case.call)(&client)
            .await
            .unwrap_or_else(|e| panic!("{} {}: {e:?}", case.method, case.target));
        answers.push(answer);
        let sent = &oms.requests()[n];
        let target = if case.target.starts_with("/v2") || case.target == "/" {
            case.target.to_owned()
        } else {
            format!("/v2/{PROJECT}{}", case.target)
        };
        assert_eq!(
            (sent.method(), sent.target()),
            (case.method, target.as_str())
        );
        let authorization = sent.header("authorization").unwrap_or_default();
        assert!(
            authorization.starts_with("SDK-HMAC-SHA256 Access=WIREAK"),
            "{authorization}"
        );
        assert_eq!(sent.header("user-agent"), Some(oms_api::USER_AGENT));
        assert!(sent.header("x-sdk-date").is_some());
        match &case.body {
            Some(body) => {
                assert_eq!(
                    sent.header("content-type"),
                    Some("application/json"),
                    "{target}"
                );
                let received: Value = serde_json::from_slice(sent.body()).unwrap();
                assert_eq!(&received, body, "{} {target}", case.method);
            }
            None => assert!(
                sent.body().is_empty(),
                "{} {target} has a body",
                case.method
            ),
        }
    }
    // A few answers, decoded.
    assert_eq!(answers[0]["versions"][1]["status"], "CURRENT");
    assert_eq!(answers[4]["id"], 42);
    assert_eq!(answers[18], json!(["photos"]));
    assert_eq!(
        answers[19]["records"],
        json!([{"name": "2024/a.jpg", "size": "5"}])
    );
    assert_eq!(answers[19]["next_marker"], "2024/a.jpg");
    assert_eq!(answers[20]["id"], "cn-hangzhou");
    assert_eq!(
        answers[21]["checked_keys"][1],
        json!({"key": "nope", "is_etag_matching": false, "is_object_existing": false})
    );
    assert_eq!(answers[22]["exist"], true);
    assert_eq!(answers[24][0], "AWS");
    assert!(oms.privacy_agreed());
}
