//! `oxynapse serve` on a Redis registry, chosen by `registry = "redis://..."` in the `--config`
//! file or by `--registry`: values land under the documented Redis keys, and a setting that
//! names no usable store stops the server at start-up with a clear message.

mod common;

use common::process::serve_binary;

use std::process::{Command, Output};

const WRITE: &str = r#"<proxy xmlns="http://ws.apache.org/ns/synapse" name="write"><target><inSequence>
    <property name="conf:/app/greeting" expression="json-eval($.greeting)" scope="registry"/>
    <property name="gov:shared//b@owner" value="ops" scope="registry"/>
    <respond/></inSequence></target></proxy>"#;

/// `redis-cli` on the tests' server: what any other Redis client sees.
fn redis_cli(args: &[&str]) -> String {
    let url = common::redis::server_url();
    let output = Command::new("redis-cli")
        .args(["-u", &url, "--raw"])
        .args(args)
        .output()
        .expect("redis-cli runs (it ships with redis-server)");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout)
        .unwrap()
        .trim_end()
        .to_string()
}

#[tokio::test]
async fn the_config_file_puts_the_registry_on_redis_under_the_documented_keys() {
    let deploy = tempfile::tempdir().unwrap();
    std::fs::write(deploy.path().join("write.xml"), WRITE).unwrap();
    let url = common::redis::fresh_url();
    let prefix = url.split("prefix=").nth(1).unwrap().to_string();
    let config = deploy.path().join("oxynapse.toml");
    std::fs::write(&config, format!("registry = \"{url}\"\n")).unwrap();

    let data = tempfile::tempdir().unwrap();
    let extra = ["--no-watch", "--config", config.to_str().unwrap()];
    let (mut child, services) = serve_binary(deploy.path(), data.path(), &extra);
    let response = reqwest::Client::new()
        .post(format!("http://{services}/services/write"))
        .header("Content-Type", "application/json")
        .body(r#"{"greeting":"Hello"}"#)
        .send()
        .await
        .unwrap();
    child.kill().unwrap();
    let _ = child.wait();
    assert_eq!(response.status(), 200);
    // Registry path → `PREFIX:canonical path`; a property → a field of `PREFIX:props:path`.
    assert_eq!(
        redis_cli(&["GET", &format!("{prefix}:conf:/app/greeting")]),
        "Hello"
    );
    assert_eq!(
        redis_cli(&["HGET", &format!("{prefix}:props:gov:/shared/b"), "owner"]),
        "ops"
    );
}

fn fails_to_start(extra: &[&str]) -> Output {
    let deploy = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    Command::new(env!("CARGO_BIN_EXE_oxynapse"))
        .args(["serve", "--host", "127.0.0.1", "--port", "0"])
        .args(["--management-port", "0", "--no-watch", "--deploy-dir"])
        .arg(deploy.path())
        .arg("--data-dir")
        .arg(data.path())
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn an_unusable_registry_setting_stops_the_server_at_start_up() {
    let bad = fails_to_start(&["--registry", "memcached://127.0.0.1:11211"]);
    assert_eq!(bad.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(
        stderr.contains("expected `file` or a Redis URL"),
        "{stderr}"
    );

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("redis://:hunter2@127.0.0.1:{port}/0");
    let unreachable = fails_to_start(&["--registry", &url]);
    assert_eq!(unreachable.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&unreachable.stderr);
    assert!(
        stderr.contains(&format!("cannot reach Redis at redis://127.0.0.1:{port}/0")),
        "{stderr}"
    );
    assert!(!stderr.contains("hunter2"), "the password is never shown");
}
