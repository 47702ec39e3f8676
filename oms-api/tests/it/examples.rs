//! The example programs, run as a user runs them (`cargo test` builds them
//! beside this test binary): against a "real" endpoint — a loopback server
//! that records what it receives — missing or unpaired task keys are an
//! error and nothing is sent; sample keys never leave for it; credentials in
//! the profile file count; `--help` succeeds.

use std::path::PathBuf;
use std::process::{Command, Output};

use crate::server::{Canned, CannedServer};

/// The example's binary, built by `cargo test` next to this one.
fn example(name: &str, home: &std::path::Path) -> Command {
    let deps = std::env::current_exe().unwrap();
    let path: PathBuf = deps
        .parent()
        .and_then(|deps| deps.parent())
        .map(|profile| profile.join("examples").join(name))
        .unwrap();
    assert!(
        path.exists(),
        "{} is not built: run the tests with `cargo test`, which builds the examples",
        path.display()
    );
    let mut command = Command::new(path);
    command.env_clear().env("HOME", home);
    command
}

const CREDENTIALS: [(&str, &str); 2] = [
    ("HUAWEICLOUD_SDK_AK", "EXAMPLEAK"),
    ("HUAWEICLOUD_SDK_SK", "example-sk"),
];

fn start_against(server: &CannedServer, keys: &[(&str, &str)]) -> Output {
    let home = tempfile::tempdir().unwrap();
    example("start_sync_task", home.path())
        .args(["--endpoint", server.url()])
        .args(["--project-id", "p", "--sync-task-id", "t"])
        .envs(CREDENTIALS)
        .envs(keys.iter().copied())
        .output()
        .unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

// The example runs while this thread waits for it; the server needs another.
#[tokio::test(flavor = "multi_thread")]
async fn a_real_endpoint_never_gets_sample_or_unpaired_keys() {
    let server = CannedServer::start(Canned::new(200, "")).await;
    for (keys, complaint) in [
        (
            &[][..],
            "invalid OMS_DST_AK: and OMS_DST_SK must be set against a real endpoint",
        ),
        (
            &[("OMS_DST_AK", "dak")][..],
            "invalid OMS_DST_SK: must be set with OMS_DST_AK",
        ),
        (
            &[
                ("OMS_DST_AK", "dak"),
                ("OMS_DST_SK", "dsk"),
                ("OMS_SRC_AK", "sak"),
            ][..],
            "invalid OMS_SRC_SK: must be set with OMS_SRC_AK",
        ),
    ] {
        let output = start_against(&server, keys);
        assert!(!output.status.success(), "{keys:?}");
        assert!(
            stderr(&output).contains(complaint),
            "{keys:?}: {}",
            stderr(&output)
        );
    }
    assert_eq!(server.count(), 0, "nothing may be sent");

    let output = start_against(&server, &[("OMS_DST_AK", "dak"), ("OMS_DST_SK", "dsk")]);
    assert!(output.status.success(), "{}", stderr(&output));
    let sent = server.last().unwrap();
    assert_eq!(
        sent.body_json(),
        serde_json::json!({"dst_ak": "dak", "dst_sk": "dsk"})
    );
}

// The example runs while this thread waits for it; the server needs another.
#[tokio::test(flavor = "multi_thread")]
async fn the_lifecycle_needs_every_key_against_a_real_endpoint() {
    let server = CannedServer::start(Canned::new(200, "{}")).await;
    let home = tempfile::tempdir().unwrap();
    let output = example("lifecycle", home.path())
        .args(["--endpoint", server.url(), "--project-id", "p"])
        .args(["--src-region", "r", "--src-bucket", "b"])
        .args(["--dst-region", "r", "--dst-bucket", "b"])
        .envs(CREDENTIALS)
        .envs([("OMS_DST_AK", "dak"), ("OMS_DST_SK", "dsk")])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("OMS_SRC_AK"),
        "{}",
        stderr(&output)
    );
    assert_eq!(server.count(), 0);
}

