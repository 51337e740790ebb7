//! Patrol data on the device (issue 16, docs/patrol.md "On the device"): the sampler's points not
//! yet sealed, the day record's sealed blocks, 签到/签退 events, the cached 专项普查 tasks and the
//! survey marks — each outbox apart from the case documents, so none of it ever holds up case sync.
//!
//! Invariants:
//! - recorded times strictly increase across pending points and sealed blocks: an appended point
//!   not after the latest one kept is dropped (a restarted sampler, a clock stepping back);
//! - sealing turns each day's pending points into one new block (`patrol::encode_block`) with the
//!   day's next `seq` and deletes them, in one transaction; a sealed block's bytes never change,
//!   so a retry after a dropped connection sends exactly the same block under the same key;
//! - outbox rows only move forward: `pending` → `sent` or `refused` (with the server's code); a
//!   refused row is never sent again and never blocks the others;
//! - a sign-out's closing point, its event and the seal are one transaction.

use super::{DeviceStore, StoreError};
use crate::model::SurveyId;
use crate::patrol::{TrackPoint, decode, encode_block};
use crate::protocol::{SignKindWire, SurveyMarkWire, SurveyTaskWire};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

/// Where an outbox row is.
#[derive(Clone, Copy, PartialEq, Eq, Debug, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxState {
    /// To send.
    Pending,
    /// The server has it.
    Sent,
    /// The server refused it for good (the row keeps the code).
    Refused,
}

impl OutboxState {
    fn parse(text: &str) -> OutboxState {
        match text {
            "sent" => OutboxState::Sent,
            "refused" => OutboxState::Refused,
            _ => OutboxState::Pending,
        }
    }
}

/// A sealed block of the day record.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct TrackBlockRow {
    /// Tenant-local day, `YYYY-MM-DD`.
    pub day: String,
    /// The block's number within the day.
    pub seq: u32,
    /// Points in it.
    pub points: u32,
    /// The `patrol::codec` block.
    pub bytes: Vec<u8>,
    /// Outbox state.
    pub state: OutboxState,
    /// The refusal's code.
    pub code: Option<String>,
}

/// A 签到/签退 event.
#[derive(Clone, PartialEq, Debug)]
pub struct SignRow {
    /// UUID text, the push's idempotency key.
    pub id: String,
    /// In or out.
    pub kind: SignKindWire,
    /// Unix ms.
    pub at: i64,
    /// Longitude.
    pub lon: f64,
    /// Latitude.
    pub lat: f64,
    /// Outbox state.
    pub state: OutboxState,
    /// The refusal's code.
    pub code: Option<String>,
}

/// A survey mark made on this device.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SurveyMarkRow {
    /// The task.
    pub survey_id: SurveyId,
    /// The mark as it is pushed.
    pub mark: SurveyMarkWire,
    /// Outbox state.
    pub state: OutboxState,
    /// The refusal's code.
    pub code: Option<String>,
}

/// What waits and what was refused, for the sync panel.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PatrolCounts {
    /// Pending points not sealed yet.
    pub unsealed_points: u64,
    /// Sealed blocks not yet sent.
    pub pending_blocks: u64,
    /// Blocks the server refused.
    pub refused_blocks: u64,
    /// Sign events not yet sent.
    pub pending_signs: u64,
    /// Sign events the server refused.
    pub refused_signs: u64,
    /// Survey marks not yet sent.
    pub pending_marks: u64,
    /// Survey marks the server refused.
    pub refused_marks: u64,
}

/// One patrol outbox item, to record what became of it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum PatrolItem<'a> {
    /// A track block.
    Block {
        /// Its day.
        day: &'a str,
        /// Its number.
        seq: u32,
    },
    /// A sign event, by id.
    Sign(&'a str),
    /// A survey mark, by id.
    Mark(&'a str),
}

fn kind_text(kind: SignKindWire) -> &'static str {
    match kind {
        SignKindWire::In => "in",
        SignKindWire::Out => "out",
    }
}

/// The latest recorded time, pending or sealed.
fn last_t(conn: &Connection) -> Result<Option<i64>, StoreError> {
    Ok(conn.query_row(
        "SELECT max(t) FROM (SELECT max(t) AS t FROM track_points \
         UNION ALL SELECT max(last_t) FROM track_blocks)",
        [],
        |r| r.get(0),
    )?)
}

