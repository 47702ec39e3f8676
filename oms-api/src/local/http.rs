//! The local OMS's HTTP side: accepting connections, reading and recording
//! each request, routing it by the spec's path templates to its operation,
//! and answering the way OMS and its gateway do (`X-Request-Id` and `Date`
//! on every response, JSON error bodies).

use std::hash::BuildHasher;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use percent_encoding::percent_decode_str;
use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use super::input::{Call, Outcome, Refusal};
use super::record::RecordedRequest;
use super::{Answer, Shared, State, buckets, catalog, gateway, sync_tasks, task_groups, tasks};
use crate::operation::{Operation, Segment};
use crate::operations;

/// The largest body the API gateway accepts (12 MB).
const MAX_BODY: usize = 12 * 1024 * 1024;

/// Serves `listener` until `stopped` fires.
pub(super) async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut stopped: oneshot::Receiver<()>,
) {
    loop {
        let stream = tokio::select! {
            _ = &mut stopped => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(_) => continue,
            },
        };
        let shared = Arc::clone(&shared);
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                let shared = Arc::clone(&shared);
                async move { handle(&shared, request).await }
            });
            // A client that hangs up mid-request is not our concern.
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// A fault: the connection is closed without an answer.
#[derive(Debug)]
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped (an injected fault)")
    }
}

impl std::error::Error for Dropped {}

/// What a fault does to a request that passed the gateway.
enum Fault {
    None,
    /// Answered `503`, not processed.
    Unavailable,
    /// Processed, then the connection is closed.
    Drop,
}

fn fault(shared: &Shared, serial: u64) -> Fault {
    if shared.faults <= 0.0 {
        return Fault::None;
    }
    // A uniform draw in [0, 1) from the request's serial number.
    let draw = (shared.ids.hash_one(("fault", serial)) >> 11) as f64 / (1u64 << 53) as f64;
    if draw >= shared.faults {
        Fault::None
    } else if draw < shared.faults / 2.0 {
        Fault::Unavailable
    } else {
        Fault::Drop
    }
}

async fn handle(
    shared: &Shared,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Dropped> {
    let serial = shared.served.fetch_add(1, Ordering::Relaxed);
    let request_id = format!(
        "{:016x}{:016x}",
        shared.ids.hash_one(std::time::SystemTime::now()),
        shared.ids.hash_one(serial)
    );
    let (parts, body) = request.into_parts();
    let (status, body) = match Limited::new(body, MAX_BODY).collect().await {
        Ok(collected) => {
            let recorded = RecordedRequest {
                method: parts.method,
                target: parts
                    .uri
                    .path_and_query()
                    .map_or("/", |p| p.as_str())
                    .to_owned(),
                headers: parts.headers,
                body: collected.to_bytes(),
            };
            if shared.record {
                shared.lock().requests.push(recorded.clone());
            }
            let (answer, dropped) = answer(shared, &recorded, &request_id, serial);
            if dropped {
                return Err(Dropped);
            }
            answer
        }
        Err(_) => gateway::error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "APIGW.0201",
            "Request body too large",
            &request_id,
        ),
    };
    let mut response = Response::new(Full::new(match &body {
        Some(json) => Bytes::from(json.to_string()),
        None => Bytes::new(),
    }));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        "x-request-id",
        request_id.parse().expect("hex is a header value"),
    );
    let date = crate::date::Civil::from_system(shared.gateway.now())
        .expect("the local OMS's clock is in years 1 to 9999")
        .http();
    headers.insert("date", date.parse().expect("a date is a header value"));
    if body.is_some() {
        headers.insert(
            "content-type",
            "application/json".parse().expect("static header value"),
        );
    }
    Ok(response)
}

/// The answer to `request`, and whether its connection is then dropped.
fn answer(
    shared: &Shared,
    request: &RecordedRequest,
    request_id: &str,
    serial: u64,
) -> (Answer, bool) {
    if let Err(answer) = shared.gateway.authenticate(request, request_id) {
        return (answer, false);
    }
    if request.method() == "GET" && request.path() == "/v3/projects" {
        return (projects(&shared.lock(), request), false);
    }
    let Some((op, params)) = route(request.method(), request.path()) else {
        let answer = gateway::error(
            StatusCode::NOT_FOUND,
            "APIGW.0101",
            "The API does not exist or has not been published in the environment",
            request_id,
        );
        return (answer, false);
    };
    if let Some(throttle) = &shared.throttle
        && !throttle.admit(op.index)
    {
        shared.throttled.fetch_add(1, Ordering::Relaxed);
        return (throttle.refusal(request_id), false);
    }
    if shared.outage.load(Ordering::SeqCst) {
        let answer = gateway::error(
            StatusCode::SERVICE_UNAVAILABLE,
            "APIGW.0201",
            "Backend unavailable (an outage)",
            request_id,
        );
        return (answer, false);
    }
    let dropped = match fault(shared, serial) {
        Fault::None => false,
        Fault::Unavailable => {
            let answer = gateway::error(
                StatusCode::SERVICE_UNAVAILABLE,
                "APIGW.0201",
                "Backend unavailable (an injected fault)",
                request_id,
            );
            return (answer, false);
        }
        Fault::Drop => true,
    };
    let Ok(url) = url::Url::parse(&format!("http://local.oms{}", request.target())) else {
        let answer = gateway::error(
            StatusCode::BAD_REQUEST,
            "APIGW.0201",
            "Bad request",
            request_id,
        );
        return (answer, dropped);
    };
    let call = Call {
        op,
        params,
        query: url.query_pairs().into_owned().collect(),
        url,
        body: request.body(),
        host: request
            .headers()
            .get("host")
            .and_then(|h| h.to_str().ok())
            .unwrap_or("127.0.0.1"),
    };
    let mut state = shared.lock();
    let answer = match dispatch(&mut state, &call) {
        Ok(body) => (StatusCode::OK, body),
        Err(Refusal {
            status,
            code,
            message,
        }) => (
            status,
            Some(json!({ "error_code": code, "error_msg": message })),
        ),
    };
    (answer, dropped)
}

