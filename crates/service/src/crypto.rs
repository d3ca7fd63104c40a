//! The server key and what is derived from it: keyed hashes of server-generated secrets,
//! token MACs, random secrets with scanner-friendly prefixes, constant-time comparison.

use crate::clock::Random;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

/// The 32-byte server key. `Debug` never prints it.
#[derive(Clone)]
pub struct SecretKey([u8; 32]);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(***)")
    }
}

impl SecretKey {
    /// Wraps raw key bytes.
    pub fn from_bytes(b: [u8; 32]) -> Self {
        Self(b)
    }

    /// A fresh random key.
    pub fn generate(random: &dyn Random) -> Self {
        Self(random.bytes())
    }

    /// Parses 64 hex characters.
    pub fn from_hex(s: &str) -> Option<Self> {
        let s = s.trim();
        if s.len() != 64 {
            return None;
        }
        let mut b = [0u8; 32];
        for (i, chunk) in s.as_bytes().chunks(2).enumerate() {
            let hex = std::str::from_utf8(chunk).ok()?;
            b[i] = u8::from_str_radix(hex, 16).ok()?;
        }
        Some(Self(b))
    }

    /// Hex form, for writing the key file.
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn mac(&self, purpose: &str, data: &[u8]) -> [u8; 32] {
        // Domain separation: one key, distinct derived uses.
        let mut m = <HmacSha256 as Mac>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
        m.update(purpose.as_bytes());
        m.update(&[0]);
        m.update(data);
        m.finalize().into_bytes().into()
    }

    /// Keyed hash of a high-entropy server-generated secret (client secrets, session ids,
    /// recovery codes). A fast keyed hash is right here; argon2 would cap the token endpoint.
    pub fn hash_secret(&self, secret: &str) -> String {
        URL_SAFE_NO_PAD.encode(self.mac("secret-hash", secret.as_bytes()))
    }

    /// MAC of a token payload.
    pub fn token_mac(&self, payload: &[u8]) -> [u8; 32] {
        self.mac("access-token", payload)
    }

    /// Seals a short-lived secret for storage (XChaCha20-Poly1305, a key derived for
    /// `purpose`, random nonce), bound to `context` (authenticated, not stored).
    pub fn seal(
        &self,
        random: &dyn Random,
        purpose: &str,
        context: &str,
        plaintext: &str,
    ) -> String {
        let cipher = XChaCha20Poly1305::new(&self.mac("seal", purpose.as_bytes()).into());
        let nonce = XNonce::from(random.bytes::<24>());
        let payload = Payload {
            msg: plaintext.as_bytes(),
            aad: context.as_bytes(),
        };
        match cipher.encrypt(&nonce, payload) {
            Ok(ct) => {
                let mut out = nonce.to_vec();
                out.extend_from_slice(&ct);
                URL_SAFE_NO_PAD.encode(out)
            }
            // Encryption fails only for messages beyond the cipher's 256 GiB limit.
            Err(_) => String::new(),
        }
    }

    /// Opens what [`SecretKey::seal`] sealed with the same purpose and context.
    pub fn open(&self, purpose: &str, context: &str, sealed: &str) -> Option<String> {
        let raw = URL_SAFE_NO_PAD.decode(sealed).ok()?;
        if raw.len() < 24 {
            return None;
        }
        let (nonce, ct) = raw.split_at(24);
        let cipher = XChaCha20Poly1305::new(&self.mac("seal", purpose.as_bytes()).into());
        let payload = Payload {
            msg: ct,
            aad: context.as_bytes(),
        };
        let pt = cipher.decrypt(XNonce::from_slice(nonce), payload).ok()?;
        String::from_utf8(pt).ok()
    }

    /// A secret value derived from another (base64url): the successor of a rotated refresh
    /// token is derived from its predecessor, so a retried refresh gets the very same pair
    /// without the server storing either in the clear.
    pub fn derive(&self, purpose: &str, from: &str) -> String {
        URL_SAFE_NO_PAD.encode(self.mac(purpose, from.as_bytes()))
    }
}

/// `prefix` + 256 random bits, base64url.
pub fn random_secret(random: &dyn Random, prefix: &str) -> String {
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(random.bytes::<32>()))
}

/// Constant-time string equality.
pub fn ct_eq(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

/// SHA-256, hex: fingerprints of request bodies (idempotency) and similar non-secret data.
pub fn sha256_hex(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SystemRandom;

    #[test]
    fn hashes_are_keyed_and_stable() {
        let k = SecretKey::from_bytes([7; 32]);
        assert_eq!(k.hash_secret("a"), k.hash_secret("a"));
        assert_ne!(
            k.hash_secret("a"),
            SecretKey::from_bytes([8; 32]).hash_secret("a")
        );
        assert_eq!(
            SecretKey::from_hex(&k.to_hex()).unwrap().hash_secret("a"),
            k.hash_secret("a")
        );
        assert!(random_secret(&SystemRandom, "nlcs_").starts_with("nlcs_"));
        assert!(ct_eq("abc", "abc") && !ct_eq("abc", "abd"));
    }

    #[test]
    fn sealed_secrets_open_only_with_the_same_key_purpose_and_context() {
        let k = SecretKey::from_bytes([7; 32]);
        let sealed = k.seal(&SystemRandom, "reveal", "s1/app_1", "nlcs_secret");
        assert!(!sealed.contains("nlcs_secret"));
        assert_ne!(
            sealed,
            k.seal(&SystemRandom, "reveal", "s1/app_1", "nlcs_secret")
        );
        assert_eq!(
            k.open("reveal", "s1/app_1", &sealed).as_deref(),
            Some("nlcs_secret")
        );
        assert_eq!(k.open("reveal", "s2/app_1", &sealed), None);
        assert_eq!(k.open("other", "s1/app_1", &sealed), None);
        assert_eq!(
            SecretKey::from_bytes([8; 32]).open("reveal", "s1/app_1", &sealed),
            None
        );
        assert_eq!(k.open("reveal", "s1/app_1", "short"), None);
    }
}
