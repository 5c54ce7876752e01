//! A batch's rows of one table as one typed array per column, for `unnest`.
//!
//! PostgreSQL receives a binary array element by element with the column type's own
//! receive function. The same rows as JSON cost it a lexer pass over the text and, for
//! `json_populate_recordset`, a hash of every key of every row: 6-8 % of the whole
//! machine's CPU under load (docs/performance.md). The column lists come from the
//! entities, so a column added to an entity is written without touching the statement.
use crate::{DomainError, Result};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sqlx::postgres::PgArguments;
use sea_orm::sqlx::{Postgres, query::Query};
use sea_orm::{ColumnTrait, ColumnType, EntityTrait, IdenStatic, Iterable, ModelTrait, Value};
use uuid::Uuid;

/// The SQL type of a column as sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `uuid`.
    Uuid,
    /// `text` (also for `varchar` columns).
    Text,
    /// `int8`.
    BigInt,
    /// `int4`.
    Int,
    /// `bool`.
    Bool,
    /// `timestamptz`.
    Time,
    /// `date`.
    Date,
}

impl Kind {
    /// The array type the parameter is cast to.
    fn array_type(self) -> &'static str {
        match self {
            Kind::Uuid => "uuid[]",
            Kind::Text => "text[]",
            Kind::BigInt => "int8[]",
            Kind::Int => "int4[]",
            Kind::Bool => "bool[]",
            Kind::Time => "timestamptz[]",
            Kind::Date => "date[]",
        }
    }

    fn of(ty: &ColumnType) -> Option<Kind> {
        Some(match ty {
            ColumnType::Uuid => Kind::Uuid,
            ColumnType::String(_) | ColumnType::Text | ColumnType::Char(_) => Kind::Text,
            ColumnType::BigInteger => Kind::BigInt,
            ColumnType::Integer => Kind::Int,
            ColumnType::Boolean => Kind::Bool,
            ColumnType::TimestampWithTimeZone => Kind::Time,
            ColumnType::Date => Kind::Date,
            _ => return None,
        })
    }
}

/// The names and kinds of a set of rows' columns, in order.
#[derive(Clone, Debug)]
pub struct Shape(Vec<(String, Kind)>);

impl Shape {
    /// Columns given by name and kind.
    pub fn of(columns: &[(&str, Kind)]) -> Self {
        Self(columns.iter().map(|(n, k)| (n.to_string(), *k)).collect())
    }

    /// Every column of entity `E`, in the entity's order; an error names a column whose
    /// type has no array here.
    pub fn of_entity<E: EntityTrait>() -> Result<Self> {
        E::Column::iter()
            .map(|c| {
                let kind = Kind::of(c.def().get_column_type()).ok_or_else(|| {
                    DomainError::Internal(format!(
                        "{}.{} has a type order batches cannot send",
                        E::default().table_name(),
                        c.as_str()
                    ))
                })?;
                Ok((c.as_str().to_string(), kind))
            })
            .collect::<Result<_>>()
            .map(Self)
    }

    /// The shape followed by `columns` of their entity, named and typed as it says.
    pub fn and_columns<C: ColumnTrait>(mut self, columns: &[C]) -> Result<Self> {
        for c in columns {
            let kind = Kind::of(c.def().get_column_type()).ok_or_else(|| {
                DomainError::Internal(format!(
                    "{} has a type order batches cannot send",
                    c.as_str()
                ))
            })?;
            self.0.push((c.as_str().to_string(), kind));
        }
        Ok(self)
    }

    /// The shape followed by more columns given by name and kind.
    pub fn and(mut self, columns: &[(&str, Kind)]) -> Self {
        self.0
            .extend(columns.iter().map(|(n, k)| (n.to_string(), *k)));
        self
    }

    /// How many parameters the shape takes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The column names, comma-separated.
    pub fn names(&self) -> String {
        let names: Vec<&str> = self.0.iter().map(|(n, _)| n.as_str()).collect();
        names.join(", ")
    }

    /// `unnest($first::type[], ...)`: the rows as a set, one parameter per column from
    /// `$first` on.
    pub fn unnest(&self, first: usize) -> String {
        let params: Vec<String> = self
            .0
            .iter()
            .enumerate()
            .map(|(i, (_, kind))| format!("${}::{}", first + i, kind.array_type()))
            .collect();
        format!("unnest({})", params.join(", "))
    }

    /// The parameter number of column `name` when the shape starts at `$first`.
    pub fn param(&self, first: usize, name: &str) -> Option<usize> {
        self.0
            .iter()
            .position(|(n, _)| n == name)
            .map(|i| first + i)
    }
}

/// One column's values.
#[derive(Debug)]
enum Array {
    Uuid(Vec<Option<Uuid>>),
    Text(Vec<Option<String>>),
    BigInt(Vec<Option<i64>>),
    Int(Vec<Option<i32>>),
    Bool(Vec<Option<bool>>),
    Time(Vec<Option<DateTime<Utc>>>),
    Date(Vec<Option<NaiveDate>>),
}

