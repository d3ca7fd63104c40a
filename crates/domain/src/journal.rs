//! Journal entries: validated balanced lines, the status lifecycle and reversal.

use crate::DomainError;
use crate::ids::{AccountId, ContactId};
use crate::money::Currency;
use crate::permission::{Permission, PermissionSet};
use serde::{Deserialize, Serialize};

/// One line of an entry; exactly one of `debit` and `credit` is positive.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    /// The account posted to.
    pub account_id: AccountId,
    /// Line description.
    pub description: String,
    /// Optional customer or supplier the line concerns.
    pub contact_id: Option<ContactId>,
    /// Debit in minor units (0 when a credit line).
    pub debit: i64,
    /// Credit in minor units (0 when a debit line).
    pub credit: i64,
}

/// Lines that balance: at least two lines, every line one-sided and positive, debits = credits.
/// The only way to obtain one is [`BalancedLines::new`], so a posted entry cannot be unbalanced.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BalancedLines {
    lines: Vec<Line>,
    currency: Currency,
}

/// Maximum lines of one entry; keeps one posting a bounded amount of work.
pub const MAX_LINES: usize = 500;

impl BalancedLines {
    /// Validates lines into a balanced set.
    pub fn new(lines: Vec<Line>, currency: Currency) -> Result<Self, DomainError> {
        if lines.len() < 2 {
            return Err(DomainError::invalid(
                "lines",
                "an entry needs at least two lines",
            ));
        }
        if lines.len() > MAX_LINES {
            return Err(DomainError::invalid(
                "lines",
                format!("an entry has at most {MAX_LINES} lines"),
            ));
        }
        let (mut debits, mut credits) = (0i64, 0i64);
        for (i, l) in lines.iter().enumerate() {
            let one_sided = (l.debit > 0 && l.credit == 0) || (l.credit > 0 && l.debit == 0);
            if !one_sided {
                return Err(DomainError::invalid(
                    format!("lines[{i}]"),
                    "each line needs either a positive debit or a positive credit, not both",
                ));
            }
            if l.description.chars().count() > 1000 {
                return Err(DomainError::invalid(
                    format!("lines[{i}].description"),
                    "at most 1000 characters",
                ));
            }
            debits = debits.checked_add(l.debit).ok_or(DomainError::Overflow)?;
            credits = credits.checked_add(l.credit).ok_or(DomainError::Overflow)?;
        }
        if debits != credits {
            return Err(DomainError::Unbalanced { debits, credits });
        }
        Ok(Self { lines, currency })
    }

    /// The lines.
    pub fn lines(&self) -> &[Line] {
        &self.lines
    }

    /// Consumes into the lines.
    pub fn into_lines(self) -> Vec<Line> {
        self.lines
    }

    /// Currency of every line.
    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// Sum of debits (= sum of credits).
    pub fn total(&self) -> i64 {
        self.lines.iter().map(|l| l.debit).sum()
    }

    /// The mirror image: every debit becomes a credit. Used to reverse a posted entry.
    pub fn reversed(&self) -> BalancedLines {
        let lines = self
            .lines
            .iter()
            .map(|l| Line {
                debit: l.credit,
                credit: l.debit,
                ..l.clone()
            })
            .collect();
        BalancedLines {
            lines,
            currency: self.currency,
        }
    }
}

/// Where an entry came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntrySource {
    /// A manual journal.
    Manual,
    /// An approved invoice.
    Invoice,
    /// An approved bill.
    Bill,
    /// An approved expense.
    Expense,
    /// A payment.
    Payment,
    /// The reversal of another entry.
    Reversal,
}

impl EntrySource {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            EntrySource::Manual => "manual",
            EntrySource::Invoice => "invoice",
            EntrySource::Bill => "bill",
            EntrySource::Expense => "expense",
            EntrySource::Payment => "payment",
            EntrySource::Reversal => "reversal",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        Ok(match s {
            "manual" => EntrySource::Manual,
            "invoice" => EntrySource::Invoice,
            "bill" => EntrySource::Bill,
            "expense" => EntrySource::Expense,
            "payment" => EntrySource::Payment,
            "reversal" => EntrySource::Reversal,
            _ => return Err(DomainError::invalid("source", "unknown entry source")),
        })
    }
}

/// Lifecycle of a manual journal entry; generated entries are born posted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryStatus {
    /// Editable, not in the ledger.
    Draft,
    /// In the ledger; immutable.
    Posted,
    /// A draft thrown away (kept as a tombstone for sync).
    Discarded,
}

impl EntryStatus {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            EntryStatus::Draft => "draft",
            EntryStatus::Posted => "posted",
            EntryStatus::Discarded => "discarded",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        Ok(match s {
            "draft" => EntryStatus::Draft,
            "posted" => EntryStatus::Posted,
            "discarded" => EntryStatus::Discarded,
            _ => {
                return Err(DomainError::invalid(
                    "status",
                    "must be draft, posted or discarded",
                ));
            }
        })
    }
}

/// What a person may do to a journal entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryAction {
    /// Replace a manual draft's lines.
    Edit,
    /// Post a manual draft to the ledger (people only).
    Post,
    /// Throw a manual draft away.
    Discard,
    /// Post the mirror of a posted manual entry (people only).
    Reverse,
}

