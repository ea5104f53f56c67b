//! `oxynapse serve --config oxynapse.toml`: the serve flags, kept in a file.
//!
//! Each key is a flag's long name (`allow-backend` or `allow_backend`); a list repeats a flag,
//! `true` turns a switch on. Flags on the command line win over the file.
//!
//! ```toml
//! port = 8290
//! backend-timeout-ms = 30000
//! allow-backend = ["api.getgo.com:443", "*.internal.example.com"]
//! registry = "redis://127.0.0.1:6379/0"
//! ```

use std::ffi::OsString;

/// The command line with the `--config` file's settings inserted after `serve`, before the
/// flags given on the command line (which therefore override them).
pub fn expand(args: Vec<OsString>, known_flags: &[String]) -> Result<Vec<OsString>, String> {
    let Some(serve_at) = args.iter().position(|a| a == "serve") else {
        return Ok(args);
    };
    let Some(path) = config_path(&args[serve_at + 1..]) else {
        return Ok(args);
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read the config file {path}: {e}"))?;
    let flags = flags_from_toml(&text, known_flags).map_err(|e| format!("{path}: {e}"))?;
    let mut expanded = args[..=serve_at].to_vec();
    expanded.extend(flags.into_iter().map(OsString::from));
    expanded.extend(args[serve_at + 1..].iter().cloned());
    Ok(expanded)
}

fn config_path(args: &[OsString]) -> Option<String> {
    let mut iter = args.iter().map(|a| a.to_string_lossy().into_owned());
    while let Some(arg) = iter.next() {
        if arg == "--config" {
            return iter.next();
        }
        if let Some(path) = arg.strip_prefix("--config=") {
            return Some(path.to_string());
        }
    }
    None
}

/// `key = value` lines as `--key=value` flags.
pub fn flags_from_toml(text: &str, known_flags: &[String]) -> Result<Vec<String>, String> {
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| e.to_string())?;
    let mut flags = Vec::new();
    for (key, value) in table {
        let flag = key.replace('_', "-");
        if flag == "config" || !known_flags.contains(&flag) {
            return Err(format!(
                "unknown setting `{key}`; expected one of: {}",
                known_flags.join(", ")
            ));
        }
        let values = match value {
            toml::Value::Array(items) => items,
            other => vec![other],
        };
        for value in values {
            match value {
                toml::Value::Boolean(true) => flags.push(format!("--{flag}")),
                toml::Value::Boolean(false) => {}
                toml::Value::String(s) => flags.push(format!("--{flag}={s}")),
                toml::Value::Integer(n) => flags.push(format!("--{flag}={n}")),
                other => {
                    return Err(format!(
                        "`{key}` holds a {}, not a string, number or boolean",
                        other.type_str()
                    ));
                }
            }
        }
    }
    Ok(flags)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known() -> Vec<String> {
        [
            "port",
            "allow-backend",
            "no-watch",
            "backend-timeout-ms",
            "registry",
        ]
        .map(String::from)
        .to_vec()
    }

    #[test]
    fn settings_become_flags() {
        let flags = flags_from_toml(
            "port = 9000\nno_watch = true\nallow-backend = [\"a:1\", \"*.b\"]\n",
            &known(),
        )
        .unwrap();
        // Keys come out sorted (toml's table), which does not matter to clap.
        assert_eq!(
            flags,
            [
                "--allow-backend=a:1",
                "--allow-backend=*.b",
                "--no-watch",
                "--port=9000"
            ]
        );
        assert!(
            flags_from_toml("prot = 1", &known())
                .unwrap_err()
                .contains("unknown setting `prot`")
        );
        assert!(flags_from_toml("port = [[1]]", &known()).is_err());
        assert_eq!(
            flags_from_toml("registry = \"redis://h:6379/2?prefix=eu\"", &known()).unwrap(),
            ["--registry=redis://h:6379/2?prefix=eu"]
        );
        assert!(flags_from_toml("port = ", &known()).is_err());
    }

    #[test]
    fn the_file_goes_before_the_command_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("o.toml");
        std::fs::write(&path, "port = 9000\n").unwrap();
        let args: Vec<OsString> = [
            "oxynapse",
            "serve",
            "--config",
            path.to_str().unwrap(),
            "--port",
            "1",
        ]
        .map(OsString::from)
        .to_vec();
        let expanded = expand(args, &known()).unwrap();
        let expanded: Vec<String> = expanded
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        assert_eq!(expanded[..3], ["oxynapse", "serve", "--port=9000"]);
        assert_eq!(expanded[5..], ["--port", "1"]);
    }
}
