//! The leaf of an endpoint: `<address>`, `<http>` or `<default>`, with its quality-of-service
//! children (`<timeout>`, `<suspendOnFailure>`, `<markForSuspension>`) and `<property>`s.
//!
//! ```xml
//! <address uri="http://backend:9000/orders" format="soap11">
//!     <timeout><duration>5000</duration><responseAction>fault</responseAction></timeout>
//!     <suspendOnFailure><initialDuration>1000</initialDuration></suspendOnFailure>
//!     <markForSuspension><errorCodes>101504</errorCodes></markForSuspension>
//! </address>
//! <http method="GET" uri-template="{uri.var.base}/orders/{uri.var.id}"/>
//! ```

use std::time::Duration;

use http::Method;

use crate::compile::CompileCx;
use crate::config::xml::Element;
use crate::endpoint::{
    Format, Leaf, Suspension, SuspensionConfig, Target, Timeout, UriTemplate, uri_template,
};
use crate::error::Reported;

const HTTP_METHODS: [&str; 7] = ["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS"];

pub(super) fn leaf(el: &Element, cx: &mut CompileCx<'_>) -> Result<Leaf, Reported> {
    let target = match el.name.as_str() {
        "address" => address(el, cx),
        "http" => http(el, cx),
        _ => {
            cx.check_attributes(
                el,
                &["format", "optimize", "encoding", "statistics", "trace"],
            );
            Ok(Target::Default)
        }
    };
    let format = format(el, cx);
    let qos = qos_children(el, cx);
    let (target, format, (timeout, suspension)) = (target?, format?, qos?);
    Ok(Leaf::new(
        target,
        format,
        timeout,
        Suspension::new(suspension),
    ))
}

fn address(el: &Element, cx: &mut CompileCx<'_>) -> Result<Target, Reported> {
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
    Ok(Target::Address {
        uri: uri.value.clone(),
    })
}

fn http(el: &Element, cx: &mut CompileCx<'_>) -> Result<Target, Reported> {
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
    let ((template, raw), method) = (template?, method?);
    Ok(Target::Http {
        template,
        raw,
        method,
    })
}

fn format(el: &Element, cx: &mut CompileCx<'_>) -> Result<Format, Reported> {
    match el.attr("format") {
        None => Ok(Format::AsIs),
        Some(f) => Format::from_name(&f.value).ok_or_else(|| {
            cx.diags.error_with_help(
                f.pos,
                format!("unknown endpoint format `{}`", f.value),
                "expected one of: rest, pox, get, soap11, soap12, json",
            )
        }),
    }
}

/// Children of a leaf: `<timeout>`, `<suspendOnFailure>` and `<markForSuspension>`.
fn qos_children(
    el: &Element,
    cx: &mut CompileCx<'_>,
) -> Result<(Option<Timeout>, SuspensionConfig), Reported> {
    let mut timeout = None;
    let mut suspension = SuspensionConfig::default();
    let mut failed = false;
    for child in el.elements() {
        let result = match child.name.as_str() {
            "timeout" => parse_timeout(child, cx).map(|t| timeout = t),
            "suspendOnFailure" => suspend_on_failure(child, cx, &mut suspension),
            // The Synapse 1.x form: seconds to suspend for.
            "suspendDurationOnFailure" => {
                let text = child.text();
                milliseconds(child, text.trim(), cx).map(|secs| suspension.initial = secs * 1000)
            }
            "markForSuspension" => mark_for_suspension(child, cx, &mut suspension),
            "enableAddressing" => {
                cx.diags.warning(
                    child.pos,
                    "<enableAddressing> is ignored: oxynapse does not send WS-Addressing headers",
                );
                Ok(())
            }
            "retryConfig" | "enableSec" | "enableRM" => Err(cx
                .diags
                .error(child.pos, format!("<{}> is not supported yet", child.name))),
            other => Err(cx.diags.error(
                child.pos,
                format!("unknown element <{other}> in <{}>", el.name),
            )),
        };
        failed |= result.is_err();
    }
    if failed {
        Err(Reported)
    } else {
        Ok((timeout, suspension))
    }
}

