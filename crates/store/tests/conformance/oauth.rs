//! OAuth clients, connections, single-use codes and rotating refresh token families.

use crate::fixtures::*;
use newledger_domain::ids::*;
use newledger_domain::oauth::Surfaces;
use newledger_domain::permission::PermissionSet;
use newledger_store::*;
use std::sync::Arc;

pub(crate) fn client_record(
    company: Option<CompanyId>,
    kind: OAuthClientKind,
) -> OAuthClientRecord {
    OAuthClientRecord {
        id: OAuthClientId::from_suffix(&uid()),
        kind,
        company_id: company,
        name: "Claude".into(),
        logo_uri: Some("https://claude.ai/logo.png".into()),
        client_uri: None,
        redirect_uris: vec![
            "https://claude.ai/api/mcp/auth_callback".into(),
            "http://127.0.0.1/cb".into(),
        ],
        secret_hash: None,
        secret_hint: String::new(),
        auth_method: "none".into(),
        created_by: None,
        registered_ip: "10.0.0.1".into(),
        created_at: NOW,
        updated_at: NOW,
        last_used_at: None,
        deleted_at: None,
        metadata_url: None,
    }
}

pub(crate) fn connection_record(b: &Books, client: &OAuthClientId) -> ConnectionRecord {
    ConnectionRecord {
        id: ConnectionId::from_suffix(&uid()),
        company_id: b.id().clone(),
        client_id: client.clone(),
        user_id: b.owner.id.clone(),
        scope: PermissionSet::parse("invoices:read invoices:draft").unwrap(),
        surfaces: Surfaces::Both,
        active: true,
        credential_version: 1,
        created_at: NOW,
        updated_at: NOW,
        last_used_at: None,
        deleted_at: None,
    }
}

pub(crate) fn refresh_record(conn: &ConnectionRecord, family: &str) -> RefreshTokenRecord {
    RefreshTokenRecord {
        token_hash: format!("h-{}", uid()),
        family_id: family.into(),
        connection_id: conn.id.clone(),
        client_id: conn.client_id.clone(),
        scope: conn.scope,
        surfaces: Surfaces::Mcp,
        family_started_at: NOW,
        created_at: NOW,
        issued_scope: None,
        issued_surfaces: None,
        revoked_at: None,
    }
}

async fn clients_and_connections(store: Arc<dyn Store>) {
    let b = books(&*store).await;
    let mut c = client_record(Some(b.id().clone()), OAuthClientKind::Registered);
    store.insert_oauth_client(&c).await.unwrap();
    assert!(is_conflict(store.insert_oauth_client(&c).await));
    let r = store.oauth_client(&c.id).await.unwrap().unwrap();
    assert_eq!(r.redirect_uris, c.redirect_uris);
    assert_eq!(r.kind, OAuthClientKind::Registered);
    assert_eq!(r.logo_uri, c.logo_uri);
    assert_eq!(store.list_oauth_clients(b.id()).await.unwrap().len(), 1);
    c.secret_hash = Some("hash".into());
    c.deleted_at = Some(NOW + 1);
    store.update_oauth_client(&c).await.unwrap();
    let r = store.oauth_client(&c.id).await.unwrap().unwrap();
    assert_eq!(r.secret_hash.as_deref(), Some("hash"));
    assert!(store.list_oauth_clients(b.id()).await.unwrap().is_empty());

    // Unused dynamic clients are purged; used ones and ones with a connection stay.
    let unused = client_record(None, OAuthClientKind::Dynamic);
    let mut used = client_record(None, OAuthClientKind::Dynamic);
    used.last_used_at = Some(NOW);
    let connected = client_record(None, OAuthClientKind::Dynamic);
    for x in [&unused, &used, &connected] {
        store.insert_oauth_client(x).await.unwrap();
    }
    let conn = connection_record(&b, &connected.id);
    store.insert_connection(&conn).await.unwrap();
    assert_eq!(
        store.purge_unused_dynamic_clients(NOW + 1).await.unwrap(),
        1
    );
    assert!(store.oauth_client(&unused.id).await.unwrap().is_none());
    assert!(store.oauth_client(&used.id).await.unwrap().is_some());

    let found = store
        .active_connection(&connected.id, b.id(), &b.owner.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id, conn.id);
    assert_eq!(found.scope, conn.scope);
    assert_eq!(found.surfaces, Surfaces::Both);
    assert_eq!(store.list_connections(b.id()).await.unwrap().len(), 1);
    let deleted = ConnectionRecord {
        active: false,
        credential_version: 2,
        deleted_at: Some(NOW + 5),
        ..conn.clone()
    };
    store.update_connection(&deleted).await.unwrap();
    assert!(
        store
            .active_connection(&connected.id, b.id(), &b.owner.id)
            .await
            .unwrap()
            .is_none()
    );
    assert!(store.list_connections(b.id()).await.unwrap().is_empty());
    let r = store.connection(&conn.id).await.unwrap().unwrap();
    assert_eq!((r.active, r.credential_version), (false, 2));
}

