//! REST APIs at run time: choosing the resource for a request.
//!
//! An API serves the requests whose path is its context or lies below it. Among its
//! resources, those accepting the method are tried: `url-mapping` ones first (exact, then the
//! longest prefix, then extensions), then `uri-template` ones in definition order, then the
//! default resource. A path that only matches with another method is answered 405; `OPTIONS`
//! is answered with `Allow` when no resource takes it; anything else is 404.

pub mod matching;

use std::sync::Arc;

use http::Method;

use crate::handler::Handler;
pub use matching::{PathTemplate, UrlMapping, decode_query_value};

#[derive(Debug)]
pub struct Api {
    /// `name` or `name:v<version>`.
    pub name: String,
    /// The context with the version applied (`/orders/1.0`); `/` serves everything.
    pub context: String,
    pub file: Arc<str>,
    pub resources: Vec<Resource>,
}

#[derive(Debug)]
pub struct Resource {
    /// Empty accepts every method.
    pub methods: Vec<Method>,
    pub matcher: Matcher,
    pub handler: Arc<Handler>,
}

#[derive(Debug)]
pub enum Matcher {
    Template(PathTemplate),
    Mapping(UrlMapping),
    Any,
}

/// The outcome of dispatching a request within an API.
#[derive(Debug)]
pub enum Dispatch<'a> {
    /// The resource, and the `uri.var.*` values its template bound.
    Resource(&'a Resource, Vec<(String, String)>),
    /// The path matches, but only with these methods.
    MethodNotAllowed(Vec<Method>),
    /// An `OPTIONS` request no resource takes: answer with these methods.
    Options(Vec<Method>),
    NotFound,
}

impl Resource {
    fn accepts(&self, method: &Method) -> bool {
        self.methods.is_empty() || self.methods.contains(method)
    }

    fn allowed(&self) -> Vec<Method> {
        if self.methods.is_empty() {
            ["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS"]
                .iter()
                .filter_map(|m| Method::from_bytes(m.as_bytes()).ok())
                .collect()
        } else {
            self.methods.clone()
        }
    }
}

impl Api {
    /// Where the path below the context starts in `path_and_query`, when this API serves it.
    pub fn serves(&self, path_and_query: &str) -> Option<usize> {
        if self.context == "/" {
            return Some(0);
        }
        let rest = path_and_query.strip_prefix(self.context.as_str())?;
        (rest.is_empty() || rest.starts_with('/') || rest.starts_with('?'))
            .then_some(self.context.len())
    }

    /// Chooses the resource for a request; `sub_path` is the path below the context, with
    /// its query string, and `/` when empty.
    pub fn dispatch<'a>(&'a self, method: &Method, sub_path: &str) -> Dispatch<'a> {
        if let Some((resource, vars)) = self.find(sub_path, |r| r.accepts(method)) {
            return Dispatch::Resource(resource, vars);
        }
        let mut allowed: Vec<Method> = Vec::new();
        for resource in &self.resources {
            if self.matches(resource, sub_path).is_some() {
                for m in resource.allowed() {
                    if !allowed.contains(&m) {
                        allowed.push(m);
                    }
                }
            }
        }
        match (allowed.is_empty(), method == Method::OPTIONS) {
            (true, _) => Dispatch::NotFound,
            (false, true) => Dispatch::Options(allowed),
            (false, false) => Dispatch::MethodNotAllowed(allowed),
        }
    }

    fn find(
        &self,
        sub_path: &str,
        accepts: impl Fn(&Resource) -> bool,
    ) -> Option<(&Resource, Vec<(String, String)>)> {
        let candidates = || self.resources.iter().filter(|r| accepts(r));
        let by_mapping = candidates()
            .filter_map(|r| match &r.matcher {
                Matcher::Mapping(m) => m.matches(sub_path).map(|rank| (rank, r)),
                _ => None,
            })
            .max_by_key(|(rank, _)| *rank);
        if let Some((_, resource)) = by_mapping {
            return Some((resource, Vec::new()));
        }
        for resource in candidates() {
            if let Matcher::Template(t) = &resource.matcher
                && let Some(vars) = t.matches(sub_path)
            {
                return Some((resource, vars));
            }
        }
        candidates()
            .find(|r| matches!(r.matcher, Matcher::Any))
            .map(|r| (r, Vec::new()))
    }

    fn matches(&self, resource: &Resource, sub_path: &str) -> Option<()> {
        match &resource.matcher {
            Matcher::Mapping(m) => m.matches(sub_path).map(|_| ()),
            Matcher::Template(t) => t.matches(sub_path).map(|_| ()),
            Matcher::Any => Some(()),
        }
    }
}

