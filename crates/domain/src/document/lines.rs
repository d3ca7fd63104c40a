//! A document's lines: quantity × unit price with tax per line (half away from zero), the
//! totals, and the balanced entry an approved document posts.

use super::DocumentKind;
use crate::DomainError;
use crate::ids::{AccountId, ContactId};
use crate::journal::{BalancedLines, Line};
use crate::money::Currency;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// A line as entered: quantity × unit price, an account and a tax rate in percent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineInput {
    /// What was sold or bought.
    pub description: String,
    /// Quantity (may be fractional, e.g. hours).
    pub quantity: Decimal,
    /// Price of one unit, in the document currency (negative for a discount line).
    pub unit_price: Decimal,
    /// Revenue account (invoices) or expense/asset account (bills, expenses).
    pub account_id: AccountId,
    /// Tax rate in percent (`20` for 20 %).
    pub tax_rate: Decimal,
}

/// A line with its computed amounts in minor units.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComputedLine {
    /// The line as entered.
    #[serde(flatten)]
    pub input: LineInput,
    /// quantity × unit price, rounded half away from zero.
    pub net: i64,
    /// net × tax rate, rounded half away from zero.
    pub tax: i64,
}

/// Totals of a document.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    /// Sum of line nets.
    pub subtotal: i64,
    /// Sum of line taxes.
    pub tax: i64,
    /// subtotal + tax.
    pub total: i64,
}

/// Maximum lines of one document.
pub const MAX_DOCUMENT_LINES: usize = 200;

/// Computes line amounts and totals; refuses lines that cannot be posted.
pub fn compute_lines(
    lines: Vec<LineInput>,
    currency: Currency,
) -> Result<(Vec<ComputedLine>, Totals), DomainError> {
    if lines.is_empty() {
        return Err(DomainError::invalid(
            "lines",
            "a document needs at least one line",
        ));
    }
    if lines.len() > MAX_DOCUMENT_LINES {
        return Err(DomainError::invalid(
            "lines",
            format!("at most {MAX_DOCUMENT_LINES} lines"),
        ));
    }
    let hundred = Decimal::ONE_HUNDRED;
    let mut totals = Totals::default();
    let mut out = Vec::with_capacity(lines.len());
    for (i, input) in lines.into_iter().enumerate() {
        let field = |f: &str| format!("lines[{i}].{f}");
        if input.description.trim().is_empty() || input.description.chars().count() > 1000 {
            return Err(DomainError::invalid(
                field("description"),
                "required, at most 1000 characters",
            ));
        }
        if input.quantity <= Decimal::ZERO {
            return Err(DomainError::invalid(
                field("quantity"),
                "must be greater than zero",
            ));
        }
        if input.tax_rate < Decimal::ZERO || input.tax_rate > hundred {
            return Err(DomainError::invalid(
                field("tax_rate"),
                "must be a percentage between 0 and 100",
            ));
        }
        let net_dec = input
            .quantity
            .checked_mul(input.unit_price)
            .ok_or(DomainError::Overflow)?;
        let net = currency.to_minor(net_dec)?;
        let exact_net = Decimal::new(net, u32::from(currency.exponent()));
        let tax = currency.to_minor(
            exact_net
                .checked_mul(input.tax_rate)
                .ok_or(DomainError::Overflow)?
                / hundred,
        )?;
        totals.subtotal = totals
            .subtotal
            .checked_add(net)
            .ok_or(DomainError::Overflow)?;
        totals.tax = totals.tax.checked_add(tax).ok_or(DomainError::Overflow)?;
        out.push(ComputedLine { input, net, tax });
    }
    totals.total = totals
        .subtotal
        .checked_add(totals.tax)
        .ok_or(DomainError::Overflow)?;
    if totals.total <= 0 {
        return Err(DomainError::invalid(
            "lines",
            "the document total must be greater than zero",
        ));
    }
    Ok((out, totals))
}

/// The accounts a document posts against besides its line accounts.
#[derive(Clone, Debug)]
pub struct PostingAccounts {
    /// Accounts receivable (invoices), accounts payable (bills) or the bank/card paid from (expenses).
    pub counter: AccountId,
    /// Sales tax.
    pub tax: AccountId,
}

