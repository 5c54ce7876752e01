//! Scalars of the contract whose wire form we control exactly.
use async_graphql::parser::types::Field;
use async_graphql::registry::Registry;
use async_graphql::{
    ContextSelectionSet, InputValueError, InputValueResult, OutputType, Positioned, Scalar,
    ScalarType, ServerError, ServerResult, Value,
};
use chrono::NaiveDate;
use loyalty_domain::money::written;
use rust_decimal::Decimal;
use std::borrow::Cow;

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
/// because a binary float has already lost the digits we would need to keep. Strings
/// are read by the rule the CSV import follows too (`money::written`): `"1.250.000"` is
/// 1250000, `"250,000"` is refused as ambiguous, and the decimal places are kept as
/// written so that a VND field can refuse `"250.000"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dec(pub Decimal);

#[Scalar(name = "Decimal")]
impl ScalarType for Dec {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => written::parse("", s)
                .map(Dec)
                .map_err(|e| InputValueError::custom(e.to_string())),
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

/// A GraphQL `Int` (32 bits) from a 64-bit count or amount, converted when it is sent:
/// a value beyond 32 bits is an `INTERNAL` error on its field, never a truncated number.
/// The bounds on what clients send and import (docs/limits.md) keep balances and counts
/// far below 2^31; this is the check that they did. The schema sees the built-in `Int`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Int32(pub i64);

impl From<i64> for Int32 {
    fn from(v: i64) -> Self {
        Int32(v)
    }
}

impl From<u64> for Int32 {
    fn from(v: u64) -> Self {
        Int32(i64::try_from(v).unwrap_or(i64::MAX))
    }
}

impl From<usize> for Int32 {
    fn from(v: usize) -> Self {
        Int32(i64::try_from(v).unwrap_or(i64::MAX))
    }
}

impl OutputType for Int32 {
    fn type_name() -> Cow<'static, str> {
        <i32 as OutputType>::type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        <i32 as OutputType>::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        match i32::try_from(self.0) {
            Ok(v) => Ok(Value::Number(v.into())),
            Err(_) => {
                let name = field.node.name.node.as_str();
                tracing::error!(field = name, value = self.0, "value beyond GraphQL Int");
                let mut e = ServerError::new(
                    format!("{name} is {}, beyond the 32 bits of a GraphQL Int", self.0),
                    Some(field.pos),
                );
                e.extensions
                    .get_or_insert_with(Default::default)
                    .set("code", crate::error::Code::Internal.as_str());
                Err(ctx.set_error_path(e))
            }
        }
    }
}

/// `Long`: a whole number that may exceed 32 bits, as a JSON number (exact up to 2^53),
/// for totals outside the contract that can legitimately grow that large.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Long(pub i64);

#[Scalar(name = "Long")]
impl ScalarType for Long {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::Number(n) => n
                .as_i64()
                .map(Long)
                .ok_or_else(|| InputValueError::custom("expected a whole number")),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::Number(self.0.into())
    }
}
