//! `<endpoint>`: inline in `send`/`call`/`target`, or a standalone named artifact.
//!
//! ```xml
//! <endpoint name="orders">
//!     <address uri="http://backend:9000/orders" format="soap11">
//!         <timeout><duration>5000</duration><responseAction>fault</responseAction></timeout>
//!         <suspendOnFailure><initialDuration>1000</initialDuration></suspendOnFailure>
//!     </address>
//! </endpoint>
//! <endpoint><http method="GET" uri-template="{uri.var.base}/orders/{uri.var.id}"/></endpoint>
//! <endpoint key="orders"/>
//! <endpoint><failover><endpoint key="primary"/><endpoint key="backup"/></failover></endpoint>
//! <endpoint><loadbalance algorithm="org.apache.synapse.endpoints.algorithms.RoundRobin">
//!     <endpoint key="a"/><endpoint key="b"/></loadbalance></endpoint>
//! ```

use std::sync::atomic::AtomicUsize;

use crate::compile::CompileCx;
use crate::config::xml::Element;
use crate::endpoint::{DynamicRecipients, Endpoint, EndpointKind, TemplatedEndpoint};
use crate::error::Reported;

mod leaf;

use leaf::{endpoint_property, leaf};

/// Parses an `<endpoint>` element. `standalone` artifacts must carry a name.
pub fn parse_endpoint(
    el: &Element,
    cx: &mut CompileCx<'_>,
    standalone: bool,
) -> Result<Endpoint, Reported> {
    cx.synapse_namespace(el)?;
    if let Some(template) = el.attr("template") {
        return templated(el, template, cx);
    }
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
    for unsupported in ["key-expression"] {
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
            kind: cx.endpoint_ref(&key.value, key.pos),
            properties: Vec::new(),
        });
    }
    let mut kind = None;
    let mut properties = Vec::new();
    let mut failed = false;
    for text in el.stray_text() {
        failed = true;
        cx.diags
            .error(text.pos, "unexpected text inside <endpoint>");
    }
    for child in el.elements() {
        let result = match child.name.as_str() {
            "address" | "http" | "default" | "failover" | "loadbalance" | "recipientlist" if kind.is_some() => {
                Err(cx.diags.error(child.pos, "an <endpoint> holds only one address or group"))
            }
            "address" | "http" | "default" => leaf(child, cx).map(|l| kind = Some(EndpointKind::Leaf(Box::new(l)))),
            "failover" => children(child, cx).map(|c| kind = Some(EndpointKind::Failover(c))),
            "loadbalance" => loadbalance(child, cx).map(|k| kind = Some(k)),
            "recipientlist" => recipient_list(child, cx).map(|k| kind = Some(k)),
            "property" => endpoint_property(child, cx).map(|p| properties.push(p)),
            "description" => Ok(()),
            "session" => {
                cx.diags.warning(child.pos, "<session> (sticky load balancing) is ignored; requests are spread round robin");
                Ok(())
            }
            "wsdl" | "template" | "serviceDynamicLoadbalance" | "dynamicLoadbalance" => Err(cx.diags.error(
                child.pos,
                format!("<{}> endpoints are not supported yet; use <address>, <http>, <failover> or <loadbalance>", child.name),
            )),
            "class" => Err(cx.diags.error(child.pos, "<class> endpoints run Java classes; oxynapse does not run Java")),
            other => Err(cx.diags.error_with_help(
                child.pos,
                format!("unknown endpoint element <{other}>"),
                "expected <address uri=\"...\">, <http uri-template=\"...\">, <default/>, <failover> or <loadbalance>",
            )),
        };
        failed |= result.is_err();
    }
    if failed {
        return Err(Reported);
    }
    let Some(kind) = kind else {
        return Err(cx.diags.error_with_help(
            el.pos,
            "<endpoint> needs an <address> or <http> child, or a `key`",
            "for example <endpoint><address uri=\"http://backend/path\"/></endpoint>",
        ));
    };
    Ok(Endpoint {
        name,
        kind,
        properties,
    })
}

