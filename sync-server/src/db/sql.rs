//! One SQL surface over the two database backends: SQLite (rusqlite, embedded, the default) and
//! PostgreSQL (the `postgres` crate, for the city cloud). Every table module and every business
//! function takes a [`Connection`] and runs plain SQL through it; none of them knows which
//! backend answers.
//!
//! The surface follows rusqlite's (`execute`, `query_row`, `prepare`/`prepare_cached` →
//! `query_map`, `query`, `exists`, [`OptionalExtension`], [`params!`]) so the SQL reads the same
//! as before. Statements are written once, in the dialect both engines accept:
//! - placeholders are `?N` (or `?`); for PostgreSQL they are rewritten to `$N`
//!   ([`pg_placeholders`]), skipping quoted text;
//! - `INSERT … ON CONFLICT … DO NOTHING/UPDATE` (not `INSERT OR IGNORE/REPLACE`), `COALESCE`
//!   (not `IFNULL`), `CAST(… AS BIGINT)` around `SUM`, no `rowid`, qualified columns inside
//!   `DO UPDATE SET`.
//!
//! Values cross as [`Value`] (NULL, 64-bit integer, double, text, bytes), the SQLite storage
//! classes. Towards PostgreSQL a value is encoded for the parameter type the server inferred
//! (an integer into `int4`, `int8`, `float8`, `bool` or text); a PostgreSQL cell is read back by
//! its column type into a `Value`, so `SUM`/`COUNT` widths and booleans read as integers, as in
//! SQLite.
//!
//! Invariant: a `Connection` is one transaction. A PostgreSQL one is committed only by
//! [`Connection::commit`]; dropped, it rolls back.

use postgres::types::{IsNull, ToSql as PgToSql, Type, to_sql_checked};
use std::cell::RefCell;
use std::collections::HashMap;

/// A value as both engines store it.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// SQL NULL.
    Null,
    /// A 64-bit integer (booleans are 0/1).
    Int(i64),
    /// A double.
    Real(f64),
    /// UTF-8 text.
    Text(String),
    /// Bytes (`BLOB` / `bytea`).
    Blob(Vec<u8>),
}

