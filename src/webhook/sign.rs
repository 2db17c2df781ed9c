//! Standard Webhooks signatures: HMAC-SHA256 over `{id}.{timestamp}.{body}`
//! with the secret's key, base64, sent as `webhook-signature: v1,<signature>`.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::config::Secret;

/// The `webhook-signature` header value for message `id` sent at unix
/// second `timestamp` with `body`.
pub fn signature(secret: &Secret, id: &str, timestamp: i64, body: &[u8]) -> String {
    // Any key length is valid for HMAC, so this cannot fail; an empty MAC
    // would only make receivers refuse the message.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.key()) else {
        return String::new();
    };
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Standard Webhooks spec's own example (its reference libraries' test vector).
    #[test]
    fn signs_as_the_spec_example_does() {
        let secret = Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").expect("secret");
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            signature(&secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }
}
