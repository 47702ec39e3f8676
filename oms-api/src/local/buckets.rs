//! The bucket helpers of the local OMS (ShowBucketList, ShowBucketObjects,
//! ShowBucketRegion, ShowCdnInfo, CheckPrefix, CheckUrlSourceListFileFormat),
//! answered from the [`SourceBucket`]s and list files it was given.
//!
//! The service calls the source cloud with the keys in the body; this
//! server has no source cloud, so it asks only that keys are there (except
//! for a URL source) and answers from its buckets. An unknown bucket or list
//! file is `400 OMS.0064` (invalid request); the service's own answer
//! depends on the source cloud and is not documented.

use serde_json::{Value, json};

use super::State;
use super::input::{Call, Outcome, Refusal, refuse};
use crate::types;

/// A bucket of a source cloud, as the local OMS's bucket helpers see it.
///
/// ```
/// use oms_api::local::SourceBucket;
///
/// let bucket = SourceBucket::new("photos", "cn-hangzhou")
///     .object("2024/a.jpg", 1024)
///     .object("2024/b.jpg", 2048)
///     .object("readme.txt", 10);
/// # let _ = bucket;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceBucket {
    name: String,
    region: String,
    /// Sorted by key.
    objects: Vec<(String, u64)>,
}

impl SourceBucket {
    /// An empty bucket named `name` in `region`.
    pub fn new(name: impl Into<String>, region: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            region: region.into(),
            objects: Vec::new(),
        }
    }

    /// Adds (or replaces) the object `key` of `size` bytes.
    pub fn object(mut self, key: impl Into<String>, size: u64) -> Self {
        let key = key.into();
        match self.objects.binary_search_by(|(k, _)| k.cmp(&key)) {
            Ok(at) => self.objects[at].1 = size,
            Err(at) => self.objects.insert(at, (key, size)),
        }
        self
    }

    pub(super) fn name(&self) -> &str {
        &self.name
    }

    /// How many objects, and how many bytes, `chosen` selects.
    pub(super) fn count(&self, chosen: impl Fn(&str) -> bool) -> (u64, u64) {
        self.objects
            .iter()
            .filter(|(key, _)| chosen(key))
            .fold((0, 0), |(n, bytes), (_, size)| {
                (n + 1, bytes.saturating_add(*size))
            })
    }

    /// The entries directly under `folder` (`""` is the root), sorted by
    /// name: objects with their size, sub-folders (ending in `/`) with
    /// `"--"`.
    fn entries(&self, folder: &str) -> Vec<(String, String)> {
        let mut entries: Vec<(String, String)> = Vec::new();
        for (key, size) in &self.objects {
            let Some(rest) = key.strip_prefix(folder) else {
                continue;
            };
            match rest.find('/') {
                Some(end) => {
                    let sub = format!("{folder}{}", &rest[..=end]);
                    if entries.last().is_none_or(|(last, _)| *last != sub) {
                        entries.push((sub, "--".to_owned()));
                    }
                }
                None if !rest.is_empty() => entries.push((key.clone(), size.to_string())),
                None => {}
            }
        }
        entries.sort();
        entries.dedup_by(|a, b| a.0 == b.0);
        entries
    }
}

/// A list file stored in OBS, for CheckUrlSourceListFileFormat.
#[derive(Debug, Clone)]
pub(super) struct ListFile {
    pub(super) bucket: String,
    pub(super) key: String,
    pub(super) content: String,
}

/// The bucket named by `field` of the body, which must be one the local OMS
/// has, asked for with keys unless the source is a URL list.
fn bucket<'s>(state: &'s State, body: &Value, field: &str) -> Result<&'s SourceBucket, Refusal> {
    let keyed = body["ak"].as_str().is_some_and(|s| !s.is_empty())
        && body["sk"].as_str().is_some_and(|s| !s.is_empty());
    let anonymous = body["cloud_type"] == "URLSource";
    if !keyed
        && !anonymous
        && body["connection_string"].is_null()
        && body["json_auth_file"].is_null()
    {
        return Err(refuse(
            "OMS.0064",
            "Invalid request: the source cloud's keys are required",
        ));
    }
    let name = body[field].as_str().unwrap_or_default();
    state
        .buckets
        .iter()
        .find(|b| b.name == name)
        .ok_or_else(|| refuse("OMS.0064", format!("Invalid request: no bucket {name:?}")))
}

/// ShowBucketList: the names of every bucket, sorted.
pub(super) fn list(state: &mut State, call: &Call<'_>) -> Outcome {
    let _: types::ListBucketsReq = call.body()?;
    let body = call.json();
    if body["ak"].as_str().is_none_or(str::is_empty) && body["cloud_type"] != "URLSource" {
        return Err(refuse(
            "OMS.0064",
            "Invalid request: the source cloud's keys are required",
        ));
    }
    let mut names: Vec<&str> = state.buckets.iter().map(|b| b.name.as_str()).collect();
    names.sort_unstable();
    Ok(Some(json!(names)))
}