async fn codes_are_single_use(store: Arc<dyn Store>) {
    let b = books(&*store).await;
    let cl = client_record(None, OAuthClientKind::Dynamic);
    store.insert_oauth_client(&cl).await.unwrap();
    let conn = connection_record(&b, &cl.id);
    store.insert_connection(&conn).await.unwrap();
    let code = AuthCodeRecord {
        code_hash: format!("c-{}", uid()),
        client_id: cl.id.clone(),
        connection_id: conn.id.clone(),
        redirect_uri: "http://127.0.0.1/cb".into(),
        code_challenge: "x".repeat(43),
        surfaces: Surfaces::Api,
        scope: conn.scope,
        family_id: "fam-1".into(),
        expires_at: NOW + 60_000,
        used_at: None,
        created_at: NOW,
    };
    store.insert_auth_code(&code).await.unwrap();
    assert!(
        store
            .claim_auth_code("c-unknown", NOW)
            .await
            .unwrap()
            .is_none()
    );
    // Many concurrent claims: exactly one wins.
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let s = store.clone();
        let h = code.code_hash.clone();
        tasks.push(tokio::spawn(
            async move { s.claim_auth_code(&h, NOW + 1).await },
        ));
    }
    let mut winners = 0;
    for t in tasks {
        let c = t.await.unwrap().unwrap().unwrap();
        assert_eq!(c.redirect_uri, code.redirect_uri);
        if c.used_at.is_none() {
            winners += 1;
        } else {
            assert_eq!(c.used_at, Some(NOW + 1));
        }
    }
    assert_eq!(winners, 1);
    assert_eq!(store.purge_oauth(NOW + 60_001).await.unwrap(), 1);
}

async fn refresh_rotation(store: Arc<dyn Store>) {
    let b = books(&*store).await;
    let cl = client_record(None, OAuthClientKind::Dynamic);
    store.insert_oauth_client(&cl).await.unwrap();
    let conn = connection_record(&b, &cl.id);
    store.insert_connection(&conn).await.unwrap();
    let first = refresh_record(&conn, "fam-a");
    store.insert_refresh_token(&first).await.unwrap();
    let narrow = PermissionSet::parse("invoices:read").unwrap();
    let second = RefreshTokenRecord {
        created_at: NOW + 10,
        issued_scope: Some(narrow),
        issued_surfaces: Some(Surfaces::Mcp),
        ..refresh_record(&conn, "fam-a")
    };
    // Concurrent rotations of the same token: one wins, the successor is written once.
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let s = store.clone();
        let (h, succ) = (first.token_hash.clone(), second.clone());
        tasks.push(tokio::spawn(async move {
            s.rotate_refresh_token(&h, &succ).await
        }));
    }
    let mut wins = 0;
    for t in tasks {
        if t.await.unwrap().unwrap() {
            wins += 1;
        }
    }
    assert_eq!(wins, 1);
    let chain = store
        .refresh_chain(&first.token_hash, &second.token_hash)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(chain.token.token_hash, first.token_hash);
    let new = chain.successor.expect("rotated: the successor is there");
    assert_eq!(new.issued_scope, Some(narrow));
    assert_eq!(new.issued_surfaces, Some(Surfaces::Mcp));
    assert_eq!((new.created_at, new.revoked_at), (NOW + 10, None));
    assert_eq!(new.family_id, "fam-a");
    let fresh = store
        .refresh_chain(&second.token_hash, "h-no-successor-yet")
        .await
        .unwrap()
        .unwrap();
    assert!(fresh.successor.is_none(), "the successor is not used yet");
    assert!(
        store
            .refresh_chain("h-unknown", &second.token_hash)
            .await
            .unwrap()
            .is_none(),
        "an unknown token has no chain, even when the other hash exists"
    );

    // Another family of the same connection.
    let other = refresh_record(&conn, "fam-b");
    store.insert_refresh_token(&other).await.unwrap();
    assert_eq!(
        store
            .revoke_refresh_family("fam-a", NOW + 20)
            .await
            .unwrap(),
        2
    );
    let third = refresh_record(&conn, "fam-a");
    assert!(
        !store
            .rotate_refresh_token(&second.token_hash, &third)
            .await
            .unwrap(),
        "a revoked token does not rotate"
    );
    assert!(
        store
            .refresh_token(&third.token_hash)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .refresh_token(&other.token_hash)
            .await
            .unwrap()
            .unwrap()
            .revoked_at
            .is_none()
    );
    assert_eq!(
        store
            .revoke_connection_refresh_tokens(&conn.id, NOW + 30)
            .await
            .unwrap(),
        1
    );
    assert_eq!(store.purge_oauth(NOW + 31).await.unwrap(), 3);
}