fn parse_timeout(el: &Element, cx: &mut CompileCx<'_>) -> Result<Option<Timeout>, Reported> {
    let mut duration = None;
    for child in el.elements() {
        match child.name.as_str() {
            "duration" => {
                let text = child.text();
                let text = text.trim();
                duration = Some(
                    match text.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
                        Some(expression) => {
                            Timeout::Dynamic(cx.expression_at(child, expression, child.pos)?)
                        }
                        None => Timeout::Fixed(milliseconds(child, text, cx)?),
                    },
                );
            }
            "responseAction" => {
                if !matches!(child.text().trim(), "fault" | "discard" | "never") {
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

fn milliseconds(el: &Element, text: &str, cx: &mut CompileCx<'_>) -> Result<Duration, Reported> {
    text.parse::<u64>().map(Duration::from_millis).map_err(|_| {
        cx.diags.error(
            el.pos,
            format!("<{}> `{text}` is not a number of milliseconds", el.name),
        )
    })
}

fn error_codes(el: &Element, cx: &mut CompileCx<'_>) -> Result<Vec<i64>, Reported> {
    el.text()
        .split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(|c| {
            c.parse::<i64>().map_err(|_| {
                cx.diags
                    .error(el.pos, format!("`{c}` is not an error code"))
            })
        })
        .collect()
}

fn suspend_on_failure(
    el: &Element,
    cx: &mut CompileCx<'_>,
    config: &mut SuspensionConfig,
) -> Result<(), Reported> {
    for child in el.elements() {
        let text = child.text();
        let text = text.trim();
        match child.name.as_str() {
            "errorCodes" => config.suspend_codes = error_codes(child, cx)?,
            // -1 means "not set": Synapse's 30 s default stays.
            "initialDuration" if text == "-1" => {}
            "initialDuration" => config.initial = milliseconds(child, text, cx)?,
            "maximumDuration" => config.maximum = milliseconds(child, text, cx)?,
            "progressionFactor" => {
                config.progression = text.parse().map_err(|_| {
                    cx.diags.error(
                        child.pos,
                        format!("progressionFactor `{text}` is not a number"),
                    )
                })?;
            }
            other => {
                return Err(cx.diags.error(
                    child.pos,
                    format!("unknown element <{other}> in <suspendOnFailure>"),
                ));
            }
        }
    }
    Ok(())
}

fn mark_for_suspension(
    el: &Element,
    cx: &mut CompileCx<'_>,
    config: &mut SuspensionConfig,
) -> Result<(), Reported> {
    for child in el.elements() {
        let text = child.text();
        let text = text.trim();
        match child.name.as_str() {
            "errorCodes" => config.mark_codes = error_codes(child, cx)?,
            "retriesBeforeSuspension" => {
                config.retries_before_suspension = text.parse().map_err(|_| {
                    cx.diags.error(
                        child.pos,
                        format!("retriesBeforeSuspension `{text}` is not a count"),
                    )
                })?;
            }
            "retryDelay" => config.retry_delay = milliseconds(child, text, cx)?,
            other => {
                return Err(cx.diags.error(
                    child.pos,
                    format!("unknown element <{other}> in <markForSuspension>"),
                ));
            }
        }
    }
    Ok(())
}

pub(super) fn endpoint_property(
    el: &Element,
    cx: &mut CompileCx<'_>,
) -> Result<(String, String), Reported> {
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
                r#"<endpoint><wsdl/></endpoint>"#,
                "<wsdl> endpoints are not supported yet",
            ),
            (
                r#"<endpoint><address uri="http://x" format="soap13"/></endpoint>"#,
                "unknown endpoint format",
            ),
            (
                r#"<endpoint><address uri="http://x"><timeout><duration>soon</duration></timeout></address></endpoint>"#,
                "not a number",
            ),
            (
                r#"<endpoint><address uri="http://x"/><http uri-template="http://y"/></endpoint>"#,
                "only one address",
            ),
            (
                r#"<endpoint><failover/></endpoint>"#,
                "needs at least one <endpoint>",
            ),
            (
                r#"<endpoint><loadbalance algorithm="x.WeightedRoundRobin"><endpoint key="a"/></loadbalance></endpoint>"#,
                "not supported yet",
            ),
            (
                r#"<endpoint><address uri="http://x"><suspendOnFailure><errorCodes>a,b</errorCodes></suspendOnFailure></address></endpoint>"#,
                "not an error code",
            ),
            (
                r#"<endpoint><class name="x"/></endpoint>"#,
                "does not run Java",
            ),
        ];
        for (xml, want) in table {
            let errors = compile_endpoint(xml).unwrap_err();
            assert!(errors.iter().any(|e| e.contains(want)), "{xml}: {errors:?}");
        }
    }
}