impl Array {
    fn new(kind: Kind) -> Self {
        match kind {
            Kind::Uuid => Array::Uuid(Vec::new()),
            Kind::Text => Array::Text(Vec::new()),
            Kind::BigInt => Array::BigInt(Vec::new()),
            Kind::Int => Array::Int(Vec::new()),
            Kind::Bool => Array::Bool(Vec::new()),
            Kind::Time => Array::Time(Vec::new()),
            Kind::Date => Array::Date(Vec::new()),
        }
    }

    fn push(&mut self, value: Value) -> std::result::Result<(), Value> {
        match (self, value) {
            (Array::Uuid(a), Value::Uuid(v)) => a.push(v),
            (Array::Text(a), Value::String(v)) => a.push(v),
            (Array::BigInt(a), Value::BigInt(v)) => a.push(v),
            (Array::Int(a), Value::Int(v)) => a.push(v),
            (Array::Bool(a), Value::Bool(v)) => a.push(v),
            (Array::Time(a), Value::ChronoDateTimeUtc(v)) => a.push(v),
            (Array::Date(a), Value::ChronoDate(v)) => a.push(v),
            (_, other) => return Err(other),
        }
        Ok(())
    }

    fn bind<'q>(self, query: Query<'q, Postgres, PgArguments>) -> Query<'q, Postgres, PgArguments> {
        match self {
            Array::Uuid(a) => query.bind(a),
            Array::Text(a) => query.bind(a),
            Array::BigInt(a) => query.bind(a),
            Array::Int(a) => query.bind(a),
            Array::Bool(a) => query.bind(a),
            Array::Time(a) => query.bind(a),
            Array::Date(a) => query.bind(a),
        }
    }
}

/// Rows of one shape, column by column.
#[derive(Debug)]
pub struct Columns(Vec<Array>);

impl Columns {
    /// No rows yet, of `shape`.
    pub fn new(shape: &Shape) -> Self {
        Self(shape.0.iter().map(|(_, kind)| Array::new(*kind)).collect())
    }

    /// Adds a row given as one value per column, in the shape's order.
    pub fn push(&mut self, row: impl IntoIterator<Item = Value>) -> Result<()> {
        let mut columns = self.0.iter_mut();
        for value in row {
            let column = columns.next().ok_or_else(|| {
                DomainError::Internal("a row has more values than columns".into())
            })?;
            column.push(value).map_err(|v| {
                DomainError::Internal(format!("a value of the wrong type for its column: {v:?}"))
            })?;
        }
        if columns.next().is_some() {
            return Err(DomainError::Internal(
                "a row has fewer values than columns".into(),
            ));
        }
        Ok(())
    }

    /// Adds an entity's row (a shape made by [`Shape::of_entity`] for its entity).
    pub fn push_model<M: ModelTrait>(&mut self, model: &M) -> Result<()> {
        self.push(<M::Entity as EntityTrait>::Column::iter().map(|c| model.get(c)))
    }

    /// Binds every column, in order, as the next parameters of `query`.
    pub fn bind<'q>(
        self,
        query: Query<'q, Postgres, PgArguments>,
    ) -> Query<'q, Postgres, PgArguments> {
        self.0.into_iter().fold(query, |q, column| column.bind(q))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use loyalty_entities::{
        ledger_entry, lot_allocation, member, order, order_discount, point_lot,
    };

    #[test]
    fn every_table_an_order_writes_has_a_shape() {
        let shapes = [
            Shape::of_entity::<member::Entity>(),
            Shape::of_entity::<order::Entity>(),
            Shape::of_entity::<order_discount::Entity>(),
            Shape::of_entity::<ledger_entry::Entity>(),
            Shape::of_entity::<point_lot::Entity>(),
            Shape::of_entity::<lot_allocation::Entity>(),
        ];
        for shape in shapes {
            let shape = shape.expect("every column has an array type");
            assert!(shape.names().starts_with("shop_id, "), "{}", shape.names());
        }
    }

    #[test]
    fn unnest_numbers_one_parameter_per_column() {
        let shape = Shape::of(&[("id", Kind::Uuid), ("points", Kind::BigInt)]);
        assert_eq!(shape.unnest(5), "unnest($5::uuid[], $6::int8[])");
        assert_eq!(shape.param(5, "points"), Some(6));
        assert_eq!(shape.param(5, "other"), None);
    }

    #[test]
    fn a_row_must_match_its_shape() {
        let shape = Shape::of(&[("id", Kind::Uuid), ("points", Kind::BigInt)]);
        let mut columns = Columns::new(&shape);
        columns
            .push([Value::from(Uuid::nil()), Value::from(3_i64)])
            .expect("a row of the shape");
        columns
            .push([Value::Uuid(None), Value::BigInt(None)])
            .expect("NULLs of the right types");
        assert!(
            columns.push([Value::from(Uuid::nil())]).is_err(),
            "too short"
        );
        assert!(
            columns
                .push([Value::from(3_i64), Value::from(Uuid::nil())])
                .is_err(),
            "types swapped"
        );
    }
}
