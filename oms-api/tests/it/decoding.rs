//! Every response type decodes what the service may send (reference §1):
//! every field `null` or missing, enum values and status numbers this client
//! does not know, `error_reason` as an object, `""` or `null`, bare arrays.
//! Each answer goes through a real call, so the decoding is the client's.

use oms_api::types::{self, ErrorReason};
use oms_api::{OpenEnum, TaskGroupStatus, TaskStatus};
use schemars::JsonSchema;
use serde_json::{Map, Value, json};

use crate::server::{Canned, CannedServer};

/// The JSON schema of `T`, as the spec made it.
fn schema<T: JsonSchema>() -> Value {
    serde_json::to_value(schemars::schema_for!(T)).unwrap()
}

/// An object with every property of `schema` (following `$ref`s into
/// `definitions`) set by `leaf`, objects and lists of objects filled in
/// down to `depth` levels.
fn every_property(root: &Value, schema: &Value, depth: usize, leaf: &Value) -> Value {
    let schema = resolve(root, schema);
    let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
        return leaf.clone();
    };
    let mut object = Map::new();
    for (name, property) in properties {
        let property = resolve(root, property);
        let value = if depth == 0 {
            leaf.clone()
        } else if property.get("properties").is_some() {
            every_property(root, property, depth - 1, leaf)
        } else if let Some(items) = property.get("items") {
            // A list of objects gets one; a list of strings or numbers is
            // empty (its items are values, not fields that may be null).
            if resolve(root, items).get("properties").is_some() {
                json!([every_property(root, items, depth - 1, leaf)])
            } else {
                json!([])
            }
        } else {
            leaf.clone()
        };
        object.insert(name.clone(), value);
    }
    Value::Object(object)
}

/// `schema` itself, or what its `$ref` (or single `allOf`/`anyOf` member,
/// as schemars writes an optional reference) points to.
fn resolve<'a>(root: &'a Value, schema: &'a Value) -> &'a Value {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let name = reference.rsplit('/').next().unwrap();
        return resolve(root, &root["definitions"][name]);
    }
    for key in ["allOf", "anyOf"] {
        if let Some(member) = schema
            .get(key)
            .and_then(Value::as_array)
            .and_then(|members| members.iter().find(|m| m.get("$ref").is_some()))
        {
            return resolve(root, member);
        }
    }
    schema
}

/// The response type of each operation that answers JSON.
fn response_schemas() -> Vec<(&'static str, Value)> {
    vec![
        ("CreateSyncTask", schema::<types::CreateSyncTaskResp>()),
        ("ListSyncTasks", schema::<types::ListSyncTasksResp>()),
        ("ShowSyncTask", schema::<types::ShowSyncTaskResp>()),
        (
            "ListSyncTaskStatistic",
            schema::<types::ListSyncTaskStatisticResp>(),
        ),
        ("ListApiVersions", schema::<types::ListApiVersionsResp>()),
        ("ShowApiInfo", schema::<types::ApiVersion>()),
        ("ListTasks", schema::<types::ListTasksResp>()),
        ("CreateTask", schema::<types::CreateTaskResp>()),
        ("ShowTask", schema::<types::TaskResp>()),
        ("ListTaskGroup", schema::<types::ListTaskGroupResp>()),
        ("CreateTaskGroup", schema::<types::CreateTaskGroupResp>()),
        ("ShowTaskGroup", schema::<types::TaskGroupResp>()),
        (
            "ShowBucketObjects",
            schema::<types::ShowBucketObjectsResp>(),
        ),
        ("ShowBucketRegion", schema::<types::ShowBucketRegionResp>()),
        ("ShowCdnInfo", schema::<types::ShowCdnInfoResp>()),
        ("CheckPrefix", schema::<types::CheckPrefixResp>()),
        ("ShowRegionInfo", schema::<Vec<types::RegionInfo>>()),
    ]
}

/// Sends operation `id` with valid input against a server answering
/// `body`; `Ok` when the answer decoded.
async fn decode(id: &str, body: &Value) -> Result<(), oms_api::Error> {
    let (_, call) = crate::security::calls()
        .into_iter()
        .find(|(op, _)| *op == id)
        .unwrap();
    let server = CannedServer::start(
        Canned::new(200, &body.to_string()).header("Content-Type", "application/json"),
    )
    .await;
    let client = server.client("token");
    let params = vec!["p".to_owned(), "42".to_owned()];
    call(&client, &params).await
}

#[tokio::test]
async fn every_response_decodes_with_fields_missing_or_null() {
    for (id, schema) in response_schemas() {
        // A bare list (ShowRegionInfo) answers lists of such items.
        let shapes = match schema.get("items") {
            Some(item) => vec![
                ("missing", json!([{}])),
                (
                    "null",
                    json!([every_property(&schema, item, 0, &Value::Null)]),
                ),
                (
                    "nested nulls",
                    json!([every_property(&schema, item, 3, &Value::Null)]),
                ),
            ],
            None => vec![
                ("missing", json!({})),
                ("null", every_property(&schema, &schema, 0, &Value::Null)),
                (
                    "nested nulls",
                    every_property(&schema, &schema, 3, &Value::Null),
                ),
            ],
        };
        for (shape, body) in shapes {
            decode(id, &body)
                .await
                .unwrap_or_else(|e| panic!("{id} with {shape} fields: {e:?}\n{body}"));
        }
    }
}

