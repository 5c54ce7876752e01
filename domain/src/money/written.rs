//! How a number written by a person is read: the one rule that the API's `Decimal`
//! inputs and the CSV import share, so that the same text never means two amounts.
//!
//! A written number is an optional `-` and then either
//! - digits with at most one `.` as the decimal point (`250000`, `12.5`), or
//! - digits grouped by threes with one kind of separator, `.` or `,`, used at least
//!   twice (`1.250.000`, `1,250,000`): a number has at most one decimal point, so two
//!   separators can only be thousands.
//!
//! Nothing else is a number: a single `,` (`250,000`: thousands to an English reader,
//! a decimal comma to a Vietnamese one), mixed separators (`1.250,50`), spaces,
//! exponents. A single `.` is a decimal point; where the amount must be whole (VND,
//! points, counts) any decimal part is refused, zero or not, with the whole number the
//! sender most likely meant (`250.000`: "did you mean 250000?").
use crate::{DomainError, Result};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use std::str::FromStr;

/// What a whole number counts, for the words of a refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Vietnamese đồng, which have no minor unit.
    Vnd,
    /// Reward points.
    Points,
    /// A count of things (orders).
    Count,
}

impl Unit {
    fn has_no_decimals(self) -> &'static str {
        match self {
            Unit::Vnd => "VND has no decimals",
            Unit::Points => "points are whole",
            Unit::Count => "a count is whole",
        }
    }
}

/// Reads `raw` by the rule above, keeping the decimal places as written (`250.000`
/// has three), so that [`whole`] can tell a written decimal part from none.
pub fn parse(field: &str, raw: &str) -> Result<Decimal> {
    let t = raw.trim();
    let (negative, body) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t),
    };
    let digits_only = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let plain = match body.split_once('.') {
        Some((int, frac)) => digits_only(int) && digits_only(frac),
        None => digits_only(body),
    };
    let text = if plain {
        body.to_owned()
    } else if let Some(joined) = thousands(body) {
        joined
    } else if let Some(joined) = single_comma_group(body) {
        return Err(DomainError::invalid(
            field,
            format!(
                "'{raw}' is ambiguous (a single ',' may group thousands or mark decimals); did you mean {joined}?"
            ),
        ));
    } else {
        return Err(DomainError::invalid(
            field,
            format!(
                "'{raw}' is not a number: write digits, with '.' as the decimal point, or group thousands by two or more '.' or ',' (1.250.000)"
            ),
        ));
    };
    let value = Decimal::from_str(&text)
        .map_err(|_| DomainError::invalid(field, format!("'{raw}' is too large")))?;
    Ok(if negative { -value } else { value })
}

/// The digits of `body` when it is grouped by threes with one separator used at least
/// twice; `None` otherwise.
fn thousands(body: &str) -> Option<String> {
    let sep = body.chars().find(|c| *c == '.' || *c == ',')?;
    let groups: Vec<&str> = body.split(sep).collect();
    let well_formed = groups.len() >= 3
        && groups.iter().enumerate().all(|(i, g)| {
            g.bytes().all(|b| b.is_ascii_digit())
                && if i == 0 {
                    (1..=3).contains(&g.len())
                } else {
                    g.len() == 3
                }
        });
    well_formed.then(|| groups.concat())
}

/// The digits of `body` when it is one group of thousands after a single `,`
/// (`250,000`), which a reader may take either way.
fn single_comma_group(body: &str) -> Option<String> {
    let (int, frac) = body.split_once(',')?;
    let ok = (1..=3).contains(&int.len())
        && frac.len() == 3
        && int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit());
    ok.then(|| format!("{int}{frac}"))
}

/// `amount` as a whole number of `unit`: an amount written with decimal places is
/// refused, even `.00`, with the whole number the sender most likely meant.
pub fn whole(field: &str, amount: Decimal, unit: Unit) -> Result<i64> {
    refuse_decimals(field, amount, unit)?;
    amount
        .to_i64()
        .ok_or_else(|| DomainError::invalid(field, format!("{amount} is out of range")))
}

/// Refuses an amount written with decimal places (see [`whole`]).
pub fn refuse_decimals(field: &str, amount: Decimal, unit: Unit) -> Result<()> {
    if amount.scale() == 0 {
        return Ok(());
    }
    Err(DomainError::invalid(
        field,
        format!(
            "'{amount}': {}; did you mean {}?",
            unit.has_no_decimals(),
            meant(amount)
        ),
    ))
}

/// The whole number a sender most likely meant by `amount`: three places after one to
/// three digits read as Vietnamese thousands (`250.000`: 250000), anything else without
/// its decimal part (`250000.50`: 250000).
fn meant(amount: Decimal) -> Decimal {
    let int = amount.trunc().abs();
    if amount.scale() == 3 && int < Decimal::from(1000) {
        Decimal::from_i128_with_scale(amount.mantissa(), 0)
    } else {
        amount.trunc().normalize()
    }
}

/// One example of the rule: what a VND field makes of `input`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Example {
    /// The text as sent (a GraphQL string or a CSV cell).
    pub input: String,
    /// The whole VND it reads as, or `Err` with words the refusal contains.
    pub outcome: std::result::Result<i64, String>,
}

/// The examples of the rule, one table that the parser's unit test, the API's end-to-end
/// test and the import's test all run (`written_amounts.tsv` beside this file).
pub fn examples() -> Vec<Example> {
    include_str!("written_amounts.tsv")
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once('\t'))
        .map(|(input, outcome)| Example {
            input: input.to_owned(),
            outcome: match outcome.trim().strip_prefix("refused:") {
                Some(words) => Err(words.trim().to_owned()),
                None => outcome
                    .trim()
                    .parse()
                    .map_err(|_| format!("bad example outcome '{outcome}'")),
            },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn as_vnd(raw: &str) -> Result<i64> {
        let amount = parse("amount", raw)?;
        let vnd = whole("amount", amount, Unit::Vnd)?;
        if vnd < 0 {
            return Err(DomainError::invalid("amount", "must not be negative"));
        }
        Ok(vnd)
    }

    #[test]
    fn the_shared_examples_read_as_the_table_says() {
        let examples = examples();
        assert!(examples.len() >= 15, "the table was not read");
        for e in examples {
            match (&e.outcome, as_vnd(&e.input)) {
                (Ok(want), Ok(got)) => assert_eq!(*want, got, "{:?}", e.input),
                (Err(words), Err(err)) => assert!(
                    err.to_string().contains(words.as_str()),
                    "{:?}: '{err}' lacks '{words}'",
                    e.input
                ),
                (want, got) => panic!("{:?}: wanted {want:?}, got {got:?}", e.input),
            }
        }
    }

    #[test]
    fn decimals_stay_readable_where_they_are_allowed() {
        assert_eq!(parse("p", "12.5").ok(), Some(Decimal::new(125, 1)));
        assert_eq!(parse("p", "-3").ok(), Some(Decimal::from(-3)));
        assert!(parse("p", "12,5").is_err());
        assert!(parse("p", "99999999999999999999999999999999").is_err());
    }

    #[test]
    fn the_hint_names_the_unit() {
        let e = whole("opening_points", Decimal::new(1500, 3), Unit::Points);
        assert!(e.is_err_and(|e| {
            e.to_string()
                .contains("points are whole; did you mean 1500?")
        }));
    }
}
