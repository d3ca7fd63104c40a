//! Journal entries: validated balanced lines, the [`Entry`] aggregate whose posted lines are
//! balanced by type ([`EntryLines`]), its lifecycle and reversal.

use crate::DomainError;
use crate::actor::Actor;
use crate::ids::{AccountId, CompanyId, ContactId, EntryId};
use crate::permission::{Permission, PermissionSet};
use chrono::NaiveDate;
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
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BalancedLines {
    lines: Vec<Line>,
}

/// Maximum lines of one entry; keeps one posting a bounded amount of work.
pub const MAX_LINES: usize = 500;

impl BalancedLines {
    /// Validates lines into a balanced set.
    pub fn new(lines: Vec<Line>) -> Result<Self, DomainError> {
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
        Ok(Self { lines })
    }

    /// The lines.
    pub fn lines(&self) -> &[Line] {
        &self.lines
    }

    /// Consumes into the lines.
    pub fn into_lines(self) -> Vec<Line> {
        self.lines
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
        BalancedLines { lines }
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

impl EntryAction {
    /// Every action, in the order pages offer them.
    pub const ALL: [EntryAction; 4] = [
        EntryAction::Edit,
        EntryAction::Post,
        EntryAction::Discard,
        EntryAction::Reverse,
    ];
}

/// An entry's lines as its status has them: a posted entry holds [`BalancedLines`], so an
/// entry cannot be in the ledger unbalanced. Drafts are balanced when written too, but are
/// checked again when posted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EntryLines {
    /// Editable, not in the ledger.
    Draft(Vec<Line>),
    /// In the ledger; immutable.
    Posted(BalancedLines),
    /// A draft thrown away (kept as a tombstone for sync).
    Discarded(Vec<Line>),
}

impl EntryLines {
    /// Lines read back as stored with `status`; posted ones must balance.
    pub fn of_status(status: EntryStatus, lines: Vec<Line>) -> Result<Self, DomainError> {
        Ok(match status {
            EntryStatus::Draft => EntryLines::Draft(lines),
            EntryStatus::Posted => EntryLines::Posted(BalancedLines::new(lines)?),
            EntryStatus::Discarded => EntryLines::Discarded(lines),
        })
    }

    /// The status they stand for.
    pub fn status(&self) -> EntryStatus {
        match self {
            EntryLines::Draft(_) => EntryStatus::Draft,
            EntryLines::Posted(_) => EntryStatus::Posted,
            EntryLines::Discarded(_) => EntryStatus::Discarded,
        }
    }

    /// The lines.
    pub fn as_slice(&self) -> &[Line] {
        match self {
            EntryLines::Draft(l) | EntryLines::Discarded(l) => l,
            EntryLines::Posted(b) => b.lines(),
        }
    }

    /// The balanced lines, once posted.
    pub fn posted(&self) -> Option<&BalancedLines> {
        match self {
            EntryLines::Posted(b) => Some(b),
            EntryLines::Draft(_) | EntryLines::Discarded(_) => None,
        }
    }
}

/// A journal entry: a manual draft or posted journal, or an entry generated by a document or a
/// payment. Its methods are the rules of its lifecycle: manual drafts are edited, posted or
/// discarded; a posted manual entry is reversed once; entries generated by documents and
/// payments change only through them (void the invoice, bill or expense instead). Services
/// decide with them, pages offer what they allow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Id.
    pub id: EntryId,
    /// Company.
    pub company_id: CompanyId,
    /// Human number (`JE-0001`).
    pub number: String,
    /// Accounting date.
    pub date: NaiveDate,
    /// Narration.
    pub memo: String,
    /// Origin.
    pub source: EntrySource,
    /// Originating document or payment id.
    pub source_id: Option<String>,
    /// The entry this one reverses.
    pub reverses_id: Option<EntryId>,
    /// The entry that reversed this one.
    pub reversed_by_id: Option<EntryId>,
    /// Lines, which also say its status (balanced once posted).
    pub lines: EntryLines,
    /// Who created it.
    pub created_by: Actor,
    /// Who posted it.
    pub posted_by: Option<Actor>,
    /// When it was posted (ms).
    pub posted_at: Option<i64>,
    /// Created (ms).
    pub created_at: i64,
    /// Last change (ms).
    pub updated_at: i64,
    /// Optimistic-concurrency version.
    pub version: i64,
}

