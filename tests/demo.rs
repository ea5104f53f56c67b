//! `oxynapse demo` runs the session proxies against the built-in simulator.

use std::process::Command;

#[test]
fn the_demo_runs_every_session_operation() {
    let output = Command::new(env!("CARGO_BIN_EXE_oxynapse"))
        .arg("demo")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the binary runs");
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(stdout.matches("→  200 OK").count(), 8, "{stdout}");
    assert!(stdout.contains("upstream: GET /G2W/rest/organizers/3697511743350317068/sessions?fromTime=2015-05-09T16:45:58Z&toTime=2016-05-09T16:45:58Z"));
    assert!(stdout.ends_with("All eight session operations answered.\n"));
}
