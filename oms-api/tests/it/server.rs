//! A raw HTTP/1.1 server on 127.0.0.1 for wire tests: it records every
//! request byte for byte and answers each with the same canned response.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use oms_api::{Client, Credentials, RetryConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A request as it arrived on the socket.
#[derive(Debug, Clone)]
pub struct RawRequest {
    pub method: String,
    /// The request target exactly as sent (path and query).
    pub target: String,
    /// Header names in lower case, in the order sent.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn body_json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("the body is JSON")
    }
}

/// The response every request gets.
#[derive(Debug, Clone)]
pub struct Canned {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Wait this long before answering (for timeout tests).
    pub delay: Duration,
}

impl Canned {
    pub fn new(status: u16, body: &str) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: body.as_bytes().to_vec(),
            delay: Duration::ZERO,
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

pub struct CannedServer {
    url: String,
    received: Arc<Mutex<Vec<RawRequest>>>,
}

type Reply = Arc<dyn Fn(&RawRequest) -> Canned + Send + Sync>;

impl CannedServer {
    /// Answers every request with `reply`.
    pub async fn start(reply: Canned) -> Self {
        Self::answering(move |_| reply.clone()).await
    }

    /// Answers each request with what `reply` makes of it.
    pub async fn answering(reply: impl Fn(&RawRequest) -> Canned + Send + Sync + 'static) -> Self {
        let reply: Reply = Arc::new(reply);
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let received = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&received);
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let (log, reply) = (Arc::clone(&log), Arc::clone(&reply));
                tokio::spawn(serve(stream, reply, log));
            }
        });
        Self { url, received }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn requests(&self) -> Vec<RawRequest> {
        self.received.lock().unwrap().clone()
    }

    /// How many requests arrived.
    pub fn count(&self) -> usize {
        self.received.lock().unwrap().len()
    }

    /// The latest request, if any.
    pub fn last(&self) -> Option<RawRequest> {
        self.received.lock().unwrap().last().cloned()
    }

    /// A client for this server authenticated with `token`, which sends
    /// every request once (so that tests count requests exactly).
    pub fn client(&self, token: &str) -> Client {
        Client::builder()
            .endpoint(&self.url)
            .credentials(Credentials::iam_token(token).unwrap())
            .retry(RetryConfig::disabled())
            .build()
            .unwrap()
    }
}

/// Reads one request, records it, then answers (so that a test sees the
/// request as soon as the client has the response).
async fn serve(
    mut stream: TcpStream,
    reply: Reply,
    log: Arc<Mutex<Vec<RawRequest>>>,
) -> Option<()> {
    let mut buffer = Vec::new();
    let head_end = loop {
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break end;
        }
    };
    let head = String::from_utf8(buffer[..head_end].to_vec()).ok()?;
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let method = request_line.next()?.to_owned();
    let target = request_line.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buffer[head_end + 4..].to_vec();
    while body.len() < length {
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    let request = RawRequest {
        method,
        target,
        headers,
        body,
    };
    let reply = reply(&request);
    log.lock().unwrap().push(request);
    tokio::time::sleep(reply.delay).await;
    let mut response = format!("HTTP/1.1 {} Canned\r\n", reply.status);
    for (name, value) in &reply.headers {
        response.push_str(&format!("{name}: {value}\r\n"));
    }
    response.push_str(&format!(
        "content-length: {}\r\nconnection: close\r\n\r\n",
        reply.body.len()
    ));
    let mut bytes = response.into_bytes();
    bytes.extend_from_slice(&reply.body);
    let _ = stream.write_all(&bytes).await;
    let _ = stream.shutdown().await;
    Some(())
}

/// A port on 127.0.0.1 where nothing listens, for as long as this lives: a
/// socket bound to it and never listening, so that a connection is refused
/// and no server started meanwhile (tests run in parallel) can take the
/// port, as one could after a listener's port was noted and closed.
pub struct ClosedPort(tokio::net::TcpSocket);

impl ClosedPort {
    pub fn port(&self) -> u16 {
        self.0.local_addr().unwrap().port()
    }
}

pub fn closed_port() -> ClosedPort {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    ClosedPort(socket)
}

/// StartSyncTask of `task` in `project` with destination keys only: the
/// request most tests send.
pub async fn start_sync_task(
    client: &Client,
    project: &str,
    task: &str,
) -> Result<(), oms_api::Error> {
    client
        .start_sync_task()
        .project_id(project)
        .sync_task_id(task)
        .body_map(|b| b.dst_ak("dst-ak").dst_sk(SECRET_CANARY))
        .send()
        .await
        .map(drop)
}

/// The destination secret key `start_sync_task` sends.
pub const SECRET_CANARY: &str = "CANARY-dst-sk-7f3a";

