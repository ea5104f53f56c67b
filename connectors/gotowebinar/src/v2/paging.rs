//! `allPages="true"` on a paged v2 list: fetch page 0, 1, … (size `size`, default 200, the
//! API's maximum) and answer one wrapper of the same kind holding every item:
//!
//! * `{"_embedded":{"<key>":[all]},"page":{"size":n,"totalElements":n,"totalPages":1,"number":0}}`
//! * `{"data":[all],"total":n,"page":0,"limit":n,"pageSize":n}` (registrants)
//!
//! Each page goes through the limiter and the token renewal like any request. The first
//! answer that is not a 2xx JSON wrapper is relayed as it is, so errors reach the client
//! unchanged. At most [`MAX_PAGES`] pages are fetched.

use oxynapse_engine::connector::Args;
use oxynapse_engine::http::client::BackendResponse;
use oxynapse_engine::metrics::BackendMetrics;
use oxynapse_engine::{MediationError, MessageContext};
use serde_json::{Map, Value, json};

use super::routes::Paging;
use crate::init::Session;
use crate::operation::Operation;
use crate::renewal::{Runtime, exchange};

/// The page size when `size` is not given: the API's maximum.
pub const DEFAULT_SIZE: &str = "200";

/// A bound on the pages followed, against a wrapper that never says it is done.
pub const MAX_PAGES: u64 = 10_000;

/// Fetches every page of `op` and merges them.
pub async fn all_pages(
    op: &Operation,
    paging: Paging,
    runtime: Runtime<'_>,
    session: &Session,
    args: &Args,
    ctx: &MessageContext,
    metrics: &BackendMetrics,
) -> Result<BackendResponse, MediationError> {
    let size = args.non_empty("size").unwrap_or(DEFAULT_SIZE).to_string();
    let mut items = Vec::new();
    let mut first: Option<BackendResponse> = None;
    let mut total = None;
    for page in 0..MAX_PAGES {
        let page_args = with_page(op.name, args, page, &size);
        let request = op.request(session, &page_args, &ctx.headers)?;
        let response = exchange(runtime, session, ctx.services(), request, metrics).await?;
        let body = serde_json::from_slice::<Value>(&response.body).ok();
        let Some(found) = response
            .status
            .is_success()
            .then_some(body.as_ref())
            .flatten()
            .and_then(|b| page_items(paging, b))
        else {
            return Ok(response);
        };
        let count = found.items.len();
        items.extend(found.items);
        total = found.total.or(total);
        first.get_or_insert(response);
        let done = match found.more {
            Some(more) => !more,
            None => count == 0 || total.is_some_and(|t| items.len() as u64 >= t),
        };
        if done {
            break;
        }
    }
    let mut response = first.ok_or_else(|| MediationError::internal("no page was fetched"))?;
    let merged = merged(paging, items, total);
    response.headers.remove(http::header::CONTENT_LENGTH);
    response.body = bytes::Bytes::from(merged.to_string());
    Ok(response)
}

/// `args` with `page` and `size` replaced.
fn with_page(operation: &'static str, args: &Args, page: u64, size: &str) -> Args {
    let mut out = Args::new(operation);
    for (name, value) in args.iter() {
        if name != "page" && name != "size" {
            out.insert(name, value.to_string());
        }
    }
    out.insert("page", page.to_string());
    out.insert("size", size.to_string());
    out
}

/// One page's items, and whether more pages follow (when the wrapper says so).
struct PageItems {
    items: Vec<Value>,
    total: Option<u64>,
    more: Option<bool>,
}

fn page_items(paging: Paging, body: &Value) -> Option<PageItems> {
    let object = body.as_object()?;
    match paging {
        Paging::Embedded(key) => {
            let page = object.get("page")?;
            let items = object
                .get("_embedded")
                .and_then(|e| e.get(key))
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let number = page.get("number").and_then(Value::as_u64);
            let pages = page.get("totalPages").and_then(Value::as_u64);
            Some(PageItems {
                items,
                total: page.get("totalElements").and_then(Value::as_u64),
                more: number.zip(pages).map(|(n, p)| n + 1 < p),
            })
        }
        Paging::Data => Some(PageItems {
            items: object.get("data")?.as_array()?.clone(),
            total: object.get("total").and_then(Value::as_u64),
            more: None,
        }),
    }
}

fn merged(paging: Paging, items: Vec<Value>, total: Option<u64>) -> Value {
    let n = items.len();
    match paging {
        Paging::Embedded(key) => {
            let mut embedded = Map::new();
            embedded.insert(key.to_string(), Value::Array(items));
            json!({
                "_embedded": embedded,
                "page": {"size": n, "totalElements": n, "totalPages": 1, "number": 0}
            })
        }
        Paging::Data => json!({
            "data": items,
            "total": total.unwrap_or(n as u64),
            "page": 0,
            "limit": n,
            "pageSize": n
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_say_whether_more_follow() {
        let body = json!({"_embedded":{"webinars":[1,2]},
            "page":{"size":2,"totalElements":5,"totalPages":3,"number":1}});
        let page = page_items(Paging::Embedded("webinars"), &body).unwrap();
        assert_eq!(
            (page.items.len(), page.total, page.more),
            (2, Some(5), Some(true))
        );
        let last = json!({"page":{"size":2,"totalElements":5,"totalPages":3,"number":2}});
        let page = page_items(Paging::Embedded("webinars"), &last).unwrap();
        assert_eq!((page.items.len(), page.more), (0, Some(false)));
        assert!(page_items(Paging::Embedded("webinars"), &json!([1])).is_none());
        let data = json!({"data":[1],"total":3,"page":0,"limit":1,"pageSize":1});
        let page = page_items(Paging::Data, &data).unwrap();
        assert_eq!(
            (page.items.len(), page.total, page.more),
            (1, Some(3), None)
        );
    }

    #[test]
    fn merged_wrappers_hold_every_item() {
        let embedded = merged(Paging::Embedded("k"), vec![json!(1), json!(2)], Some(2));
        assert_eq!(
            embedded.to_string(),
            r#"{"_embedded":{"k":[1,2]},"page":{"size":2,"totalElements":2,"totalPages":1,"number":0}}"#
        );
        let data = merged(Paging::Data, vec![json!(1)], Some(1));
        assert_eq!(data["total"], 1);
        assert_eq!(data["data"], json!([1]));
    }
}
