//! Sign-in: wrong second-factor codes count towards the lockout, and sign-in events reach the
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! activity log of the person's companies.

use newledger_domain::ids::CompanyId;
use newledger_domain::role::Role;
use newledger_service::clock::{Clock, ManualClock};
use newledger_service::crypto::SecretKey;
use newledger_service::people::throttle::{ACCOUNT_MAX, PAIR_MAX};
use newledger_service::people::{signin, totp, users};
use newledger_service::{Access, Error, Services, Settings, company};
use newledger_store::UserRecord;
use newledger_store::{ActivityFilter, SqlStore};
use newledger_testkit::db::TestDb;
use std::sync::Arc;

#[tokio::test]
async fn code_guessing_after_a_stolen_password_locks_the_account() {
    let db = TestDb::sqlite().await;
    let store = SqlStore::connect(&db.url).await.unwrap();
    store.migrate().await.unwrap();
    let clock = Arc::new(ManualClock::new(1_782_820_800_000));
    let svc = Services::new(
        Arc::new(store),
        clock.clone(),
        SecretKey::from_bytes([3; 32]),
        Settings::default(),
    );
    let u = users::create_user(&svc, "pat@example.com", "Pat", "correct horse battery")
        .await
        .unwrap();
    let secret = totp::generate_secret(&*svc.random);
    svc.store
        .set_totp(&u.id, Some(&secret), true, clock.now_ms())
        .await
        .unwrap();
    let c = company::create_company(&svc, &u.id, "Pat Ltd", "EUR", true)
        .await
        .unwrap();
    for _ in 0..signin::MAX_FAILURES {
        let user =
            signin::check_password(&svc, "pat@example.com", "correct horse battery", "10.0.0.9")
                .await
                .unwrap();
        assert!(
            signin::check_second_factor(&svc, &user, "000000", "10.0.0.9")
                .await
                .is_err()
        );
    }
    // Locked now: even the right password and a right code are refused.
    assert!(matches!(
        signin::check_password(&svc, "pat@example.com", "correct horse battery", "10.0.0.9").await,
        Err(Error::RateLimited { .. })
    ));
    // After the lock expires, a full sign-in works and resets the counter.
    clock.advance(16 * 60_000);
    let user = signin::check_password(&svc, "pat@example.com", "correct horse battery", "10.0.0.9")
        .await
        .unwrap();
    let code = totp::code_at(&secret, u64::try_from(clock.now_ms() / 1000).unwrap()).unwrap();
    signin::check_second_factor(&svc, &user, &code, "10.0.0.9")
        .await
        .unwrap();
    assert_eq!(
        svc.store
            .user_by_id(&u.id)
            .await
            .unwrap()
            .unwrap()
            .failed_logins,
        0
    );
    let log = svc
        .store
        .list_activity(
            &c.id,
            &ActivityFilter {
                action_prefix: Some("signin.".into()),
                limit: 50,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let actions: Vec<&str> = log.iter().map(|r| r.row.action.as_str()).collect();
    assert!(actions.contains(&"signin.failed"), "{actions:?}");
    assert!(actions.contains(&"signin.succeeded"), "{actions:?}");
    assert!(log.iter().all(|r| r.row.ip == "10.0.0.9"));
}

/// A fresh node on `url` with a person (TOTP enrolled) owning a company.
async fn node_with_person(
    url: &str,
) -> (Services, Arc<ManualClock>, UserRecord, String, CompanyId) {
    let store = SqlStore::connect(url).await.unwrap();
    store.migrate().await.unwrap();
    let clock = Arc::new(ManualClock::new(1_782_820_800_000));
    let svc = Services::new(
        Arc::new(store),
        clock.clone(),
        SecretKey::from_bytes([3; 32]),
        Settings::default(),
    );
    let u = users::create_user(&svc, "pat@example.com", "Pat", "correct horse battery")
        .await
        .unwrap();
    let secret = totp::generate_secret(&*svc.random);
    svc.store
        .set_totp(&u.id, Some(&secret), true, clock.now_ms())
        .await
        .unwrap();
    let c = company::create_company(&svc, &u.id, "Pat Ltd", "EUR", true)
        .await
        .unwrap();
    let u = svc.store.user_by_id(&u.id).await.unwrap().unwrap();
    (svc, clock, u, secret, c.id)
}

fn code_now(clock: &ManualClock, secret: &str) -> String {
    totp::code_at(secret, u64::try_from(clock.now_ms() / 1000).unwrap()).unwrap()
}

/// What an answer looks like from outside: the kind of refusal, nothing else.
fn kind(r: &Result<UserRecord, Error>) -> &'static str {
    match r {
        Ok(_) => "ok",
        Err(Error::Unauthenticated(_)) => "wrong",
        Err(Error::RateLimited { .. }) => "wait",
        Err(_) => "other",
    }
}

async fn signin_actions(svc: &Services, c: &CompanyId) -> Vec<String> {
    svc.store
        .list_activity(
            c,
            &ActivityFilter {
                action_prefix: Some("signin.".into()),
                limit: 500,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.row.action)
        .collect()
}

/// Failures from many addresses lock the account, yet the owner's right password and code
/// from their own address still sign in; each attacking address waits after its own failures.
#[tokio::test]
async fn attackers_failures_never_stop_the_owner() {
    newledger_testkit::db::on_both_urls(|url, _| async move {
        let (svc, clock, u, secret, c) = node_with_person(&url).await;
        // One address: after PAIR_MAX wrong passwords it waits, even with the right password.
        for _ in 0..PAIR_MAX {
            let r = signin::check_password(&svc, "pat@example.com", "guess", "10.6.6.1").await;
            assert_eq!(kind(&r), "wrong");
        }
        let r =
            signin::check_password(&svc, "pat@example.com", "correct horse battery", "10.6.6.1")
                .await;
        assert_eq!(kind(&r), "wait");
        // Many addresses, up to the account-wide limit: the account locks (logged once).
        let mut n = i64::from(PAIR_MAX);
        let mut a = 2;
        while n < ACCOUNT_MAX {
            let r =
                signin::check_password(&svc, "pat@example.com", "guess", &format!("10.6.6.{a}"))
                    .await;
            assert_eq!(kind(&r), "wrong");
            n += 1;
            if n % i64::from(PAIR_MAX - 1) == 0 {
                a += 1;
            }
        }
        let locked = svc.store.user_by_id(&u.id).await.unwrap().unwrap();
        assert!(
            locked.locked_until.is_some_and(|t| t > clock.now_ms()),
            "account-wide lock"
        );
        // While locked, a new attacking address gets one failure, then waits.
        let r = signin::check_password(&svc, "pat@example.com", "guess", "10.7.7.7").await;
        assert_eq!(kind(&r), "wrong");
        let r = signin::check_password(&svc, "pat@example.com", "guess", "10.7.7.7").await;
        assert_eq!(kind(&r), "wait");
        // The owner, from their own address, with the right password and code: signed in.
        let user = signin::check_password(
            &svc,
            "pat@example.com",
            "correct horse battery",
            "192.0.2.10",
        )
        .await
        .unwrap();
        signin::check_second_factor(&svc, &user, &code_now(&clock, &secret), "192.0.2.10")
            .await
            .unwrap();
        let after = svc.store.user_by_id(&u.id).await.unwrap().unwrap();
        assert_eq!((after.failed_logins, after.locked_until), (0, None));
        let actions = signin_actions(&svc, &c).await;
        assert_eq!(
            actions.iter().filter(|a| *a == "signin.locked").count(),
            1,
            "{actions:?}"
        );
        assert!(actions.iter().any(|a| a == "signin.succeeded"));
    })
    .await;
}

/// An unknown e-mail gets exactly the answers a real, then locked, account gets.
#[tokio::test]
async fn unknown_emails_answer_like_real_accounts() {
    newledger_testkit::db::on_both_urls(|url, _| async move {
        let (svc, _clock, _u, _secret, _c) = node_with_person(&url).await;
        let mut seen = Vec::new();
        for email in ["pat@example.com", "nobody@example.com"] {
            let mut answers = Vec::new();
            // Up to and past the account-wide limit, from addresses that each fail PAIR_MAX times
            // and then try once more.
            for a in 0..(ACCOUNT_MAX / i64::from(PAIR_MAX) + 2) {
                for _ in 0..=PAIR_MAX {
                    let r =
                        signin::check_password(&svc, email, "guess", &format!("10.9.{a}.1")).await;
                    answers.push(kind(&r));
                }
            }
            seen.push(answers);
        }
        assert_eq!(seen[0], seen[1]);
        assert!(seen[0].contains(&"wait") && !seen[0].contains(&"other"));
    })
    .await;
}

async fn owner_access(svc: &Services, u: &UserRecord, c: &CompanyId) -> Access {
    company::access_for_user(svc, &u.id, &u.email, c, "192.0.2.1")
        .await
        .unwrap()
}

/// An owner unlocks a member (an admin may not); an operator unlocks anyone; both are logged.
#[tokio::test]
async fn owners_and_operators_unlock() {
    newledger_testkit::db::on_both_urls(|url, _| async move {
        let (svc, clock, owner, _secret, c) = node_with_person(&url).await;
        let admin = users::create_user(&svc, "ada@example.com", "Ada", "another long password")
            .await
            .unwrap();
        svc.store
            .upsert_membership(&c, &admin.id, Role::Admin, clock.now_ms())
            .await
            .unwrap();
        let lock = |svc: Services| async move {
            for a in 0..ACCOUNT_MAX {
                let _ = signin::check_password(
                    &svc,
                    "ada@example.com",
                    "guess",
                    &format!("10.1.{a}.1"),
                )
                .await;
            }
        };
        lock(svc.clone()).await;
        let locked = |svc: Services, id| async move {
            svc.store
                .user_by_id(&id)
                .await
                .unwrap()
                .unwrap()
                .locked_until
                .is_some()
        };
        assert!(locked(svc.clone(), admin.id.clone()).await);
        let admin_rec = svc.store.user_by_id(&admin.id).await.unwrap().unwrap();
        let admin_access = owner_access(&svc, &admin_rec, &c).await;
        assert!(matches!(
            signin::unlock_member(&svc, &admin_access, &owner.id).await,
            Err(Error::Forbidden { .. })
        ));
        let access = owner_access(&svc, &owner, &c).await;
        signin::unlock_member(&svc, &access, &admin.id)
            .await
            .unwrap();
        assert!(!locked(svc.clone(), admin.id.clone()).await);
        lock(svc.clone()).await;
        assert!(locked(svc.clone(), admin.id.clone()).await);
        signin::unlock_by_operator(&svc, "ADA@example.com")
            .await
            .unwrap();
        assert!(!locked(svc.clone(), admin.id.clone()).await);
        let actions = signin_actions(&svc, &c).await;
        assert_eq!(
            actions.iter().filter(|a| *a == "signin.locked").count(),
            2,
            "{actions:?}"
        );
        assert_eq!(
            actions.iter().filter(|a| *a == "signin.unlocked").count(),
            2,
            "{actions:?}"
        );
    })
    .await;
}

/// Only owners make, unmake or remove owners; the last owner stays; the Members form adds
/// nobody and answers the same whether or not an e-mail has an account.
#[tokio::test]
async fn only_owners_manage_owners_and_nobody_is_added_without_consent() {
    newledger_testkit::db::on_both_urls(|url, _| async move {
        let (svc, clock, owner, _secret, c) = node_with_person(&url).await;
        let admin = users::create_user(&svc, "ada@example.com", "Ada", "another long password")
            .await
            .unwrap();
        svc.store
            .upsert_membership(&c, &admin.id, Role::Admin, clock.now_ms())
            .await
            .unwrap();
        let admin_rec = svc.store.user_by_id(&admin.id).await.unwrap().unwrap();
        let a = owner_access(&svc, &admin_rec, &c).await;
        let forbidden = |r: Result<(), Error>| matches!(r, Err(Error::Forbidden { .. }));
        assert!(forbidden(
            company::set_member(&svc, &a, "ada@example.com", Role::Owner).await
        ));
        assert!(forbidden(
            company::set_member(&svc, &a, "pat@example.com", Role::Viewer).await
        ));
        assert!(forbidden(company::remove_member(&svc, &a, &owner.id).await));
        assert_eq!(
            svc.store.membership(&c, &owner.id).await.unwrap(),
            Some(Role::Owner)
        );
        assert_eq!(
            svc.store.membership(&c, &admin.id).await.unwrap(),
            Some(Role::Admin)
        );
        // An admin still manages non-owners.
        company::set_member(&svc, &a, "ada@example.com", Role::Accountant)
            .await
            .unwrap();
        // The last owner can be neither demoted nor removed, even by themself.
        let o = owner_access(&svc, &owner, &c).await;
        assert!(matches!(
            company::set_member(&svc, &o, "pat@example.com", Role::Admin).await,
            Err(Error::Conflict(_))
        ));
        assert!(matches!(
            company::remove_member(&svc, &o, &owner.id).await,
            Err(Error::Conflict(_))
        ));
        // An owner makes another owner.
        company::set_member(&svc, &o, "ada@example.com", Role::Owner)
            .await
            .unwrap();

        // Not a member: the same answer for an existing account and an unknown e-mail.
        let outsider = users::create_user(&svc, "olga@example.com", "Olga", "yet another password")
            .await
            .unwrap();
        let answer = |r: Result<(), Error>| format!("{r:?}");
        let existing =
            answer(company::set_member(&svc, &o, "olga@example.com", Role::Viewer).await);
        let unknown =
            answer(company::set_member(&svc, &o, "nobody@example.com", Role::Viewer).await);
        assert_eq!(existing, unknown);
        assert!(existing.contains("invitation"), "{existing}");
        assert_eq!(svc.store.membership(&c, &outsider.id).await.unwrap(), None);
    })
    .await;
}

/// TOTP secrets are stored sealed with the server key: the database alone cannot mint codes,
/// and a secret stored in the clear by an earlier version is sealed on its next use.
#[tokio::test]
async fn totp_secrets_are_sealed_at_rest() {
    newledger_testkit::db::on_both_urls(|url, _| async move {
        // node_with_person stores the secret in the clear, as versions before sealing did.
        let (svc, clock, u, secret, _) = node_with_person(&url).await;
        assert_eq!(u.totp_secret.as_deref(), Some(secret.as_str()));
        totp::verify(&svc, &u, &code_now(&clock, &secret))
            .await
            .unwrap();
        let resealed = svc.store.user_by_id(&u.id).await.unwrap().unwrap();
        let stored = resealed.totp_secret.clone().unwrap();
        assert!(stored.starts_with("sealed1:"), "{stored}");
        assert!(!stored.contains(&secret));
        clock.advance(30_000);
        totp::verify(&svc, &resealed, &code_now(&clock, &secret))
            .await
            .unwrap();

        // Enrolment seals from the start; the pending secret reads back in the clear.
        let v = users::create_user(&svc, "sam@example.com", "Sam", "correct horse battery")
            .await
            .unwrap();
        let fresh = totp::start_enrolment(&svc, &v).await.unwrap();
        let v = svc.store.user_by_id(&v.id).await.unwrap().unwrap();
        assert!(!v.totp_secret.as_deref().unwrap().contains(&fresh));
        assert_eq!(totp::pending_secret(&svc, &v).unwrap(), Some(fresh.clone()));
        clock.advance(30_000);
        totp::confirm_enrolment(&svc, &v, &code_now(&clock, &fresh))
            .await
            .unwrap();
        let v = svc.store.user_by_id(&v.id).await.unwrap().unwrap();
        assert!(v.totp_enabled);
        assert_eq!(totp::pending_secret(&svc, &v).unwrap(), None);

        // Another server key cannot use the stored secret.
        let other = Services::new(
            svc.store.clone(),
            clock.clone(),
            SecretKey::from_bytes([4; 32]),
            Settings::default(),
        );
        clock.advance(30_000);
        assert!(
            totp::verify(&other, &v, &code_now(&clock, &fresh))
                .await
                .is_err()
        );
    })
    .await;
}

/// Invitations: the inviter's answer is the same for an address with an account and one
/// without; only owners invite owners; a link works once, for its invitee, for 7 days.
#[tokio::test]
async fn invitations_are_single_use_expire_and_tell_nothing_about_accounts() {
    use newledger_service::people::invitations::{self, Delivery};
    newledger_testkit::db::on_both_urls(|url, _| async move {
        let (svc, clock, owner, _secret, c) = node_with_person(&url).await;
        let o = owner_access(&svc, &owner, &c).await;
        let outsider = users::create_user(&svc, "olga@example.com", "Olga", "yet another password")
            .await
            .unwrap();
        let shape = |s: &invitations::Sent| match &s.delivery {
            Delivery::Mailed => "mailed".to_owned(),
            Delivery::Link { why, .. } => format!("link: {why}"),
        };
        let a = invitations::invite(&svc, &o, "olga@example.com", Role::Viewer)
            .await
            .unwrap();
        let b = invitations::invite(&svc, &o, "nobody@example.com", Role::Viewer)
            .await
            .unwrap();
        assert_eq!(shape(&a), shape(&b));
        assert_eq!(
            svc.store.membership(&c, &outsider.id).await.unwrap(),
            None,
            "nobody added"
        );
        // Already a member: said (the inviter sees the members anyway).
        assert!(matches!(
            invitations::invite(&svc, &o, "pat@example.com", Role::Viewer).await,
            Err(Error::Conflict(_))
        ));
        // An admin invites, but not owners.
        let admin = users::create_user(&svc, "ada@example.com", "Ada", "another long password")
            .await
            .unwrap();
        company::add_member_by_operator(&svc, &o, "ada@example.com", Role::Admin)
            .await
            .unwrap();
        let ad = owner_access(&svc, &admin, &c).await;
        assert!(matches!(
            invitations::invite(&svc, &ad, "x@example.com", Role::Owner).await,
            Err(Error::Forbidden { .. })
        ));
        let token = |s: &invitations::Sent| match &s.delivery {
            Delivery::Link { url, .. } => url.rsplit('/').next().unwrap().to_owned(),
            Delivery::Mailed => unreachable!("mail is off"),
        };
        let (ta, tb) = (token(&a), token(&b));
        // The link of an account holder is accepted by that person, signed in, only.
        assert!(matches!(
            invitations::accept_new(&svc, &ta, "Olga", "a password long enough", "10.0.0.1").await,
            Err(Error::Conflict(_))
        ));
        assert!(matches!(
            invitations::accept_signed_in(&svc, &ta, &admin, "10.0.0.1").await,
            Err(Error::Forbidden { .. })
        ));
        invitations::accept_signed_in(&svc, &ta, &outsider, "10.0.0.1")
            .await
            .unwrap();
        assert_eq!(
            svc.store.membership(&c, &outsider.id).await.unwrap(),
            Some(Role::Viewer)
        );
        assert!(matches!(
            invitations::open(&svc, &ta).await,
            Err(Error::NotFound(_))
        ));
        // A bad password changes nothing; after 7 days the link is dead.
        assert!(matches!(
            invitations::accept_new(&svc, &tb, "Nob", "short", "10.0.0.1").await,
            Err(Error::Invalid { .. })
        ));
        assert!(
            svc.store
                .user_by_email("nobody@example.com")
                .await
                .unwrap()
                .is_none()
        );
        clock.advance(invitations::INVITE_TTL_MS);
        assert!(matches!(
            invitations::accept_new(&svc, &tb, "Nob", "a password long enough", "10.0.0.1").await,
            Err(Error::NotFound(_))
        ));
        assert!(
            svc.store
                .user_by_email("nobody@example.com")
                .await
                .unwrap()
                .is_none()
        );
    })
    .await;
}

/// A reset link needs the second factor, works once, ends every session and every other link.
#[tokio::test]
async fn a_reset_link_needs_the_second_factor_and_signs_out_everywhere() {
    use newledger_service::people::{recovery, sessions};
    newledger_testkit::db::on_both_urls(|url, _| async move {
        let (svc, clock, u, secret, _c) = node_with_person(&url).await;
        recovery::request(&svc, "nobody@example.com", "10.0.0.1")
            .await
            .unwrap();
        for _ in 0..4 {
            recovery::request(&svc, "PAT@example.com", "10.0.0.1")
                .await
                .unwrap();
        }
        assert_eq!(
            svc.store.count_password_resets(&u.id, 0).await.unwrap(),
            recovery::PER_ACCOUNT_PER_HOUR
        );
        let token = "nlpr_made-by-the-test";
        let now = clock.now_ms();
        svc.store
            .insert_password_reset(&newledger_store::PasswordResetRecord {
                token_hash: svc.key.hash_secret(token),
                user_id: u.id.clone(),
                created_at: now,
                expires_at: now + recovery::RESET_TTL_MS,
                used_at: None,
            })
            .await
            .unwrap();
        let client = sessions::Client::default();
        sessions::create(&svc, &u.id, sessions::STAGE_FULL, None, &client)
            .await
            .unwrap();
        sessions::create(&svc, &u.id, sessions::STAGE_FULL, None, &client)
            .await
            .unwrap();
        let new = "a brand new password";
        assert!(matches!(
            recovery::complete(&svc, token, new, "", "10.0.0.1").await,
            Err(Error::Invalid { .. })
        ));
        clock.advance(30_000);
        let code = code_now(&clock, &secret);
        recovery::complete(&svc, token, new, &code, "10.0.0.1")
            .await
            .unwrap();
        assert!(svc.store.sessions_of_user(&u.id).await.unwrap().is_empty());
        let after = svc.store.user_by_id(&u.id).await.unwrap().unwrap();
        assert!(users::verify_password(new, &after.password_hash));
        clock.advance(30_000);
        let code = code_now(&clock, &secret);
        assert!(matches!(
            recovery::complete(&svc, token, "another new password", &code, "10.0.0.1").await,
            Err(Error::NotFound(_))
        ));
    })
    .await;
}