impl Entry {
    /// Status: draft, posted or discarded (from its lines).
    pub fn status(&self) -> EntryStatus {
        self.lines.status()
    }

    /// The lines.
    pub fn lines(&self) -> &[Line] {
        self.lines.as_slice()
    }

    /// Sum of debits (= sum of credits: drafts are balanced when written).
    pub fn total(&self) -> i64 {
        self.lines().iter().map(|l| l.debit).sum()
    }

    /// Whether `action` may happen to the entry as it stands (whoever asks).
    pub fn permits(&self, action: EntryAction) -> bool {
        let manual = self.source == EntrySource::Manual;
        match action {
            EntryAction::Edit | EntryAction::Post | EntryAction::Discard => {
                manual && self.status() == EntryStatus::Draft
            }
            EntryAction::Reverse => {
                manual && self.status() == EntryStatus::Posted && self.reversed_by_id.is_none()
            }
        }
    }

    /// Like [`Entry::permits`], with what stands in the way in words.
    pub fn check(&self, action: EntryAction) -> Result<(), DomainError> {
        if self.permits(action) {
            return Ok(());
        }
        let (number, status) = (&self.number, self.status().as_str());
        Err(DomainError::State(match action {
            EntryAction::Reverse if self.reversed_by_id.is_some() => {
                format!("{number} is already reversed")
            }
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

    /// The actions the holder of `permissions` may take now, in the order pages offer them.
    pub fn allowed_actions(&self, permissions: PermissionSet) -> Vec<EntryAction> {
        EntryAction::ALL
            .into_iter()
            .filter(|a| self.allows(*a, permissions))
            .collect()
    }

    /// Posts a manual draft: its lines must (still) balance. Returns the entry as posted by
    /// `by` at `at` (ms), one version on.
    pub fn post(self, by: Actor, at: i64) -> Result<Entry, DomainError> {
        self.check(EntryAction::Post)?;
        let lines = BalancedLines::new(self.lines.as_slice().to_vec())?;
        Ok(Entry {
            lines: EntryLines::Posted(lines),
            posted_by: Some(by),
            posted_at: Some(at),
            updated_at: at,
            version: self.version + 1,
            ..self
        })
    }

    /// The mirror image of its lines, which a reversal (or a document's void) posts. Only a
    /// posted entry has anything in the ledger to mirror.
    pub fn mirror(&self) -> Result<BalancedLines, DomainError> {
        self.lines
            .posted()
            .map(BalancedLines::reversed)
            .ok_or_else(|| {
                DomainError::State(format!(
                    "{} is {}; only posted entries can be reversed",
                    self.number,
                    self.status().as_str()
                ))
            })
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

    #[test]
    fn refuses_unbalanced_and_two_sided() {
        assert!(matches!(
            BalancedLines::new(vec![line(100, 0), line(0, 90)]),
            Err(DomainError::Unbalanced {
                debits: 100,
                credits: 90
            })
        ));
        assert!(BalancedLines::new(vec![line(100, 100), line(0, 0)]).is_err());
        assert!(BalancedLines::new(vec![line(100, 0)]).is_err());
        assert!(BalancedLines::new(vec![line(-5, 0), line(0, -5)]).is_err());
    }

    proptest! {
        #[test]
        fn any_accepted_set_balances_and_reversal_nets_to_zero(
            amounts in proptest::collection::vec((1i64..1_000_000_000, any::<bool>()), 1..20)
        ) {
            let mut lines: Vec<Line> = amounts.iter().map(|(a, d)| if *d { line(*a, 0) } else { line(0, *a) }).collect();
            let net: i64 = lines.iter().map(|l| l.debit - l.credit).sum();
            if net > 0 { lines.push(line(0, net)) } else if net < 0 { lines.push(line(-net, 0)) }
            if let Ok(b) = BalancedLines::new(lines) {
                let d: i64 = b.lines().iter().map(|l| l.debit).sum();
                let c: i64 = b.lines().iter().map(|l| l.credit).sum();
                prop_assert_eq!(d, c);
                let r = b.reversed();
                let net: i64 = b.lines().iter().chain(r.lines()).map(|l| l.debit - l.credit).sum();
                prop_assert_eq!(net, 0);
            }
        }
    }

    fn entry(status: EntryStatus, source: EntrySource, lines: Vec<Line>) -> Entry {
        Entry {
            id: EntryId::from_suffix("e1"),
            company_id: CompanyId::from_suffix("co"),
            number: "JE-0001".into(),
            date: NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
            memo: String::new(),
            source,
            source_id: None,
            reverses_id: None,
            reversed_by_id: None,
            lines: EntryLines::of_status(status, lines).unwrap(),
            created_by: Actor::System,
            posted_by: None,
            posted_at: None,
            created_at: 0,
            updated_at: 0,
            version: 1,
        }
    }

    fn at(status: EntryStatus, source: EntrySource, reversed: bool) -> Entry {
        Entry {
            reversed_by_id: reversed.then(|| EntryId::from_suffix("e2")),
            ..entry(status, source, vec![line(100, 0), line(0, 100)])
        }
    }

    #[test]
    fn entry_lifecycle_follows_status_and_source() {
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
        assert_eq!(
            posted.check(EntryAction::Edit).unwrap_err().to_string(),
            "journal entry JE-0001 is posted; posted entries are never edited, they are reversed"
        );
        let only_draft = PermissionSet::from_iter([Permission::JournalDraft]);
        assert!(
            draft.allows(EntryAction::Edit, only_draft)
                && !draft.allows(EntryAction::Post, only_draft)
        );
        let poster = PermissionSet::from_iter([Permission::JournalDraft, Permission::JournalPost]);
        assert_eq!(
            draft.allowed_actions(poster),
            vec![EntryAction::Edit, EntryAction::Post, EntryAction::Discard]
        );
        assert_eq!(
            draft.allowed_actions(only_draft),
            vec![EntryAction::Edit, EntryAction::Discard]
        );
        assert_eq!(posted.allowed_actions(poster), vec![EntryAction::Reverse]);
        assert_eq!(reversed.allowed_actions(poster), vec![]);
    }

    #[test]
    fn posted_lines_balance_by_type() {
        let unbalanced = vec![line(100, 0), line(0, 90)];
        assert!(matches!(
            EntryLines::of_status(EntryStatus::Posted, unbalanced.clone()),
            Err(DomainError::Unbalanced { .. })
        ));
        // Drafts and tombstones hold whatever was written; posting checks them.
        let draft = entry(EntryStatus::Draft, EntrySource::Manual, unbalanced.clone());
        assert_eq!(draft.status(), EntryStatus::Draft);
        assert_eq!(draft.lines(), unbalanced.as_slice());
        assert!(matches!(
            draft.post(Actor::System, 5),
            Err(DomainError::Unbalanced { .. })
        ));
        let gone = entry(EntryStatus::Discarded, EntrySource::Manual, unbalanced);
        assert_eq!(gone.status(), EntryStatus::Discarded);
        assert!(gone.lines.posted().is_none());
    }

    #[test]
    fn posting_a_draft_stamps_who_and_when() {
        let draft = at(EntryStatus::Draft, EntrySource::Manual, false);
        assert_eq!(draft.total(), 100);
        let posted = draft.clone().post(Actor::System, 7).unwrap();
        assert_eq!(posted.status(), EntryStatus::Posted);
        assert_eq!(
            (
                posted.posted_by.clone(),
                posted.posted_at,
                posted.updated_at,
                posted.version
            ),
            (Some(Actor::System), Some(7), 7, 2)
        );
        assert_eq!(posted.lines(), draft.lines());
        let again = at(EntryStatus::Posted, EntrySource::Manual, false);
        assert!(matches!(
            again.post(Actor::System, 8),
            Err(DomainError::State(_))
        ));
    }

    #[test]
    fn only_a_posted_entry_has_a_mirror() {
        let posted = at(EntryStatus::Posted, EntrySource::Invoice, false);
        let m = posted.mirror().unwrap();
        assert_eq!((m.lines()[0].debit, m.lines()[0].credit), (0, 100));
        assert_eq!(m.total(), posted.total());
        assert_eq!(
            at(EntryStatus::Draft, EntrySource::Manual, false)
                .mirror()
                .unwrap_err()
                .to_string(),
            "JE-0001 is draft; only posted entries can be reversed"
        );
    }
}
