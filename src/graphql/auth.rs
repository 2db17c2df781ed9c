//! Who a request is from, and the one guard every write checks. The HTTP
//! layer decides the [`Auth`] (it sees the headers); resolvers only read it,
//! so no mutation can forget the check.

use async_graphql::{Context, Guard};

use super::error::ApiError;

/// Who is asking, from the request's Authorization header. A bearer token
/// that is neither configured token never gets this far: the HTTP layer
/// answers it UNAUTHENTICATED.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// No token, and no admin token is configured: writes are disabled.
    WritesDisabled,
    /// No token.
    Anonymous,
    /// The preview token: reads see drafts, future-dated and expired
    /// articles; writes are not allowed.
    Preview,
    /// The admin token: writes, and reads as [`Auth::Preview`] does.
    Admin,
}

impl Auth {
    /// Whether the request previews: it sees unpublished articles too.
    pub fn previews(self) -> bool {
        matches!(self, Auth::Preview | Auth::Admin)
    }
}

/// Lets a field run only for the admin: UNAUTHENTICATED without the token,
/// FORBIDDEN with the preview token or when no admin token is configured
/// at all. A request without an [`Auth`] (one built in a test) is anonymous.
pub struct AdminGuard;

impl Guard for AdminGuard {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        let error = match ctx.data_opt::<Auth>().copied().unwrap_or(Auth::Anonymous) {
            Auth::Admin => return Ok(()),
            Auth::Anonymous => ApiError::Unauthenticated,
            Auth::Preview => ApiError::Forbidden("the preview token cannot write: use the admin token".into()),
            Auth::WritesDisabled => ApiError::Forbidden("writes are disabled: no admin token is configured".into()),
        };
        Err(error.into())
    }
}
