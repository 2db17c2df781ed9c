//! Who a request is from, read from its headers: the admin token and the
//! client's address.

use std::net::IpAddr;

use actix_web::http::header;
use actix_web::HttpRequest;
use subtle::ConstantTimeEq;

use crate::graphql::Auth;

/// The [`Auth`] of a request: the admin token in `Authorization: Bearer …`,
/// compared in constant time so the comparison leaks no prefix of the
/// token, or nobody.
pub fn auth(req: &HttpRequest, admin_token: Option<&str>) -> Auth {
    let Some(expected) = admin_token.filter(|t| !t.is_empty()) else {
        return Auth::WritesDisabled;
    };
    let given = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if bool::from(given.as_bytes().ct_eq(expected.as_bytes())) {
        Auth::Admin
    } else {
        Auth::Anonymous
    }
}

/// The client's address, for rate limiting: the peer, or behind a trusted
/// proxy (a CDN) the first address of `X-Forwarded-For`, since the peer is
/// then the proxy.
pub fn client_ip(req: &HttpRequest, trust_forwarded_for: bool) -> IpAddr {
    let forwarded = trust_forwarded_for
        .then(|| req.headers().get("x-forwarded-for"))
        .flatten()
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .and_then(|ip| ip.trim().parse().ok());
    forwarded.unwrap_or_else(|| req.peer_addr().map_or(IpAddr::from([0, 0, 0, 0]), |a| a.ip()))
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    #[test]
    fn only_the_configured_token_is_the_admin() {
        let with = |value: &str| {
            TestRequest::default()
                .insert_header((header::AUTHORIZATION, value.to_owned()))
                .to_http_request()
        };
        assert_eq!(auth(&with("Bearer s3cret"), Some("s3cret")), Auth::Admin);
        assert_eq!(auth(&with("Bearer s3cre"), Some("s3cret")), Auth::Anonymous);
        assert_eq!(auth(&with("s3cret"), Some("s3cret")), Auth::Anonymous);
        assert_eq!(auth(&with("Bearer s3cret"), None), Auth::WritesDisabled);
        assert_eq!(auth(&with("Bearer "), Some("")), Auth::WritesDisabled);
    }

    #[test]
    fn forwarded_for_counts_only_when_trusted() {
        let req = TestRequest::default()
            .peer_addr("10.0.0.1:80".parse().expect("addr"))
            .insert_header(("x-forwarded-for", "203.0.113.7, 10.0.0.1"))
            .to_http_request();
        assert_eq!(client_ip(&req, true), IpAddr::from([203, 0, 113, 7]));
        assert_eq!(client_ip(&req, false), IpAddr::from([10, 0, 0, 1]));
    }
}
