//! Where credentials and endpoints come from: lookup order, errors that name
//! the source and the key, and no secret value anywhere.

use std::path::{Path, PathBuf};

use oms_api::credentials::{CredentialsChain, Environment};
use oms_api::endpoint::region_endpoint_var;
use oms_api::{Client, Credentials, Error, Region};

const CANARY: &str = "CANARY-sk-4b1d-NEVER-PRINT";

/// A file in a temporary folder of its own, removed with it.
struct Profile {
    dir: tempfile::TempDir,
    path: PathBuf,
}

impl Profile {
    fn path(&self) -> &Path {
        &self.path
    }
}

fn profile(name: &str, text: &str) -> Profile {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    Profile { dir, path }
}

fn env(pairs: &[(&str, &str)]) -> Environment {
    Environment::from_pairs(pairs.iter().copied())
}

fn assert_hidden(text: &str) {
    assert!(!text.contains(CANARY), "shows the secret: {text}");
}

#[test]
fn credentials_given_in_code_win_over_the_environment() {
    // A broken environment is not even read when credentials are given.
    let client = Client::builder()
        .endpoint("http://127.0.0.1:9")
        .credentials(Credentials::access_key("EXPLICIT", "sk").unwrap())
        .environment(env(&[("HUAWEICLOUD_SDK_AK", "FROMENV")]))
        .build();
    assert!(client.is_ok(), "{client:?}");
}

#[test]
fn the_environment_wins_over_the_profile_file() {
    let path = profile("env-wins", "[basic]\nak = FROMFILE\nsk = file-sk\n");
    let chain = CredentialsChain::new().profile_file(path.path());
    let resolved = chain
        .clone()
        .environment(env(&[
            ("HUAWEICLOUD_SDK_AK", "FROMENV"),
            ("HUAWEICLOUD_SDK_SK", "env-sk"),
        ]))
        .resolve()
        .unwrap();
    assert_eq!(resolved.access_key_id(), Some("FROMENV"));
    // Without the variables, the file is used.
    let resolved = chain.environment(env(&[])).resolve().unwrap();
    assert_eq!(resolved.access_key_id(), Some("FROMFILE"));
}

#[test]
fn reads_the_seed_variable_names_too() {
    let resolved = CredentialsChain::new()
        .environment(env(&[
            ("CLOUD_SDK_AK", "SEEDAK"),
            ("CLOUD_SDK_SK", "seed-sk"),
        ]))
        .resolve()
        .unwrap();
    assert_eq!(resolved.access_key_id(), Some("SEEDAK"));
}

#[test]
fn reads_temporary_keys_and_project_id_from_the_environment() {
    let resolved = CredentialsChain::new()
        .environment(env(&[
            ("HUAWEICLOUD_SDK_AK", "TEMPAK"),
            ("HUAWEICLOUD_SDK_SK", CANARY),
            ("HUAWEICLOUD_SDK_SECURITY_TOKEN", CANARY),
            ("HUAWEICLOUD_SDK_PROJECT_ID", "project-1"),
        ]))
        .resolve()
        .unwrap();
    let debug = format!("{resolved:?}");
    assert!(
        debug.starts_with("Credentials::TemporaryAccessKey(access_key: TEMPAK"),
        "{debug}"
    );
    assert_eq!(resolved.project_id(), Some("project-1"));
    assert_hidden(&debug);
}

#[test]
fn reads_an_iam_token_from_the_environment_when_no_keys_are_set() {
    let resolved = CredentialsChain::new()
        .environment(env(&[("HUAWEICLOUD_SDK_AUTH_TOKEN", CANARY)]))
        .resolve()
        .unwrap();
    assert_eq!(resolved.access_key_id(), None);
    assert_hidden(&format!("{resolved:?}"));
}

#[test]
fn reads_the_profile_file_named_by_the_environment() {
    let path = profile(
        "named",
        "[basic]\nak = NAMED\nsk = named-sk\nproject_id = p-9\n",
    );
    let resolved = CredentialsChain::new()
        .environment(env(&[(
            "HUAWEICLOUD_SDK_CREDENTIALS_FILE",
            path.path().to_str().unwrap(),
        )]))
        .resolve()
        .unwrap();
    assert_eq!(
        (resolved.access_key_id(), resolved.project_id()),
        (Some("NAMED"), Some("p-9"))
    );
}