/// IAM's `GET /v3/projects?name=<region>`: the projects of that name.
fn projects(state: &State, request: &RecordedRequest) -> Answer {
    let name = url::Url::parse(&format!("http://local.oms{}", request.target()))
        .ok()
        .and_then(|url| {
            url.query_pairs()
                .find(|(key, _)| key == "name")
                .map(|(_, value)| value.into_owned())
        })
        .unwrap_or_default();
    let projects: Vec<_> = if state.projects.is_empty() {
        vec![json!({ "id": super::DEFAULT_PROJECT_ID, "name": name, "enabled": true })]
    } else {
        state
            .projects
            .iter()
            .filter(|(project, _)| *project == name)
            .map(|(project, id)| json!({ "id": id, "name": project, "enabled": true }))
            .collect()
    };
    (StatusCode::OK, Some(json!({ "projects": projects })))
}

/// The operation whose method and path template match, with its path
/// parameters decoded; a template with more literal segments wins.
fn route(method: &str, path: &str) -> Option<(&'static Operation, Vec<String>)> {
    let segments: Vec<&str> = match path.strip_prefix('/') {
        Some("") | None => Vec::new(),
        Some(rest) => rest.split('/').collect(),
    };
    operations::ALL
        .iter()
        .filter(|op| op.method().as_str() == method && op.segments().len() == segments.len())
        .filter_map(|op| {
            let mut params = Vec::new();
            let mut literals = 0;
            for (segment, expected) in segments.iter().zip(op.segments()) {
                match expected {
                    Segment::Literal(text) if segment == text => literals += 1,
                    Segment::Literal(_) => return None,
                    Segment::Param(_) => {
                        params.push(percent_decode_str(segment).decode_utf8().ok()?.into_owned())
                    }
                }
            }
            Some((literals, *op, params))
        })
        .max_by_key(|(literals, _, _)| *literals)
        .map(|(_, op, params)| (op, params))
}

/// Runs the operation.
fn dispatch(state: &mut State, call: &Call<'_>) -> Outcome {
    match call.op.id() {
        "CreateSyncTask" => sync_tasks::create(state, call),
        "ListSyncTasks" => sync_tasks::list(state, call),
        "ShowSyncTask" => sync_tasks::show(state, call),
        "DeleteSyncTask" => sync_tasks::delete(state, call),
        "StartSyncTask" => sync_tasks::start(state, call),
        "StopSyncTask" => sync_tasks::stop(state, call),
        "CreateSyncEvents" => sync_tasks::events(state, call),
        "ListSyncTaskStatistic" => sync_tasks::statistics(state, call),
        "ListTasks" => tasks::list(state, call),
        "CreateTask" => tasks::create(state, call),
        "ShowTask" => tasks::show(state, call),
        "DeleteTask" => tasks::delete(state, call),
        "StartTask" => tasks::start(state, call),
        "StopTask" => tasks::stop(state, call),
        "UpdateBandwidthPolicy" => tasks::update_bandwidth(state, call),
        "BatchUpdateTasks" => tasks::batch_update(state, call),
        "ListTaskGroup" => task_groups::list(state, call),
        "CreateTaskGroup" => task_groups::create(state, call),
        "ShowTaskGroup" => task_groups::show(state, call),
        "DeleteTaskGroup" => task_groups::delete(state, call),
        "StopTaskGroup" => task_groups::stop(state, call),
        "StartTaskGroup" => task_groups::start(state, call),
        "RetryTaskGroup" => task_groups::retry(state, call),
        "UpdateTaskGroup" => task_groups::update(state, call),
        "ShowBucketList" => buckets::list(state, call),
        "ShowBucketObjects" => buckets::objects(state, call),
        "ShowBucketRegion" => buckets::region(state, call),
        "ShowCdnInfo" => buckets::cdn_info(state, call),
        "CheckPrefix" => buckets::check_prefix(state, call),
        "CheckUrlSourceListFileFormat" => buckets::check_list_file(state, call),
        "ShowCloudType" => catalog::cloud_types(state, call),
        "ShowRegionInfo" => catalog::regions(state, call),
        "ListApiVersions" => catalog::list_versions(state, call),
        "ShowApiInfo" => catalog::show_version(state, call),
        "UpdatePrivacyAgreementRecord" => catalog::agree_privacy(state, call),
        other => Err(Refusal {
            status: StatusCode::NOT_IMPLEMENTED,
            code: "OMS.0001",
            message: format!("{other} is not implemented by the local OMS"),
        }),
    }
}
