//! A small query API over `rusqlite` with the shape of the sqlx calls the
//! shared SQL uses (`query(..).bind(..).fetch_optional(&mut *c).await`,
//! `query_scalar`, `QueryBuilder`, named row access), so one copy of that SQL
//! serves both backends.
//!
//! Why not sqlx here too: sqlx runs every SQLite connection on a thread of its
//! own and each statement is a round trip to it, about fourteen per chat
//! message. On a busy single core those hand-offs cost half the CPU
//! (docs/benchmarks.md). With rusqlite a unit of work runs on the thread that
//! owns the connection, statement after statement, with no hand-off at all.
//!
//! The methods are `async` only to match sqlx's signatures: they never wait,
//! so a unit of work built from them completes on its first poll (the writer
//! and the readers rely on that, see `run_now`).

use std::borrow::Cow;
use std::future::Future;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use rusqlite::StatementStatus;
use rusqlite::types::{Type, Value, ValueRef};
use uuid::Uuid;

pub(crate) type Error = rusqlite::Error;
type R<T> = Result<T, Error>;

/// A connection of the SQLite dialect: rusqlite's, plus a count of the
/// statements SQLite had to re-plan (shared by a store's connections).
pub(crate) struct Conn {
    db: rusqlite::Connection,
    replans: Arc<AtomicU64>,
}

impl Conn {
    pub(crate) fn new(db: rusqlite::Connection, replans: Arc<AtomicU64>) -> Self {
        Self { db, replans }
    }
}

impl Deref for Conn {
    type Target = rusqlite::Connection;
    fn deref(&self) -> &Self::Target {
        &self.db
    }
}

impl DerefMut for Conn {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.db
    }
}

/// Marker standing in for sqlx's database type in `QueryBuilder::<Db>`.
pub(crate) struct Sqlite;

/// Runs a future that must not wait (a unit of work made of this module's
/// calls) to completion on the current thread.
pub(crate) fn run_now<F: Future>(f: F) -> Option<F::Output> {
    use futures_util::FutureExt;
    f.now_or_never()
}

// ---- values in

/// A value that can be bound to a statement parameter. Stored the way sqlx
/// stored them before: UUIDs as 16-byte blobs, booleans as 0/1.
pub(crate) trait Bind {
    fn value(&self) -> Value;
}

impl<T: Bind + ?Sized> Bind for &T {
    fn value(&self) -> Value {
        (**self).value()
    }
}
impl<T: Bind> Bind for Option<T> {
    fn value(&self) -> Value {
        self.as_ref().map_or(Value::Null, Bind::value)
    }
}
impl Bind for Uuid {
    fn value(&self) -> Value {
        Value::Blob(self.as_bytes().to_vec())
    }
}
impl Bind for str {
    fn value(&self) -> Value {
        Value::Text(self.to_owned())
    }
}
impl Bind for String {
    fn value(&self) -> Value {
        Value::Text(self.clone())
    }
}
impl Bind for bool {
    fn value(&self) -> Value {
        Value::Integer(i64::from(*self))
    }
}
impl Bind for i64 {
    fn value(&self) -> Value {
        Value::Integer(*self)
    }
}
impl Bind for i32 {
    fn value(&self) -> Value {
        Value::Integer(i64::from(*self))
    }
}
impl Bind for i16 {
    fn value(&self) -> Value {
        Value::Integer(i64::from(*self))
    }
}
impl Bind for f64 {
    fn value(&self) -> Value {
        Value::Real(*self)
    }
}
impl Bind for Vec<u8> {
    fn value(&self) -> Value {
        Value::Blob(self.clone())
    }
}

// ---- values out

/// A column value that can be read back into a Rust type.
pub(crate) trait Column: Sized {
    fn from_value(v: &Value) -> Option<Self>;
}