/// Why a statement failed.
#[derive(Debug, thiserror::Error)]
pub enum SqlError {
    /// SQLite's error.
    #[error("{0}")]
    Lite(#[from] rusqlite::Error),
    /// PostgreSQL's error.
    #[error("{0}")]
    Pg(#[from] postgres::Error),
    /// `query_row` found no row.
    #[error("query returned no rows")]
    NoRows,
    /// A stored value is not of the type the code reads it as.
    #[error("column {column}: {detail}")]
    Type {
        /// The column index.
        column: usize,
        /// What was found.
        detail: String,
    },
}

/// The result of one statement.
pub type Result<T, E = SqlError> = std::result::Result<T, E>;

/// `query_row(…).optional()`: no row is `Ok(None)`.
pub trait OptionalExtension<T> {
    /// `Ok(None)` for [`SqlError::NoRows`].
    fn optional(self) -> Result<Option<T>>;
}

impl<T> OptionalExtension<T> for Result<T> {
    fn optional(self) -> Result<Option<T>> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(SqlError::NoRows) => Ok(None),
            Err(SqlError::Lite(rusqlite::Error::QueryReturnedNoRows)) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// Something that can be bound to a placeholder.
pub trait ToValue {
    /// The value bound.
    fn to_value(&self) -> Value;
}

macro_rules! int_to_value {
    ($($t:ty),*) => {$(
        impl ToValue for $t {
            fn to_value(&self) -> Value {
                Value::Int(*self as i64)
            }
        }
    )*};
}
int_to_value!(i64, i32, i16, i8, u32, u16, u8);

impl ToValue for u64 {
    fn to_value(&self) -> Value {
        Value::Int(i64::try_from(*self).unwrap_or(i64::MAX))
    }
}
impl ToValue for usize {
    fn to_value(&self) -> Value {
        Value::Int(i64::try_from(*self).unwrap_or(i64::MAX))
    }
}
impl ToValue for bool {
    fn to_value(&self) -> Value {
        Value::Int(i64::from(*self))
    }
}
impl ToValue for f64 {
    fn to_value(&self) -> Value {
        Value::Real(*self)
    }
}
impl ToValue for f32 {
    fn to_value(&self) -> Value {
        Value::Real(f64::from(*self))
    }
}
impl ToValue for str {
    fn to_value(&self) -> Value {
        Value::Text(self.to_owned())
    }
}
impl ToValue for String {
    fn to_value(&self) -> Value {
        Value::Text(self.clone())
    }
}
impl ToValue for [u8] {
    fn to_value(&self) -> Value {
        Value::Blob(self.to_vec())
    }
}
impl ToValue for Vec<u8> {
    fn to_value(&self) -> Value {
        Value::Blob(self.clone())
    }
}
impl<const N: usize> ToValue for [u8; N] {
    fn to_value(&self) -> Value {
        Value::Blob(self.to_vec())
    }
}
impl ToValue for Value {
    fn to_value(&self) -> Value {
        self.clone()
    }
}
impl<T: ToValue + ?Sized> ToValue for &T {
    fn to_value(&self) -> Value {
        (**self).to_value()
    }
}
impl<T: ToValue + ?Sized> ToValue for Box<T> {
    fn to_value(&self) -> Value {
        (**self).to_value()
    }
}
impl<T: ToValue> ToValue for Option<T> {
    fn to_value(&self) -> Value {
        match self {
            Some(v) => v.to_value(),
            None => Value::Null,
        }
    }
}

/// The parameters of one statement.
pub trait Params {
    /// The bound values, in placeholder order.
    fn values(self) -> Vec<Value>;
}

impl Params for &[&dyn ToValue] {
    fn values(self) -> Vec<Value> {
        self.iter().map(|v| v.to_value()).collect()
    }
}
impl<const N: usize> Params for &[&dyn ToValue; N] {
    fn values(self) -> Vec<Value> {
        self.iter().map(|v| v.to_value()).collect()
    }
}
impl<T: ToValue, const N: usize> Params for [T; N] {
    fn values(self) -> Vec<Value> {
        self.iter().map(|v| v.to_value()).collect()
    }
}
impl Params for () {
    fn values(self) -> Vec<Value> {
        Vec::new()
    }
}
impl Params for Vec<Value> {
    fn values(self) -> Vec<Value> {
        self
    }
}

/// Values from an iterator (rusqlite's `params_from_iter`).
pub fn params_from_iter<I>(iter: I) -> Vec<Value>
where
    I: IntoIterator,
    I::Item: ToValue,
{
    iter.into_iter().map(|v| v.to_value()).collect()
}

/// `params![a, b, c]`: a slice of bound values.
#[macro_export]
macro_rules! sql_params {
    () => { &[] as &[&dyn $crate::db::sql::ToValue] };
    ($($p:expr),+ $(,)?) => { &[$(&$p as &dyn $crate::db::sql::ToValue),+] as &[&dyn $crate::db::sql::ToValue] };
}
pub use crate::sql_params as params;

/// Something a stored value can be read as.
pub trait FromValue: Sized {
    /// Converts, or says why not.
    fn from_value(v: Value) -> std::result::Result<Self, String>;
}

fn int_of(v: Value) -> std::result::Result<i64, String> {
    match v {
        Value::Int(i) => Ok(i),
        other => Err(format!("expected an integer, found {}", kind(&other))),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "NULL",
        Value::Int(_) => "an integer",
        Value::Real(_) => "a real",
        Value::Text(_) => "text",
        Value::Blob(_) => "bytes",
    }
}

macro_rules! int_from_value {
    ($($t:ty),*) => {$(
        impl FromValue for $t {
            fn from_value(v: Value) -> std::result::Result<Self, String> {
                let i = int_of(v)?;
                <$t>::try_from(i).map_err(|_| format!("{i} out of range for {}", stringify!($t)))
            }
        }
    )*};
}
int_from_value!(i64, i32, i16, u64, u32, u16, u8, usize);

impl FromValue for bool {
    fn from_value(v: Value) -> std::result::Result<Self, String> {
        Ok(int_of(v)? != 0)
    }
}
impl FromValue for f64 {
    fn from_value(v: Value) -> std::result::Result<Self, String> {
        match v {
            Value::Real(f) => Ok(f),
            Value::Int(i) => Ok(i as f64),
            other => Err(format!("expected a number, found {}", kind(&other))),
        }
    }
}
impl FromValue for String {
    fn from_value(v: Value) -> std::result::Result<Self, String> {
        match v {
            Value::Text(s) => Ok(s),
            other => Err(format!("expected text, found {}", kind(&other))),
        }
    }
}
impl FromValue for Vec<u8> {
    fn from_value(v: Value) -> std::result::Result<Self, String> {
        match v {
            Value::Blob(b) => Ok(b),
            other => Err(format!("expected bytes, found {}", kind(&other))),
        }
    }
}
impl FromValue for Value {
    fn from_value(v: Value) -> std::result::Result<Self, String> {
        Ok(v)
    }
}
impl<T: FromValue> FromValue for Option<T> {
    fn from_value(v: Value) -> std::result::Result<Self, String> {
        match v {
            Value::Null => Ok(None),
            v => T::from_value(v).map(Some),
        }
    }
}

/// A column index: a position or a name.
pub trait RowIndex {
    /// The position of the column in `names`.
    fn index(&self, names: &[String]) -> Option<usize>;
}
impl RowIndex for usize {
    fn index(&self, names: &[String]) -> Option<usize> {
        (*self < names.len()).then_some(*self)
    }
}
impl RowIndex for &str {
    fn index(&self, names: &[String]) -> Option<usize> {
        names.iter().position(|n| n.eq_ignore_ascii_case(self))
    }
}

/// One result row, read into values.
#[derive(Clone, Debug)]
pub struct Row {
    names: std::rc::Rc<[String]>,
    values: Vec<Value>,
}

impl Row {
    /// The value of a column as `T`.
    pub fn get<I: RowIndex, T: FromValue>(&self, idx: I) -> Result<T> {
        let i = idx.index(&self.names).ok_or_else(|| SqlError::Type {
            column: usize::MAX,
            detail: "no such column".into(),
        })?;
        T::from_value(self.values[i].clone()).map_err(|detail| SqlError::Type { column: i, detail })
    }

    /// The value of a column, panicking if absent or of another type (rusqlite's
    /// `get_unwrap`; for columns whose type the query fixes).
    pub fn get_unwrap<I: RowIndex, T: FromValue>(&self, idx: I) -> T {
        self.get(idx).expect("column of the queried type")
    }

    /// The number of columns.
    pub fn column_count(&self) -> usize {
        self.values.len()
    }
}

/// The rows of a `query`, walked with `next()` as in rusqlite.
#[derive(Debug)]
pub struct Rows {
    rows: std::vec::IntoIter<Row>,
    current: Option<Row>,
}

impl Rows {
    /// The next row, if any (rusqlite's `Rows::next`, which is fallible, not an `Iterator`).
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Result<Option<&Row>> {
        self.current = self.rows.next();
        Ok(self.current.as_ref())
    }
}

/// A statement to run, possibly several times.
pub struct Statement<'c, 'a> {
    conn: &'c Connection<'a>,
    sql: String,
}

impl Statement<'_, '_> {
    /// Runs it; the number of rows changed.
    pub fn execute(&mut self, params: impl Params) -> Result<usize> {
        self.conn.execute(&self.sql, params)
    }

    /// Every row, each mapped by `f`.
    pub fn query_map<T, F>(
        &mut self,
        params: impl Params,
        f: F,
    ) -> Result<std::vec::IntoIter<Result<T>>>
    where
        F: FnMut(&Row) -> Result<T>,
    {
        let rows = self.conn.rows(&self.sql, params.values())?;
        Ok(rows.iter().map(f).collect::<Vec<_>>().into_iter())
    }

    /// Every row, walked with `next()`.
    pub fn query(&mut self, params: impl Params) -> Result<Rows> {
        let rows = self.conn.rows(&self.sql, params.values())?;
        Ok(Rows {
            rows: rows.into_iter(),
            current: None,
        })
    }

    /// The first row mapped by `f`; [`SqlError::NoRows`] if there is none.
    pub fn query_row<T>(
        &mut self,
        params: impl Params,
        f: impl FnOnce(&Row) -> Result<T>,
    ) -> Result<T> {
        self.conn.query_row(&self.sql, params, f)
    }

    /// Whether it returns a row.
    pub fn exists(&mut self, params: impl Params) -> Result<bool> {
        Ok(!self.conn.rows(&self.sql, params.values())?.is_empty())
    }
}

/// The backend behind a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// SQLite (embedded).
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

enum Inner<'a> {
    Lite(&'a rusqlite::Connection),
    Pg {
        tx: RefCell<postgres::Transaction<'a>>,
        statements: RefCell<&'a mut StatementCache>,
    },
}

/// Prepared statements kept per PostgreSQL session (a pooled client), by their SQL text as the
/// business code writes it: a statement is prepared once per session, not once per
/// transaction. Bounded ([`STATEMENT_CACHE_MAX`]).
#[derive(Default)]
pub struct StatementCache(HashMap<String, postgres::Statement>);

/// Statements a [`StatementCache`] holds before it starts again.
pub const STATEMENT_CACHE_MAX: usize = 512;

/// One transaction on either backend.
pub struct Connection<'a> {
    inner: Inner<'a>,
}

impl std::fmt::Debug for Connection<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Connection({:?})", self.backend())
    }
}

