//! OAuth clients, connections, authorization codes and refresh token families. Single use of a
//! code is decided by one conditional UPDATE, and of a refresh token by the primary key of its
//! successor (derived from it), so two nodes (or two concurrent requests) can never both win.

use super::rows::{corrupt, i, id, oi, oid, os, s};
use super::{SqlStore, one_row};
use crate::records::*;
use crate::{OAuthStore, StoreResult};
use async_trait::async_trait;
use newledger_domain::ids::*;
use newledger_domain::oauth::Surfaces;
use newledger_domain::permission::PermissionSet;
use sqlx::any::AnyRow;

fn scope(r: &AnyRow, c: &str) -> StoreResult<PermissionSet> {
    PermissionSet::parse(&s(r, c)?).map_err(corrupt)
}

fn surfaces(r: &AnyRow, c: &str) -> StoreResult<Surfaces> {
    Surfaces::parse(&s(r, c)?).ok_or_else(|| corrupt("surfaces"))
}

fn client(r: &AnyRow) -> StoreResult<OAuthClientRecord> {
    Ok(OAuthClientRecord {
        id: id(r, "id")?,
        kind: OAuthClientKind::parse(&s(r, "kind")?).ok_or_else(|| corrupt("client kind"))?,
        company_id: oid(r, "company_id")?,
        name: s(r, "name")?,
        logo_uri: os(r, "logo_uri")?,
        client_uri: os(r, "client_uri")?,
        redirect_uris: s(r, "redirect_uris")?
            .split('\n')
            .filter(|u| !u.is_empty())
            .map(str::to_owned)
            .collect(),
        secret_hash: os(r, "secret_hash")?,
        secret_hint: s(r, "secret_hint")?,
        auth_method: s(r, "auth_method")?,
        created_by: oid(r, "created_by")?,
        registered_ip: s(r, "registered_ip")?,
        created_at: i(r, "created_at")?,
        updated_at: i(r, "updated_at")?,
        last_used_at: oi(r, "last_used_at")?,
        deleted_at: oi(r, "deleted_at")?,
        metadata_url: os(r, "metadata_url")?,
    })
}

fn connection(r: &AnyRow) -> StoreResult<ConnectionRecord> {
    Ok(ConnectionRecord {
        id: id(r, "id")?,
        company_id: id(r, "company_id")?,
        client_id: id(r, "client_id")?,
        user_id: id(r, "user_id")?,
        scope: scope(r, "scope")?,
        surfaces: surfaces(r, "surfaces")?,
        active: i(r, "active")? != 0,
        credential_version: i(r, "credential_version")?,
        created_at: i(r, "created_at")?,
        updated_at: i(r, "updated_at")?,
        last_used_at: oi(r, "last_used_at")?,
        deleted_at: oi(r, "deleted_at")?,
    })
}

fn code(r: &AnyRow) -> StoreResult<AuthCodeRecord> {
    Ok(AuthCodeRecord {
        code_hash: s(r, "code_hash")?,
        client_id: id(r, "client_id")?,
        connection_id: id(r, "connection_id")?,
        redirect_uri: s(r, "redirect_uri")?,
        code_challenge: s(r, "code_challenge")?,
        surfaces: surfaces(r, "surfaces")?,
        scope: scope(r, "scope")?,
        family_id: s(r, "family_id")?,
        expires_at: i(r, "expires_at")?,
        used_at: oi(r, "used_at")?,
        created_at: i(r, "created_at")?,
    })
}

pub(super) fn refresh(r: &AnyRow) -> StoreResult<RefreshTokenRecord> {
    Ok(RefreshTokenRecord {
        token_hash: s(r, "token_hash")?,
        family_id: s(r, "family_id")?,
        connection_id: id(r, "connection_id")?,
        client_id: id(r, "client_id")?,
        scope: scope(r, "scope")?,
        surfaces: surfaces(r, "surfaces")?,
        family_started_at: i(r, "family_started_at")?,
        created_at: i(r, "created_at")?,
        issued_scope: os(r, "issued_scope")?
            .map(|v| PermissionSet::parse(&v).map_err(corrupt))
            .transpose()?,
        issued_surfaces: os(r, "issued_surfaces")?
            .map(|v| Surfaces::parse(&v).ok_or_else(|| corrupt("surfaces")))
            .transpose()?,
        revoked_at: oi(r, "revoked_at")?,
    })
}

pub(super) const REFRESH_COLUMNS: &str =
    "token_hash, family_id, connection_id, client_id, scope, surfaces,
     family_started_at, created_at, issued_scope, issued_surfaces";