/// A CreateSyncTask body with every required field set to a valid value.
pub fn valid_create_body(
    body: oms_api::types::builder::CreateSyncTaskReq,
) -> oms_api::types::builder::CreateSyncTaskReq {
    body.src_region("r")
        .src_bucket("b")
        .src_ak("a")
        .src_sk("s")
        .dst_ak("a")
        .dst_sk("s")
        .dst_region("r")
        .dst_bucket("b")
}

/// A CreateTask body with its required fields set: an `object` task of the
/// whole source bucket.
pub fn valid_create_task_body(
    body: oms_api::types::builder::CreateTaskReq,
) -> oms_api::types::builder::CreateTaskReq {
    use oms_api::types::{DstNodeReq, SrcNodeReq};
    body.src_node(
        SrcNodeReq::builder()
            .cloud_type("Aliyun")
            .region("cn-hangzhou")
            .ak("a")
            .sk("s")
            .bucket("src")
            .object_key([""]),
    )
    .dst_node(
        DstNodeReq::builder()
            .ak("a")
            .sk("s")
            .bucket("dst")
            .region("cn-north-4"),
    )
}

/// A CreateTaskGroup body with its required fields set.
pub fn valid_create_task_group_body(
    body: oms_api::types::builder::CreateTaskGroupReq,
) -> oms_api::types::builder::CreateTaskGroupReq {
    use oms_api::types::{TaskGroupDstNode, TaskGroupSrcNode};
    body.src_node(
        TaskGroupSrcNode::builder()
            .cloud_type("Aliyun")
            .region("cn-hangzhou")
            .ak("a")
            .sk("s")
            .bucket("src")
            .object_key([""]),
    )
    .dst_node(
        TaskGroupDstNode::builder()
            .ak("a")
            .sk("s")
            .bucket("dst")
            .region("cn-north-4"),
    )
}

/// A ShowCdnInfo body with its required fields set.
pub fn valid_cdn_info_body(
    body: oms_api::types::builder::ShowCdnInfoReq,
) -> oms_api::types::builder::ShowCdnInfoReq {
    body.cloud_type("Aliyun")
        .region("cn-hangzhou")
        .bucket("src")
        .ak("a")
        .sk("s")
        .source_cdn(
            oms_api::types::SourceCdnReq::builder()
                .domain("cdn.example.com")
                .protocol("https")
                .authentication_type("NONE"),
        )
}

/// No traffic limits, for the operations that replace them.
pub fn no_limits() -> Vec<oms_api::types::BandwidthPolicy> {
    Vec::new()
}

/// A server whose every connection is handed to a script, for behaviours no
/// well-formed server has (endless bodies, hanging up); it counts the
/// connections it accepted.
pub struct ScriptedServer {
    url: String,
    connections: Arc<std::sync::atomic::AtomicUsize>,
}

impl ScriptedServer {
    pub async fn start<F, Fut>(script: F) -> Self
    where
        F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let connections = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = Arc::clone(&connections);
        let script = Arc::new(script);
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                tokio::spawn((script)(stream));
            }
        });
        Self { url, connections }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn connections(&self) -> usize {
        self.connections.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// Reads a request's head from `stream` (the body is not needed by the
/// scripts).
pub async fn read_head(stream: &mut TcpStream) {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    while !buffer.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
        }
    }
}

/// A client of the local OMS with an IAM token, which it accepts unless
/// told otherwise.
pub fn local_client(oms: &oms_api::local::LocalOms) -> Client {
    Client::builder()
        .endpoint(&oms.base_url())
        .credentials(Credentials::iam_token("token").unwrap())
        .build()
        .unwrap()
}

/// The HTTP status and error code of a service error.
pub fn service_code(error: &oms_api::Error) -> (u16, &str) {
    let e = error.as_service_error().expect("a service error");
    (e.status().as_u16(), e.code())
}

/// The origin, key and problem of a configuration error.
pub fn config_error(error: &oms_api::Error) -> (&str, &str, &str) {
    let oms_api::Error::Config(e) = error else {
        panic!("not a configuration error: {error:?}");
    };
    (e.origin(), e.key(), e.problem())
}

/// Runs this test binary's ignored tests whose paths contain `filter` in a
/// child process, on one thread, and checks that exactly `count` ran and
/// passed.
///
/// Tracing decides once per call site, for the whole process, whether anyone
/// listens, and a subscriber set for one thread races with the threads of
/// other tests that reach a call site first: an event or span can go unseen.
/// Tests that capture what the client traces run here, alone.
pub fn run_in_a_process_of_their_own(filter: &str, count: usize) {
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args([filter, "--ignored", "--test-threads=1", "--nocapture"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}{stderr}");
    assert!(
        stdout.contains(&format!("test result: ok. {count} passed")),
        "the child did not run {count} tests: {stdout}{stderr}"
    );
}