impl<'a> Connection<'a> {
    /// An SQLite connection (inside the transaction its owner opened).
    pub fn sqlite(conn: &'a rusqlite::Connection) -> Connection<'a> {
        Connection {
            inner: Inner::Lite(conn),
        }
    }

    /// A PostgreSQL transaction, preparing statements through its session's `statements`.
    pub fn postgres(
        tx: postgres::Transaction<'a>,
        statements: &'a mut StatementCache,
    ) -> Connection<'a> {
        Connection {
            inner: Inner::Pg {
                tx: RefCell::new(tx),
                statements: RefCell::new(statements),
            },
        }
    }

    /// Which engine answers.
    pub fn backend(&self) -> Backend {
        match self.inner {
            Inner::Lite(_) => Backend::Sqlite,
            Inner::Pg { .. } => Backend::Postgres,
        }
    }

    /// The SQLite connection, for the few SQLite-only operations (backups, page counts).
    pub fn as_sqlite(&self) -> Option<&rusqlite::Connection> {
        match &self.inner {
            Inner::Lite(c) => Some(c),
            Inner::Pg { .. } => None,
        }
    }

    /// Commits a PostgreSQL transaction (an SQLite one is committed by its owner).
    pub fn commit(self) -> Result<()> {
        match self.inner {
            Inner::Lite(_) => Ok(()),
            Inner::Pg { tx, .. } => Ok(tx.into_inner().commit()?),
        }
    }