impl<T: Column> Column for Option<T> {
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Null => Some(None),
            v => T::from_value(v).map(Some),
        }
    }
}
impl Column for Uuid {
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Blob(b) => Uuid::from_slice(b).ok(),
            Value::Text(t) => Uuid::parse_str(t).ok(),
            _ => None,
        }
    }
}
impl Column for String {
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Text(t) => Some(t.clone()),
            _ => None,
        }
    }
}
impl Column for bool {
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Integer(i) => Some(*i != 0),
            _ => None,
        }
    }
}
impl Column for i64 {
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Integer(i) => Some(*i),
            _ => None,
        }
    }
}
impl Column for i32 {
    fn from_value(v: &Value) -> Option<Self> {
        i64::from_value(v).and_then(|i| i32::try_from(i).ok())
    }
}
impl Column for i16 {
    fn from_value(v: &Value) -> Option<Self> {
        i64::from_value(v).and_then(|i| i16::try_from(i).ok())
    }
}
impl Column for f64 {
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Real(f) => Some(*f),
            Value::Integer(i) => Some(*i as f64),
            _ => None,
        }
    }
}
impl Column for Vec<u8> {
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Blob(b) => Some(b.clone()),
            _ => None,
        }
    }
}

/// One result row, detached from the statement.
pub(crate) struct Row {
    names: Arc<[Box<str>]>,
    values: Vec<Value>,
}

impl Row {
    pub(crate) fn try_get<T: Column>(&self, name: &str) -> R<T> {
        let i = self
            .names
            .iter()
            .position(|n| &**n == name)
            .ok_or_else(|| Error::InvalidColumnName(name.to_owned()))?;
        let v = &self.values[i];
        T::from_value(v).ok_or_else(|| {
            Error::InvalidColumnType(i, name.to_owned(), ValueRef::from(v).data_type())
        })
    }

    fn first<T: Column>(&self) -> R<T> {
        let v = self.values.first().ok_or(Error::InvalidColumnIndex(0))?;
        T::from_value(v).ok_or_else(|| {
            let name = self
                .names
                .first()
                .map(|n| n.to_string())
                .unwrap_or_default();
            Error::InvalidColumnType(0, name, ValueRef::from(v).data_type())
        })
    }
}

/// What `execute` reports.
pub(crate) struct Done {
    rows: u64,
}

impl Done {
    pub(crate) fn rows_affected(&self) -> u64 {
        self.rows
    }
}

// ---- statements

/// Runs `sql` with `args` and hands every row to `each`. Parameters written
/// `$N` or `?N` take argument N (so one argument may be used twice, in any
/// order); a bare `?` takes the next one.
fn run(c: &Conn, sql: &str, args: &[Value], mut each: impl FnMut(Row) -> R<()>) -> R<u64> {
    let mut stmt = c.prepare_cached(sql)?;
    let mut next = 0usize;
    for i in 1..=stmt.parameter_count() {
        let n = match stmt.parameter_name(i) {
            Some(name) => match name[1..].parse::<usize>() {
                Ok(n) if n >= 1 => n - 1,
                _ => return Err(Error::InvalidParameterName(name.to_owned())),
            },
            None => next,
        };
        next = n + 1;
        let v = args
            .get(n)
            .ok_or(Error::InvalidParameterCount(n + 1, args.len()))?;
        stmt.raw_bind_parameter(i, v)?;
    }
    let names: Arc<[Box<str>]> = stmt.column_names().into_iter().map(Box::from).collect();
    let width = names.len();
    let readonly = stmt.readonly();
    let mut rows = stmt.raw_query();
    while let Some(row) = rows.next()? {
        let mut values = Vec::with_capacity(width);
        for i in 0..width {
            let v = Value::try_from(row.get_ref(i)?)
                .map_err(|e| Error::FromSqlConversionFailure(i, Type::Text, Box::new(e)))?;
            values.push(v);
        }
        each(Row {
            names: names.clone(),
            values,
        })?;
    }
    drop(rows);
    // A statement is re-planned when SQLite thinks a bound value may change
    // its plan (e.g. a bare `LIMIT ?`): a parse and plan on every run, which
    // the statement cache is there to avoid. Counted so tests can catch it.
    let replans = stmt.reset_status(StatementStatus::RePrepare);
    if replans > 0 {
        c.replans.fetch_add(replans as u64, Ordering::Relaxed);
    }
    Ok(if readonly { 0 } else { c.changes() })
}

