//! A batch's rows of one table as PostgreSQL array literals, one text parameter a
//! column, for `unnest` in a statement run through sea-orm.
//!
//! The order batches bind typed arrays straight to sqlx (`orders::record_pg::columns`),
//! which only works outside a sea-orm transaction; sea-orm's own values cannot carry an
//! array with NULLs in it. A writer that must stay inside a `DatabaseTransaction` (the
//! opening import, whose batch, events and audit row commit together) sends each column
//! as the text of an array instead (`{"a","b",NULL}`), cast by the statement to the
//! column's array type: one parameter a column whatever the batch's size, so a batch of
//! thousands of rows is one statement and one plan, far from the bound-parameter limit.
use crate::sql_columns::Shape;
use crate::{DomainError, Result};
use chrono::SecondsFormat;
use sea_orm::{
    ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait, Iterable, ModelTrait, Statement,
    Value,
};

/// Rows of one shape, each column as the text of a PostgreSQL array.
#[derive(Debug)]
pub(crate) struct Literals {
    columns: Vec<String>,
    rows: usize,
}

impl Literals {
    /// No rows yet, of `shape`.
    pub(crate) fn new(shape: &Shape) -> Self {
        Self {
            columns: vec![String::from("{"); shape.len()],
            rows: 0,
        }
    }

    /// Adds a row given as one value per column, in the shape's order.
    pub(crate) fn push(&mut self, row: impl IntoIterator<Item = Value>) -> Result<()> {
        let first = self.rows == 0;
        let mut columns = self.columns.iter_mut();
        for value in row {
            let column = columns.next().ok_or_else(|| {
                DomainError::Internal("a row has more values than columns".into())
            })?;
            if !first {
                column.push(',');
            }
            element(column, value)?;
        }
        if columns.next().is_some() {
            return Err(DomainError::Internal(
                "a row has fewer values than columns".into(),
            ));
        }
        self.rows += 1;
        Ok(())
    }

    /// Adds an entity's row (a shape made by [`Shape::of_entity`] for its entity).
    pub(crate) fn push_model<M: ModelTrait>(&mut self, model: &M) -> Result<()> {
        self.push(<M::Entity as EntityTrait>::Column::iter().map(|c| model.get(c)))
    }

    /// The columns as parameters, in the shape's order.
    pub(crate) fn into_values(self) -> Vec<Value> {
        self.columns
            .into_iter()
            .map(|mut c| {
                c.push('}');
                Value::from(c)
            })
            .collect()
    }
}

/// Appends one value as an array element: `NULL`, or the value's text in double quotes
/// (inside which only `"` and `\` are escaped), the form every element type reads.
fn element(out: &mut String, value: Value) -> Result<()> {
    let text = match value {
        Value::Uuid(Some(v)) => v.to_string(),
        Value::String(Some(v)) => v,
        Value::BigInt(Some(v)) => v.to_string(),
        Value::Int(Some(v)) => v.to_string(),
        Value::Bool(Some(v)) => (if v { "t" } else { "f" }).to_owned(),
        // Microseconds, cut as sqlx cuts them when it binds a time, so that a row written
        // here is the row the other write paths would have stored.
        Value::ChronoDateTimeUtc(Some(v)) => v.to_rfc3339_opts(SecondsFormat::Micros, true),
        Value::ChronoDate(Some(v)) => v.format("%Y-%m-%d").to_string(),
        Value::Uuid(None)
        | Value::String(None)
        | Value::BigInt(None)
        | Value::Int(None)
        | Value::Bool(None)
        | Value::ChronoDateTimeUtc(None)
        | Value::ChronoDate(None) => {
            out.push_str("NULL");
            return Ok(());
        }
        other => {
            return Err(DomainError::Internal(format!(
                "a value with no array literal: {other:?}"
            )));
        }
    };
    out.push('"');
    // Most values hold neither character: copied whole, not char by char.
    if text.contains(['"', '\\']) {
        for c in text.chars() {
            if c == '"' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
    } else {
        out.push_str(&text);
    }
    out.push('"');
    Ok(())
}

/// Strings as one `text[]` parameter's literal, for `= ANY ($n::text[])`.
pub(crate) fn text_array<'a>(items: impl IntoIterator<Item = &'a str>) -> Value {
    let mut out = String::from("{");
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        // A string's element never fails.
        let _ = element(&mut out, Value::from(item.to_owned()));
    }
    out.push('}');
    Value::from(out)
}