    /// A subquery giving the strings of the JSON array bound at placeholder `n` (one row each):
    /// SQLite's `json_each`, PostgreSQL's `json_array_elements_text`.
    pub fn json_text_list(&self, n: usize) -> String {
        match self.inner {
            Inner::Lite(_) => format!("SELECT value FROM json_each(?{n})"),
            Inner::Pg { .. } => {
                format!("SELECT json_array_elements_text(CAST(CAST(?{n} AS TEXT) AS json))")
            }
        }
    }

    /// Runs one statement; the number of rows changed.
    pub fn execute(&self, sql: &str, params: impl Params) -> Result<usize> {
        let values = params.values();
        match &self.inner {
            Inner::Lite(c) => {
                let mut stmt = c.prepare_cached(sql)?;
                let n = stmt.execute(rusqlite::params_from_iter(values.iter().map(lite_value)))?;
                Ok(n)
            }
            Inner::Pg { tx, .. } => {
                let stmt = self.pg_statement(sql)?;
                let refs = pg_refs(&values);
                Ok(usize::try_from(tx.borrow_mut().execute(&stmt, &refs)?).unwrap_or(usize::MAX))
            }
        }
    }

    /// Runs several `;`-separated statements without parameters.
    pub fn execute_batch(&self, sql: &str) -> Result<()> {
        match &self.inner {
            Inner::Lite(c) => Ok(c.execute_batch(sql)?),
            Inner::Pg { tx, .. } => Ok(tx.borrow_mut().batch_execute(sql)?),
        }
    }