fn append(conn: &Connection, points: &[(String, TrackPoint)]) -> Result<usize, StoreError> {
    let mut last = last_t(conn)?;
    let mut stmt = conn.prepare_cached(
        "INSERT INTO track_points (t, day, lon, lat, accuracy) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    let mut n = 0;
    for (day, p) in points {
        let ok = p.lon.is_finite() && p.lat.is_finite() && p.accuracy_m.is_finite();
        if !ok || last.is_some_and(|l| p.t <= l) {
            continue;
        }
        stmt.execute(params![p.t, day, p.lon, p.lat, f64::from(p.accuracy_m)])?;
        last = Some(p.t);
        n += 1;
    }
    Ok(n)
}

fn pending_points(
    conn: &Connection,
    day: Option<&str>,
) -> Result<Vec<(String, TrackPoint)>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT day, t, lon, lat, accuracy FROM track_points \
         WHERE ?1 IS NULL OR day = ?1 ORDER BY t",
    )?;
    let rows = stmt.query_map([day], |r| {
        Ok((
            r.get::<_, String>(0)?,
            TrackPoint {
                t: r.get(1)?,
                lon: r.get(2)?,
                lat: r.get(3)?,
                accuracy_m: r.get::<_, f64>(4)? as f32,
            },
        ))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Seals every day's pending points into a new block; returns the blocks made.
fn seal(conn: &Connection) -> Result<Vec<(String, u32)>, StoreError> {
    let points = pending_points(conn, None)?;
    let mut by_day: Vec<(String, Vec<TrackPoint>)> = Vec::new();
    for (day, p) in points {
        match by_day.last_mut() {
            Some((d, v)) if *d == day => v.push(p),
            _ => by_day.push((day, vec![p])),
        }
    }
    let mut made = Vec::new();
    for (day, pts) in by_day {
        let seq: i64 = conn.query_row(
            "SELECT coalesce(max(seq) + 1, 0) FROM track_blocks WHERE day = ?1",
            [&day],
            |r| r.get(0),
        )?;
        let bytes = encode_block(&pts);
        let last = pts.last().map_or(0, |p| p.t);
        conn.execute(
            "INSERT INTO track_blocks (day, seq, points, last_t, bytes) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![day, seq, pts.len() as i64, last, bytes],
        )?;
        conn.execute("DELETE FROM track_points WHERE day = ?1", [&day])?;
        made.push((day, u32::try_from(seq).unwrap_or(u32::MAX)));
    }
    Ok(made)
}

fn count(conn: &Connection, sql: &str) -> Result<u64, StoreError> {
    let n: i64 = conn.query_row(sql, [], |r| r.get(0))?;
    Ok(u64::try_from(n).unwrap_or(0))
}

impl DeviceStore {
    /// Appends recorded points (each with its tenant-local day); points not after the latest
    /// kept one are dropped. Returns how many were kept.
    pub fn patrol_append(&mut self, points: &[(String, TrackPoint)]) -> Result<usize, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let n = append(&tx, points)?;
        tx.commit()?;
        Ok(n)
    }

    /// Seals the pending points of every day into new blocks (one per day with points), in one
    /// transaction; returns `(day, seq)` of each block made.
    pub fn patrol_seal(&mut self) -> Result<Vec<(String, u32)>, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let made = seal(&tx)?;
        tx.commit()?;
        Ok(made)
    }

    /// The time of the oldest point not sealed yet (Unix s).
    pub fn patrol_unsealed_since(&self) -> Result<Option<i64>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT min(t) FROM track_points", [], |r| r.get(0))?)
    }

    /// Records a 签到/签退 with the points that close the track before it (a sign-out's stop),
    /// sealing the pending points when `seal_after` (sign-out), all in one transaction. An event
    /// with an id already stored is ignored.
    pub fn patrol_sign(
        &mut self,
        sign: &SignRow,
        points: &[(String, TrackPoint)],
        seal_after: bool,
    ) -> Result<(), StoreError> {
        if !(sign.lon.is_finite() && sign.lat.is_finite()) {
            return Err(StoreError::InvalidInput {
                what: "sign position",
                reason: "not a number".into(),
            });
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        append(&tx, points)?;
        tx.execute(
            "INSERT INTO sign_events (id, kind, at, lon, lat) VALUES (?1, ?2, ?3, ?4, ?5) \
             ON CONFLICT (id) DO NOTHING",
            params![sign.id, kind_text(sign.kind), sign.at, sign.lon, sign.lat],
        )?;
        if seal_after {
            seal(&tx)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The latest sign event (on duty when it is a sign-in).
    pub fn patrol_last_sign(&self) -> Result<Option<SignRow>, StoreError> {
        Ok(self.signs("ORDER BY at DESC, rowid DESC LIMIT 1")?.pop())
    }

    /// Sign events not yet sent, oldest first.
    pub fn patrol_unsent_signs(&self) -> Result<Vec<SignRow>, StoreError> {
        self.signs("WHERE state = 'pending' ORDER BY at, rowid")
    }

    /// Sign events at or after `from_ms`, oldest first.
    pub fn patrol_signs_since(&self, from_ms: i64) -> Result<Vec<SignRow>, StoreError> {
        let mut all = self.signs("ORDER BY at, rowid")?;
        all.retain(|s| s.at >= from_ms);
        Ok(all)
    }

    fn signs(&self, tail: &str) -> Result<Vec<SignRow>, StoreError> {
        let sql = format!("SELECT id, kind, at, lon, lat, state, code FROM sign_events {tail}");
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map([], |r| {
            Ok(SignRow {
                id: r.get(0)?,
                kind: if r.get::<_, String>(1)? == "out" {
                    SignKindWire::Out
                } else {
                    SignKindWire::In
                },
                at: r.get(2)?,
                lon: r.get(3)?,
                lat: r.get(4)?,
                state: OutboxState::parse(&r.get::<_, String>(5)?),
                code: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Sealed blocks not yet sent, by day then seq.
    pub fn patrol_unsent_blocks(&self) -> Result<Vec<TrackBlockRow>, StoreError> {
        self.blocks("WHERE state = 'pending' ORDER BY day, seq", None)
    }

    /// Every sealed block of `day`, in order.
    pub fn patrol_day_blocks(&self, day: &str) -> Result<Vec<TrackBlockRow>, StoreError> {
        self.blocks("WHERE day = ?1 ORDER BY seq", Some(day))
    }

    fn blocks(&self, tail: &str, day: Option<&str>) -> Result<Vec<TrackBlockRow>, StoreError> {
        let sql = format!("SELECT day, seq, points, bytes, state, code FROM track_blocks {tail}");
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let map = |r: &rusqlite::Row<'_>| {
            Ok(TrackBlockRow {
                day: r.get(0)?,
                seq: u32::try_from(r.get::<_, i64>(1)?).unwrap_or(u32::MAX),
                points: u32::try_from(r.get::<_, i64>(2)?).unwrap_or(u32::MAX),
                bytes: r.get(3)?,
                state: OutboxState::parse(&r.get::<_, String>(4)?),
                code: r.get(5)?,
            })
        };
        let rows = match day {
            Some(d) => stmt.query_map([d], map)?.collect::<Result<Vec<_>, _>>()?,
            None => stmt.query_map([], map)?.collect::<Result<Vec<_>, _>>()?,
        };
        Ok(rows)
    }

    /// The day's points: its sealed blocks decoded, then its pending points.
    pub fn patrol_day_points(&self, day: &str) -> Result<Vec<TrackPoint>, StoreError> {
        let mut record = Vec::new();
        for b in self.patrol_day_blocks(day)? {
            record.extend_from_slice(&b.bytes);
        }
        let mut points = decode(&record).map_err(|e| StoreError::corrupt("track_blocks", e))?;
        points.extend(
            pending_points(&self.conn, Some(day))?
                .into_iter()
                .map(|(_, p)| p),
        );
        Ok(points)
    }

    /// The bytes of the day's record (its sealed blocks concatenated).
    pub fn patrol_day_record(&self, day: &str) -> Result<Vec<u8>, StoreError> {
        Ok(self
            .patrol_day_blocks(day)?
            .into_iter()
            .flat_map(|b| b.bytes)
            .collect())
    }

    /// Replaces the cached survey tasks with the server's list.
    pub fn survey_cache_replace(
        &mut self,
        tasks: &[SurveyTaskWire],
        at_ms: i64,
    ) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute("DELETE FROM survey_tasks", [])?;
        for t in tasks {
            let json = serde_json::to_string(t)
                .map_err(|e| StoreError::corrupt("survey_tasks.task", e))?;
            tx.execute(
                "INSERT INTO survey_tasks (id, task, fetched_at) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (id) DO UPDATE SET task = excluded.task",
                params![t.id.to_string(), json, at_ms],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The cached survey tasks, by due time.
    pub fn survey_tasks(&self) -> Result<Vec<SurveyTaskWire>, StoreError> {
        let mut stmt = self.conn.prepare_cached("SELECT task FROM survey_tasks")?;
        let texts = stmt
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        let mut out = texts
            .iter()
            .map(|t| serde_json::from_str(t).map_err(|e| StoreError::corrupt("survey_tasks", e)))
            .collect::<Result<Vec<SurveyTaskWire>, _>>()?;
        out.sort_by(|a, b| (a.due_at, &a.title).cmp(&(b.due_at, &b.title)));
        Ok(out)
    }

    /// One cached survey task.
    pub fn survey_task(&self, id: SurveyId) -> Result<Option<SurveyTaskWire>, StoreError> {
        let text: Option<String> = self
            .conn
            .query_row(
                "SELECT task FROM survey_tasks WHERE id = ?1",
                [id.to_string()],
                |r| r.get(0),
            )
            .optional()?;
        text.map(|t| serde_json::from_str(&t).map_err(|e| StoreError::corrupt("survey_tasks", e)))
            .transpose()
    }

    /// Queues a survey mark (a mark with an id already stored is ignored).
    pub fn survey_mark_add(
        &mut self,
        survey_id: SurveyId,
        mark: &SurveyMarkWire,
    ) -> Result<(), StoreError> {
        let json = serde_json::to_string(mark).map_err(|e| StoreError::corrupt("mark", e))?;
        self.conn.execute(
            "INSERT INTO survey_marks (id, survey_id, mark) VALUES (?1, ?2, ?3) \
             ON CONFLICT (id) DO NOTHING",
            params![mark.id, survey_id.to_string(), json],
        )?;
        Ok(())
    }

    /// The marks made on this device for `survey_id` (every state), oldest first.
    pub fn survey_marks(&self, survey_id: SurveyId) -> Result<Vec<SurveyMarkRow>, StoreError> {
        self.marks(Some(survey_id))
            .map(|v| v.into_iter().filter(|m| m.survey_id == survey_id).collect())
    }

    /// Marks not yet sent, oldest first.
    pub fn survey_unsent_marks(&self) -> Result<Vec<SurveyMarkRow>, StoreError> {
        Ok(self
            .marks(None)?
            .into_iter()
            .filter(|m| m.state == OutboxState::Pending)
            .collect())
    }

    fn marks(&self, survey: Option<SurveyId>) -> Result<Vec<SurveyMarkRow>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT survey_id, mark, state, code FROM survey_marks \
             WHERE ?1 IS NULL OR survey_id = ?1 ORDER BY rowid",
        )?;
        let rows = stmt
            .query_map([survey.map(|s| s.to_string())], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<String>>(3)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(sid, json, state, code)| {
                Ok(SurveyMarkRow {
                    survey_id: SurveyId::parse(&sid)
                        .map_err(|e| StoreError::corrupt("survey_marks.survey_id", e))?,
                    mark: serde_json::from_str(&json)
                        .map_err(|e| StoreError::corrupt("survey_marks.mark", e))?,
                    state: OutboxState::parse(&state),
                    code,
                })
            })
            .collect()
    }

    fn item_update(
        &mut self,
        item: PatrolItem<'_>,
        set: &str,
        code: Option<&str>,
    ) -> Result<(), StoreError> {
        let (table, key) = match item {
            PatrolItem::Block { .. } => ("track_blocks", "day = ?2 AND seq = ?3"),
            PatrolItem::Sign(_) => ("sign_events", "id = ?2"),
            PatrolItem::Mark(_) => ("survey_marks", "id = ?2"),
        };
        // Only a pending row moves: sent and refused are final.
        let sql = format!("UPDATE {table} SET {set} WHERE {key} AND state = 'pending'");
        match item {
            PatrolItem::Block { day, seq } => self.conn.execute(&sql, params![code, day, seq])?,
            PatrolItem::Sign(id) | PatrolItem::Mark(id) => {
                self.conn.execute(&sql, params![code, id])?
            }
        };
        Ok(())
    }

    /// The server has the item.
    pub fn patrol_item_sent(&mut self, item: PatrolItem<'_>) -> Result<(), StoreError> {
        self.item_update(item, "state = 'sent', code = ?1", None)
    }

    /// The server refused the item for good with `code`: it is kept, never sent again.
    pub fn patrol_item_refused(
        &mut self,
        item: PatrolItem<'_>,
        code: &str,
    ) -> Result<(), StoreError> {
        self.item_update(item, "state = 'refused', code = ?1", Some(code))
    }

    /// An attempt failed (network, server busy): counted with its code, retried later.
    pub fn patrol_item_failed(
        &mut self,
        item: PatrolItem<'_>,
        code: &str,
    ) -> Result<(), StoreError> {
        self.item_update(item, "attempts = attempts + 1, code = ?1", Some(code))
    }

    /// What waits and what was refused.
    pub fn patrol_counts(&self) -> Result<PatrolCounts, StoreError> {
        let c = |sql| count(&self.conn, sql);
        Ok(PatrolCounts {
            unsealed_points: c("SELECT count(*) FROM track_points")?,
            pending_blocks: c("SELECT count(*) FROM track_blocks WHERE state = 'pending'")?,
            refused_blocks: c("SELECT count(*) FROM track_blocks WHERE state = 'refused'")?,
            pending_signs: c("SELECT count(*) FROM sign_events WHERE state = 'pending'")?,
            refused_signs: c("SELECT count(*) FROM sign_events WHERE state = 'refused'")?,
            pending_marks: c("SELECT count(*) FROM survey_marks WHERE state = 'pending'")?,
            refused_marks: c("SELECT count(*) FROM survey_marks WHERE state = 'refused'")?,
        })
    }
}