/// A statement with its arguments (sqlx's `query`).
pub(crate) struct Query {
    sql: Cow<'static, str>,
    args: Vec<Value>,
}

pub(crate) fn query(sql: &'static str) -> Query {
    Query {
        sql: Cow::Borrowed(sql),
        args: Vec::new(),
    }
}

impl Query {
    pub(crate) fn bind<T: Bind>(mut self, v: T) -> Self {
        self.args.push(v.value());
        self
    }

    pub(crate) async fn fetch_all(self, c: &mut Conn) -> R<Vec<Row>> {
        let mut out = Vec::new();
        run(c, &self.sql, &self.args, |r| {
            out.push(r);
            Ok(())
        })?;
        Ok(out)
    }

    pub(crate) async fn fetch_optional(self, c: &mut Conn) -> R<Option<Row>> {
        let mut out = None;
        run(c, &self.sql, &self.args, |r| {
            if out.is_none() {
                out = Some(r);
            }
            Ok(())
        })?;
        Ok(out)
    }

    pub(crate) async fn fetch_one(self, c: &mut Conn) -> R<Row> {
        self.fetch_optional(c)
            .await?
            .ok_or(Error::QueryReturnedNoRows)
    }

    /// Runs the statement to the end (rows it returns are discarded).
    pub(crate) async fn execute(self, c: &mut Conn) -> R<Done> {
        let rows = run(c, &self.sql, &self.args, |_| Ok(()))?;
        Ok(Done { rows })
    }
}

/// A statement whose first column is the answer (sqlx's `query_scalar`).
pub(crate) struct QueryScalar<T> {
    q: Query,
    _t: PhantomData<fn() -> T>,
}

pub(crate) fn query_scalar<T: Column>(sql: &'static str) -> QueryScalar<T> {
    QueryScalar {
        q: query(sql),
        _t: PhantomData,
    }
}

impl<T: Column> QueryScalar<T> {
    pub(crate) fn bind<B: Bind>(mut self, v: B) -> Self {
        self.q = self.q.bind(v);
        self
    }

    pub(crate) async fn fetch_all(self, c: &mut Conn) -> R<Vec<T>> {
        self.q.fetch_all(c).await?.iter().map(Row::first).collect()
    }

    pub(crate) async fn fetch_optional(self, c: &mut Conn) -> R<Option<T>> {
        self.q
            .fetch_optional(c)
            .await?
            .map(|r| r.first())
            .transpose()
    }

    pub(crate) async fn fetch_one(self, c: &mut Conn) -> R<T> {
        self.q.fetch_one(c).await?.first()
    }
}

/// SQL assembled at run time with bound arguments (sqlx's `QueryBuilder`).
pub(crate) struct QueryBuilder<D> {
    sql: String,
    args: Vec<Value>,
    _d: PhantomData<D>,
}

impl<D> QueryBuilder<D> {
    pub(crate) fn new(sql: &str) -> Self {
        Self {
            sql: sql.to_owned(),
            args: Vec::new(),
            _d: PhantomData,
        }
    }

    pub(crate) fn push(&mut self, sql: &str) -> &mut Self {
        self.sql.push_str(sql);
        self
    }

    pub(crate) fn push_bind<T: Bind>(&mut self, v: T) -> &mut Self {
        self.args.push(v.value());
        self.sql.push('?');
        self.sql.push_str(&self.args.len().to_string());
        self
    }

