//! Rule arguments as stored (`{kind, args}` JSON) and their declared shapes.
use crate::error::RuleError;
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::Value;
use std::str::FromStr;

/// A rule's arguments: a JSON object. Decimals travel as strings ("20000").
pub type Args = serde_json::Map<String, Value>;

/// The type of an argument, for admin UIs listing the rule kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ArgType {
    /// An exact decimal (money or percent), as a string.
    Decimal,
    /// A whole number.
    Integer,
    /// true or false.
    Boolean,
}

/// One declared argument of a rule kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ArgSpec {
    /// Its name in `args`.
    pub name: &'static str,
    /// Its type.
    pub ty: ArgType,
    /// Whether it must be given.
    pub required: bool,
    /// What it means.
    pub description: &'static str,
}

fn invalid(kind: &'static str, arg: &'static str, problem: impl Into<String>) -> RuleError {
    RuleError::Invalid {
        kind,
        arg,
        problem: problem.into(),
    }
}

/// Reads a decimal argument; `None` if absent.
pub fn decimal(
    kind: &'static str,
    args: &Args,
    arg: &'static str,
) -> Result<Option<Decimal>, RuleError> {
    match args.get(arg) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Decimal::from_str(s.trim())
            .map(Some)
            .map_err(|_| invalid(kind, arg, format!("'{s}' is not a decimal number"))),
        Some(Value::Number(n)) => n
            .as_i64()
            .map(|i| Some(Decimal::from(i)))
            .ok_or_else(|| invalid(kind, arg, "must be a whole number or a decimal string")),
        Some(other) => Err(invalid(
            kind,
            arg,
            format!("must be a decimal, got {other}"),
        )),
    }
}

/// Reads a required decimal argument.
pub fn required_decimal(
    kind: &'static str,
    args: &Args,
    arg: &'static str,
) -> Result<Decimal, RuleError> {
    decimal(kind, args, arg)?.ok_or(RuleError::Missing { kind, arg })
}

/// Reads an integer argument; `None` if absent.
pub fn integer(
    kind: &'static str,
    args: &Args,
    arg: &'static str,
) -> Result<Option<i64>, RuleError> {
    match args.get(arg) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .map(Some)
            .ok_or_else(|| invalid(kind, arg, "must be a whole number")),
        Some(other) => Err(invalid(
            kind,
            arg,
            format!("must be a whole number, got {other}"),
        )),
    }
}

/// Reads a boolean argument; `None` if absent.
pub fn boolean(
    kind: &'static str,
    args: &Args,
    arg: &'static str,
) -> Result<Option<bool>, RuleError> {
    match args.get(arg) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(other) => Err(invalid(
            kind,
            arg,
            format!("must be true or false, got {other}"),
        )),
    }
}

/// Refuses arguments the kind does not declare, so a typo is not silently ignored.
pub fn only(kind: &'static str, args: &Args, specs: &[ArgSpec]) -> Result<(), RuleError> {
    match args
        .keys()
        .find(|k| !specs.iter().any(|s| s.name == k.as_str()))
    {
        Some(extra) => Err(RuleError::Offer(format!(
            "{kind}: unknown argument '{extra}'"
        ))),
        None => Ok(()),
    }
}

/// Checks a money amount: whole VND, above zero.
pub fn positive_vnd(
    kind: &'static str,
    arg: &'static str,
    v: Decimal,
) -> Result<Decimal, RuleError> {
    if v <= Decimal::ZERO {
        return Err(invalid(kind, arg, "must be above 0"));
    }
    if !v.fract().is_zero() {
        return Err(invalid(kind, arg, "must be a whole number of VND"));
    }
    Ok(v)
}
