//! `<endpoint>`: inline in `send`/`call`/`target`, or a standalone named artifact.
//!
//! ```xml
//! <endpoint name="orders">
//!     <address uri="http://backend:9000/orders">
//!         <timeout><duration>5000</duration><responseAction>fault</responseAction></timeout>
//!     </address>
//! </endpoint>
//! <endpoint>
//!     <http method="GET" uri-template="{uri.var.base}/orders/{uri.var.id}"/>
//! </endpoint>
//! <endpoint key="orders"/>
//! ```

use std::time::Duration;

use http::Method;

use crate::compile::CompileCx;
use crate::config::xml::Element;
use crate::endpoint::{Endpoint, Target, UriTemplate, uri_template};
use crate::error::Reported;

/// Kinds of endpoint Synapse has that oxynapse does not run yet.
const NOT_YET: &[&str] = &[
    "default",
    "wsdl",
    "loadbalance",
    "failover",
    "recipientlist",
    "class",
    "template",
];

/// Parses an `<endpoint>` element. `standalone` artifacts must carry a name.
pub fn parse_endpoint(
    el: &Element,
    cx: &mut CompileCx<'_>,
    standalone: bool,
) -> Result<Endpoint, Reported> {
    cx.synapse_namespace(el)?;
    cx.check_attributes(
        el,
        &[
            "name",
            "key",
            "onError",
            "statistics",
            "trace",
            "description",
        ],
    );
    for unsupported in ["key-expression", "template"] {
        if let Some(a) = el.attr(unsupported) {
            return Err(cx.diags.error(
                a.pos,
                format!("endpoint attribute `{unsupported}` is not supported yet"),
            ));
        }
    }
    let name = el.attr("name").map(|a| a.value.clone());
    if standalone && name.is_none() {
        return Err(cx
            .diags
            .error(el.pos, "a standalone <endpoint> needs a `name` attribute"));
    }
    if let Some(key) = el.attr("key") {
        cx.no_children(el)?;
        return Ok(Endpoint {
            name,
            target: cx.endpoint_ref(&key.value, key.pos),
            timeout: None,
            properties: Vec::new(),
        });
    }
    let mut target = None;
    let mut timeout = None;
    let mut properties = Vec::new();
    let mut failed = false;
    for text in el.stray_text() {
        failed = true;
        cx.diags
            .error(text.pos, "unexpected text inside <endpoint>");
    }
    for child in el.elements() {
        let result = match child.name.as_str() {
            "address" | "http" if target.is_some() => Err(cx
                .diags
                .error(child.pos, "an <endpoint> holds only one address")),
            "address" => address(child, cx).map(|(t, d)| {
                target = Some(t);
                timeout = d;
            }),
            "http" => http(child, cx).map(|(t, d)| {
                target = Some(t);
                timeout = d;
            }),
            "property" => endpoint_property(child, cx).map(|p| properties.push(p)),
            "description" => Ok(()),
            other if NOT_YET.contains(&other) => Err(cx.diags.error(
                child.pos,
                format!("<{other}> endpoints are not supported yet; use <address> or <http>"),
            )),
            other => Err(cx.diags.error_with_help(
                child.pos,
                format!("unknown endpoint element <{other}>"),
                "expected <address uri=\"...\"> or <http uri-template=\"...\">",
            )),
        };
        failed |= result.is_err();
    }
    if failed {
        return Err(Reported);
    }
    let Some(target) = target else {
        return Err(cx.diags.error_with_help(
            el.pos,
            "<endpoint> needs an <address> or <http> child, or a `key`",
            "for example <endpoint><address uri=\"http://backend/path\"/></endpoint>",
        ));
    };
    Ok(Endpoint {
        name,
        target,
        timeout,
        properties,
    })
}