/// Builds the balanced entry an approved document posts.
///
/// Invoice: Dr receivable total / Cr revenue nets / Cr tax. Bill and expense: Dr line nets,
/// Dr tax / Cr payable (bill) or bank (expense). Negative lines (discounts) flip side.
pub fn posting_lines(
    kind: DocumentKind,
    lines: &[ComputedLine],
    totals: Totals,
    accounts: &PostingAccounts,
    contact: Option<&ContactId>,
    memo: &str,
) -> Result<BalancedLines, DomainError> {
    // +1: the line is on the document's "income side" (credit for invoices, debit otherwise).
    let sales = kind == DocumentKind::Invoice;
    let mk = |account: &AccountId, amount: i64, description: &str, income_side: bool| {
        let credit_side = income_side == sales;
        let (debit, credit) = match (credit_side, amount >= 0) {
            (true, true) => (0, amount),
            (true, false) => (-amount, 0),
            (false, true) => (amount, 0),
            (false, false) => (0, -amount),
        };
        Line {
            account_id: account.clone(),
            description: description.to_owned(),
            contact_id: contact.cloned(),
            debit,
            credit,
        }
    };
    let mut out = Vec::with_capacity(lines.len() + 2);
    out.push(mk(&accounts.counter, totals.total, memo, false));
    for l in lines.iter().filter(|l| l.net != 0) {
        out.push(mk(&l.input.account_id, l.net, &l.input.description, true));
    }
    if totals.tax != 0 {
        out.push(mk(&accounts.tax, totals.tax, "Sales tax", true));
    }
    BalancedLines::new(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn eur() -> Currency {
        Currency::parse("EUR").unwrap()
    }

    fn li(q: &str, p: &str, rate: &str) -> LineInput {
        LineInput {
            description: "Work".into(),
            quantity: q.parse().unwrap(),
            unit_price: p.parse().unwrap(),
            account_id: AccountId::from_suffix("rev"),
            tax_rate: rate.parse().unwrap(),
        }
    }

    #[test]
    fn computes_tax_per_line_half_away_from_zero() {
        // 3 × 0.35 = 1.05; 1.05 × 7.5 % = 0.07875 → 0.08
        let (lines, t) =
            compute_lines(vec![li("3", "0.35", "7.5"), li("1.5", "100", "20")], eur()).unwrap();
        assert_eq!(lines[0].net, 105);
        assert_eq!(lines[0].tax, 8);
        assert_eq!(lines[1].net, 15000);
        assert_eq!(lines[1].tax, 3000);
        assert_eq!(
            t,
            Totals {
                subtotal: 15105,
                tax: 3008,
                total: 18113
            }
        );
    }

    #[test]
    fn refuses_bad_lines() {
        assert!(compute_lines(vec![], eur()).is_err());
        assert!(compute_lines(vec![li("0", "1", "0")], eur()).is_err());
        assert!(compute_lines(vec![li("1", "1", "101")], eur()).is_err());
        assert!(compute_lines(vec![li("1", "-1", "0")], eur()).is_err());
    }

    #[test]
    fn invoice_posting_balances_with_discount() {
        let (lines, t) =
            compute_lines(vec![li("1", "100", "20"), li("1", "-10", "20")], eur()).unwrap();
        let acc = PostingAccounts {
            counter: AccountId::from_suffix("ar"),
            tax: AccountId::from_suffix("tax"),
        };
        let e = posting_lines(DocumentKind::Invoice, &lines, t, &acc, None, "INV-1").unwrap();
        assert_eq!(e.total(), 10800 + 1000);
        assert_eq!(e.lines()[0].debit, 10800);
    }

    proptest! {
        #[test]
        fn every_document_posts_balanced(
            raw in proptest::collection::vec((1u32..1000, 0i64..1_000_000, 0u32..2500), 1..12),
            kind in prop_oneof![Just(DocumentKind::Invoice), Just(DocumentKind::Bill), Just(DocumentKind::Expense)],
        ) {
            let inputs: Vec<LineInput> = raw.iter().map(|(q, p, r)| LineInput {
                description: "x".into(),
                quantity: Decimal::new(i64::from(*q), 1),
                unit_price: Decimal::new(*p, 2),
                account_id: AccountId::from_suffix("l"),
                tax_rate: Decimal::new(i64::from(*r), 2),
            }).collect();
            if let Ok((lines, t)) = compute_lines(inputs, eur()) {
                let acc = PostingAccounts { counter: AccountId::from_suffix("c"), tax: AccountId::from_suffix("t") };
                let e = posting_lines(kind, &lines, t, &acc, None, "m").unwrap();
                prop_assert_eq!(e.total(), t.total.max(0) + lines.iter().filter(|l| l.net < 0).map(|l| -l.net).sum::<i64>());
            }
        }
    }
}