    pub(crate) fn separated(&mut self, sep: &'static str) -> Separated<'_, D> {
        Separated {
            b: self,
            sep,
            first: true,
        }
    }

    pub(crate) fn build(&mut self) -> Query {
        Query {
            sql: Cow::Owned(std::mem::take(&mut self.sql)),
            args: std::mem::take(&mut self.args),
        }
    }
}

/// A comma-separated run of bound values, e.g. for `IN (...)`.
pub(crate) struct Separated<'b, D> {
    b: &'b mut QueryBuilder<D>,
    sep: &'static str,
    first: bool,
}

impl<D> Separated<'_, D> {
    pub(crate) fn push_bind<T: Bind>(&mut self, v: T) -> &mut Self {
        if !self.first {
            self.b.push(self.sep);
        }
        self.first = false;
        self.b.push_bind(v);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn() -> Conn {
        let c = Conn::new(
            rusqlite::Connection::open_in_memory().unwrap(),
            Default::default(),
        );
        c.execute_batch("CREATE TABLE t (id BLOB PRIMARY KEY, n INTEGER, s TEXT, b INTEGER)")
            .unwrap();
        c
    }

    #[test]
    fn numbered_parameters_take_their_argument_in_any_order() {
        let mut c = conn();
        let id = Uuid::now_v7();
        let done = run_now(
            query("INSERT INTO t (s, n, id, b) VALUES ($3, $2, $1, $4)")
                .bind(id)
                .bind(7i64)
                .bind("x")
                .bind(true)
                .execute(&mut c),
        )
        .unwrap()
        .unwrap();
        assert_eq!(done.rows_affected(), 1);
        let row = run_now(
            query("SELECT id, n, s, b FROM t WHERE n = $2 AND id = $1")
                .bind(id)
                .bind(7i64)
                .fetch_one(&mut c),
        )
        .unwrap()
        .unwrap();
        assert_eq!(row.try_get::<Uuid>("id").unwrap(), id);
        assert_eq!(row.try_get::<String>("s").unwrap(), "x");
        assert!(row.try_get::<bool>("b").unwrap());
        assert!(row.try_get::<String>("n").is_err());
        assert!(row.try_get::<i64>("missing").is_err());
    }

    #[test]
    fn builder_numbers_its_placeholders() {
        let mut c = conn();
        for n in 0..5i64 {
            run_now(
                query("INSERT INTO t (id, n) VALUES ($1, $2)")
                    .bind(Uuid::now_v7())
                    .bind(n)
                    .execute(&mut c),
            )
            .unwrap()
            .unwrap();
        }
        let mut q = QueryBuilder::<Sqlite>::new("SELECT n FROM t WHERE n >= ");
        q.push_bind(1i64).push(" AND n IN (");
        let mut list = q.separated(", ");
        for n in [0i64, 2, 4] {
            list.push_bind(n);
        }
        q.push(") ORDER BY n");
        let rows = run_now(q.build().fetch_all(&mut c)).unwrap().unwrap();
        let got: Vec<i64> = rows.iter().map(|r| r.try_get("n").unwrap()).collect();
        assert_eq!(got, vec![2, 4]);
        let none: Option<i64> = run_now(
            query_scalar("SELECT n FROM t WHERE n > $1")
                .bind(10i64)
                .fetch_optional(&mut c),
        )
        .unwrap()
        .unwrap();
        assert_eq!(none, None);
    }

    #[test]
    fn replanned_statements_are_counted() {
        let mut c = conn();
        for n in 0..3i64 {
            // A bare LIMIT parameter makes SQLite re-plan on every new value;
            // behind a cast it does not.
            run_now(query("SELECT n FROM t LIMIT ?1").bind(n).fetch_all(&mut c))
                .unwrap()
                .unwrap();
            run_now(
                query("SELECT n FROM t LIMIT CAST(?1 AS BIGINT)")
                    .bind(n)
                    .fetch_all(&mut c),
            )
            .unwrap()
            .unwrap();
        }
        assert_eq!(c.replans.load(Ordering::Relaxed), 3);
    }
}