#[test]
fn reads_the_default_profile_file_under_home() {
    let marker = profile("home-marker", "");
    let home = marker.dir.path().join("home");
    std::fs::create_dir_all(home.join(".huaweicloud")).unwrap();
    std::fs::write(
        home.join(".huaweicloud/credentials"),
        "[basic]\nak=HOMEAK\nsk=home-sk\n",
    )
    .unwrap();
    let resolved = CredentialsChain::new()
        .environment(env(&[("HOME", home.to_str().unwrap())]))
        .resolve()
        .unwrap();
    assert_eq!(resolved.access_key_id(), Some("HOMEAK"));
}

#[test]
fn incomplete_or_malformed_sources_name_the_source_and_key_but_not_the_value() {
    let no_basic = profile("no-basic", &format!("[other]\nak = A\nsk = {CANARY}\n"));
    let no_sk = profile("no-sk", "[basic]\nak = A\n");
    let not_ini = profile("not-ini", &format!("[basic\nsk = {CANARY}\n"));
    let bad_ak = profile("bad-ak", &format!("[basic]\nak = A,B\nsk = {CANARY}\n"));
    let missing = std::env::temp_dir().join("oms-api-no-such-credentials-file");
    let cases: Vec<(CredentialsChain, &str, &str)> = vec![
        (
            CredentialsChain::new().environment(env(&[("HUAWEICLOUD_SDK_AK", "A")])),
            "environment",
            "HUAWEICLOUD_SDK_SK",
        ),
        (
            CredentialsChain::new().environment(env(&[("HUAWEICLOUD_SDK_SK", CANARY)])),
            "environment",
            "HUAWEICLOUD_SDK_AK",
        ),
        (
            CredentialsChain::new().environment(env(&[
                ("HUAWEICLOUD_SDK_AK", "A"),
                ("HUAWEICLOUD_SDK_SK", CANARY),
                ("HUAWEICLOUD_SDK_SECURITY_TOKEN", &format!("{CANARY}\n")),
            ])),
            "environment",
            "HUAWEICLOUD_SDK_SECURITY_TOKEN",
        ),
        (
            CredentialsChain::new().environment(env(&[
                ("HUAWEICLOUD_SDK_AK", "A"),
                ("HUAWEICLOUD_SDK_SK", CANARY),
                ("HUAWEICLOUD_SDK_PROJECT_ID", ".."),
            ])),
            "environment",
            "HUAWEICLOUD_SDK_PROJECT_ID",
        ),
        (
            CredentialsChain::new()
                .environment(env(&[]))
                .profile_file(no_basic.path()),
            "profile file",
            "[basic]",
        ),
        (
            CredentialsChain::new()
                .environment(env(&[]))
                .profile_file(no_sk.path()),
            "profile file",
            "[basic] sk",
        ),
        (
            CredentialsChain::new()
                .environment(env(&[]))
                .profile_file(not_ini.path()),
            "profile file",
            "file",
        ),
        (
            CredentialsChain::new()
                .environment(env(&[]))
                .profile_file(bad_ak.path()),
            "profile file",
            "ak",
        ),
        (
            CredentialsChain::new()
                .environment(env(&[]))
                .profile_file(&missing),
            "profile file",
            "file",
        ),
        (
            CredentialsChain::new().environment(env(&[(
                "HUAWEICLOUD_SDK_CREDENTIALS_FILE",
                missing.to_str().unwrap(),
            )])),
            "profile file",
            "file",
        ),
        (
            CredentialsChain::new().environment(env(&[])),
            "credentials",
            "chain",
        ),
    ];
    for (chain, origin, key) in cases {
        assert_hidden(&format!("{chain:?}"));
        let error = chain.resolve().unwrap_err();
        assert!(error.origin().starts_with(origin), "{error}");
        assert_eq!(error.key(), key, "{error}");
        assert_hidden(&format!("{error} {error:?}"));
    }
}