    /// The first row mapped by `f`; [`SqlError::NoRows`] if there is none.
    pub fn query_row<T>(
        &self,
        sql: &str,
        params: impl Params,
        f: impl FnOnce(&Row) -> Result<T>,
    ) -> Result<T> {
        let rows = self.rows(sql, params.values())?;
        match rows.first() {
            Some(r) => f(r),
            None => Err(SqlError::NoRows),
        }
    }

    /// A statement (prepared and cached per connection on both engines).
    pub fn prepare<'c>(&'c self, sql: &str) -> Result<Statement<'c, 'a>> {
        Ok(Statement {
            conn: self,
            sql: sql.to_owned(),
        })
    }

    /// The same as [`Connection::prepare`] (both cache).
    pub fn prepare_cached<'c>(&'c self, sql: &str) -> Result<Statement<'c, 'a>> {
        self.prepare(sql)
    }

    /// Every row of a query, each mapped by `f`, collected.
    pub fn query_all<T>(
        &self,
        sql: &str,
        params: impl Params,
        mut f: impl FnMut(&Row) -> Result<T>,
    ) -> Result<Vec<T>> {
        self.rows(sql, params.values())?
            .iter()
            .map(&mut f)
            .collect()
    }

    fn pg_statement(&self, sql: &str) -> Result<postgres::Statement> {
        let Inner::Pg { tx, statements } = &self.inner else {
            unreachable!("pg_statement on SQLite");
        };
        if let Some(s) = statements.borrow().0.get(sql) {
            return Ok(s.clone());
        }
        let translated = pg_placeholders(sql);
        let stmt = tx.borrow_mut().prepare(&translated)?;
        let mut cache = statements.borrow_mut();
        if cache.0.len() >= STATEMENT_CACHE_MAX {
            // Statements built with a variable number of placeholders could grow it forever.
            cache.0.clear();
        }
        cache.0.insert(sql.to_owned(), stmt.clone());
        Ok(stmt)
    }

    fn rows(&self, sql: &str, values: Vec<Value>) -> Result<Vec<Row>> {
        match &self.inner {
            Inner::Lite(c) => {
                let mut stmt = c.prepare_cached(sql)?;
                let names: std::rc::Rc<[String]> =
                    stmt.column_names().iter().map(|n| n.to_string()).collect();
                let n = names.len();
                let mut rows =
                    stmt.query(rusqlite::params_from_iter(values.iter().map(lite_value)))?;
                let mut out = Vec::new();
                while let Some(r) = rows.next()? {
                    let mut values = Vec::with_capacity(n);
                    for i in 0..n {
                        values.push(match r.get_ref(i)? {
                            rusqlite::types::ValueRef::Null => Value::Null,
                            rusqlite::types::ValueRef::Integer(i) => Value::Int(i),
                            rusqlite::types::ValueRef::Real(f) => Value::Real(f),
                            rusqlite::types::ValueRef::Text(t) => {
                                Value::Text(String::from_utf8_lossy(t).into_owned())
                            }
                            rusqlite::types::ValueRef::Blob(b) => Value::Blob(b.to_vec()),
                        });
                    }
                    out.push(Row {
                        names: names.clone(),
                        values,
                    });
                }
                Ok(out)
            }
            Inner::Pg { tx, .. } => {
                let stmt = self.pg_statement(sql)?;
                let refs = pg_refs(&values);
                let rows = tx.borrow_mut().query(&stmt, &refs)?;
                let names: std::rc::Rc<[String]> =
                    stmt.columns().iter().map(|c| c.name().to_owned()).collect();
                rows.iter()
                    .map(|r| {
                        let values = (0..r.len()).map(|i| pg_cell(r, i)).collect::<Result<_>>()?;
                        Ok(Row {
                            names: names.clone(),
                            values,
                        })
                    })
                    .collect()
            }
        }
    }
}

