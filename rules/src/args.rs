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
    /// A list of ids or names (strings): products, groups, tiers, segments, channels,
    /// weekdays; the argument's description says which.
    Ids,
    /// A date, `YYYY-MM-DD` (shop time).
    Date,
    /// A time of day, `HH:MM` (shop time).
    Time,
    /// A list of thresholds with a discount each (`[{"min": "500000", "percent": "5"}]`;
    /// the kind's description says which keys).
    Steps,
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
        Some(v) => decimal_value(v)
            .map(Some)
            .map_err(|p| invalid(kind, arg, p)),
    }
}

/// A decimal written as a string ("20000", "2.5") or a whole JSON number, or what is
/// wrong with it; for arguments nested in lists (a tiered offer's steps) too.
pub fn decimal_value(v: &Value) -> Result<Decimal, String> {
    match v {
        Value::String(s) => {
            Decimal::from_str(s.trim()).map_err(|_| format!("'{s}' is not a decimal number"))
        }
        Value::Number(n) => n
            .as_i64()
            .map(Decimal::from)
            .ok_or_else(|| "must be a whole number or a decimal string".to_owned()),
        other => Err(format!("must be a decimal, got {other}")),
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

/// Most ids one list argument may name, and most characters of one id (the bound cart
/// lines' product and group ids have).
pub const MAX_IDS: usize = 100;
/// Most characters of one id.
pub const MAX_ID_CHARS: usize = 100;

/// Reads a list of ids (`["A", "B"]`); `None` if absent. Ids are trimmed; a list must
/// name 1 to [`MAX_IDS`] ids of 1 to [`MAX_ID_CHARS`] characters.
pub fn ids(
    kind: &'static str,
    args: &Args,
    arg: &'static str,
) -> Result<Option<Vec<String>>, RuleError> {
    let list = match args.get(arg) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Array(list)) => list,
        Some(other) => {
            return Err(invalid(
                kind,
                arg,
                format!("must be a list of ids, got {other}"),
            ));
        }
    };
    if list.is_empty() || list.len() > MAX_IDS {
        return Err(invalid(
            kind,
            arg,
            format!("must name 1 to {MAX_IDS} ids, got {}", list.len()),
        ));
    }
    list.iter()
        .map(|v| match v.as_str().map(str::trim) {
            Some(id) if !id.is_empty() && id.chars().count() <= MAX_ID_CHARS => Ok(id.to_owned()),
            _ => Err(invalid(
                kind,
                arg,
                format!("ids have 1 to {MAX_ID_CHARS} characters, got {v}"),
            )),
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn args(v: Value) -> Args {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn ids_are_bounded_trimmed_strings() {
        assert_eq!(
            ids("k", &args(json!({"x": [" A ", "B"]})), "x"),
            Ok(Some(vec!["A".to_owned(), "B".to_owned()]))
        );
        assert_eq!(ids("k", &args(json!({})), "x"), Ok(None));
        let long = "x".repeat(MAX_ID_CHARS + 1);
        let many: Vec<String> = (0..=MAX_IDS).map(|i| i.to_string()).collect();
        for bad in [
            json!({"x": []}),
            json!({"x": "A"}),
            json!({"x": [1]}),
            json!({"x": [" "]}),
            json!({"x": [long]}),
            json!({"x": many}),
        ] {
            assert!(ids("k", &args(bad.clone()), "x").is_err(), "{bad}");
        }
    }
}
