//! `<rewrite>`: Synapse's URL rewrite mediator. It rewrites a URL (the `inProperty` property,
//! else the message's To address, else the request URI) fragment by fragment, and puts the
//! result in `outProperty`, else in the To address, where a following `<send/>` delivers.
//!
//! ```xml
//! <rewrite inProperty="in" outProperty="out">      <!-- both optional -->
//!     <rewriterule>
//!         <condition>                               <!-- optional -->
//!             <and>
//!                 <equal type="url" source="host" value="localhost"/>
//!                 <not><match type="header" source="X-Mode" regex="test|dev"/></not>
//!             </and>
//!         </condition>
//!         <action fragment="host" value="backend.example.com"/>
//!         <action fragment="port" value="9000"/>
//!         <action fragment="path" type="prepend" value="/v2"/>
//!         <action fragment="path" type="replace" regex="Quote(\w+)" xpath="$ctx:service"/>
//!     </rewriterule>
//! </rewrite>
//! ```
//!
//! Actions run in order: `type` set (default), append, prepend, replace (every match of
//! `regex`, Java's `$1` groups) or remove, with the text of `value` or of the expression in
//! `xpath`, on a `fragment`: protocol, user, host, port, path, query, ref, or full (the
//! default, which sets the whole URL whatever the type). A port must be a number; remove
//! clears it.
//!
//! A rule runs when its condition holds: `and`, `or`, `not`, `equal` (`value`) and `match`
//! (a `regex` matching the whole text) over `type="url"` (the URL as rewritten so far, or one
//! fragment of it named by `source`), `header` (the default), `param` (a query parameter of
//! the URL) or `property`. Text that is not there makes `equal` and `match` false.
//!
//! Fragments are kept as written (percent escapes included) and characters a URL cannot hold
//! are escaped when it is put together again.

use async_trait::async_trait;
use regex::Regex;

use super::{Flow, Mediator, MediatorFactory};
use crate::compile::CompileCx;
use crate::config::xml::Element;
use crate::context::MessageContext;
use crate::error::{MediationError, Reported};
use crate::expr::Expression;

use super::rewrite_url::{
    Condition, Fragment, Url, build_condition, fragment_named, java_replacement,
};

#[derive(Debug)]
enum Kind {
    Set,
    Append,
    Prepend,
    Replace(Regex),
    Remove,
}

#[derive(Debug)]
struct Action {
    kind: Kind,
    value: Option<Expression>,
    literal: Option<String>,
    fragment: Fragment,
}

#[derive(Debug)]
struct Rule {
    condition: Option<Condition>,
    actions: Vec<Action>,
}

#[derive(Debug)]
pub struct RewriteMediator {
    in_property: Option<String>,
    out_property: Option<String>,
    rules: Vec<Rule>,
}

pub struct RewriteFactory;

impl MediatorFactory for RewriteFactory {
    fn tag(&self) -> &'static str {
        "rewrite"
    }

    fn build(&self, el: &Element, cx: &mut CompileCx<'_>) -> Result<Box<dyn Mediator>, Reported> {
        cx.check_attributes(el, &["inProperty", "outProperty", "description"]);
        // Every rule is built, so that all their errors are reported.
        let rules: Vec<_> = el
            .elements()
            .map(|child| match child.name.as_str() {
                "rewriterule" => build_rule(child, cx),
                other => Err(cx.diags.error(
                    child.pos,
                    format!("<rewrite> holds <rewriterule> elements, not <{other}>"),
                )),
            })
            .collect();
        let rules = rules.into_iter().collect::<Result<_, _>>()?;
        Ok(Box::new(RewriteMediator {
            in_property: el.attr_value("inProperty").map(str::to_string),
            out_property: el.attr_value("outProperty").map(str::to_string),
            rules,
        }))
    }
}