fn address(el: &Element, cx: &mut CompileCx<'_>) -> Result<(Target, Option<Duration>), Reported> {
    cx.check_attributes(
        el,
        &[
            "uri",
            "format",
            "optimize",
            "encoding",
            "statistics",
            "trace",
        ],
    );
    let uri = cx.required_attr(el, "uri")?;
    if reqwest::Url::parse(&uri.value).is_err() {
        return Err(cx.diags.error(
            uri.pos,
            format!("`{}` is not a valid absolute URL", uri.value),
        ));
    }
    let force_get = format(el, cx)?;
    let timeout = qos_children(el, cx)?;
    Ok((
        Target::Address {
            uri: uri.value.clone(),
            force_get,
        },
        timeout,
    ))
}

fn http(el: &Element, cx: &mut CompileCx<'_>) -> Result<(Target, Option<Duration>), Reported> {
    cx.check_attributes(
        el,
        &[
            "uri-template",
            "method",
            "version",
            "format",
            "statistics",
            "trace",
        ],
    );
    // Every check runs, so one mistake does not hide the next.
    let template = cx.required_attr(el, "uri-template").and_then(|raw| {
        if raw.value.starts_with("legacy-encoding:") {
            return Err(cx.diags.error(
                raw.pos,
                "the `legacy-encoding:` prefix is not supported yet",
            ));
        }
        let message = |e: uri_template::TemplateError| {
            format!("invalid uri-template `{}`: {}", raw.value, e.message)
        };
        UriTemplate::parse(&raw.value)
            .map(|t| (t, raw.value.clone()))
            .map_err(|e| cx.diags.error(raw.pos, message(e)))
    });
    let method = match el.attr("method") {
        None => Ok(None),
        Some(m) => {
            let upper = m.value.to_ascii_uppercase();
            if HTTP_METHODS.contains(&upper.as_str()) {
                Ok(Method::from_bytes(upper.as_bytes()).ok())
            } else {
                Err(cx.diags.error_with_help(
                    m.pos,
                    format!("unknown HTTP method `{}`", m.value),
                    "expected one of: get, post, put, delete, head, patch, options",
                ))
            }
        }
    };
    let format = format(el, cx);
    let timeout = qos_children(el, cx);
    let ((template, raw), method, _, timeout) = (template?, method?, format?, timeout?);
    Ok((
        Target::Http {
            template,
            raw,
            method,
        },
        timeout,
    ))
}

const HTTP_METHODS: [&str; 7] = ["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS"];

/// `format`: REST-style formats pass the message as it is; SOAP wrapping is not supported yet.
/// Returns true for `format="get"`.
fn format(el: &Element, cx: &mut CompileCx<'_>) -> Result<bool, Reported> {
    match el.attr("format") {
        None => Ok(false),
        Some(f) => match f.value.as_str() {
            "rest" | "pox" | "json" => Ok(false),
            "get" => Ok(true),
            "soap11" | "soap12" => Err(cx.diags.error(
                f.pos,
                format!("endpoint format `{}` (SOAP) is not supported yet", f.value),
            )),
            other => Err(cx.diags.error_with_help(
                f.pos,
                format!("unknown endpoint format `{other}`"),
                "expected one of: rest, pox, get, soap11, soap12",
            )),
        },
    }
}

/// Children of `<address>`/`<http>`: `<timeout>` is honoured; suspension settings are not yet.
fn qos_children(el: &Element, cx: &mut CompileCx<'_>) -> Result<Option<Duration>, Reported> {
    let mut timeout = None;
    let mut failed = false;
    for child in el.elements() {
        match child.name.as_str() {
            "timeout" => match parse_timeout(child, cx) {
                Ok(t) => timeout = t,
                Err(Reported) => failed = true,
            },
            "suspendOnFailure" | "markForSuspension" | "retryConfig" | "enableSec" | "enableRM"
            | "enableAddressing" => {
                cx.diags
                    .error(child.pos, format!("<{}> is not supported yet", child.name));
                failed = true;
            }
            other => {
                cx.diags.error(
                    child.pos,
                    format!("unknown element <{other}> in <{}>", el.name),
                );
                failed = true;
            }
        }
    }
    if failed { Err(Reported) } else { Ok(timeout) }
}

