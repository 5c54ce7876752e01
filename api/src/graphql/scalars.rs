//! Scalars of the contract whose wire form we control exactly.
use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::str::FromStr;

/// `Date`: a calendar day, `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Date(pub NaiveDate);

#[Scalar(name = "Date")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(Date)
                .map_err(|_| InputValueError::custom(format!("'{s}' is not a YYYY-MM-DD date"))),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format("%Y-%m-%d").to_string())
    }
}

/// `Decimal`: an exact decimal number serialised as a string ("125000").
///
/// Integers are also accepted as JSON numbers; fractional JSON numbers are refused,
/// because a binary float has already lost the digits we would need to keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dec(pub Decimal);

#[Scalar(name = "Decimal")]
impl ScalarType for Dec {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => Decimal::from_str(s.trim())
                .map(Dec)
                .map_err(|_| InputValueError::custom(format!("'{s}' is not a decimal number"))),
            Value::Number(n) => n.as_i64().map(|i| Dec(Decimal::from(i))).ok_or_else(|| {
                InputValueError::custom("send fractional decimals as strings, e.g. \"12.5\"")
            }),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.normalize().to_string())
    }
}

impl From<Decimal> for Dec {
    fn from(d: Decimal) -> Self {
        Dec(d)
    }
}

impl From<i64> for Dec {
    fn from(v: i64) -> Self {
        Dec(Decimal::from(v))
    }
}
