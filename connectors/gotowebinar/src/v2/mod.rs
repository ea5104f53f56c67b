//! GoTo's current API: REST v2 on `{apiUrl}/G2W/rest/v2` with `Authorization: Bearer`, and
//! OAuth 2.0 on the new identity host. `init` selects it with `<apiVersion>v2</apiVersion>`.
//!
//! * [`routes`]: each operation's v2 method, path and query, and which lists are paged;
//! * [`paging`]: `allPages="true"`, following the pages into one wrapper;
//! * [`grant`]: the token endpoint's grants (refresh token, personal access token);
//! * [`tokens`]: the token cache in the registry, expiry and single-flight renewal;
//! * [`me`]: the organizer key from `GET {apiUrl}/admin/rest/v1/me`;
//! * [`setup`]: what `init` does in v2.

pub mod grant;
pub mod me;
pub mod paging;
pub mod routes;
pub mod setup;
pub mod tokens;

use oxynapse_engine::MediationError;

/// Which GoToWebinar API the operations call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ApiVersion {
    /// `{apiUrl}/G2W/rest`, raw token: connector 1.0.3's requests (the default).
    #[default]
    V1,
    /// `{apiUrl}/G2W/rest/v2`, `Authorization: Bearer <token>`.
    V2,
}

impl ApiVersion {
    /// `apiVersion` as given to `init`: empty or absent is v1.
    pub fn parse(text: Option<&str>) -> Result<ApiVersion, MediationError> {
        match text.map(str::trim).unwrap_or_default() {
            "" | "v1" | "V1" | "1" => Ok(ApiVersion::V1),
            "v2" | "V2" | "2" => Ok(ApiVersion::V2),
            other => Err(
                MediationError::client("invalid apiVersion for gotowebinar.init")
                    .with_detail(format!("`{other}` is neither `v1` nor `v2`")),
            ),
        }
    }
}

/// GoTo's token endpoint since 2025 (the `api.getgo.com/oauth/*` ones are retired).
pub const DEFAULT_TOKEN_ENDPOINT: &str = "https://authentication.logmeininc.com/oauth/token";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_version_defaults_to_v1_and_rejects_others() {
        assert_eq!(ApiVersion::parse(None), Ok(ApiVersion::V1));
        assert_eq!(ApiVersion::parse(Some("")), Ok(ApiVersion::V1));
        assert_eq!(ApiVersion::parse(Some(" v2 ")), Ok(ApiVersion::V2));
        let err = ApiVersion::parse(Some("v3")).unwrap_err();
        assert_eq!(err.status, 400);
        assert!(err.detail.contains("v3"));
    }
}
