//! The API's errors and their one mapping to GraphQL errors with `extensions.code`.
//!
//! `ApiError` deliberately has no `Display`: async-graphql converts any
//! `Display` error into a GraphQL error without a code, and a database error's
//! text would reach the client. Resolvers return `Result<_, ApiError>`, so
//! every error passes through the mapping below.

use std::sync::Arc;

use async_graphql::ErrorExtensions;
use sea_orm::DbErr;

/// Apollo's error codes, as clients match on them.
pub mod code {
    pub const BAD_USER_INPUT: &str = "BAD_USER_INPUT";
    pub const GRAPHQL_PARSE_FAILED: &str = "GRAPHQL_PARSE_FAILED";
    pub const GRAPHQL_VALIDATION_FAILED: &str = "GRAPHQL_VALIDATION_FAILED";
    pub const PERSISTED_QUERY_NOT_FOUND: &str = "PERSISTED_QUERY_NOT_FOUND";
    pub const UNAUTHENTICATED: &str = "UNAUTHENTICATED";
    pub const FORBIDDEN: &str = "FORBIDDEN";
    pub const QUERY_TOO_DEEP: &str = "QUERY_TOO_DEEP";
    pub const QUERY_TOO_COMPLEX: &str = "QUERY_TOO_COMPLEX";
    pub const TIMEOUT: &str = "TIMEOUT";
    pub const RATE_LIMITED: &str = "RATE_LIMITED";
    pub const SUBSCRIBER_TOO_SLOW: &str = "SUBSCRIBER_TOO_SLOW";
    pub const INTERNAL_SERVER_ERROR: &str = "INTERNAL_SERVER_ERROR";
}

/// The code of an error, if it has one.
pub fn code_of(e: &async_graphql::ServerError) -> Option<&str> {
    match e.extensions.as_ref()?.get("code")? {
        async_graphql::Value::String(s) => Some(s.as_str()),
        _ => None,
    }
}

/// Gives every error of a response a code: errors before execution (no
/// path) failed validation; codeless errors in a field come from
/// async-graphql's own input checks (a variable of the wrong type), so
/// they are the client's input. Returns whether it was a request error
/// (nothing executed).
pub fn assign_codes(response: &mut async_graphql::Response) -> bool {
    let request_error = response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty());
    for e in &mut response.errors {
        if code_of(e).is_none() {
            let code = if e.path.is_empty() {
                code::GRAPHQL_VALIDATION_FAILED
            } else {
                code::BAD_USER_INPUT
            };
            e.extensions.get_or_insert_with(Default::default).set("code", code);
        }
    }
    request_error
}

/// An error a resolver returns.
#[derive(Debug)]
pub enum ApiError {
    /// The client's arguments are wrong; the message says which and why.
    BadUserInput(String),
    /// No valid credentials for an operation that needs them.
    Unauthenticated,
    /// Credentials are valid (or not needed) but the operation is not allowed.
    Forbidden(String),
    /// Every database connection stayed busy for the acquire timeout: the
    /// server is overloaded, and the client may retry.
    Busy,
    /// A subscription fell this many changes behind and was ended.
    SubscriberTooSlow(u64),
    /// Something failed on our side; logged, never shown in detail.
    Internal(String),
}

impl ApiError {
    /// A bad argument, named in the message.
    pub fn bad_input(argument: &str, reason: impl std::fmt::Display) -> Self {
        ApiError::BadUserInput(format!("`{argument}`: {reason}"))
    }
}

impl ApiError {
    /// The one mapping of database errors, whether a resolver's own or a
    /// DataLoader's shared one: a busy pool is a timeout, the rest internal.
    fn from_db(e: &DbErr) -> Self {
        match e {
            DbErr::ConnectionAcquire(sea_orm::error::ConnAcquireErr::Timeout) => ApiError::Busy,
            e => ApiError::Internal(format!("database: {e}")),
        }
    }
}

impl From<DbErr> for ApiError {
    fn from(e: DbErr) -> Self {
        ApiError::from_db(&e)
    }
}

impl From<Arc<DbErr>> for ApiError {
    fn from(e: Arc<DbErr>) -> Self {
        ApiError::from_db(&e)
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(e: ApiError) -> Self {
        match e {
            ApiError::BadUserInput(message) => {
                async_graphql::Error::new(message).extend_with(|_, ext| ext.set("code", code::BAD_USER_INPUT))
            }
            ApiError::Unauthenticated => {
                async_graphql::Error::new("this operation needs `Authorization: Bearer <admin token>`")
                    .extend_with(|_, ext| ext.set("code", code::UNAUTHENTICATED))
            }
            ApiError::Forbidden(message) => {
                async_graphql::Error::new(message).extend_with(|_, ext| ext.set("code", code::FORBIDDEN))
            }
            ApiError::Busy => {
                tracing::warn!("no database connection within the acquire timeout");
                async_graphql::Error::new("the server is busy; try again shortly")
                    .extend_with(|_, ext| ext.set("code", code::TIMEOUT))
            }
            ApiError::SubscriberTooSlow(missed) => {
                async_graphql::Error::new(format!("subscriber too slow: {missed} changes missed; subscribe again"))
                    .extend_with(|_, ext| ext.set("code", code::SUBSCRIBER_TOO_SLOW))
            }
            ApiError::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                async_graphql::Error::new("internal server error")
                    .extend_with(|_, ext| ext.set("code", code::INTERNAL_SERVER_ERROR))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code_of(e: async_graphql::Error) -> String {
        let ext = e.extensions.expect("extensions");
        match ext.get("code") {
            Some(async_graphql::Value::String(s)) => s.clone(),
            other => panic!("no code: {other:?}"),
        }
    }

    #[test]
    fn bad_input_maps_to_bad_user_input_and_keeps_its_message() {
        let e: async_graphql::Error = ApiError::bad_input("first", "must be 0..100").into();
        assert_eq!(e.message, "`first`: must be 0..100");
        assert_eq!(code_of(e), code::BAD_USER_INPUT);
    }

    #[test]
    fn database_errors_are_internal_and_hide_their_text() {
        let e: async_graphql::Error = ApiError::from(DbErr::Custom("SELECT secret FROM x".into())).into();
        assert!(!e.message.contains("SELECT"));
        assert_eq!(code_of(e), code::INTERNAL_SERVER_ERROR);
    }

    #[test]
    fn an_exhausted_pool_is_a_timeout_the_client_may_retry() {
        let busy = DbErr::ConnectionAcquire(sea_orm::error::ConnAcquireErr::Timeout);
        let e: async_graphql::Error = ApiError::from(busy).into();
        assert_eq!(code_of(e), code::TIMEOUT);
    }

    #[test]
    fn a_loaders_exhausted_pool_is_a_timeout_too() {
        // DataLoader errors arrive shared, as Arc<DbErr>.
        let busy = Arc::new(DbErr::ConnectionAcquire(sea_orm::error::ConnAcquireErr::Timeout));
        let e: async_graphql::Error = ApiError::from(busy).into();
        assert_eq!(code_of(e), code::TIMEOUT);
        let other: async_graphql::Error = ApiError::from(Arc::new(DbErr::Custom("SELECT x".into()))).into();
        assert_eq!(code_of(other), code::INTERNAL_SERVER_ERROR);
    }
}