/// Inserts `rows` of entity `E` in one statement (PostgreSQL only).
pub(crate) async fn insert_all<E: EntityTrait>(
    txn: &DatabaseTransaction,
    rows: &[E::Model],
) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let shape = Shape::of_entity::<E>()?;
    let mut literals = Literals::new(&shape);
    for row in rows {
        literals.push_model(row)?;
    }
    let sql = format!(
        "INSERT INTO {} ({}) SELECT * FROM {}",
        E::default().table_name(),
        shape.names(),
        shape.unnest(1)
    );
    txn.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        sql,
        literals.into_values(),
    ))
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql_columns::Kind;
    use chrono::{DateTime, NaiveDate, Utc};
    use uuid::Uuid;

    fn texts(literals: Literals) -> Vec<String> {
        literals
            .into_values()
            .into_iter()
            .map(|v| match v {
                Value::String(Some(s)) => s,
                other => panic!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn values_become_quoted_elements_and_nulls() {
        let shape = Shape::of(&[
            ("id", Kind::Uuid),
            ("name", Kind::Text),
            ("points", Kind::BigInt),
            ("on", Kind::Bool),
            ("at", Kind::Time),
            ("day", Kind::Date),
        ]);
        let mut literals = Literals::new(&shape);
        let at = DateTime::parse_from_rfc3339("2026-12-07T17:00:00.123456789Z")
            .map(|t| t.with_timezone(&Utc))
            .ok();
        literals
            .push([
                Value::from(Uuid::nil()),
                Value::from("a \"b\", {c}\\".to_owned()),
                Value::from(-3_i64),
                Value::from(true),
                Value::ChronoDateTimeUtc(at),
                Value::ChronoDate(NaiveDate::from_ymd_opt(2026, 1, 2)),
            ])
            .expect("a row of the shape");
        literals
            .push([
                Value::Uuid(None),
                Value::String(None),
                Value::BigInt(None),
                Value::Bool(None),
                Value::ChronoDateTimeUtc(None),
                Value::ChronoDate(None),
            ])
            .expect("NULLs");
        assert_eq!(
            texts(literals),
            vec![
                "{\"00000000-0000-0000-0000-000000000000\",NULL}",
                "{\"a \\\"b\\\", {c}\\\\\",NULL}",
                "{\"-3\",NULL}",
                "{\"t\",NULL}",
                "{\"2026-12-07T17:00:00.123456Z\",NULL}",
                "{\"2026-01-02\",NULL}",
            ]
        );
    }

    #[test]
    fn strings_make_a_text_array() {
        assert_eq!(
            text_array(["c1", "a\"b"]),
            Value::from("{\"c1\",\"a\\\"b\"}".to_owned())
        );
        assert_eq!(text_array([]), Value::from("{}".to_owned()));
    }

    #[test]
    fn no_rows_are_empty_arrays_and_rows_must_fit_the_shape() {
        let shape = Shape::of(&[("id", Kind::Uuid), ("points", Kind::BigInt)]);
        assert_eq!(texts(Literals::new(&shape)), vec!["{}", "{}"]);
        let mut literals = Literals::new(&shape);
        assert!(literals.push([Value::from(Uuid::nil())]).is_err());
        assert!(
            literals
                .push([
                    Value::from(Uuid::nil()),
                    Value::from(1_i64),
                    Value::from(2_i64)
                ])
                .is_err()
        );
    }
}