fn build_rule(el: &Element, cx: &mut CompileCx<'_>) -> Result<Rule, Reported> {
    cx.check_attributes(el, &["description"]);
    let (mut condition, mut actions) = (None, Vec::new());
    for child in el.elements() {
        match child.name.as_str() {
            "condition" => {
                cx.check_attributes(child, &[]);
                let mut tests = child.elements();
                condition = tests.next().map(|t| build_condition(t, cx)).transpose()?;
                if let Some(extra) = tests.next() {
                    cx.diags
                        .warning(extra.pos, "only the first condition counts");
                }
            }
            "action" => actions.push(build_action(child, cx)?),
            other => {
                return Err(cx.diags.error_with_help(
                    child.pos,
                    format!("<rewriterule> cannot hold <{other}>"),
                    "expected a <condition> and <action> elements",
                ));
            }
        }
    }
    if actions.is_empty() {
        return Err(cx
            .diags
            .error(el.pos, "a <rewriterule> needs at least one <action>"));
    }
    Ok(Rule { condition, actions })
}

fn build_action(el: &Element, cx: &mut CompileCx<'_>) -> Result<Action, Reported> {
    cx.check_attributes(
        el,
        &["type", "value", "xpath", "regex", "fragment", "resolve"],
    );
    let fragment = match el.attr("fragment") {
        None => Fragment::Full,
        Some(a) => fragment_named(&a.value).ok_or_else(|| {
            cx.diags.error_with_help(
                a.pos,
                format!("unknown URL fragment `{}`", a.value),
                "expected protocol, user, host, port, path, query, ref or full",
            )
        })?,
    };
    if let Some(a) = el.attr("resolve").filter(|a| a.value != "false") {
        return Err(cx.diags.error(a.pos, "`resolve` is not supported yet"));
    }
    let kind = match el.attr("type") {
        None => Kind::Set,
        Some(a) => match a.value.as_str() {
            "set" => Kind::Set,
            "append" => Kind::Append,
            "prepend" => Kind::Prepend,
            "remove" => Kind::Remove,
            "replace" => {
                let regex = cx.required_attr(el, "regex")?;
                Kind::Replace(Regex::new(&regex.value).map_err(|e| {
                    let why = e.to_string();
                    let why = why.lines().last().unwrap_or_default().trim().to_string();
                    cx.diags
                        .error(regex.pos, format!("invalid regex `{}`: {why}", regex.value))
                })?)
            }
            "remove-query-param" => {
                return Err(cx
                    .diags
                    .error(a.pos, "`remove-query-param` is not supported yet"));
            }
            other => {
                return Err(cx.diags.error_with_help(
                    a.pos,
                    format!("unknown rewrite action type `{other}`"),
                    "expected set, append, prepend, replace or remove",
                ));
            }
        },
    };
    let value = el.attr("xpath").map(|a| cx.expression(el, a)).transpose()?;
    let literal = el.attr_value("value").map(str::to_string);
    if value.is_none() && literal.is_none() && !matches!(kind, Kind::Remove) {
        return Err(cx.diags.error(
            el.pos,
            "<action> needs a `value` or an `xpath` (unless type=\"remove\")",
        ));
    }
    if let (Fragment::Port, Some(port), None) = (fragment, &literal, &value)
        && port.trim().parse::<u16>().is_err()
    {
        return Err(cx
            .diags
            .error(el.pos, format!("port `{port}` is not a port number")));
    }
    Ok(Action {
        kind,
        value,
        literal,
        fragment,
    })
}

#[async_trait]
impl Mediator for RewriteMediator {
    async fn mediate(&self, ctx: &mut MessageContext) -> Result<Flow, MediationError> {
        let input = match &self.in_property {
            Some(name) => ctx.property(name).map(ToString::to_string),
            None => Some(
                ctx.to_address()
                    .unwrap_or_else(|| ctx.request_uri())
                    .to_string(),
            ),
        };
        let mut url = match input {
            Some(text) => Url::parse(&text).map_err(|why| {
                MediationError::internal("malformed input URL")
                    .with_detail(format!("`{text}`: {why}"))
            })?,
            None => Url::default(),
        };
        for rule in &self.rules {
            if let Some(condition) = &rule.condition {
                let text = url.to_text().map_err(unbuildable)?;
                if !condition.holds(&url, &text, ctx) {
                    continue;
                }
            }
            for action in &rule.actions {
                action.run(&mut url, ctx)?;
            }
        }
        let output = url.to_text().map_err(unbuildable)?;
        match &self.out_property {
            Some(name) => ctx.set_property(name.clone(), output),
            None => ctx.set_to_address(Some(output)),
        }
        Ok(Flow::Continue)
    }
}

