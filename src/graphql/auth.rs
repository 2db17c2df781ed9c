//! Who a request is from, and the one guard every write checks. The HTTP
//! layer decides the [`Auth`] (it sees the headers); resolvers only read it,
//! so no mutation can forget the check.

use async_graphql::{Context, Guard};

use super::error::ApiError;

/// Who is asking, from the request's Authorization header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// No admin token is configured: writes are disabled.
    WritesDisabled,
    /// No token, or a wrong one.
    Anonymous,
    /// The admin token.
    Admin,
}

/// Lets a field run only for the admin: UNAUTHENTICATED without the token
/// (or with a wrong one), FORBIDDEN when no token is configured at all.
/// A request without an [`Auth`] (one built in a test) is anonymous.
pub struct AdminGuard;

impl Guard for AdminGuard {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        let error = match ctx.data_opt::<Auth>().copied().unwrap_or(Auth::Anonymous) {
            Auth::Admin => return Ok(()),
            Auth::Anonymous => ApiError::Unauthenticated,
            Auth::WritesDisabled => ApiError::Forbidden("writes are disabled: no admin token is configured".into()),
        };
        Err(error.into())
    }
}