/// ShowBucketObjects: one page of the entries under `file_path`, after the
/// marker `behind_filename`.
pub(super) fn objects(state: &mut State, call: &Call<'_>) -> Outcome {
    let _: types::ShowBucketReq = call.body()?;
    let body = call.json();
    let bucket = bucket(state, &body, "bucket_name")?;
    let folder = body["file_path"].as_str().unwrap_or_default();
    let marker = body["behind_filename"].as_str().unwrap_or_default();
    let page_size = usize::try_from(body["page_size"].as_u64().unwrap_or(0)).unwrap_or(0);
    let after: Vec<(String, String)> = bucket
        .entries(folder)
        .into_iter()
        .filter(|(name, _)| marker.is_empty() || name.as_str() > marker)
        .collect();
    let more = after.len() > page_size;
    let page = &after[..page_size.min(after.len())];
    let next_marker = match page.last() {
        Some((name, _)) if more => name.clone(),
        _ => String::new(),
    };
    let records: Vec<Value> = page
        .iter()
        .map(|(name, size)| json!({ "name": name, "size": size }))
        .collect();
    Ok(Some(json!({
        "next_page": more,
        "next_marker": next_marker,
        "records": records,
    })))
}

/// ShowBucketRegion: the bucket's region, which OMS supports.
pub(super) fn region(state: &mut State, call: &Call<'_>) -> Outcome {
    let _: types::ShowBucketRegionReq = call.body()?;
    let bucket = bucket(state, &call.json(), "bucket_name")?;
    Ok(Some(json!({
        "id": bucket.region,
        "name": bucket.region,
        "support": true,
    })))
}

/// ShowCdnInfo: every checked key that is an object of the bucket can be
/// downloaded. A CDN that authenticates needs its key (`OMS.1032`).
pub(super) fn cdn_info(state: &mut State, call: &Call<'_>) -> Outcome {
    let _: types::ShowCdnInfoReq = call.body()?;
    let body = call.json();
    let cdn = &body["source_cdn"];
    if cdn["authentication_type"] != "NONE"
        && cdn["authentication_key"].as_str().is_none_or(str::is_empty)
    {
        return Err(refuse("OMS.1032", "The CDN authentication key is required"));
    }
    let bucket = bucket(state, &body, "bucket")?;
    let checked: Vec<Value> = body["prefix"]["keys"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(|key| {
            let exists = bucket.objects.iter().any(|(k, _)| k == key);
            json!({ "key": key, "is_etag_matching": exists, "is_object_existing": exists })
        })
        .collect();
    Ok(Some(json!({
        "is_same_cloud_type": true,
        "is_download_available": true,
        "checked_keys": checked,
    })))
}

/// CheckPrefix: whether any object's key starts with `file_name`.
pub(super) fn check_prefix(state: &mut State, call: &Call<'_>) -> Outcome {
    let _: types::CheckPrefixReq = call.body()?;
    let body = call.json();
    let bucket = bucket(state, &body, "bucket_name")?;
    let prefix = body["file_name"].as_str().unwrap_or_default();
    let exist = bucket
        .objects
        .iter()
        .any(|(key, _)| key.starts_with(prefix));
    Ok(Some(json!({ "exist": exist })))
}

/// The longest line a URL list file may have.
const MAX_LIST_LINE: usize = 65535;

/// CheckUrlSourceListFileFormat: 200 without a body when the file is a
/// valid URL list. The documentation names the failure reasons (`TRF.0016`
/// format, `TRF.0017` empty file, `TRF.0018` line longer than 65535) but
/// not the code of the `400`; this server answers with those codes.
pub(super) fn check_list_file(state: &mut State, call: &Call<'_>) -> Outcome {
    let _: types::CheckUrlSourceListFileFormatReq = call.body()?;
    let body = call.json();
    let (bucket, key) = (
        body["obs_bucket"].as_str().unwrap_or_default(),
        body["list_file_key"].as_str().unwrap_or_default(),
    );
    let file = state
        .list_files
        .iter()
        .find(|f| f.bucket == bucket && f.key == key)
        .ok_or_else(|| {
            refuse(
                "OMS.0064",
                format!("Invalid request: no list file {key:?} in bucket {bucket:?}"),
            )
        })?;
    if file.content.trim().is_empty() {
        return Err(refuse("TRF.0017", "The list file is empty"));
    }
    for (number, line) in file.content.lines().enumerate() {
        if line.len() > MAX_LIST_LINE {
            return Err(refuse(
                "TRF.0018",
                format!(
                    "Line {} of the list file is longer than {MAX_LIST_LINE} characters",
                    number + 1
                ),
            ));
        }
        if !(line.is_empty() || line.starts_with("http://") || line.starts_with("https://")) {
            return Err(refuse(
                "TRF.0016",
                format!("Line {} of the list file is not an http(s) URL", number + 1),
            ));
        }
    }
    Ok(None)
}