#[test]
fn a_region_endpoint_comes_from_the_environment_before_the_table() {
    assert_eq!(
        region_endpoint_var(Region::CnNorth4),
        "HUAWEICLOUD_SDK_REGION_OMS_CN_NORTH_4"
    );
    let credentials = Credentials::access_key("AK", "sk").unwrap();
    let build = |pairs: &[(&str, &str)]| {
        Client::builder()
            .region(Region::CnNorth4)
            .credentials(credentials.clone())
            .environment(env(pairs))
            .build()
    };
    assert_eq!(
        build(&[]).unwrap().base_url(),
        "https://oms.cn-north-4.myhuaweicloud.com"
    );
    let overridden = build(&[(
        "HUAWEICLOUD_SDK_REGION_OMS_CN_NORTH_4",
        " https://a.example , https://b.example",
    )])
    .unwrap();
    assert_eq!(overridden.base_url(), "https://a.example");
    let error = build(&[("HUAWEICLOUD_SDK_REGION_OMS_CN_NORTH_4", "ftp://x")]).unwrap_err();
    assert!(matches!(error, Error::Config(_)), "{error:?}");
    assert_eq!(
        error.to_string(),
        "environment: HUAWEICLOUD_SDK_REGION_OMS_CN_NORTH_4 is invalid: must use http or https"
    );
    // An explicit endpoint wins over both.
    let explicit = Client::builder()
        .region(Region::CnNorth4)
        .endpoint("http://127.0.0.1:9")
        .credentials(credentials.clone())
        .environment(env(&[(
            "HUAWEICLOUD_SDK_REGION_OMS_CN_NORTH_4",
            "https://a.example",
        )]))
        .build()
        .unwrap();
    assert_eq!(explicit.base_url(), "http://127.0.0.1:9");
}

#[tokio::test]
async fn a_client_without_credentials_uses_the_chain() {
    let client = Client::builder()
        .endpoint("http://127.0.0.1:9")
        .environment(env(&[
            ("HUAWEICLOUD_SDK_AK", "CHAINAK"),
            ("HUAWEICLOUD_SDK_SK", CANARY),
        ]))
        .build()
        .unwrap();
    assert_hidden(&format!("{client:?}"));
    // With nothing in the environment or the profile file, the chain ends
    // at the ECS metadata service, asked at the first call.
    let closed = crate::server::closed_port();
    let metadata = format!("http://127.0.0.1:{}", closed.port());
    let client = Client::builder()
        .endpoint("http://127.0.0.1:9")
        .environment(env(&[(
            "HUAWEICLOUD_SDK_METADATA_ENDPOINT",
            metadata.as_str(),
        )]))
        .build()
        .unwrap();
    let error = client
        .list_sync_tasks()
        .project_id("p")
        .send()
        .await
        .unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("credentials: chain found nothing in the environment"),
        "{error}"
    );
}

fn file_error(path: &Path) -> String {
    CredentialsChain::new()
        .environment(env(&[]))
        .profile_file(path)
        .resolve()
        .unwrap_err()
        .to_string()
}

#[tokio::test]
async fn profile_values_are_read_literally() {
    // A backslash is part of the secret key, as the official SDKs read it:
    // the local OMS, which knows the key with its backslash, verifies the
    // signature.
    let secret = r#"a\b\nc"quoted'"#;
    let file = profile(
        "literal",
        &format!("[basic]\nak = LITERAL\nsk = {secret}\n"),
    );
    let credentials = CredentialsChain::new()
        .environment(env(&[]))
        .profile_file(file.path())
        .resolve()
        .unwrap();
    let oms = oms_api::local::LocalOms::builder()
        .access_key("LITERAL", secret)
        .sync_task("t", oms_api::local::TaskStatus::Stopped)
        .start()
        .await
        .unwrap();
    Client::builder()
        .endpoint(&oms.base_url())
        .credentials(credentials)
        .build()
        .unwrap()
        .stop_sync_task()
        .project_id("p")
        .sync_task_id("t")
        .send()
        .await
        .expect("the signature made with the literal key verifies");
}

#[test]
fn a_profile_that_is_not_a_regular_file_is_refused_unread() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(status.success());
    // Opening a FIFO for reading would wait for a writer forever.
    for path in [fifo.as_path(), Path::new("/dev/zero"), dir.path()] {
        let error = file_error(path);
        assert!(error.ends_with("file is not a regular file"), "{error}");
    }
}

#[test]
fn a_huge_profile_is_refused() {
    let huge = profile(
        "huge",
        &format!("[basic]\nak = A\nsk = {}\n", "s".repeat(70_000)),
    );
    let error = file_error(huge.path());
    assert!(error.ends_with("file is larger than 64 KiB"), "{error}");
    assert!(!error.contains("sss"));
}