/// `<endpoint [name] template="t" [uri]><parameter name value/>*</endpoint>`.
fn templated(
    el: &Element,
    template: &crate::config::xml::Attribute,
    cx: &mut CompileCx<'_>,
) -> Result<Endpoint, Reported> {
    cx.check_attributes(el, &["name", "template", "uri", "description"]);
    cx.endpoint_template_ref(&template.value, template.pos);
    let mut values: Vec<(String, String)> = ["name", "uri"]
        .iter()
        .filter_map(|n| el.attr_value(n).map(|v| (n.to_string(), v.to_string())))
        .collect();
    let mut failed = None;
    for child in el.elements() {
        if child.name != "parameter" {
            failed = Some(cx.diags.error(
                child.pos,
                format!(
                    "an endpoint using a template holds <parameter> elements, not <{}>",
                    child.name
                ),
            ));
            continue;
        }
        cx.check_attributes(child, &["name", "value"]);
        match (
            cx.required_attr(child, "name"),
            cx.required_attr(child, "value"),
        ) {
            (Ok(name), Ok(value)) => values.push((name.value.clone(), value.value.clone())),
            (Err(r), _) | (_, Err(r)) => failed = Some(r),
        }
    }
    if let Some(reported) = failed {
        return Err(reported);
    }
    Ok(Endpoint {
        name: el.attr_value("name").map(str::to_string),
        kind: EndpointKind::Templated(Box::new(TemplatedEndpoint::new(
            template.value.clone(),
            values,
        ))),
        properties: Vec::new(),
    })
}

/// `<recipientlist>`: `<endpoint>` children, or `<endpoints value="{expr}|url,url"/>`.
fn recipient_list(el: &Element, cx: &mut CompileCx<'_>) -> Result<EndpointKind, Reported> {
    let Some(dynamic) = el.child("endpoints") else {
        return children(el, cx).map(EndpointKind::RecipientList);
    };
    cx.check_attributes(el, &["description"]);
    if let Some(other) = el.elements().find(|c| c.name != "endpoints") {
        return Err(cx.diags.error(
            other.pos,
            "a <recipientlist> with <endpoints> holds nothing else",
        ));
    }
    cx.check_attributes(dynamic, &["value", "max-cache"]);
    let value = cx.required_attr(dynamic, "value")?;
    let text = value.value.trim();
    let expression = match text.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
        Some(inner) => cx.expression_at(dynamic, inner, value.pos)?,
        // A literal list: a string-valued XPath.
        None => cx.expression_at(dynamic, &format!("'{}'", text.replace('\'', "")), value.pos)?,
    };
    let max_cache = match dynamic.attr("max-cache") {
        None => 20,
        Some(a) => a.value.trim().parse::<usize>().map_err(|_| {
            cx.diags.error(
                a.pos,
                format!("max-cache `{}` is not a whole number", a.value),
            )
        })?,
    };
    Ok(EndpointKind::DynamicRecipients(DynamicRecipients {
        value: expression,
        max_cache,
        cache: std::sync::Mutex::new(Vec::new()),
    }))
}

/// The `<endpoint>` children of a group.
fn children(el: &Element, cx: &mut CompileCx<'_>) -> Result<Vec<Endpoint>, Reported> {
    cx.check_attributes(el, &["dynamic", "buildMessage", "description"]);
    let mut list = Vec::new();
    let mut failed = false;
    for child in el.elements() {
        match child.name.as_str() {
            "endpoint" => match parse_endpoint(child, cx, false) {
                Ok(e) => list.push(e),
                Err(Reported) => failed = true,
            },
            "member" => {
                cx.diags.error(
                    child.pos,
                    "<member> (dynamic membership) is not supported yet",
                );
                failed = true;
            }
            other => {
                cx.diags.error(
                    child.pos,
                    format!("<{}> holds <endpoint> children, not <{other}>", el.name),
                );
                failed = true;
            }
        }
    }
    if list.is_empty() && !failed {
        return Err(cx.diags.error(
            el.pos,
            format!("<{}> needs at least one <endpoint>", el.name),
        ));
    }
    if failed { Err(Reported) } else { Ok(list) }
}

fn loadbalance(el: &Element, cx: &mut CompileCx<'_>) -> Result<EndpointKind, Reported> {
    cx.check_attributes(
        el,
        &[
            "algorithm",
            "failover",
            "policy",
            "buildMessage",
            "description",
        ],
    );
    let weighted = match el.attr("algorithm") {
        None => false,
        Some(a) if a.value.ends_with("algorithms.RoundRobin") => false,
        Some(a) if a.value.ends_with("algorithms.WeightedRoundRobin") => true,
        Some(a) => {
            return Err(cx.diags.error_with_help(
                a.pos,
                format!("load-balancing algorithm `{}` is not supported yet", a.value),
                "oxynapse balances round robin (algorithms.RoundRobin) or by weight (algorithms.WeightedRoundRobin)",
            ));
        }
    };
    let failover = cx.bool_attr(el, "failover", true)?;
    let children = children(el, cx)?;
    let turns = if weighted {
        let weights = weights(el, &children, cx)?;
        weighted_turns(&weights)
    } else {
        (0..children.len()).collect()
    };
    Ok(EndpointKind::LoadBalance {
        children,
        turns,
        next: AtomicUsize::new(0),
        failover,
    })
}