fn parse_timeout(el: &Element, cx: &mut CompileCx<'_>) -> Result<Option<Duration>, Reported> {
    let mut duration = None;
    for child in el.elements() {
        match child.name.as_str() {
            "duration" => {
                let text = child.text();
                let ms: u64 = text.trim().parse().map_err(|_| {
                    cx.diags.error(
                        child.pos,
                        format!(
                            "timeout duration `{}` is not a number of milliseconds",
                            text.trim()
                        ),
                    )
                })?;
                duration = Some(Duration::from_millis(ms));
            }
            "responseAction" => {
                let action = child.text();
                if !matches!(action.trim(), "fault" | "discard" | "never") {
                    return Err(cx.diags.error(
                        child.pos,
                        "responseAction must be `fault`, `discard` or `never`",
                    ));
                }
            }
            other => {
                return Err(cx
                    .diags
                    .error(child.pos, format!("unknown element <{other}> in <timeout>")));
            }
        }
    }
    Ok(duration)
}

fn endpoint_property(el: &Element, cx: &mut CompileCx<'_>) -> Result<(String, String), Reported> {
    cx.check_attributes(el, &["name", "value", "scope"]);
    let name = cx.required_attr(el, "name")?.value.clone();
    if let Some(scope) = el.attr("scope").filter(|s| s.value != "default") {
        return Err(cx.diags.error(
            scope.pos,
            "endpoint properties in scopes other than `default` are not supported yet",
        ));
    }
    match el.attr("value") {
        Some(v) => Ok((name, v.value.clone())),
        None => Err(cx
            .diags
            .error(el.pos, "endpoint <property> needs a `value`")),
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::compile_endpoint;

    #[test]
    fn parses_address_http_and_reference() {
        assert!(compile_endpoint(r#"<endpoint><address uri="http://b:9/x"><timeout><duration>5</duration></timeout></address></endpoint>"#).is_ok());
        assert!(
            compile_endpoint(
                r#"<endpoint><http method="get" uri-template="{uri.var.a}/x"/></endpoint>"#
            )
            .is_ok()
        );
        assert!(compile_endpoint(r#"<endpoint key="named"/>"#).is_ok());
    }

    #[test]
    fn deploy_errors() {
        let table = [
            (r#"<endpoint/>"#, "needs an <address> or <http> child"),
            (
                r#"<endpoint><address/></endpoint>"#,
                "needs a `uri` attribute",
            ),
            (
                r#"<endpoint><address uri="not a url"/></endpoint>"#,
                "not a valid absolute URL",
            ),
            (
                r#"<endpoint><http uri-template="{a"/></endpoint>"#,
                "invalid uri-template",
            ),
            (
                r#"<endpoint><http method="fetch" uri-template="http://x"/></endpoint>"#,
                "unknown HTTP method",
            ),
            (
                r#"<endpoint><failover/></endpoint>"#,
                "<failover> endpoints are not supported yet",
            ),
            (
                r#"<endpoint><address uri="http://x"><suspendOnFailure/></address></endpoint>"#,
                "<suspendOnFailure> is not supported yet",
            ),
            (
                r#"<endpoint><address uri="http://x" format="soap11"/></endpoint>"#,
                "SOAP",
            ),
            (
                r#"<endpoint><address uri="http://x"><timeout><duration>soon</duration></timeout></address></endpoint>"#,
                "not a number",
            ),
            (
                r#"<endpoint><address uri="http://x"/><http uri-template="http://y"/></endpoint>"#,
                "only one address",
            ),
        ];
        for (xml, want) in table {
            let errors = compile_endpoint(xml).unwrap_err();
            assert!(errors.iter().any(|e| e.contains(want)), "{xml}: {errors:?}");
        }
    }
}
