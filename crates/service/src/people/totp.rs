//! TOTP (RFC 6238: SHA-1, 6 digits, 30 s) with replay protection: each time step is accepted
//! once per person (§5.2), claimed atomically in the store so that another node cannot accept
//! the same code either. One step of clock drift either way is allowed (§6).

use crate::clock::Random;
use crate::{Error, Result, Services};
use newledger_domain::ids::UserId;
use newledger_store::UserRecord;
use totp_rs::{Algorithm, Secret, TOTP};

/// Issuer shown in authenticator apps.
pub const ISSUER: &str = "NewLedger";

fn totp(secret_b32: &str, account: &str) -> Result<TOTP> {
    let bytes = Secret::Encoded(secret_b32.to_owned())
        .to_bytes()
        .map_err(|_| Error::Internal(anyhow::anyhow!("stored TOTP secret is not base32")))?;
    TOTP::new(
        Algorithm::SHA1,
        6,
        1,
        30,
        bytes,
        Some(ISSUER.to_owned()),
        account.to_owned(),
    )
    .map_err(|e| Error::Internal(anyhow::anyhow!("totp: {e}")))
}

/// A new random 160-bit secret, base32.
pub fn generate_secret(random: &dyn Random) -> String {
    Secret::Raw(random.bytes::<20>().to_vec())
        .to_encoded()
        .to_string()
}

/// The `otpauth://` URI for an authenticator app.
pub fn otpauth_uri(secret_b32: &str, account: &str) -> Result<String> {
    Ok(totp(secret_b32, account)?.get_url())
}

/// The code for a secret at an instant (tests and the demo output use it).
pub fn code_at(secret_b32: &str, unix_secs: u64) -> Result<String> {
    Ok(totp(secret_b32, "x@example.com")?.generate(unix_secs))
}

/// Which step (if any) in now−1..=now+1 the code matches.
fn matching_step(secret_b32: &str, code: &str, now_ms: i64) -> Result<Option<i64>> {
    let code = code.trim().replace(' ', "");
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(None);
    }
    let t = totp(secret_b32, "x@example.com")?;
    let step = now_ms.div_euclid(30_000);
    for s in [step, step - 1, step + 1] {
        let at = u64::try_from(s * 30).unwrap_or(0);
        if crate::crypto::ct_eq(&t.generate(at), &code) {
            return Ok(Some(s));
        }
    }
    Ok(None)
}

/// Sealed secrets start with this tag; anything else is a secret stored in the clear by an
/// earlier version, read as such and sealed again on its next use.
const SEALED: &str = "sealed1:";
const SEAL_PURPOSE: &str = "totp-secret";

/// The stored form of a secret: sealed with the server key, bound to the person, so that a
/// copy of the database alone cannot mint codes.
fn seal(svc: &Services, user: &UserId, secret_b32: &str) -> String {
    format!(
        "{SEALED}{}",
        svc.key
            .seal(&*svc.random, SEAL_PURPOSE, user.as_str(), secret_b32)
    )
}

/// The person's secret in the clear, whatever form it is stored in.
fn stored_secret(svc: &Services, user: &UserRecord) -> Result<Option<String>> {
    let Some(stored) = &user.totp_secret else {
        return Ok(None);
    };
    match stored.strip_prefix(SEALED) {
        Some(sealed) => svc
            .key
            .open(SEAL_PURPOSE, user.id.as_str(), sealed)
            .map(Some)
            .ok_or_else(|| {
                Error::Internal(anyhow::anyhow!(
                    "TOTP secret does not open with this server key"
                ))
            }),
        None => Ok(Some(stored.clone())),
    }
}

/// Stores `secret_b32` sealed, enrolled (`enabled`) or waiting for its first code.
pub async fn store_secret(
    svc: &Services,
    user: &UserId,
    secret_b32: &str,
    enabled: bool,
) -> Result<()> {
    svc.store
        .set_totp(
            user,
            Some(&seal(svc, user, secret_b32)),
            enabled,
            svc.clock.now_ms(),
        )
        .await?;
    Ok(())
}

/// The unconfirmed secret of a person who started enrolment (shown again on reload: they may
/// have scanned it already), if any.
pub fn pending_secret(svc: &Services, user: &UserRecord) -> Result<Option<String>> {
    if user.totp_enabled {
        return Ok(None);
    }
    stored_secret(svc, user)
}

/// Verifies a code against the person's enrolled secret and burns its step.
pub async fn verify(svc: &Services, user: &UserRecord, code: &str) -> Result<()> {
    let secret = match (stored_secret(svc, user)?, user.totp_enabled) {
        (Some(s), true) => s,
        _ => {
            return Err(Error::Forbidden {
                permission: None,
                reason: "two-factor authentication is not set up".into(),
            });
        }
    };
    verify_with(svc, user, &secret, code).await?;
    if user
        .totp_secret
        .as_deref()
        .is_some_and(|s| !s.starts_with(SEALED))
    {
        store_secret(svc, &user.id, &secret, true).await?;
    }
    Ok(())
}