#[test]
fn an_ini_error_gives_the_line_where_it_is() {
    let broken = profile("broken", "[basic]\nak = A\n[unclosed\nsk = s\n");
    let error = file_error(broken.path());
    assert!(error.contains("is not valid INI (line 3,"), "{error}");
}

/// The endpoint a client for `region` gets with `pairs` as its environment.
fn endpoint_with(region: Region, pairs: &[(&str, &str)]) -> Result<String, Error> {
    Client::builder()
        .region(region)
        .credentials(Credentials::iam_token("t").unwrap())
        .environment(env(pairs))
        .build()
        .map(|client| client.base_url().to_owned())
}

const REGIONS: &str = "ECS:
  - id: cn-north-4
    endpoint: https://ecs.example.com
OMS:
  - id: 'cn-north-4'
    endpoint: 'https://oms-north.example.com/proxy/'
  - id: cn-south-1
    endpoints:
      - https://oms-south-a.example.com
      - https://oms-south-b.example.com
";

#[test]
fn the_regions_file_comes_between_the_environment_and_the_table() {
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir(home.path().join(".huaweicloud")).unwrap();
    std::fs::write(home.path().join(".huaweicloud/regions.yaml"), REGIONS).unwrap();
    let home = home.path().to_str().unwrap();
    assert_eq!(
        endpoint_with(Region::CnNorth4, &[("HOME", home)]).unwrap(),
        "https://oms-north.example.com/proxy"
    );
    assert_eq!(
        endpoint_with(Region::CnSouth1, &[("HOME", home)]).unwrap(),
        "https://oms-south-a.example.com"
    );
    // A region the file does not list: the table.
    assert_eq!(
        endpoint_with(Region::CnEast3, &[("HOME", home)]).unwrap(),
        "https://oms.cn-east-3.myhuaweicloud.com"
    );
    // The environment's override wins.
    assert_eq!(
        endpoint_with(
            Region::CnNorth4,
            &[
                ("HOME", home),
                (
                    "HUAWEICLOUD_SDK_REGION_OMS_CN_NORTH_4",
                    "https://env.example.com"
                )
            ]
        )
        .unwrap(),
        "https://env.example.com"
    );
    // A file named by the environment must exist.
    let missing = format!("{home}/none.yaml");
    let error = endpoint_with(
        Region::CnNorth4,
        &[("HUAWEICLOUD_SDK_REGIONS_FILE", missing.as_str())],
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        format!("regions file {missing}: file cannot be read (entity not found)")
    );
}

/// A regions file under the 1 MiB cap made to exhaust a YAML parser: a
/// few aliases to one big anchor (which serde_yaml expanded into gigabytes),
/// the classic billion laughs, flow sequences nested 520 000 deep and
/// block sequences nested as deep as a line allows. Each is refused with
/// the place and the rule; the time and peak memory this takes are in
/// SECURITY.md.
#[test]
fn a_hostile_regions_file_is_refused_within_bounds() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("regions.yaml");
    let big_anchor = {
        let items = vec!["x"; 180_000].join(",");
        let aliases = vec!["*a"; 64].join(",");
        format!(
            "BIG: &a [{items}]\nUSE: [{aliases}]\nOMS:\n  - id: cn-north-4\n    endpoint: https://oms.example.com\n"
        )
    };
    let laughs = {
        let mut text = "L0: &l0 [lol]\n".to_owned();
        for level in 1..10 {
            let previous = vec![format!("*l{}", level - 1); 10].join(",");
            text.push_str(&format!("L{level}: &l{level} [{previous}]\n"));
        }
        text
    };
    let flow = format!("OMS: {}{}\n", "[".repeat(520_000), "]".repeat(520_000));
    let block = format!("OMS:\n  {}x\n", "- ".repeat(520_000));
    for (text, expected) in [
        (&big_anchor, "line 1, column 6: YAML anchors are not read"),
        (&laughs, "line 1, column 5: YAML anchors are not read"),
        (&flow, "nests deeper than 16 levels"),
        (&block, "nests deeper than 16 levels"),
    ] {
        assert!(text.len() <= 1024 * 1024 + 16, "{}", text.len());
        std::fs::write(&file, text).unwrap();
        let error = endpoint_with(
            Region::CnNorth4,
            &[("HUAWEICLOUD_SDK_REGIONS_FILE", file.to_str().unwrap())],
        )
        .unwrap_err();
        let (origin, key, problem) = crate::server::config_error(&error);
        assert_eq!(
            (origin, key),
            (format!("regions file {}", file.display()).as_str(), "file")
        );
        assert!(problem.contains(expected), "{problem}");
    }
}