/// A ShowTask answer with everything this client cannot know.
fn odd_task(error_reason: Option<Value>) -> Value {
    let mut task = json!({
        "id": 42,
        "status": 0,
        "task_type": "incremental",
        "group_type": "NEW_GROUP",
        "src_node": {"cloud_type": "Wasabi", "object_key": ["a/"], "list_file": {"list_file_num": null}},
        "object_overwrite_mode": "NEWER_ONLY",
        "dst_storage_policy": "DEEP_ARCHIVE_IR",
        "consistency_check": "sha256",
        "obs_system": "PFS",
        "task_priority": "URGENT",
        "source_cdn": {"protocol": "quic", "authentication_type": "JWT"},
        "smn_info": {"notify_result": null},
        "bandwidth_policy": [{"start": "25:00", "end": null, "max_bandwidth": 1}],
        "failed_object_record": {"result": null, "error_code": "X"},
        "a_field_from_the_future": {"nested": [1, 2]},
    });
    if let Some(reason) = error_reason {
        task["error_reason"] = reason;
    }
    task
}

#[tokio::test]
async fn unknown_values_and_every_form_of_error_reason_decode() {
    let server = CannedServer::answering(|request| {
        let reason = match request.target.rsplit('/').next().unwrap_or_default() {
            "1" => Some(json!({"error_code": "TRF.0999", "error_msg": "new failure"})),
            "2" => Some(json!("")),
            "3" => Some(Value::Null),
            "4" => Some(json!("a failure in words")),
            _ => None,
        };
        Canned::new(200, &odd_task(reason).to_string()).header("Content-Type", "application/json")
    })
    .await;
    let client = server.client("token");
    let mut reasons = Vec::new();
    for id in 1..=5 {
        let task = client
            .show_task()
            .project_id("p")
            .task_id(id)
            .send()
            .await
            .unwrap_or_else(|e| panic!("task {id}: {e:?}"))
            .into_inner();
        assert_eq!(
            task.status.map(TaskStatus::from_code),
            Some(TaskStatus::Other(0))
        );
        assert_eq!(
            task.task_type,
            Some(OpenEnum::Unknown("incremental".to_owned()))
        );
        assert_eq!(
            task.src_node
                .as_ref()
                .unwrap()
                .cloud_type
                .as_ref()
                .unwrap()
                .to_string(),
            "Wasabi"
        );
        assert!(!task.task_priority.as_ref().unwrap().is_known());
        reasons.push(task.error_reason);
    }
    assert!(matches!(
        &reasons[0],
        Some(ErrorReason::ErrorReasonResp(r)) if r.error_code.as_deref() == Some("TRF.0999")
    ));
    assert_eq!(reasons[1], Some(ErrorReason::String(String::new())));
    assert_eq!(reasons[2], None);
    assert_eq!(
        reasons[3],
        Some(ErrorReason::String("a failure in words".to_owned()))
    );
    assert_eq!(reasons[4], None);
}

#[tokio::test]
async fn unknown_group_states_and_version_states_decode() {
    let group = json!({
        "group_id": "g", "status": 42, "task_type": "MANIFEST",
        "src_node": {"cloud_type": "WASABI"}, "error_reason": "",
        "smn_config": {"topic_name": null}, "total_num": null
    });
    let server = CannedServer::start(
        Canned::new(
            200,
            &json!({"taskgroups": [group], "count": null}).to_string(),
        )
        .header("Content-Type", "application/json"),
    )
    .await;
    let page = server
        .client("token")
        .list_task_group()
        .project_id("p")
        .send()
        .await
        .unwrap()
        .into_inner();
    let group = &page.taskgroups.unwrap()[0];
    assert_eq!(
        group.status.map(TaskGroupStatus::from_code),
        Some(TaskGroupStatus::Other(42))
    );
    assert_eq!(group.task_type.as_ref().unwrap().to_string(), "MANIFEST");
    assert_eq!(page.count, None);

    let server = CannedServer::start(
        Canned::new(
            200,
            r#"{"versions":[{"id":"v3","status":"EXPERIMENTAL","links":[{"href":"x","rel":"next"}],"updated":null}]}"#,
        )
        .header("Content-Type", "application/json"),
    )
    .await;
    let versions = server
        .client("token")
        .list_api_versions()
        .send()
        .await
        .unwrap()
        .into_inner();
    let version = &versions.versions.unwrap()[0];
    assert_eq!(
        version.status,
        Some(OpenEnum::Unknown("EXPERIMENTAL".to_owned()))
    );
}

#[tokio::test]
async fn bare_arrays_decode() {
    for (id, body) in [
        ("ShowBucketList", json!(["photos", "logs", ""])),
        ("ShowCloudType", json!(["AWS", "SomeNewCloud"])),
        (
            "ShowRegionInfo",
            json!([{"service_name": "AWS", "region_list": null, "extra": 1}, {}]),
        ),
        ("ShowRegionInfo", json!([])),
    ] {
        decode(id, &body)
            .await
            .unwrap_or_else(|e| panic!("{id}: {e:?}"));
    }
    // An object where a list is due is not accepted.
    let error = decode("ShowBucketList", &json!({"buckets": []}))
        .await
        .unwrap_err();
    assert!(
        matches!(error, oms_api::Error::InvalidResponse { .. }),
        "{error:?}"
    );
}