async fn verify_with(svc: &Services, user: &UserRecord, secret: &str, code: &str) -> Result<()> {
    match matching_step(secret, code, svc.clock.now_ms())? {
        Some(step) if svc.store.claim_totp_step(&user.id, step).await? => Ok(()),
        Some(_) => Err(Error::invalid(
            "code",
            "this code was already used; wait for the next one",
        )),
        None => Err(Error::invalid(
            "code",
            "the code is not correct; check your authenticator app's clock",
        )),
    }
}

/// Starts enrolment: stores a new, unconfirmed secret and returns it.
pub async fn start_enrolment(svc: &Services, user: &UserRecord) -> Result<String> {
    if user.totp_enabled {
        return Err(Error::Conflict(
            "two-factor authentication is already set up".into(),
        ));
    }
    let secret = generate_secret(&*svc.random);
    store_secret(svc, &user.id, &secret, false).await?;
    Ok(secret)
}

/// The secret of an enrolment started and not confirmed yet.
fn unconfirmed_secret(svc: &Services, user: &UserRecord) -> Result<String> {
    match (stored_secret(svc, user)?, user.totp_enabled) {
        (Some(s), false) => Ok(s),
        (_, true) => Err(Error::Conflict(
            "two-factor authentication is already set up".into(),
        )),
        (None, _) => Err(Error::Conflict("start the set-up first".into())),
    }
}

/// Confirms enrolment with a first code; returns ten one-time recovery codes to show once.
pub async fn confirm_enrolment(
    svc: &Services,
    user: &UserRecord,
    code: &str,
) -> Result<Vec<String>> {
    let secret = unconfirmed_secret(svc, user)?;
    verify_with(svc, user, &secret, code).await?;
    store_secret(svc, &user.id, &secret, true).await?;
    regenerate_recovery_codes(svc, user).await
}

/// Ten new one-time recovery codes (`xxxxx-xxxxx`) and their keyed hashes.
fn new_recovery_codes(svc: &Services) -> (Vec<String>, Vec<String>) {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let codes: Vec<String> = (0..10)
        .map(|_| {
            let c: String = (0..10)
                .map(|_| char::from(ALPHABET[svc.random.below(ALPHABET.len())]))
                .collect();
            format!(
                "{}-{}",
                c.get(..5).unwrap_or_default(),
                c.get(5..).unwrap_or_default()
            )
        })
        .collect();
    let hashes = codes.iter().map(|c| svc.key.hash_secret(c)).collect();
    (codes, hashes)
}

/// Replaces the recovery codes; returns the new ones (shown once).
pub async fn regenerate_recovery_codes(svc: &Services, user: &UserRecord) -> Result<Vec<String>> {
    let (codes, hashes) = new_recovery_codes(svc);
    svc.store.replace_recovery_codes(&user.id, &hashes).await?;
    Ok(codes)
}

/// Finishes enrolment at sign-in: checks the first code (its time step is used either way),
/// then turns the factor on, stores new recovery codes and logs the enrolment and the sign-in
/// in each of the person's companies — one unit of work. Returns the codes to show once.
pub async fn enrol(svc: &Services, user: &UserRecord, code: &str, ip: &str) -> Result<Vec<String>> {
    let secret = unconfirmed_secret(svc, user)?;
    verify_with(svc, user, &secret, code).await?;
    let (codes, hashes) = new_recovery_codes(svc);
    let sealed = seal(svc, &user.id, &secret);
    let who = super::signin::who_of(user, ip);
    let now = svc.clock.now_ms();
    svc.write(async |w| {
        w.store()
            .set_totp(&user.id, Some(&sealed), true, now)
            .await?;
        w.store().replace_recovery_codes(&user.id, &hashes).await?;
        let enrolled = crate::activity::Event::ok("totp.enrolled", "user", user.id.as_str());
        super::signin::log_for_user_in(w, user, &who, enrolled).await?;
        let signed_in = crate::activity::Event::ok("signin.succeeded", "user", user.id.as_str())
            .reason("enrolled a second factor");
        super::signin::log_for_user_in(w, user, &who, signed_in).await
    })
    .await?;
    Ok(codes)
}

/// Accepts a recovery code once.
pub async fn use_recovery_code(svc: &Services, user: &UserRecord, code: &str) -> Result<()> {
    let c = code.trim().to_lowercase();
    if svc
        .store
        .use_recovery_code(&user.id, &svc.key.hash_secret(&c), svc.clock.now_ms())
        .await?
    {
        Ok(())
    } else {
        Err(Error::invalid(
            "code",
            "unknown or already used recovery code",
        ))
    }
}