/// A regions file of valid entries just under the cap is read whole, the
/// region's entry last.
#[test]
fn a_regions_file_at_the_cap_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("regions.yaml");
    let mut text = "OMS:\n".to_owned();
    let entry =
        "  - id: xx-other-1\n    endpoints: [https://a.example.com, https://b.example.com]\n";
    while text.len() + 2 * entry.len() < 1024 * 1024 {
        text.push_str(entry);
    }
    text.push_str("  - id: cn-north-4\n    endpoint: https://last.example.com\n");
    std::fs::write(&file, &text).unwrap();
    let url = endpoint_with(
        Region::CnNorth4,
        &[("HUAWEICLOUD_SDK_REGIONS_FILE", file.to_str().unwrap())],
    )
    .unwrap();
    assert_eq!(url, "https://last.example.com");
}

#[test]
fn a_bad_regions_file_names_the_file_and_key_never_a_value() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("regions.yaml");
    let check = |text: &str| {
        std::fs::write(&file, text).unwrap();
        endpoint_with(
            Region::CnNorth4,
            &[("HUAWEICLOUD_SDK_REGIONS_FILE", file.to_str().unwrap())],
        )
        .unwrap_err()
        .to_string()
    };
    let origin = format!("regions file {}", file.display());
    for (text, expected) in [
        (
            "OMS: [\n  {id: cn-north-4, endpoint: CANARY-7f3a9c-DO-NOT-PRINT",
            format!("{origin}: file cannot be read at line 2, column 3: a [ or {{ is never closed"),
        ),
        (
            "OMS:\n  - id: cn-north-4\n    endpoint: *CANARY-7f3a9c-DO-NOT-PRINT\n",
            format!(
                "{origin}: file cannot be read at line 3, column 15: YAML aliases are not read in the regions file"
            ),
        ),
        (
            "OMS:\n  - id: cn-north-4\n    endpoint: \"https://CANARY-7f3a9c-DO-NOT-PRINT\\r\\nX-Injected: 1\"\n",
            format!(
                "{origin}: OMS cn-north-4 endpoint is invalid: must not contain control characters"
            ),
        ),
        (
            "OMS: CANARY-7f3a9c-DO-NOT-PRINT",
            format!("{origin}: OMS is not a list of {{id, endpoint}} or {{id, endpoints}}"),
        ),
        (
            "OMS:\n  - id: cn-north-4\n",
            format!("{origin}: OMS cn-north-4 endpoint is missing"),
        ),
        (
            "OMS:\n  - id: cn-north-4\n    endpoint: 'ftp://CANARY-7f3a9c-DO-NOT-PRINT'\n",
            format!("{origin}: OMS cn-north-4 endpoint is invalid: must use http or https"),
        ),
    ] {
        let error = check(text);
        assert_eq!(error, expected);
        assert_hidden(&error);
    }
    std::fs::write(&file, "x".repeat(1024 * 1024 + 1)).unwrap();
    assert_eq!(
        endpoint_with(
            Region::CnNorth4,
            &[("HUAWEICLOUD_SDK_REGIONS_FILE", file.to_str().unwrap())]
        )
        .unwrap_err()
        .to_string(),
        format!("{origin}: file is larger than 1024 KiB")
    );
    // A directory is not read.
    let error = endpoint_with(
        Region::CnNorth4,
        &[("HUAWEICLOUD_SDK_REGIONS_FILE", dir.path().to_str().unwrap())],
    )
    .unwrap_err();
    assert!(
        error.to_string().ends_with("file is not a regular file"),
        "{error}"
    );
}