fn bind_refresh<'q>(
    q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    t: &'q RefreshTokenRecord,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    q.bind(&t.token_hash)
        .bind(&t.family_id)
        .bind(t.connection_id.as_str())
        .bind(t.client_id.as_str())
        .bind(t.scope.to_scope_string())
        .bind(t.surfaces.as_str())
        .bind(t.family_started_at)
        .bind(t.created_at)
        .bind(t.issued_scope.map(|s| s.to_scope_string()))
        .bind(t.issued_surfaces.map(|s| s.as_str()))
}

#[async_trait]
impl OAuthStore for SqlStore {
    async fn insert_oauth_client(&self, c: &OAuthClientRecord) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO oauth_clients (id, kind, company_id, name, logo_uri, client_uri, redirect_uris, secret_hash,
             secret_hint, auth_method, created_by, registered_ip, created_at, updated_at, last_used_at, deleted_at, metadata_url)
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17)",
        )
        .bind(c.id.as_str())
        .bind(c.kind.as_str())
        .bind(c.company_id.as_ref().map(|x| x.to_string()))
        .bind(&c.name)
        .bind(c.logo_uri.clone())
        .bind(c.client_uri.clone())
        .bind(c.redirect_uris.join("\n"))
        .bind(c.secret_hash.clone())
        .bind(&c.secret_hint)
        .bind(&c.auth_method)
        .bind(c.created_by.as_ref().map(|x| x.to_string()))
        .bind(&c.registered_ip)
        .bind(c.created_at)
        .bind(c.updated_at)
        .bind(c.last_used_at)
        .bind(c.deleted_at)
        .bind(c.metadata_url.clone())
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn oauth_client(&self, cid: &OAuthClientId) -> StoreResult<Option<OAuthClientRecord>> {
        let r = sqlx::query("SELECT * FROM oauth_clients WHERE id = $1")
            .bind(cid.as_str())
            .fetch_optional(&self.read)
            .await?;
        r.as_ref().map(client).transpose()
    }

    async fn list_oauth_clients(&self, company: &CompanyId) -> StoreResult<Vec<OAuthClientRecord>> {
        let rs = sqlx::query(
            "SELECT * FROM oauth_clients WHERE company_id = $1 AND deleted_at IS NULL ORDER BY id",
        )
        .bind(company.as_str())
        .fetch_all(&self.read)
        .await?;
        rs.iter().map(client).collect()
    }

    async fn update_oauth_client(&self, c: &OAuthClientRecord) -> StoreResult<()> {
        let r = sqlx::query(
            "UPDATE oauth_clients SET name = $2, logo_uri = $3, client_uri = $4, redirect_uris = $5, secret_hash = $6,
             secret_hint = $7, auth_method = $8, updated_at = $9, last_used_at = $10, deleted_at = $11 WHERE id = $1",
        )
        .bind(c.id.as_str())
        .bind(&c.name)
        .bind(c.logo_uri.clone())
        .bind(c.client_uri.clone())
        .bind(c.redirect_uris.join("\n"))
        .bind(c.secret_hash.clone())
        .bind(&c.secret_hint)
        .bind(&c.auth_method)
        .bind(c.updated_at)
        .bind(c.last_used_at)
        .bind(c.deleted_at)
        .execute(&self.write)
        .await?;
        one_row(r.rows_affected(), "oauth client")
    }

    async fn purge_unused_dynamic_clients(&self, before: i64) -> StoreResult<u64> {
        let r = sqlx::query(
            "DELETE FROM oauth_clients WHERE kind IN ('dynamic', 'metadata_document') AND last_used_at IS NULL AND created_at < $1
             AND NOT EXISTS (SELECT 1 FROM oauth_connections c WHERE c.client_id = oauth_clients.id)",
        )
        .bind(before)
        .execute(&self.write)
        .await?;
        Ok(r.rows_affected())
    }

    async fn insert_connection(&self, c: &ConnectionRecord) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO oauth_connections (id, company_id, client_id, user_id, scope, surfaces, active, credential_version,
             created_at, updated_at, last_used_at, deleted_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)",
        )
        .bind(c.id.as_str())
        .bind(c.company_id.as_str())
        .bind(c.client_id.as_str())
        .bind(c.user_id.as_str())
        .bind(c.scope.to_scope_string())
        .bind(c.surfaces.as_str())
        .bind(i64::from(c.active))
        .bind(c.credential_version)
        .bind(c.created_at)
        .bind(c.updated_at)
        .bind(c.last_used_at)
        .bind(c.deleted_at)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn connection(&self, cid: &ConnectionId) -> StoreResult<Option<ConnectionRecord>> {
        let r = sqlx::query("SELECT * FROM oauth_connections WHERE id = $1")
            .bind(cid.as_str())
            .fetch_optional(&self.read)
            .await?;
        r.as_ref().map(connection).transpose()
    }

    async fn active_connection(
        &self,
        client: &OAuthClientId,
        company: &CompanyId,
        user: &UserId,
    ) -> StoreResult<Option<ConnectionRecord>> {
        let r = sqlx::query(
            "SELECT * FROM oauth_connections WHERE client_id = $1 AND company_id = $2 AND user_id = $3 AND active = 1
             ORDER BY id DESC",
        )
        .bind(client.as_str())
        .bind(company.as_str())
        .bind(user.as_str())
        .fetch_optional(&self.read)
        .await?;
        r.as_ref().map(connection).transpose()
    }

    async fn list_connections(&self, company: &CompanyId) -> StoreResult<Vec<ConnectionRecord>> {
        let rs = sqlx::query(
            "SELECT * FROM oauth_connections WHERE company_id = $1 AND active = 1 ORDER BY id",
        )
        .bind(company.as_str())
        .fetch_all(&self.read)
        .await?;
        rs.iter().map(connection).collect()
    }

    async fn update_connection(&self, c: &ConnectionRecord) -> StoreResult<()> {
        let r = sqlx::query(
            "UPDATE oauth_connections SET scope = $2, surfaces = $3, active = $4, credential_version = $5, updated_at = $6,
             last_used_at = $7, deleted_at = $8 WHERE id = $1",
        )
        .bind(c.id.as_str())
        .bind(c.scope.to_scope_string())
        .bind(c.surfaces.as_str())
        .bind(i64::from(c.active))
        .bind(c.credential_version)
        .bind(c.updated_at)
        .bind(c.last_used_at)
        .bind(c.deleted_at)
        .execute(&self.write)
        .await?;
        one_row(r.rows_affected(), "connection")
    }

    async fn put_client_logo(
        &self,
        client: &OAuthClientId,
        png: &[u8],
        now: i64,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO oauth_client_logos (client_id, png, fetched_at) VALUES ($1, $2, $3)
             ON CONFLICT (client_id) DO UPDATE SET png = excluded.png, fetched_at = excluded.fetched_at",
        )
        .bind(client.as_str())
        .bind(png.to_vec())
        .bind(now)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn client_logo(&self, client: &OAuthClientId) -> StoreResult<Option<Vec<u8>>> {
        let r = sqlx::query("SELECT png FROM oauth_client_logos WHERE client_id = $1")
            .bind(client.as_str())
            .fetch_optional(&self.read)
            .await?;
        Ok(match r {
            Some(r) => Some(sqlx::Row::try_get::<Vec<u8>, _>(&r, "png")?),
            None => None,
        })
    }

    async fn touch_oauth_use(
        &self,
        client: &OAuthClientId,
        connection: &ConnectionId,
        now: i64,
    ) -> StoreResult<()> {
        sqlx::query("UPDATE oauth_clients SET last_used_at = $2 WHERE id = $1")
            .bind(client.as_str())
            .bind(now)
            .execute(&self.write)
            .await?;
        sqlx::query("UPDATE oauth_connections SET last_used_at = $2 WHERE id = $1")
            .bind(connection.as_str())
            .bind(now)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn insert_auth_code(&self, c: &AuthCodeRecord) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO oauth_codes (code_hash, client_id, connection_id, redirect_uri, code_challenge, surfaces, scope,
             family_id, expires_at, used_at, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)",
        )
        .bind(&c.code_hash)
        .bind(c.client_id.as_str())
        .bind(c.connection_id.as_str())
        .bind(&c.redirect_uri)
        .bind(&c.code_challenge)
        .bind(c.surfaces.as_str())
        .bind(c.scope.to_scope_string())
        .bind(&c.family_id)
        .bind(c.expires_at)
        .bind(c.used_at)
        .bind(c.created_at)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn claim_auth_code(
        &self,
        code_hash: &str,
        now: i64,
    ) -> StoreResult<Option<AuthCodeRecord>> {
        let claimed = sqlx::query(
            "UPDATE oauth_codes SET used_at = $2 WHERE code_hash = $1 AND used_at IS NULL",
        )
        .bind(code_hash)
        .bind(now)
        .execute(&self.write)
        .await?
        .rows_affected()
            == 1;
        let r = sqlx::query("SELECT * FROM oauth_codes WHERE code_hash = $1")
            .bind(code_hash)
            .fetch_optional(&self.write)
            .await?;
        let Some(mut c) = r.as_ref().map(code).transpose()? else {
            return Ok(None);
        };
        if claimed {
            c.used_at = None;
        }
        Ok(Some(c))
    }

    async fn insert_refresh_token(&self, t: &RefreshTokenRecord) -> StoreResult<()> {
        let sql = format!(
            "INSERT INTO oauth_refresh_tokens ({REFRESH_COLUMNS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)"
        );
        bind_refresh(sqlx::query(&sql), t)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn refresh_token(&self, token_hash: &str) -> StoreResult<Option<RefreshTokenRecord>> {
        let r = sqlx::query("SELECT * FROM oauth_refresh_tokens WHERE token_hash = $1")
            .bind(token_hash)
            .fetch_optional(&self.read)
            .await?;
        r.as_ref().map(refresh).transpose()
    }

    async fn refresh_chain(
        &self,
        token_hash: &str,
        successor_hash: &str,
    ) -> StoreResult<Option<RefreshChain>> {
        let rows = sqlx::query("SELECT * FROM oauth_refresh_tokens WHERE token_hash IN ($1, $2)")
            .bind(token_hash)
            .bind(successor_hash)
            .fetch_all(&self.read)
            .await?;
        let mut token = None;
        let mut successor = None;
        for r in &rows {
            let t = refresh(r)?;
            if t.token_hash == token_hash {
                token = Some(t);
            } else {
                successor = Some(t);
            }
        }
        Ok(token.map(|token| RefreshChain { token, successor }))
    }

    async fn rotate_refresh_token_directly(
        &self,
        old_hash: &str,
        successor_hash: &str,
        client: &OAuthClientId,
        now: i64,
        issued_after: i64,
        family_after: i64,
    ) -> StoreResult<Option<RefreshTokenRecord>> {
        let rotation = super::rotations::Rotation {
            old_hash: old_hash.to_owned(),
            successor_hash: successor_hash.to_owned(),
            client: client.clone(),
            now,
            issued_after,
            family_after,
        };
        match &self.rotations {
            Some(batches) => batches.rotate(rotation).await,
            // Inside a unit of work: a batch of one, in it.
            None => Ok(super::rotations::insert(&self.write, &[&rotation])
                .await?
                .remove(successor_hash)),
        }
    }

    async fn rotate_refresh_token(
        &self,
        old_hash: &str,
        successor: &RefreshTokenRecord,
    ) -> StoreResult<bool> {
        // One statement, so one round trip and no explicit transaction: the successor's key is
        // the compare-and-swap, the EXISTS keeps a revoked family from growing. (`WHERE` before
        // `ON CONFLICT` is what lets SQLite parse an upsert on INSERT … SELECT.)
        let sql = format!(
            "INSERT INTO oauth_refresh_tokens ({REFRESH_COLUMNS})
             SELECT $1,$2,$3,$4,$5,$6,$7,$8,$9,$10
             WHERE EXISTS (SELECT 1 FROM oauth_refresh_tokens WHERE token_hash = $11 AND revoked_at IS NULL)
             ON CONFLICT (token_hash) DO NOTHING"
        );
        let n = bind_refresh(sqlx::query(&sql), successor)
            .bind(old_hash)
            .execute(&self.write)
            .await?
            .rows_affected();
        Ok(n == 1)
    }

    async fn revoke_refresh_family(&self, family_id: &str, now: i64) -> StoreResult<u64> {
        let r = sqlx::query(
            "UPDATE oauth_refresh_tokens SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL",
        )
        .bind(family_id)
        .bind(now)
        .execute(&self.write)
        .await?;
        Ok(r.rows_affected())
    }

    async fn revoke_connection_refresh_tokens(
        &self,
        conn: &ConnectionId,
        now: i64,
    ) -> StoreResult<u64> {
        let r = sqlx::query(
            "UPDATE oauth_refresh_tokens SET revoked_at = $2 WHERE connection_id = $1 AND revoked_at IS NULL",
        )
        .bind(conn.as_str())
        .bind(now)
        .execute(&self.write)
        .await?;
        Ok(r.rows_affected())
    }

    async fn purge_oauth(&self, before: i64) -> StoreResult<u64> {
        let a = sqlx::query("DELETE FROM oauth_codes WHERE expires_at < $1")
            .bind(before)
            .execute(&self.write)
            .await?
            .rows_affected();
        let b = sqlx::query(
            "DELETE FROM oauth_refresh_tokens WHERE (revoked_at IS NOT NULL AND revoked_at < $1)
             OR created_at < $1",
        )
        .bind(before)
        .execute(&self.write)
        .await?
        .rows_affected();
        Ok(a + b)
    }
}
