//! What the local OMS says about itself and the clouds it knows: API
//! versions (ListApiVersions, ShowApiInfo), cloud vendors (ShowCloudType),
//! regions (ShowRegionInfo), and the privacy agreement
//! (UpdatePrivacyAgreementRecord).

use hyper::StatusCode;
use serde_json::{Value, json};

use super::State;
use super::input::{Call, Outcome, Refusal, invalid};

/// The versions of the API, as the service lists them.
fn versions(base: &str) -> Vec<Value> {
    [("v1", "SUPPORTED"), ("v2", "CURRENT")]
        .into_iter()
        .map(|(id, status)| {
            json!({
                "id": id,
                "links": [{ "href": format!("{base}/{id}/"), "rel": "self" }],
                "status": status,
                "updated": "2021-03-01T00:00:00Z",
            })
        })
        .collect()
}

/// ListApiVersions.
pub(super) fn list_versions(_: &mut State, call: &Call<'_>) -> Outcome {
    Ok(Some(json!({ "versions": versions(&call.base_url()) })))
}

/// ShowApiInfo: an unknown version is a path the gateway does not know.
pub(super) fn show_version(_: &mut State, call: &Call<'_>) -> Outcome {
    call.check_rules()?;
    versions(&call.base_url())
        .into_iter()
        .find(|v| v["id"] == call.param(0))
        .map(Some)
        .ok_or_else(|| Refusal {
            status: StatusCode::NOT_FOUND,
            code: "APIGW.0101",
            message: "The API does not exist or has not been published in the environment"
                .to_owned(),
        })
}

/// The source clouds of the documentation's example.
const SOURCE_CLOUDS: [&str; 12] = [
    "AWS",
    "Aliyun",
    "Qiniu",
    "QingCloud",
    "Tencent",
    "Baidu",
    "KingsoftCloud",
    "Azure",
    "UCloud",
    "HuaweiCloud",
    "Google",
    "URLSource",
];

/// ShowCloudType: `type` is `src` or `dst` (Huawei Cloud only).
pub(super) fn cloud_types(_: &mut State, call: &Call<'_>) -> Outcome {
    call.check_rules()?;
    let role: crate::types::CloudTypeRole = call.required("type")?;
    Ok(Some(match role {
        crate::types::CloudTypeRole::Src => json!(SOURCE_CLOUDS),
        crate::types::CloudTypeRole::Dst => json!(["HuaweiCloud"]),
    }))
}

/// ShowRegionInfo: a few regions of a few vendors.
pub(super) fn regions(_: &mut State, call: &Call<'_>) -> Outcome {
    call.check_rules()?;
    let vendor = |name: &str, cloud_type: &str, regions: &[(&str, &str)]| {
        let list: Vec<Value> = regions
            .iter()
            .map(|(value, description)| {
                json!({ "cloud_type": cloud_type, "value": value, "description": description })
            })
            .collect();
        json!({ "service_name": name, "region_list": list })
    };
    Ok(Some(json!([
        vendor(
            "Aliyun",
            "Aliyun",
            &[
                ("cn-hangzhou", "China (Hangzhou)"),
                ("cn-shanghai", "China (Shanghai)")
            ]
        ),
        vendor(
            "AWS",
            "AWS",
            &[
                ("us-east-1", "US East (N. Virginia)"),
                ("eu-west-1", "Europe (Ireland)")
            ]
        ),
        vendor(
            "HuaweiCloud",
            "HuaweiCloud",
            &[
                ("cn-north-4", "CN North-Beijing4"),
                ("ap-southeast-1", "AP-Hong Kong")
            ]
        ),
    ])))
}

/// UpdatePrivacyAgreementRecord: records the consent.
pub(super) fn agree_privacy(state: &mut State, call: &Call<'_>) -> Outcome {
    call.check_rules()?;
    if !call.body.is_empty() {
        return Err(invalid("the request has no body"));
    }
    state.privacy_agreed = true;
    Ok(None)
}