fn lite_value(v: &Value) -> rusqlite::types::Value {
    match v {
        Value::Null => rusqlite::types::Value::Null,
        Value::Int(i) => rusqlite::types::Value::Integer(*i),
        Value::Real(f) => rusqlite::types::Value::Real(*f),
        Value::Text(s) => rusqlite::types::Value::Text(s.clone()),
        Value::Blob(b) => rusqlite::types::Value::Blob(b.clone()),
    }
}

fn pg_refs(values: &[Value]) -> Vec<&(dyn PgToSql + Sync)> {
    values.iter().map(|v| v as &(dyn PgToSql + Sync)).collect()
}

fn pg_cell(row: &postgres::Row, i: usize) -> Result<Value> {
    let ty = row.columns()[i].type_().clone();
    let value = if ty == Type::INT8 {
        row.try_get::<_, Option<i64>>(i)?.map(Value::Int)
    } else if ty == Type::INT4 {
        row.try_get::<_, Option<i32>>(i)?
            .map(|v| Value::Int(v.into()))
    } else if ty == Type::INT2 {
        row.try_get::<_, Option<i16>>(i)?
            .map(|v| Value::Int(v.into()))
    } else if ty == Type::BOOL {
        row.try_get::<_, Option<bool>>(i)?
            .map(|v| Value::Int(v.into()))
    } else if ty == Type::FLOAT8 {
        row.try_get::<_, Option<f64>>(i)?.map(Value::Real)
    } else if ty == Type::FLOAT4 {
        row.try_get::<_, Option<f32>>(i)?
            .map(|v| Value::Real(v.into()))
    } else if ty == Type::BYTEA {
        row.try_get::<_, Option<Vec<u8>>>(i)?.map(Value::Blob)
    } else if ty == Type::TEXT || ty == Type::VARCHAR || ty == Type::BPCHAR || ty == Type::NAME {
        row.try_get::<_, Option<String>>(i)?.map(Value::Text)
    } else {
        return Err(SqlError::Type {
            column: i,
            detail: format!(
                "PostgreSQL type {ty} is not read (cast it to BIGINT, DOUBLE PRECISION, TEXT or BYTEA)"
            ),
        });
    };
    Ok(value.unwrap_or(Value::Null))
}

