//! Creating people and checking passwords.

use crate::clock::Random;
use crate::{Error, Result, Services};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use newledger_domain::ids::UserId;
use newledger_store::{StoreError, UserRecord, UserStore};

/// Minimum password length (NIST SP 800-63B asks for at least 8; we ask a little more).
pub const MIN_PASSWORD: usize = 10;

/// Normalises and checks an e-mail address.
pub fn normalize_email(email: &str) -> Result<String> {
    let e = email.trim().to_lowercase();
    let ok = e.len() <= 254
        && e.split_once('@').is_some_and(|(l, d)| {
            !l.is_empty() && d.contains('.') && !d.starts_with('.') && !d.ends_with('.')
        })
        && !e.chars().any(char::is_whitespace);
    if ok {
        Ok(e)
    } else {
        Err(Error::invalid(
            "email",
            "enter an e-mail address such as ann@example.com",
        ))
    }
}

/// argon2id hash of a password (PHC string).
pub fn hash_password(random: &dyn Random, password: &str) -> Result<String> {
    if password.chars().count() < MIN_PASSWORD {
        return Err(Error::invalid(
            "password",
            format!("use at least {MIN_PASSWORD} characters"),
        ));
    }
    if password.len() > 1024 {
        return Err(Error::invalid("password", "at most 1024 bytes"));
    }
    let salt = SaltString::encode_b64(&random.bytes::<16>())
        .map_err(|e| Error::Internal(anyhow::anyhow!("argon2 salt: {e}")))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::Internal(anyhow::anyhow!("argon2: {e}")))
}

/// Checks a password against a PHC string.
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// Creates a person.
pub async fn create_user(
    svc: &Services,
    email: &str,
    name: &str,
    password: &str,
) -> Result<UserRecord> {
    let user = new_user(svc, email, name, password)?;
    insert_user(&*svc.store, &user).await?;
    Ok(user)
}

/// A person not stored yet: e-mail, name and password checked, password hashed.
pub fn new_user(svc: &Services, email: &str, name: &str, password: &str) -> Result<UserRecord> {
    let email = normalize_email(email)?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(Error::invalid("name", "required, at most 200 characters"));
    }
    Ok(UserRecord {
        id: svc.new_id::<UserId>(UserId::PREFIX),
        email,
        name: name.to_owned(),
        password_hash: hash_password(&*svc.random, password)?,
        totp_secret: None,
        totp_enabled: false,
        totp_last_step: 0,
        failed_logins: 0,
        locked_until: None,
        created_at: svc.clock.now_ms(),
    })
}

/// Stores a new person through `store` (the services' store or a unit of work).
pub async fn insert_user(store: &(impl UserStore + ?Sized), user: &UserRecord) -> Result<()> {
    match store.insert_user(user).await {
        Ok(()) => Ok(()),
        Err(StoreError::Conflict { .. }) => Err(Error::invalid(
            "email",
            "a person with this e-mail already exists",
        )),
        Err(e) => Err(e.into()),
    }
}

/// A person by e-mail.
pub async fn user_by_email(svc: &Services, email: &str) -> Result<UserRecord> {
    let email = normalize_email(email)?;
    svc.store
        .user_by_email(&email)
        .await?
        .ok_or(Error::NotFound("person"))
}

/// A person by id.
pub async fn user(svc: &Services, id: &UserId) -> Result<UserRecord> {
    svc.store
        .user_by_id(id)
        .await?
        .ok_or(Error::NotFound("person"))
}