/// Each child's `loadbalance.weight` property (1 when absent).
fn weights(
    el: &Element,
    children: &[Endpoint],
    cx: &mut CompileCx<'_>,
) -> Result<Vec<usize>, Reported> {
    children
        .iter()
        .map(|child| {
            let weight = child
                .properties
                .iter()
                .find(|(name, _)| name == "loadbalance.weight")
                .map_or("1", |(_, value)| value.as_str());
            match weight.trim().parse::<usize>() {
                Ok(w) if (1..=1000).contains(&w) => Ok(w),
                _ => Err(cx.diags.error(
                    el.pos,
                    format!("loadbalance.weight `{weight}` is not a whole number from 1 to 1000"),
                )),
            }
        })
        .collect()
}

/// Turns in proportion to the weights, spread out rather than bunched (smooth weighted
/// round robin): weights 1, 2 give 1, 0, 1.
fn weighted_turns(weights: &[usize]) -> Vec<usize> {
    let total: i64 = weights.iter().map(|&w| w as i64).sum();
    let mut current = vec![0i64; weights.len()];
    let mut turns = Vec::with_capacity(total as usize);
    for _ in 0..total {
        for (c, &w) in current.iter_mut().zip(weights) {
            *c += w as i64;
        }
        let best = (0..weights.len())
            .max_by_key(|&i| (current[i], std::cmp::Reverse(i)))
            .unwrap_or(0);
        current[best] -= total;
        turns.push(best);
    }
    turns
}

#[cfg(test)]
mod tests {
    use crate::testing::compile_endpoint;

    #[test]
    fn weighted_turns_follow_the_weights() {
        assert_eq!(super::weighted_turns(&[1, 2]), [1, 0, 1]);
        assert_eq!(super::weighted_turns(&[1, 1, 1]), [0, 1, 2]);
        let turns = super::weighted_turns(&[5, 1, 1]);
        assert_eq!(turns.iter().filter(|&&t| t == 0).count(), 5);
        assert_eq!(turns.len(), 7);
        let xml = r#"<endpoint><loadbalance algorithm="org.apache.synapse.endpoints.algorithms.WeightedRoundRobin">
            <endpoint><address uri="http://a/"/><property name="loadbalance.weight" value="0"/></endpoint>
          </loadbalance></endpoint>"#;
        assert!(compile_endpoint(xml).unwrap_err()[0].contains("from 1 to 1000"));
    }

    #[test]
    fn parses_every_supported_kind() {
        for xml in [
            r#"<endpoint><address uri="http://b:9/x" format="soap11"><timeout><duration>5</duration></timeout><suspendOnFailure><initialDuration>-1</initialDuration><progressionFactor>2.0</progressionFactor></suspendOnFailure><markForSuspension><errorCodes>101504, 101505</errorCodes><retriesBeforeSuspension>3</retriesBeforeSuspension><retryDelay>10</retryDelay></markForSuspension></address></endpoint>"#,
            r#"<endpoint><http method="get" uri-template="{uri.var.a}/x"><timeout><duration>{$ctx:t}</duration></timeout></http></endpoint>"#,
            r#"<endpoint key="named"/>"#,
            r#"<endpoint><default/></endpoint>"#,
            r#"<endpoint><failover><endpoint key="a"/><endpoint><address uri="http://b/"/></endpoint></failover></endpoint>"#,
            r#"<endpoint><loadbalance algorithm="org.apache.synapse.endpoints.algorithms.RoundRobin"><endpoint key="a"/></loadbalance><session type="http"/></endpoint>"#,
            r#"<endpoint><recipientlist><endpoint key="a"/><endpoint key="b"/></recipientlist></endpoint>"#,
        ] {
            assert!(
                compile_endpoint(xml).is_ok(),
                "{xml}: {:?}",
                compile_endpoint(xml).err()
            );
        }
    }
}