impl EntryAction {
    /// The permission each needs.
    pub fn permission(self) -> Permission {
        match self {
            EntryAction::Edit | EntryAction::Discard => Permission::JournalDraft,
            EntryAction::Post | EntryAction::Reverse => Permission::JournalPost,
        }
    }
}

/// The lifecycle of one journal entry: manual drafts are edited, posted or discarded; a posted
/// manual entry is reversed once; entries generated by documents and payments are changed only
/// through them (void the invoice, bill or expense instead). Services decide with it, pages
/// offer what it allows.
#[derive(Clone, Copy, Debug)]
pub struct EntryLifecycle<'a> {
    /// Number people know it by (for messages).
    pub number: &'a str,
    /// Status.
    pub status: EntryStatus,
    /// Source.
    pub source: EntrySource,
    /// Already reversed by another entry.
    pub reversed: bool,
}

impl EntryLifecycle<'_> {
    /// Whether `action` may happen to the entry as it stands (whoever asks).
    pub fn permits(&self, action: EntryAction) -> bool {
        let manual = self.source == EntrySource::Manual;
        match action {
            EntryAction::Edit | EntryAction::Post | EntryAction::Discard => {
                manual && self.status == EntryStatus::Draft
            }
            EntryAction::Reverse => manual && self.status == EntryStatus::Posted && !self.reversed,
        }
    }

    /// Like [`EntryLifecycle::permits`], with what stands in the way in words.
    pub fn check(&self, action: EntryAction) -> Result<(), DomainError> {
        if self.permits(action) {
            return Ok(());
        }
        let (number, status) = (self.number, self.status.as_str());
        Err(DomainError::State(match action {
            EntryAction::Reverse if self.reversed => format!("{number} is already reversed"),
            EntryAction::Reverse => "only posted manual journals are reversed here; void the invoice, bill or expense instead".into(),
            _ => format!(
                "journal entry {number} is {status}; posted entries are never edited, they are reversed"
            ),
        }))
    }

    /// Whether the holder of `permissions` may take `action` now.
    pub fn allows(&self, action: EntryAction, permissions: PermissionSet) -> bool {
        self.permits(action) && permissions.contains(action.permission())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn line(debit: i64, credit: i64) -> Line {
        Line {
            account_id: AccountId::from_suffix("a1"),
            description: String::new(),
            contact_id: None,
            debit,
            credit,
        }
    }

    fn eur() -> Currency {
        Currency::parse("EUR").unwrap()
    }

    #[test]
    fn refuses_unbalanced_and_two_sided() {
        assert!(matches!(
            BalancedLines::new(vec![line(100, 0), line(0, 90)], eur()),
            Err(DomainError::Unbalanced {
                debits: 100,
                credits: 90
            })
        ));
        assert!(BalancedLines::new(vec![line(100, 100), line(0, 0)], eur()).is_err());
        assert!(BalancedLines::new(vec![line(100, 0)], eur()).is_err());
        assert!(BalancedLines::new(vec![line(-5, 0), line(0, -5)], eur()).is_err());
    }

    proptest! {
        #[test]
        fn any_accepted_set_balances_and_reversal_nets_to_zero(
            amounts in proptest::collection::vec((1i64..1_000_000_000, any::<bool>()), 1..20)
        ) {
            let mut lines: Vec<Line> = amounts.iter().map(|(a, d)| if *d { line(*a, 0) } else { line(0, *a) }).collect();
            let net: i64 = lines.iter().map(|l| l.debit - l.credit).sum();
            if net > 0 { lines.push(line(0, net)) } else if net < 0 { lines.push(line(-net, 0)) }
            if let Ok(b) = BalancedLines::new(lines, eur()) {
                let d: i64 = b.lines().iter().map(|l| l.debit).sum();
                let c: i64 = b.lines().iter().map(|l| l.credit).sum();
                prop_assert_eq!(d, c);
                let r = b.reversed();
                let net: i64 = b.lines().iter().chain(r.lines()).map(|l| l.debit - l.credit).sum();
                prop_assert_eq!(net, 0);
            }
        }
    }

    #[test]
    fn entry_lifecycle_follows_status_and_source() {
        let at = |status, source, reversed| EntryLifecycle {
            number: "JE-0001",
            status,
            source,
            reversed,
        };
        let draft = at(EntryStatus::Draft, EntrySource::Manual, false);
        assert!(draft.permits(EntryAction::Edit) && draft.permits(EntryAction::Post));
        assert!(!draft.permits(EntryAction::Reverse));
        let posted = at(EntryStatus::Posted, EntrySource::Manual, false);
        assert!(posted.permits(EntryAction::Reverse) && !posted.permits(EntryAction::Edit));
        let reversed = at(EntryStatus::Posted, EntrySource::Manual, true);
        assert!(
            reversed
                .check(EntryAction::Reverse)
                .unwrap_err()
                .to_string()
                .contains("already reversed")
        );
        let generated = at(EntryStatus::Posted, EntrySource::Invoice, false);
        assert!(!generated.permits(EntryAction::Reverse));
        let only_draft = PermissionSet::from_iter([Permission::JournalDraft]);
        assert!(
            draft.allows(EntryAction::Edit, only_draft)
                && !draft.allows(EntryAction::Post, only_draft)
        );
    }
}
