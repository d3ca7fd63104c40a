//! Exact money: integer minor units with their currency. Parsing and formatting go through
//! decimal strings so that no float ever touches an amount.

use crate::DomainError;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use std::fmt;

/// An ISO 4217 currency code with the number of digits of its minor unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency {
    code: [u8; 3],
    exponent: u8,
}

/// Currencies whose minor unit is not two digits (ISO 4217); all others default to 2.
const EXPONENTS: &[(&str, u8)] = &[
    ("BHD", 3),
    ("BIF", 0),
    ("CLP", 0),
    ("DJF", 0),
    ("GNF", 0),
    ("IQD", 3),
    ("ISK", 0),
    ("JOD", 3),
    ("JPY", 0),
    ("KMF", 0),
    ("KRW", 0),
    ("KWD", 3),
    ("LYD", 3),
    ("OMR", 3),
    ("PYG", 0),
    ("RWF", 0),
    ("TND", 3),
    ("UGX", 0),
    ("UYI", 0),
    ("VND", 0),
    ("VUV", 0),
    ("XAF", 0),
    ("XOF", 0),
    ("XPF", 0),
];

impl Currency {
    /// Parses a three-letter upper-case code.
    pub fn parse(code: &str) -> Result<Self, DomainError> {
        let b = code.as_bytes();
        if b.len() != 3 || !b.iter().all(u8::is_ascii_uppercase) {
            return Err(DomainError::invalid(
                "currency",
                "must be a three-letter ISO 4217 code such as EUR",
            ));
        }
        let exponent = EXPONENTS
            .iter()
            .find(|(c, _)| *c == code)
            .map_or(2, |(_, e)| *e);
        Ok(Self {
            code: [b[0], b[1], b[2]],
            exponent,
        })
    }

    /// The code, e.g. `EUR`.
    pub fn code(&self) -> &str {
        std::str::from_utf8(&self.code).unwrap_or("XXX")
    }

    /// Digits after the decimal point.
    pub fn exponent(&self) -> u8 {
        self.exponent
    }

    /// Converts a decimal amount to minor units, rounding half away from zero.
    pub fn to_minor(&self, amount: Decimal) -> Result<i64, DomainError> {
        let scaled = amount
            .checked_mul(Decimal::from(10i64.pow(u32::from(self.exponent))))
            .ok_or(DomainError::Overflow)?
            .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero);
        i64::try_from(scaled).map_err(|_| DomainError::Overflow)
    }

    /// Parses a decimal string (`"1234.50"`) that must not have more digits than the minor unit.
    pub fn parse_amount(&self, s: &str) -> Result<i64, DomainError> {
        let d: Decimal = s.trim().parse().map_err(|_| {
            DomainError::invalid("amount", "must be a decimal string such as \"1234.50\"")
        })?;
        if d.scale() > u32::from(self.exponent) {
            return Err(DomainError::invalid(
                "amount",
                format!(
                    "{} allows at most {} decimal places",
                    self.code(),
                    self.exponent
                ),
            ));
        }
        self.to_minor(d)
    }

    /// Formats minor units as a plain decimal string (`"-12.30"`).
    pub fn format(&self, minor: i64) -> String {
        Decimal::new(minor, u32::from(self.exponent)).to_string()
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl TryFrom<String> for Currency {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> String {
        c.code().to_owned()
    }
}

/// An amount in one currency, in integer minor units.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Money {
    /// Minor units (cents for EUR).
    pub minor: i64,
    /// The currency of `minor`.
    pub currency: Currency,
}

impl Money {
    /// Builds an amount.
    pub fn new(minor: i64, currency: Currency) -> Self {
        Self { minor, currency }
    }

    /// Adds two amounts of the same currency.
    pub fn checked_add(self, other: Money) -> Result<Money, DomainError> {
        if self.currency != other.currency {
            return Err(DomainError::CurrencyMismatch(
                self.currency.to_string(),
                other.currency.to_string(),
            ));
        }
        let minor = self
            .minor
            .checked_add(other.minor)
            .ok_or(DomainError::Overflow)?;
        Ok(Money::new(minor, self.currency))
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.currency.format(self.minor), self.currency)
    }
}

/// On the wire an amount is a decimal string; its currency travels alongside in the
/// enclosing object (`"amount": "1234.50", "currency": "EUR"`).
impl Serialize for Money {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.currency.format(self.minor))
    }
}

#[cfg(feature = "schemars")]
impl schemars::JsonSchema for Money {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Amount".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^-?[0-9]+(\\.[0-9]+)?$",
            "description": "Exact decimal amount as a string (\"1234.50\"), in the currency given alongside.",
        })
    }
}

#[cfg(feature = "schemars")]
impl schemars::JsonSchema for Currency {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Currency".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^[A-Z]{3}$",
            "description": "ISO 4217 currency code.",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eur() -> Currency {
        Currency::parse("EUR").unwrap()
    }

    #[test]
    fn parses_and_formats_exactly() {
        assert_eq!(eur().parse_amount("1234.50").unwrap(), 123450);
        assert_eq!(eur().format(123450), "1234.50");
        assert_eq!(eur().format(-5), "-0.05");
        assert!(eur().parse_amount("1.005").is_err());
        assert!(eur().parse_amount("abc").is_err());
        let jpy = Currency::parse("JPY").unwrap();
        assert_eq!(jpy.parse_amount("1500").unwrap(), 1500);
        assert!(jpy.parse_amount("1.5").is_err());
    }

    #[test]
    fn rounds_half_away_from_zero() {
        assert_eq!(eur().to_minor("0.125".parse().unwrap()).unwrap(), 13);
        assert_eq!(eur().to_minor("-0.125".parse().unwrap()).unwrap(), -13);
        assert_eq!(eur().to_minor("0.124".parse().unwrap()).unwrap(), 12);
    }

    #[test]
    fn rejects_bad_codes() {
        assert!(Currency::parse("eur").is_err());
        assert!(Currency::parse("EURO").is_err());
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            /// Whatever the network sends as an amount: a value or a clear error, never a panic.
            #[test]
            fn amounts_parse_or_refuse(s in "\\PC{0,40}|[+-]?[0-9]{0,30}(\\.[0-9]{0,30})?(e[+-]?[0-9]{1,4})?") {
                let _ = eur().parse_amount(&s);
                let _ = Currency::parse(&s);
            }

            /// Every amount the API prints reads back as the same minor units.
            #[test]
            fn format_round_trips(minor in any::<i64>()) {
                let c = eur();
                prop_assert_eq!(c.parse_amount(&c.format(minor)), Ok(minor));
            }
        }

        #[test]
        fn regressions() {
            for s in [
                "1e400",
                "-0.000",
                "79228162514264337593543950336",
                "1.005",
                "\u{0}",
            ] {
                let _ = eur().parse_amount(s);
            }
            assert!(eur().parse_amount("1.005").is_err());
        }
    }
}