fn unbuildable(why: String) -> MediationError {
    MediationError::internal("the rewritten URL is not valid").with_detail(why)
}

impl Action {
    fn run(&self, url: &mut Url, ctx: &mut MessageContext) -> Result<(), MediationError> {
        let result = match &self.value {
            Some(expression) => expression.evaluate(ctx)?,
            None => self.literal.clone(),
        };
        let invalid = |what: &str, text: &str| {
            MediationError::internal(format!("the rewrite action gives an invalid {what}"))
                .with_detail(format!("`{text}`"))
        };
        match self.fragment {
            Fragment::Full => {
                let text = result.unwrap_or_default();
                *url = Url::parse(&text).map_err(|_| invalid("URL", &text))?;
            }
            // Synapse sets the port whatever the type; no value clears it.
            Fragment::Port => {
                url.port = match result {
                    None => None,
                    Some(t) => Some(t.trim().parse().map_err(|_| invalid("port", &t))?),
                };
            }
            fragment => {
                let current = url.get(fragment).unwrap_or_default();
                let result = result.unwrap_or_default();
                let new = match &self.kind {
                    Kind::Set => Some(result),
                    Kind::Append => Some(current + &result),
                    Kind::Prepend => Some(result + &current),
                    Kind::Replace(regex) => Some(
                        regex
                            .replace_all(&current, java_replacement(&result))
                            .into_owned(),
                    ),
                    Kind::Remove => None,
                };
                url.set(fragment, new);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::{compile_errors, context_with, mediate};

    const TO: &str = "http://localhost:8280/services/StockQuote?symbol=IBM#top";

    /// Runs each `rules => To address afterwards` line of `cases` on a message sent to [`TO`].
    async fn check(cases: &str) {
        for case in cases.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let (rules, want) = case.split_once(" => ").unwrap();
            let mut ctx = context_with("{}", &[("X-Mode", "live")]);
            ctx.set_property("service", "StockQuote");
            ctx.set_to_address(Some(TO.into()));
            let seq = format!(
                "<sequence><rewrite><rewriterule>{rules}</rewriterule></rewrite></sequence>"
            );
            mediate(&mut ctx, &seq).await;
            assert_eq!(ctx.to_address(), Some(want), "{rules}");
        }
    }

    #[tokio::test]
    async fn actions_on_each_fragment() {
        check(r#"
            <action value="https://example.com/x"/> => https://example.com/x
            <action type="append" value="ignored for full: /y" fragment="full"/> => ignored%20for%20full:%20/y
            <action fragment="protocol" value="https"/> => https://localhost:8280/services/StockQuote?symbol=IBM#top
            <action fragment="user" value="me"/> => http://me@localhost:8280/services/StockQuote?symbol=IBM#top
            <action fragment="host" value="backend"/> => http://backend:8280/services/StockQuote?symbol=IBM#top
            <action fragment="port" value="9000"/> => http://localhost:9000/services/StockQuote?symbol=IBM#top
            <action fragment="port" type="remove"/> => http://localhost/services/StockQuote?symbol=IBM#top
            <action fragment="path" type="prepend" value="/v2"/> => http://localhost:8280/v2/services/StockQuote?symbol=IBM#top
            <action fragment="path" type="append" value="/all"/> => http://localhost:8280/services/StockQuote/all?symbol=IBM#top
            <action fragment="path" type="replace" regex="Stock(\w+)" value="$1Service"/> => http://localhost:8280/services/QuoteService?symbol=IBM#top
            <action fragment="path" type="replace" regex="StockQuote" xpath="concat('New', $ctx:service)"/> => http://localhost:8280/services/NewStockQuote?symbol=IBM#top
            <action fragment="query" value="q=a b"/> => http://localhost:8280/services/StockQuote?q=a%20b#top
            <action fragment="query" type="remove"/> => http://localhost:8280/services/StockQuote#top
            <action fragment="ref" value="end"/><action fragment="path" value="/x"/> => http://localhost:8280/x?symbol=IBM#end
        "#).await;
    }

    #[tokio::test]
    async fn conditions_choose_the_rules_that_run() {
        check(r#"
            <condition><equal type="url" source="host" value="localhost"/></condition><action fragment="host" value="h"/> => http://h:8280/services/StockQuote?symbol=IBM#top
            <condition><equal type="url" source="host" value="nope"/></condition><action fragment="host" value="h"/> => http://localhost:8280/services/StockQuote?symbol=IBM#top
            <condition><and><match type="url" source="path" regex="/services/.*"/><not><equal source="X-Mode" value="test"/></not></and></condition><action fragment="port" value="1"/> => http://localhost:1/services/StockQuote?symbol=IBM#top
            <condition><or><equal type="param" source="symbol" value="MSFT"/><equal type="property" source="service" value="StockQuote"/></or></condition><action fragment="ref" type="remove"/> => http://localhost:8280/services/StockQuote?symbol=IBM
            <condition><and><equal type="url" source="port" value="8280"/><match type="url" regex="http://.*IBM#top"/></and></condition><action fragment="query" type="remove"/> => http://localhost:8280/services/StockQuote#top
            <condition><match source="X-Missing" regex=".*"/></condition><action fragment="host" value="h"/> => http://localhost:8280/services/StockQuote?symbol=IBM#top
        "#).await;
    }

    #[tokio::test]
    async fn rules_see_the_url_as_rewritten_and_properties_in_and_out() {
        let mut ctx = context_with("{}", &[]);
        ctx.set_property("in", "http://a/b");
        let seq = r#"<sequence><rewrite inProperty="in" outProperty="out">
            <rewriterule><action fragment="host" value="c"/></rewriterule>
            <rewriterule><condition><equal type="url" source="host" value="c"/></condition>
                <action fragment="path" value="/seen"/></rewriterule>
        </rewrite><rewrite><rewriterule><action fragment="host" value="h"/></rewriterule></rewrite></sequence>"#;
        mediate(&mut ctx, seq).await;
        assert_eq!(ctx.property("out").unwrap().to_string(), "http://c/seen");
        assert_eq!(
            ctx.to_address(),
            Some("//h/services/test"),
            "from the request URI"
        );
    }

    #[test]
    fn deploy_errors() {
        let cases = r#"
            <rule/> => <rewrite> holds <rewriterule> elements, not <rule>
            <rewriterule/> => needs at least one <action>
            <rewriterule><action fragment="hostname" value="x"/></rewriterule> => unknown URL fragment `hostname`
            <rewriterule><action type="swap" value="x"/></rewriterule> => unknown rewrite action type `swap`
            <rewriterule><action type="replace" value="x"/></rewriterule> => needs a `regex`
            <rewriterule><action type="replace" regex="(" value="x"/></rewriterule> => invalid regex `(`
            <rewriterule><action fragment="path"/></rewriterule> => needs a `value` or an `xpath`
            <rewriterule><action fragment="port" value="http"/></rewriterule> => port `http` is not a port number
            <rewriterule><action type="remove-query-param" fragment="query" value="a"/></rewriterule> => `remove-query-param` is not supported yet
            <rewriterule><action resolve="true" value="a"/></rewriterule> => `resolve` is not supported yet
            <rewriterule><condition><xor/></condition><action value="a"/></rewriterule> => unknown condition <xor>
            <rewriterule><condition><not/></condition><action value="a"/></rewriterule> => <not> takes exactly one condition
            <rewriterule><condition><and/></condition><action value="a"/></rewriterule> => <and> needs conditions inside
            <rewriterule><condition><equal type="soap" source="x" value="y"/></condition><action value="a"/></rewriterule> => `soap` are not supported yet
            <rewriterule><condition><equal type="url" source="x" value="y"/></condition><action value="a"/></rewriterule> => unknown URL fragment `x`
            <rewriterule><condition><equal type="cookie" source="x" value="y"/></condition><action value="a"/></rewriterule> => unknown condition type `cookie`
            <rewriterule><condition><equal value="y"/></condition><action value="a"/></rewriterule> => needs a `source`
            <rewriterule><condition><match source="h"/></condition><action value="a"/></rewriterule> => needs a `regex`
            <rewriterule><condition><equal source="h"/></condition><action value="a"/></rewriterule> => needs a `value`
        "#;
        for case in cases.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let (inner, want) = case.split_once(" => ").unwrap();
            let xml = format!("<rewrite>{inner}</rewrite>");
            let errors = compile_errors(&xml);
            assert!(errors.iter().any(|e| e.contains(want)), "{xml}: {errors:?}");
        }
    }
}