/// The one-statement rotation: copies the family's facts into the successor, wins once among
/// concurrent callers, and refuses another client's, an idle, an old-family or a revoked token.
async fn direct_rotation(store: Arc<dyn Store>) {
    let b = books(&*store).await;
    let cl = client_record(None, OAuthClientKind::Dynamic);
    store.insert_oauth_client(&cl).await.unwrap();
    let conn = connection_record(&b, &cl.id);
    store.insert_connection(&conn).await.unwrap();
    let first = RefreshTokenRecord {
        surfaces: Surfaces::Both,
        ..refresh_record(&conn, "fam-d")
    };
    store.insert_refresh_token(&first).await.unwrap();
    let rotate =
        |s: Arc<dyn Store>, client: OAuthClientId, issued_after: i64, family_after: i64| {
            let h = first.token_hash.clone();
            async move {
                s.rotate_refresh_token_directly(
                    &h,
                    "h-next",
                    &client,
                    NOW + 5,
                    issued_after,
                    family_after,
                )
                .await
                .unwrap()
            }
        };
    let other = client_record(None, OAuthClientKind::Dynamic);
    store.insert_oauth_client(&other).await.unwrap();
    assert!(
        rotate(store.clone(), other.id.clone(), NOW, NOW)
            .await
            .is_none(),
        "another client's"
    );
    assert!(
        rotate(store.clone(), cl.id.clone(), NOW + 1, NOW)
            .await
            .is_none(),
        "idle too long"
    );
    assert!(
        rotate(store.clone(), cl.id.clone(), NOW, NOW + 1)
            .await
            .is_none(),
        "family too old"
    );
    let mut tasks = Vec::new();
    for _ in 0..4 {
        tasks.push(tokio::spawn(rotate(store.clone(), cl.id.clone(), NOW, NOW)));
    }
    let mut won = Vec::new();
    for t in tasks {
        won.extend(t.await.unwrap());
    }
    assert_eq!(won.len(), 1, "one rotation wins");
    let next = &won[0];
    assert_eq!(next.token_hash, "h-next");
    assert_eq!((next.created_at, next.revoked_at), (NOW + 5, None));
    assert_eq!(next.family_id, "fam-d");
    assert_eq!(next.family_started_at, first.family_started_at);
    assert_eq!(
        (next.connection_id.clone(), next.client_id.clone()),
        (conn.id.clone(), cl.id.clone())
    );
    assert_eq!((next.scope, next.surfaces), (first.scope, Surfaces::Both));
    assert_eq!(
        (next.issued_scope, next.issued_surfaces),
        (Some(first.scope), Some(Surfaces::Both))
    );
    let chain = store
        .refresh_chain(&first.token_hash, "h-next")
        .await
        .unwrap()
        .unwrap();
    assert!(chain.successor.is_some(), "the token is used now");
    // Many families rotating at once (batched together): each gets its own successor.
    let mut tasks = Vec::new();
    for i in 0..40 {
        let t = refresh_record(&conn, &format!("fam-many-{i}"));
        store.insert_refresh_token(&t).await.unwrap();
        let (s, client) = (store.clone(), cl.id.clone());
        tasks.push(tokio::spawn(async move {
            let next = format!("{}-next", t.token_hash);
            let got = s
                .rotate_refresh_token_directly(&t.token_hash, &next, &client, NOW + 5, NOW, NOW)
                .await
                .unwrap();
            (t.family_id, next, got)
        }));
    }
    for t in tasks {
        let (family, next, got) = t.await.unwrap();
        let got = got.expect("each family rotates");
        assert_eq!((got.family_id, got.token_hash), (family, next));
    }
    // A revoked family does not grow.
    let dead = refresh_record(&conn, "fam-e");
    store.insert_refresh_token(&dead).await.unwrap();
    store.revoke_refresh_family("fam-e", NOW + 1).await.unwrap();
    assert!(
        store
            .rotate_refresh_token_directly(
                &dead.token_hash,
                "h-dead-next",
                &cl.id,
                NOW + 5,
                NOW,
                NOW
            )
            .await
            .unwrap()
            .is_none()
    );
}

newledger_testkit::both_backends!(
    direct_rotation,
    clients_and_connections,
    codes_are_single_use,
    refresh_rotation
);