impl PgToSql for Value {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> std::result::Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        let mismatch = || -> Box<dyn std::error::Error + Sync + Send> {
            format!("{} cannot be bound as PostgreSQL {ty}", kind(self)).into()
        };
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(i) => {
                if *ty == Type::INT8 {
                    i.to_sql(ty, out)
                } else if *ty == Type::INT4 {
                    i32::try_from(*i)?.to_sql(ty, out)
                } else if *ty == Type::INT2 {
                    i16::try_from(*i)?.to_sql(ty, out)
                } else if *ty == Type::FLOAT8 {
                    (*i as f64).to_sql(ty, out)
                } else if *ty == Type::FLOAT4 {
                    (*i as f32).to_sql(ty, out)
                } else if *ty == Type::BOOL {
                    (*i != 0).to_sql(ty, out)
                } else if *ty == Type::TEXT || *ty == Type::VARCHAR || *ty == Type::UNKNOWN {
                    i.to_string().to_sql(&Type::TEXT, out)
                } else {
                    Err(mismatch())
                }
            }
            Value::Real(f) => {
                if *ty == Type::FLOAT8 {
                    f.to_sql(ty, out)
                } else if *ty == Type::FLOAT4 {
                    (*f as f32).to_sql(ty, out)
                } else if *ty == Type::INT8 && f.fract() == 0.0 {
                    (*f as i64).to_sql(ty, out)
                } else if *ty == Type::TEXT || *ty == Type::VARCHAR || *ty == Type::UNKNOWN {
                    f.to_string().to_sql(&Type::TEXT, out)
                } else {
                    Err(mismatch())
                }
            }
            Value::Text(s) => {
                if *ty == Type::BYTEA {
                    s.as_bytes().to_sql(ty, out)
                } else if *ty == Type::INT8 {
                    s.parse::<i64>().map_err(|_| mismatch())?.to_sql(ty, out)
                } else {
                    s.as_str().to_sql(&Type::TEXT, out)
                }
            }
            Value::Blob(b) => {
                if *ty == Type::BYTEA {
                    b.as_slice().to_sql(ty, out)
                } else {
                    Err(mismatch())
                }
            }
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

/// `?N` and `?` placeholders as PostgreSQL's `$N`, leaving quoted text and identifiers alone.
pub fn pg_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut chars = sql.chars().peekable();
    let mut next = 1usize;
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        if let Some(q) = quote {
            out.push(c);
            if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '\'' | '"' => {
                quote = Some(c);
                out.push(c);
            }
            '?' => {
                let mut digits = String::new();
                while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                    digits.push(d);
                    chars.next();
                }
                out.push('$');
                if digits.is_empty() {
                    out.push_str(&next.to_string());
                    next += 1;
                } else {
                    out.push_str(&digits);
                }
            }
            c => out.push(c),
        }
    }
    out
}

impl From<SqlError> for crate::error::ServerError {
    fn from(e: SqlError) -> Self {
        match e {
            SqlError::Lite(e) => crate::error::ServerError::Db(e),
            SqlError::NoRows => crate::error::ServerError::Db(rusqlite::Error::QueryReturnedNoRows),
            SqlError::Pg(e) => crate::error::ServerError::Pg(e),
            e @ SqlError::Type { .. } => crate::error::ServerError::Internal(e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_rewritten_outside_quotes() {
        assert_eq!(
            pg_placeholders("SELECT a FROM t WHERE b = ?1 AND c = '?2' AND d = ?12"),
            "SELECT a FROM t WHERE b = $1 AND c = '?2' AND d = $12"
        );
        assert_eq!(
            pg_placeholders("VALUES (?, ?, \"x?\")"),
            "VALUES ($1, $2, \"x?\")"
        );
    }

    #[test]
    fn sqlite_round_trips_values_and_optional() {
        let raw = rusqlite::Connection::open_in_memory().expect("open");
        let c = Connection::sqlite(&raw);
        c.execute_batch("CREATE TABLE t (a INTEGER, b TEXT, c BLOB, d REAL)")
            .expect("create");
        c.execute(
            "INSERT INTO t VALUES (?1, ?2, ?3, ?4)",
            params![7i64, "七", vec![1u8, 2], 0.5],
        )
        .expect("insert");
        let (a, b, blob, d): (i64, String, Vec<u8>, f64) = c
            .query_row("SELECT a, b, c, d FROM t", (), |r| {
                Ok((r.get(0)?, r.get("b")?, r.get(2)?, r.get(3)?))
            })
            .expect("row");
        assert_eq!((a, b.as_str(), blob, d), (7, "七", vec![1, 2], 0.5));
        let none: Option<i64> = c
            .query_row("SELECT a FROM t WHERE a = ?1", [8], |r| r.get(0))
            .optional()
            .expect("query");
        assert_eq!(none, None);
        let wrong = c.query_row("SELECT b FROM t", (), |r| r.get::<_, i64>(0));
        assert!(matches!(wrong, Err(SqlError::Type { column: 0, .. })));
    }
}