#[test]
fn credentials_in_the_profile_file_are_meant_for_a_real_endpoint() {
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir(home.path().join(".huaweicloud")).unwrap();
    std::fs::write(
        home.path().join(".huaweicloud/credentials"),
        "[basic]\nak = PROFILEAK\nsk = profile-sk\n",
    )
    .unwrap();
    let output = example("start_sync_task", home.path()).output().unwrap();
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("invalid endpoint: is required with credentials"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn help_succeeds_and_prints_the_usage() {
    let home = tempfile::tempdir().unwrap();
    for name in ["start_sync_task", "lifecycle", "migrate"] {
        let output = example(name, home.path()).arg("--help").output().unwrap();
        assert!(output.status.success(), "{name}");
        let usage = String::from_utf8_lossy(&output.stdout);
        assert!(usage.starts_with(&format!("usage: {name}")), "{usage}");
    }
}

#[test]
fn the_migration_runs_against_the_embedded_oms() {
    let home = tempfile::tempdir().unwrap();
    let output = example("migrate", home.path()).output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("succeeded: 48 objects, 79.4 MiB copied"),
        "{stdout}"
    );
}

#[test]
fn observe_prints_each_call_as_a_tree_of_spans_without_secrets() {
    let home = tempfile::tempdir().unwrap();
    let output = example("observe", home.path()).output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    for expected in [
        "oms.operation{ otel.name=\"StartSyncTask\"",
        "\n    oms.attempt{ otel.kind=\"client\"",
        "url.template=\"/v2/{project_id}/sync-tasks/{sync_task_id}/start\"",
        "the signing clock is corrected",
        "http.response.status_code=429",
        "10 requests reached the embedded OMS",
    ] {
        assert!(stdout.contains(expected), "{expected}: {stdout}");
    }
    assert!(!stdout.contains("secret"), "{stdout}");
}

// The example runs while this thread waits for it; the server needs another.
#[tokio::test(flavor = "multi_thread")]
async fn the_migration_needs_both_keys_and_reports_a_failed_task() {
    let home = tempfile::tempdir().unwrap();
    let run = |server: &CannedServer, keys: &[(&str, &str)]| {
        example("migrate", home.path())
            .args(["--endpoint", server.url(), "--project-id", "p"])
            .args([
                "--src-cloud",
                "AWS",
                "--src-region",
                "us-east-1",
                "--src-bucket",
                "b",
            ])
            .args(["--dst-region", "cn-north-4", "--dst-bucket", "d"])
            .args(["--poll-seconds", "0"])
            .envs(CREDENTIALS)
            .envs(keys.iter().copied())
            .output()
            .unwrap()
    };
    let server = CannedServer::start(Canned::new(200, "{}")).await;
    let output = run(&server, &[("OMS_DST_AK", "dak"), ("OMS_DST_SK", "dsk")]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("OMS_SRC_AK"),
        "{}",
        stderr(&output)
    );
    assert_eq!(server.count(), 0, "nothing may be sent");

    // The service says the task failed: the example says why.
    let server = CannedServer::answering(|request| {
        let body = if request.method == "POST" {
            r#"{"id": 7, "task_name": "t"}"#
        } else {
            r#"{"id": 7, "status": 4, "error_reason": {"error_code": "TRF.0151", "error_msg": "source keys refused"}}"#
        };
        Canned::new(200, body).header("Content-Type", "application/json")
    })
    .await;
    let keys = [
        ("OMS_DST_AK", "dak"),
        ("OMS_DST_SK", "dsk"),
        ("OMS_SRC_AK", "sak"),
        ("OMS_SRC_SK", "ssk"),
    ];
    let output = run(&server, &keys);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("migration task 7 failed: TRF.0151: source keys refused"),
        "{}",
        stderr(&output)
    );
    let sent = server.requests();
    assert_eq!(sent.len(), 2, "one create, one look");
    assert_eq!(sent[0].body_json()["src_node"]["sk"], "ssk");
}