/// `name=value` pairs of a query string, decoded as forms are (`+` is a space). A pair
/// without `=` is appended to the previous value with `&`, as Synapse does.
pub fn query_params(path_and_query: &str) -> Vec<(String, String)> {
    let Some((_, query)) = path_and_query.split_once('?') else {
        return Vec::new();
    };
    let mut params: Vec<(String, String)> = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some((name, value)) => {
                params.push((decode_query_value(name), decode_query_value(value)))
            }
            None => match params.last_mut() {
                Some((_, value)) => {
                    value.push('&');
                    value.push_str(&decode_query_value(pair));
                }
                None => params.push((decode_query_value(pair), String::new())),
            },
        }
    }
    params
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handler::HandlerKind;

    fn resource(methods: &[&str], matcher: Matcher) -> Resource {
        Resource {
            methods: methods
                .iter()
                .map(|m| Method::from_bytes(m.as_bytes()).unwrap())
                .collect(),
            matcher,
            handler: Arc::new(Handler {
                kind: HandlerKind::Api,
                name: "a".into(),
                in_sequence: None,
                out_sequence: None,
                fault_sequence: None,
                endpoint: None,
            }),
        }
    }

    fn api() -> Api {
        Api {
            name: "pets".into(),
            context: "/pets".into(),
            file: "pets.xml".into(),
            resources: vec![
                resource(
                    &["GET"],
                    Matcher::Template(PathTemplate::parse("/{id}").unwrap()),
                ),
                resource(&["POST"], Matcher::Mapping(UrlMapping::parse("/bulk/*"))),
                resource(&["DELETE"], Matcher::Mapping(UrlMapping::parse("/*"))),
                resource(&["PUT"], Matcher::Any),
            ],
        }
    }

    fn outcome(method: &str, path: &str) -> String {
        match api().dispatch(&Method::from_bytes(method.as_bytes()).unwrap(), path) {
            Dispatch::Resource(r, vars) => format!("{} {vars:?}", r.methods[0]),
            Dispatch::MethodNotAllowed(m) => format!("405 {m:?}"),
            Dispatch::Options(m) => format!("options {m:?}"),
            Dispatch::NotFound => "404".into(),
        }
    }

    #[test]
    fn dispatch_follows_synapse_order() {
        assert_eq!(outcome("GET", "/7"), r#"GET [("id", "7")]"#);
        assert_eq!(outcome("POST", "/bulk/x"), "POST []");
        assert_eq!(
            outcome("DELETE", "/bulk/x"),
            "DELETE []",
            "a prefix mapping for the method"
        );
        assert_eq!(
            outcome("PUT", "/anything/at/all"),
            "PUT []",
            "the default resource"
        );
        assert_eq!(outcome("POST", "/7"), r#"405 [GET, DELETE, PUT]"#);
        assert_eq!(outcome("OPTIONS", "/7"), r#"options [GET, DELETE, PUT]"#);
    }

    #[test]
    fn contexts_and_queries() {
        let api = api();
        assert_eq!(api.serves("/pets"), Some(5));
        assert_eq!(api.serves("/pets/1?x"), Some(5));
        assert_eq!(api.serves("/pets?x"), Some(5));
        assert_eq!(api.serves("/petshop"), None);
        assert_eq!(
            query_params("/x?a=1&b&c=x+y%21&=e"),
            [
                ("a".into(), "1&b".into()),
                ("c".into(), "x y!".into()),
                (String::new(), "e".into())
            ]
        );
    }
}