/// A variable the client reads whose value is not UTF-8 is an error naming
/// it, wherever it is read, never silently skipped; one the client does not
/// read is ignored.
#[cfg(unix)]
#[test]
fn an_environment_value_that_is_not_utf8_is_an_error_naming_the_variable() {
    use std::ffi::OsString;
    use std::os::unix::ffi::OsStringExt;
    let garbled = || OsString::from_vec(b"https://oms.\xff.example".to_vec());
    let with = |name: &str, others: &[(&str, &str)]| {
        let mut pairs: Vec<(OsString, OsString)> = others
            .iter()
            .map(|(n, v)| (OsString::from(n), OsString::from(v)))
            .collect();
        pairs.push((OsString::from(name), garbled()));
        Environment::from_os_pairs(pairs)
    };
    let keys = [("HUAWEICLOUD_SDK_AK", "A"), ("HUAWEICLOUD_SDK_SK", CANARY)];
    for (name, others) in [
        ("HUAWEICLOUD_SDK_REGION_OMS_CN_NORTH_4", &keys[..]),
        ("HUAWEICLOUD_SDK_REGIONS_FILE", &keys[..]),
        ("HUAWEICLOUD_SDK_SK", &keys[..1]),
        ("HUAWEICLOUD_SDK_PROJECT_ID", &keys[..]),
        ("HUAWEICLOUD_SDK_IAM_ENDPOINT", &keys[..]),
        ("HUAWEICLOUD_SDK_METADATA_ENDPOINT", &[][..]),
    ] {
        let error = Client::builder()
            .region(Region::CnNorth4)
            .environment(with(name, others))
            .build()
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            format!("environment: {name} is set to a value that is not UTF-8"),
        );
        assert_hidden(&format!("{error:?}"));
    }
    let client = Client::builder()
        .region(Region::CnNorth4)
        .environment(with("SOMETHING_ELSE", &keys))
        .build()
        .unwrap();
    assert_eq!(
        client.base_url(),
        "https://oms.cn-north-4.myhuaweicloud.com"
    );
    assert_eq!(with("X", &[]).get("X"), None);
}

/// An empty secret key says that it is empty, not that it is not set.
#[test]
fn an_empty_key_variable_says_it_is_empty() {
    for (pairs, key, problem) in [
        (
            &[("HUAWEICLOUD_SDK_AK", "A"), ("HUAWEICLOUD_SDK_SK", "")][..],
            "HUAWEICLOUD_SDK_SK",
            "is set but empty, and HUAWEICLOUD_SDK_AK is set",
        ),
        (
            &[("CLOUD_SDK_AK", "A"), ("CLOUD_SDK_SK", "")][..],
            "CLOUD_SDK_SK",
            "is set but empty, and CLOUD_SDK_AK is set",
        ),
        (
            &[("HUAWEICLOUD_SDK_AK", ""), ("HUAWEICLOUD_SDK_SK", CANARY)][..],
            "HUAWEICLOUD_SDK_AK",
            "is set but empty, and HUAWEICLOUD_SDK_SK is set",
        ),
        (
            &[("HUAWEICLOUD_SDK_AK", "A")][..],
            "HUAWEICLOUD_SDK_SK",
            "is not set, but HUAWEICLOUD_SDK_AK is",
        ),
    ] {
        let error = CredentialsChain::new()
            .environment(env(pairs))
            .resolve()
            .unwrap_err();
        assert_eq!((error.key(), error.problem()), (key, problem));
    }
}

/// Endpoint values with control characters are refused, from every source.
#[test]
fn endpoints_with_control_characters_are_refused_from_every_source() {
    let credentials = Credentials::access_key("AK", "sk").unwrap();
    for bad in [
        "https://oms.example.com\r\nX-Injected: 1",
        "https://oms.exa\nmple.com",
        "https://oms.example.com\u{0}.evil.com",
        "https://oms.example\t.com",
    ] {
        let error = Client::builder()
            .endpoint(bad)
            .credentials(credentials.clone())
            .build()
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid endpoint: must not contain control characters"
        );
        let error = Client::builder()
            .region(Region::CnNorth4)
            .credentials(credentials.clone())
            .environment(env(&[("HUAWEICLOUD_SDK_REGION_OMS_CN_NORTH_4", bad)]))
            .build()
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "environment: HUAWEICLOUD_SDK_REGION_OMS_CN_NORTH_4 is invalid: must not contain control characters"
        );
        let error = Client::builder()
            .region(Region::CnNorth4)
            .iam_endpoint(bad)
            .credentials(credentials.clone())
            .build()
            .unwrap_err();
        assert!(error.to_string().contains("control characters"), "{error}");
        let error = oms_api::credentials::EcsMetadata::new()
            .endpoint(bad)
            .unwrap_err();
        assert!(error.to_string().contains("control characters"), "{error}");
    }
}
