//! Project automation, run as `cargo xtask <command>` (see `.cargo/config.toml`).
//!
//! * `cargo xtask regen` regenerates everything `oms-api-build` emits from
//!   `openapi/oms.yaml`, rewrites the insta snapshots of it under
//!   `oms-api-build/tests/snapshots/`, and builds `oms-api` from it.
//! * `cargo xtask regen --check` changes nothing; it fails, showing the diff
//!   and the command to run, when any snapshot is stale.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

const USAGE: &str = "usage: cargo xtask regen [--check]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["regen"] => regen(false),
        ["regen", "--check"] => regen(true),
        _ => Err(USAGE.to_owned()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives inside the workspace")
        .to_owned()
}

fn cargo() -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command.current_dir(workspace_root());
    command
}

fn run(mut command: Command) -> Result<bool, String> {
    let status = command
        .status()
        .map_err(|e| format!("cannot run {command:?}: {e}"))?;
    Ok(status.success())
}

fn regen(check: bool) -> Result<(), String> {
    // The snapshot tests call the generator on the spec; insta compares or
    // rewrites the snapshots depending on INSTA_UPDATE. When rewriting, the
    // snapshot test runs alone first: the other tests of the file read the
    // snapshots, and must see them rewritten.
    let snapshots = |update: &str, only: Option<&str>| {
        let mut command = cargo();
        command.args([
            "test",
            "--quiet",
            "--package",
            "oms-api-build",
            "--test",
            "snapshots",
        ]);
        if let Some(test) = only {
            command.args(["--", "--exact", test]);
        }
        command.env_remove("INSTA_FORCE_PASS");
        // `no` neither writes the snapshots nor leaves `.snap.new` files.
        command.env("INSTA_UPDATE", update);
        command
    };
    if !check
        && !run(snapshots(
            "always",
            Some("generated_code_matches_the_snapshots"),
        ))?
    {
        return Err("regenerating the snapshots failed (see above)".to_owned());
    }
    if !run(snapshots("no", None))? {
        return Err(if check {
            "the generator's snapshots are stale (diff above): run `cargo xtask regen`, review the diff, and commit the spec and the snapshots together".to_owned()
        } else {
            "the regenerated snapshots fail their tests (see above)".to_owned()
        });
    }
    // The client crate is generated at build time; building it proves that
    // what the snapshots show compiles.
    let mut build = cargo();
    build.args(["build", "--quiet", "--package", "oms-api", "--all-features"]);
    if !run(build)? {
        return Err("the generated client does not build (see above)".to_owned());
    }
    if check {
        println!("snapshots are up to date with openapi/oms.yaml");
    } else {
        println!("regenerated; review with `git diff -- oms-api-build/tests/snapshots`");
    }
    Ok(())
}
