//! A contact's page: the contact, its latest documents of the kinds the reader may read, and
//! whether it may be deleted (and if not, why), so that a page offers only what will succeed.

use crate::books::{contacts, documents};
use crate::{Access, Result, Services};
use newledger_domain::contact::Contact;
use newledger_domain::document::Document;
use newledger_domain::document::DocumentKind;
use newledger_domain::ids::ContactId;
use newledger_domain::permission::Permission;
use newledger_store::ListQuery;

/// Documents shown on a contact's page, newest first.
pub const DOCUMENTS_SHOWN: usize = 50;

/// What a contact's page shows.
#[derive(Clone, Debug)]
pub struct ContactView {
    /// The contact.
    pub contact: Contact,
    /// Its latest invoices, bills and expenses the reader may read, newest first.
    pub documents: Vec<Document>,
    /// True when the reader may delete it now (may write contacts and nothing refers to it).
    pub deletable: bool,
    /// Why it stays, when something refers to it ("it has 3 invoices, bills or expenses").
    pub kept_because: Option<String>,
}

/// The contact's page for this reader.
pub async fn detail(svc: &Services, access: &Access, id: &ContactId) -> Result<ContactView> {
    let contact = contacts::get(svc, access, id).await?;
    let mut docs = Vec::new();
    for kind in [
        DocumentKind::Invoice,
        DocumentKind::Bill,
        DocumentKind::Expense,
    ] {
        if !access.permissions.contains(kind.info().read) {
            continue;
        }
        let q = ListQuery {
            limit: 100,
            contact_id: Some(contact.id.to_string()),
            ..Default::default()
        };
        docs.extend(documents::list(svc, access, kind, q).await?.data);
    }
    docs.sort_by_key(|d| std::cmp::Reverse(d.issue_date));
    docs.truncate(DOCUMENTS_SHOWN);
    let kept_because = contacts::usage(svc, access, id).await?.kept_because();
    Ok(ContactView {
        deletable: kept_because.is_none()
            && access.permissions.contains(Permission::ContactsWrite)
            && !access.actor.is_program(),
        contact,
        documents: docs,
        kept_because,
    })
}
