//! Customers and suppliers.

use super::{Page, normalize, page};
use crate::activity::Event;
use crate::work::Work;
use crate::{Access, Error, Result, Services};
use newledger_domain::contact::{Contact, ContactUsage};
use newledger_domain::ids::ContactId;
use newledger_domain::permission::Permission;
use newledger_store::ListQuery;
use serde::Deserialize;

/// Fields of a contact as a client sends them.
#[derive(Clone, Debug, Deserialize, Default)]
pub struct ContactInput {
    /// Name (required).
    pub name: String,
    /// E-mail.
    pub email: Option<String>,
    /// Sells to.
    #[serde(default)]
    pub is_customer: bool,
    /// Buys from.
    #[serde(default)]
    pub is_supplier: bool,
    /// Tax number.
    pub tax_number: Option<String>,
    /// Address.
    pub address: Option<String>,
}

impl From<&Contact> for ContactInput {
    /// The contact as it stands, ready to be changed and saved back.
    fn from(c: &Contact) -> Self {
        Self {
            name: c.name.clone(),
            email: c.email.clone(),
            is_customer: c.is_customer,
            is_supplier: c.is_supplier,
            tax_number: c.tax_number.clone(),
            address: c.address.clone(),
        }
    }
}

fn validate(i: &ContactInput) -> Result<()> {
    let n = i.name.trim();
    if n.is_empty() || n.chars().count() > 200 {
        return Err(Error::invalid("name", "required, at most 200 characters"));
    }
    if let Some(e) = &i.email
        && !e.is_empty()
    {
        crate::people::users::normalize_email(e)?;
    }
    if !i.is_customer && !i.is_supplier {
        return Err(Error::invalid(
            "is_customer",
            "a contact is a customer, a supplier or both",
        ));
    }
    for (f, v, max) in [
        ("tax_number", &i.tax_number, 50),
        ("address", &i.address, 1000),
    ] {
        if v.as_ref().is_some_and(|v| v.chars().count() > max) {
            return Err(Error::invalid(f, format!("at most {max} characters")));
        }
    }
    Ok(())
}

fn clean(s: &Option<String>) -> Option<String> {
    s.as_ref()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// Creates a contact (`contacts:write`).
pub async fn create(svc: &Services, access: &Access, i: ContactInput) -> Result<Contact> {
    svc.write(async |w| create_in(w, access, i).await).await
}

/// [`create`] as part of a unit of work.
pub async fn create_in(w: &mut Work<'_>, access: &Access, i: ContactInput) -> Result<Contact> {
    access.require(Permission::ContactsWrite)?;
    validate(&i)?;
    let now = w.svc().clock.now_ms();
    let c = Contact {
        id: w.svc().new_id(ContactId::PREFIX),
        company_id: access.company.id.clone(),
        name: i.name.trim().to_owned(),
        email: clean(&i.email).map(|e| e.to_lowercase()),
        is_customer: i.is_customer,
        is_supplier: i.is_supplier,
        tax_number: clean(&i.tax_number),
        address: clean(&i.address),
        created_by: access.actor.clone(),
        created_at: now,
        updated_at: now,
        version: 1,
    };
    w.store().insert_contact(&c).await?;
    w.documents_changed();
    w.log(
        access,
        Event::ok("contact.created", "contact", c.id.as_str()).reason(c.name.clone()),
    )
    .await?;
    Ok(c)
}

/// Replaces a contact's fields if it is still at `version`.
pub async fn update(
    svc: &Services,
    access: &Access,
    id: &ContactId,
    version: Option<i64>,
    i: ContactInput,
) -> Result<Contact> {
    svc.write(async |w| update_in(w, access, id, version, i).await)
        .await
}

/// [`update`] as part of a unit of work.
pub async fn update_in(
    w: &mut Work<'_>,
    access: &Access,
    id: &ContactId,
    version: Option<i64>,
    i: ContactInput,
) -> Result<Contact> {
    access.require(Permission::ContactsWrite)?;
    validate(&i)?;
    access.require(Permission::ContactsRead)?;
    let old = w
        .store()
        .contact(&access.company.id, id)
        .await?
        .ok_or(Error::NotFound("contact"))?;
    let expected = version.unwrap_or(old.version);
    if expected != old.version {
        return Err(Error::Stale);
    }
    let c = Contact {
        name: i.name.trim().to_owned(),
        email: clean(&i.email).map(|e| e.to_lowercase()),
        is_customer: i.is_customer,
        is_supplier: i.is_supplier,
        tax_number: clean(&i.tax_number),
        address: clean(&i.address),
        updated_at: w.svc().clock.now_ms(),
        version: old.version + 1,
        ..old.clone()
    };
    w.store().update_contact(&c, expected).await?;
    w.documents_changed();
    w.log(
        access,
        Event::ok("contact.updated", "contact", c.id.as_str())
            .details(serde_json::json!({"old_name": old.name, "new_name": c.name})),
    )
    .await?;
    Ok(c)
}

/// What refers to a contact (for the page to offer deletion only when it will succeed).
pub async fn usage(svc: &Services, access: &Access, id: &ContactId) -> Result<ContactUsage> {
    access.require(Permission::ContactsRead)?;
    Ok(svc.store.contact_usage(&access.company.id, id).await?)
}

/// Deletes a contact nothing refers to (people only: programs never delete), logged with
/// its name; a contact in use is a conflict that says why.
pub async fn delete(svc: &Services, access: &Access, id: &ContactId) -> Result<Contact> {
    access.require(Permission::ContactsWrite)?;
    if access.actor.is_program() {
        return Err(Error::Forbidden {
            permission: None,
            reason: "only people delete contacts".into(),
        });
    }
    svc.write(async |w| {
        let c = w
            .store()
            .contact(&access.company.id, id)
            .await?
            .ok_or(Error::NotFound("contact"))?;
        let u = w.store().contact_usage(&access.company.id, id).await?;
        if let Some(why) = u.kept_because() {
            return Err(Error::Conflict(format!(
                "{} cannot be deleted: {why}",
                c.name
            )));
        }
        w.store()
            .delete_contact(&access.company.id, id)
            .await
            .map_err(|_| Error::Conflict(format!("{} is now in use and was kept", c.name)))?;
        w.documents_changed();
        w.log(
            access,
            Event::ok("contact.deleted", "contact", c.id.as_str()).reason(c.name.clone()),
        )
        .await?;
        Ok(c)
    })
    .await
}

/// One contact.
pub async fn get(svc: &Services, access: &Access, id: &ContactId) -> Result<Contact> {
    access.require(Permission::ContactsRead)?;
    svc.store
        .contact(&access.company.id, id)
        .await?
        .ok_or(Error::NotFound("contact"))
}

/// Lists contacts (`status` = `customer` or `supplier` filters; `search` by name).
pub async fn list(svc: &Services, access: &Access, q: ListQuery) -> Result<Page<Contact>> {
    access.require(Permission::ContactsRead)?;
    let q = normalize(q)?;
    let rows = svc.store.list_contacts(&access.company.id, &q).await?;
    Ok(page(rows, q.limit, |c| c.id.to_string()))
}
