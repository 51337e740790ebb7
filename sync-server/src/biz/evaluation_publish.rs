//! 发布与冻结 (issue 12, item 5): a shift leader or administrator publishes a period's
//! evaluation; every table of the period and the rules it used are stored as one immutable
//! snapshot (db::snapshots), and reads of that exact period serve the snapshot from then on.
//!
//! Invariants:
//! - A snapshot is never changed: late events and re-imported rules move only the live
//!   recomputation (`?live=1`); a read of a published period returns the stored tables, the
//!   same bytes every time (JSON, CSV; the XLSX too, its creation time being the publication's).
//! - Publishing computes all nine tables from one read transaction, with the rules loaded in
//!   that same transaction, so the figures and the rules fingerprint describe one state.
//! - The first publication of a period is version 1; any later one needs a non-empty reason
//!   (`republish_reason_required`) and gets the next version; every version stays readable.
//! - Publishing (and a refused attempt) is written to the audit log; a successful one in the
//!   same transaction as the snapshot.
//! - Only the caller's tenant is read or written. Shift leaders (值班长) and administrators
//!   publish; leaders (领导) read published and live figures but do not publish; other roles
//!   neither (`evaluation_forbidden` to read, `evaluation_publish_forbidden` to publish).

use super::Caller;
use super::audit::{self, Entry};
use super::evaluation::{self, EvaluationQuery, EvaluationReport, Folded};
use super::evaluation_export::Stamp;
use super::isolation;
use super::rules::TenantRules;
use crate::db::snapshots::{self, NewSnapshot, SnapshotRow};
use crate::deployment::Deployment;
use crate::error::{Result, ServerError};
use gridcase_core::evaluation::{Level, Period, Table};
use gridcase_core::model::{Role, Timestamp};
use gridcase_core::protocol::ErrorCode;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The longest reason accepted (characters).
pub const MAX_REASON_CHARS: usize = 500;

/// Whether a role may publish a period.
pub fn may_publish(role: Role) -> bool {
    match role {
        Role::ShiftLeader | Role::Admin => true,
        Role::Leader
        | Role::Inspector
        | Role::IntakeOperator
        | Role::Dispatcher
        | Role::Department
        | Role::System => false,
    }
}

/// The body of `POST /v1/evaluation/publish`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublishBody {
    /// Period start, as the evaluation query takes it (date or Unix ms).
    pub from: String,
    /// Period end, exclusive, in the same forms.
    pub to: String,
    /// Why; required when the period was published before.
    #[serde(default)]
    pub reason: Option<String>,
}

/// What a read of `/v1/evaluation` asks besides the table (query string).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ReadOptions {
    /// A published version of the period (`1`, `2`, …).
    pub version: Option<String>,
    /// `1`/`true`: the live recomputation even when the period is published.
    pub live: Option<String>,
}

/// The `published` object of a read: which version was served, by whom, why, under which
/// rules.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Published {
    /// The version served (the listing tells whether it is the period's latest; a read
    /// without `version` serves the latest).
    pub version: i64,
    /// When it was published (Unix ms).
    pub published_at: i64,
    /// The publisher's user id.
    pub published_by: String,
    /// The publisher's name at the time.
    pub published_by_name: String,
    /// The publisher's role.
    pub published_by_role: String,
    /// Why (always present from version 2 on).
    pub reason: Option<String>,
    /// Cases folded.
    pub case_count: i64,
    /// Whether the period had ended when it was published.
    pub period_ended: bool,
    /// Hex SHA-256 over the rule files in force (see [`RulesInForce`]).
    pub rules_fingerprint: String,
    /// Hex SHA-256 over the stored tables.
    pub figures_sha256: String,
}

impl Published {
    fn of(row: &SnapshotRow) -> Published {
        Published {
            version: row.version,
            published_at: row.published_at,
            published_by: row.published_by.clone(),
            published_by_name: row.published_by_name.clone(),
            published_by_role: row.published_by_role.clone(),
            reason: row.reason.clone(),
            case_count: row.case_count,
            period_ended: row.to <= row.published_at,
            rules_fingerprint: row.rules_fingerprint.clone(),
            figures_sha256: row.figures_sha256.clone(),
        }
    }

    /// The lines a published workbook's 评价口径 sheet adds.
    pub fn stamp(&self) -> Stamp {
        let mut lines = vec![
            ("发布版本", format!("第 {} 版", self.version)),
            ("发布时间", local(self.published_at)),
            ("发布人", self.published_by_name.clone()),
        ];
        if let Some(r) = &self.reason {
            lines.push(("发布原因", r.clone()));
        }
        lines.push(("规则指纹（SHA-256）", self.rules_fingerprint.clone()));
        lines.push(("数据指纹（SHA-256）", self.figures_sha256.clone()));
        Stamp {
            lines,
            created_at_ms: self.published_at,
        }
    }
}

fn local(ms: i64) -> String {
    Timestamp(ms).to_shanghai().map_or_else(
        || ms.to_string(),
        |d| d.format("%Y-%m-%d %H:%M:%S").to_string(),
    )
}

/// One table as served: the report and, for a published period, which version it is (`null`
/// for a live recomputation).
#[derive(Clone, Debug, Serialize)]
pub struct Served {
    /// The figures.
    #[serde(flatten)]
    pub report: EvaluationReport,
    /// The publication served, or none (live).
    pub published: Option<Published>,
}

/// A table as stored in a snapshot (the report without the names derived from its level).
#[derive(Serialize, Deserialize)]
struct StoredTable {
    tenant: String,
    tenant_name: String,
    #[serde(default)]
    unreadable_cases: Vec<String>,
    table: Table,
}

impl StoredTable {
    fn report(self) -> EvaluationReport {
        let level = self.table.level;
        EvaluationReport {
            tenant: self.tenant,
            tenant_name: self.tenant_name,
            family: level.family(),
            title: level.label_zh(),
            unreadable_cases: self.unreadable_cases,
            table: self.table,
        }
    }
}

/// A file's name and text (a rule file kept whole in the snapshot).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamedText {
    /// The file name as imported (or the shipped default's).
    pub name: String,
    /// Its text.
    pub text: String,
}

/// One tenant data file in force, by hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleFile {
    /// The kind (`calendar`, `policy`, `evaluation`, `catalog_rules`, `cells`, …).
    pub kind: String,
    /// The file name as imported.
    pub name: String,
    /// Hex SHA-256 of its text.
    pub sha256: String,
}

/// The rules a publication used, stored with it (`rules` column).
///
/// The fingerprint is SHA-256 over, line by line: `gridcase-rules 1`, the server version (the
/// shipped catalog and default files are compiled into it), then `file <kind> <name> <sha256>`
/// for every data file the tenant has imported (every kind, sorted), then `default <kind>
/// <sha256>` for each shipped default used where the tenant has no file (evaluation policy,
/// stage limits; the calendar default is the code's standard weekdays, `builtin`). Equal
/// fingerprints mean the same rule files and the same server version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RulesInForce {
    /// Hex SHA-256 (above).
    pub fingerprint: String,
    /// The server's version.
    pub server_version: String,
    /// Every tenant data file, by hash.
    pub files: Vec<RuleFile>,
    /// Kinds taken from the shipped defaults.
    pub defaults: Vec<String>,
    /// The evaluation policy in force (whole).
    pub evaluation_policy: NamedText,
    /// The stage limits in force (whole).
    pub stage_limits: NamedText,
    /// The work calendar in force (whole; `builtin` for the standard weekdays).
    pub calendar: NamedText,
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The rules in force for the tenant, from its stored files.
pub fn rules_in_force(conn: &crate::db::Connection<'_>, tenant: &str) -> Result<RulesInForce> {
    use super::rules::kind;
    let stored = snapshots::tenant_files(conn, tenant)?;
    let find = |k: &str| {
        stored
            .iter()
            .find(|(kind, _, _)| kind == k)
            .map(|(_, name, text)| NamedText {
                name: name.clone(),
                text: text.clone(),
            })
    };
    let server_version = env!("CARGO_PKG_VERSION").to_owned();
    let mut lines = vec![
        "gridcase-rules 1".to_owned(),
        format!("server {server_version}"),
    ];
    let files: Vec<RuleFile> = stored
        .iter()
        .map(|(kind, name, text)| RuleFile {
            kind: kind.clone(),
            name: name.clone(),
            sha256: sha256_hex(text.as_bytes()),
        })
        .collect();
    for f in &files {
        lines.push(format!("file {} {} {}", f.kind, f.name, f.sha256));
    }
    let mut defaults = Vec::new();
    let mut with_default = |k: &str, name: &str, text: &str| {
        find(k).unwrap_or_else(|| {
            lines.push(format!("default {k} {}", sha256_hex(text.as_bytes())));
            defaults.push(k.to_owned());
            NamedText {
                name: name.to_owned(),
                text: text.to_owned(),
            }
        })
    };
    let evaluation_policy = with_default(
        kind::EVALUATION,
        "evaluation/default.toml",
        gridcase_core::evaluation::DEFAULT_POLICY,
    );
    let stage_limits = with_default(
        kind::POLICY,
        "stage_limits.example.toml",
        super::rules::DEFAULT_POLICY,
    );
    let calendar = with_default(kind::CALENDAR, "builtin", "standard_weekdays");
    let fingerprint = sha256_hex(lines.join("\n").as_bytes());
    Ok(RulesInForce {
        fingerprint,
        server_version,
        files,
        defaults,
        evaluation_policy,
        stage_limits,
        calendar,
    })
}

/// SHA-256 over the stored tables: `<level>\n<json>\n` for each, in level order.
fn figures_sha256(tables: &[(String, String)]) -> String {
    let mut h = Sha256::new();
    for (level, json) in tables {
        h.update(level.as_bytes());
        h.update(b"\n");
        h.update(json.as_bytes());
        h.update(b"\n");
    }
    hex::encode(h.finalize())
}

/// A reason as given: trimmed, none when empty; too long is refused.
fn reason_of(reason: Option<&str>) -> Result<Option<String>> {
    let Some(r) = reason.map(str::trim).filter(|r| !r.is_empty()) else {
        return Ok(None);
    };
    if r.chars().count() > MAX_REASON_CHARS {
        return Err(ServerError::bad_request(format!(
            "发布原因不能超过 {MAX_REASON_CHARS} 字"
        )));
    }
    if r.chars().any(|c| c.is_control() && c != '\n') {
        return Err(ServerError::bad_request("发布原因含有控制字符"));
    }
    Ok(Some(r.to_owned()))
}

fn period_of(from: &str, to: &str) -> Result<Period> {
    Ok(EvaluationQuery {
        from: Some(from.to_owned()),
        to: Some(to.to_owned()),
        ..EvaluationQuery::default()
    }
    .check()?
    .period)
}

fn period_text(p: Period) -> String {
    format!("{} – {}", local(p.from.ms()), local(p.to.ms()))
}

fn refuse_audited(
    dep: &Deployment,
    caller: &Caller,
    source: Option<&str>,
    details: serde_json::Value,
    error: ServerError,
) -> ServerError {
    let tenant = caller.tenant_code();
    let actor = format!("user:{}", caller.user);
    let entry = Entry {
        tenant: Some(&tenant),
        actor: &actor,
        source,
        event: audit::event::EVALUATION_PUBLISH,
        success: false,
        details,
    };
    if let Err(e) = audit::record(dep, &entry) {
        tracing::error!(error = %e, "could not record a refused publication");
    }
    error
}

/// Publishes the period of `body` for the caller's tenant: computes every table, stores them
/// with the rules in force as the next version, records it in the audit log. Returns the
/// publication.
pub fn publish(
    dep: &Deployment,
    caller: &Caller,
    body: &PublishBody,
    source: Option<&str>,
) -> Result<Published> {
    if !may_publish(caller.role) {
        let e = ServerError::api(
            ErrorCode::EvaluationPublishForbidden,
            format!("当前岗位为{}", caller.role.label_zh()),
        );
        let details = serde_json::json!({
            "refused": "evaluation_publish_forbidden",
            "role": caller.role.as_str(),
        });
        return Err(refuse_audited(dep, caller, source, details, e));
    }
    let period = period_of(&body.from, &body.to)?;
    let reason = reason_of(body.reason.as_deref())?;
    let tenant = caller.tenant_code();
    let (from, to) = (period.from.ms(), period.to.ms());

    super::case_index::ensure_spans(dep, &tenant)?;
    let mut skipped = Vec::new();
    let (folded, rules): (Folded, RulesInForce) = dep.db().read(|tx| {
        let tenant_rules = TenantRules::load(tx, &tenant)?;
        let rules = rules_in_force(tx, &tenant)?;
        let folded = evaluation::fold_period_in(
            tx,
            &tenant,
            &tenant_rules,
            period,
            dep.eval_cache(),
            &mut skipped,
        )?;
        Ok((folded, rules))
    })?;
    isolation::report(dep, "evaluation_publish", &skipped);
    let mut tables = Vec::with_capacity(Level::ALL.len());
    for level in Level::ALL {
        let r = folded.report(level, period);
        let stored = StoredTable {
            tenant: r.tenant,
            tenant_name: r.tenant_name,
            unreadable_cases: r.unreadable_cases,
            table: r.table,
        };
        let json = serde_json::to_string(&stored)
            .map_err(|e| ServerError::Internal(format!("snapshot json: {e}")))?;
        tables.push((level.as_str().to_owned(), json));
    }
    let rules_json = serde_json::to_string(&rules)
        .map_err(|e| ServerError::Internal(format!("rules json: {e}")))?;
    let publisher_name = folded
        .dir
        .people
        .get(&caller.user)
        .map(|p| p.name.clone())
        .unwrap_or_default();
    let mut header = SnapshotRow {
        from,
        to,
        version: 0,
        published_at: 0,
        published_by: caller.user.to_string(),
        published_by_name: publisher_name,
        published_by_role: caller.role.as_str().to_owned(),
        reason,
        case_count: folded.cases.len() as i64,
        rules_fingerprint: rules.fingerprint.clone(),
        figures_sha256: figures_sha256(&tables),
    };
    let actor = format!("user:{}", caller.user);
    let now = dep.now().ms();
    header.published_at = now;
    // `Err(previous)`: the period is published and no reason was given.
    let outcome: std::result::Result<SnapshotRow, i64> = dep.db().write(|tx| {
        let version = snapshots::next_version(tx, &tenant, from, to)?;
        if version > 1 && header.reason.is_none() {
            return Ok(Err(version - 1));
        }
        let row = SnapshotRow {
            version,
            ..header.clone()
        };
        snapshots::insert(
            tx,
            &tenant,
            &NewSnapshot {
                header: &row,
                rules: &rules_json,
                tables: &tables,
            },
        )?;
        let details = serde_json::json!({
            "period": period_text(period),
            "period_from": from,
            "period_to": to,
            "version": version,
            "previous_version": (version > 1).then_some(version - 1),
            "reason": row.reason,
            "rules_fingerprint": row.rules_fingerprint,
            "figures_sha256": row.figures_sha256,
        });
        audit::record_in(
            tx,
            &Entry {
                tenant: Some(&tenant),
                actor: &actor,
                source,
                event: audit::event::EVALUATION_PUBLISH,
                success: true,
                details,
            },
            now,
        )?;
        Ok(Ok(row))
    })?;
    match outcome {
        Ok(row) => Ok(Published::of(&row)),
        Err(previous) => {
            let e = ServerError::api(
                ErrorCode::RepublishReasonRequired,
                format!("{} 已发布至第 {previous} 版", period_text(period)),
            );
            let details = serde_json::json!({
                "refused": "republish_reason_required",
                "period": period_text(period),
                "period_from": from,
                "period_to": to,
                "latest_version": previous,
            });
            Err(refuse_audited(dep, caller, source, details, e))
        }
    }
}

fn live_flag(text: Option<&str>) -> Result<bool> {
    match text {
        None | Some("0") | Some("false") => Ok(false),
        Some("1") | Some("true") => Ok(true),
        Some(other) => Err(ServerError::bad_request(format!(
            "live 应为 1 或 0：{other}"
        ))),
    }
}

fn version_of(text: Option<&str>) -> Result<Option<i64>> {
    text.map(|v| {
        v.parse::<i64>()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| ServerError::bad_request(format!("version 应为正整数：{v}")))
    })
    .transpose()
}

/// One table for the caller's tenant: the latest published version when the period was
/// published (or the version asked), the live recomputation otherwise or when asked.
pub fn read(
    dep: &Deployment,
    caller: &Caller,
    query: &EvaluationQuery,
    options: &ReadOptions,
) -> Result<Served> {
    evaluation::check_may_evaluate(caller)?;
    let req = query.check()?;
    let live = live_flag(options.live.as_deref())?;
    let version = version_of(options.version.as_deref())?;
    if live && version.is_some() {
        return Err(ServerError::bad_request("live 与 version 不能同时指定"));
    }
    if !live {
        let tenant = caller.tenant_code();
        let (from, to) = (req.period.from.ms(), req.period.to.ms());
        let level = req.level.as_str();
        let found = dep.db().read(|tx| {
            let Some(latest) = snapshots::latest_version(tx, &tenant, from, to)? else {
                return Ok(None);
            };
            let v = version.unwrap_or(latest);
            let Some(row) = snapshots::get(tx, &tenant, from, to, v)? else {
                return Ok(Some(Err(latest)));
            };
            let json = snapshots::table(tx, &tenant, from, to, v, level)?;
            Ok(Some(Ok((row, json))))
        })?;
        match found {
            Some(Ok((row, Some(json)))) => {
                let stored: StoredTable = serde_json::from_str(&json).map_err(|e| {
                    ServerError::Internal(format!("stored evaluation snapshot: {e}"))
                })?;
                return Ok(Served {
                    report: stored.report(),
                    published: Some(Published::of(&row)),
                });
            }
            Some(Ok((_, None))) => {
                return Err(ServerError::Internal(format!(
                    "the published snapshot has no {level} table"
                )));
            }
            Some(Err(latest)) => {
                return Err(ServerError::api(
                    ErrorCode::EvaluationVersionNotFound,
                    format!("已发布 {latest} 个版本"),
                ));
            }
            None if version.is_some() => {
                return Err(ServerError::api(
                    ErrorCode::EvaluationVersionNotFound,
                    "该期未发布",
                ));
            }
            None => {}
        }
    }
    Ok(Served {
        report: evaluation::report(dep, caller, req)?,
        published: None,
    })
}

/// One row of the listing: a published version of a period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Listed {
    /// Period start (Unix ms).
    pub from: i64,
    /// Period end (Unix ms, exclusive).
    pub to: i64,
    /// Whether this is the period's highest version (the one reads serve).
    pub latest: bool,
    /// The version's metadata.
    #[serde(flatten)]
    pub published: Published,
}

/// Every published version of the caller's tenant, latest period first.
pub fn list(dep: &Deployment, caller: &Caller) -> Result<Vec<Listed>> {
    evaluation::check_may_evaluate(caller)?;
    let tenant = caller.tenant_code();
    let rows = dep.db().read(|tx| snapshots::list(tx, &tenant))?;
    let mut latest = std::collections::HashMap::new();
    for r in &rows {
        let v = latest.entry((r.from, r.to)).or_insert(r.version);
        *v = (*v).max(r.version);
    }
    Ok(rows
        .iter()
        .map(|row| Listed {
            from: row.from,
            to: row.to,
            latest: latest.get(&(row.from, row.to)) == Some(&row.version),
            published: Published::of(row),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The JSON of a snapshot is read back to the same table, float for float, so a published
    /// read serialises to the same bytes as the figures stored.
    #[test]
    fn a_stored_table_reads_back_to_the_same_bytes() {
        use gridcase_core::evaluation::{Column, Figure, FigureKind, Row};
        let awkward = [200.0 / 3.0, 0.1 + 0.2, 70.967_741_935_483_87, 1e-7 / 3.0];
        let figures: Vec<Figure> = awkward
            .iter()
            .enumerate()
            .map(|(i, v)| Figure::score(&format!("k{i}"), "分值", *v))
            .collect();
        let table = Table {
            level: Level::Street,
            from: Timestamp(1_772_294_400_000),
            to: Timestamp(1_774_972_800_000),
            columns: vec![Column {
                key: "k0".into(),
                label: "分值".into(),
                kind: FigureKind::Score,
                weight: 100.0 / 7.0,
            }],
            rows: vec![Row {
                id: "620102001".into(),
                name: "东街道".into(),
                figures,
                score: Some(2.0 / 3.0),
                grade: Some("E".into()),
            }],
        };
        let stored = StoredTable {
            tenant: "620102".into(),
            tenant_name: "城关区".into(),
            unreadable_cases: Vec::new(),
            table,
        };
        let first = serde_json::to_string(&stored).expect("json");
        let back: StoredTable = serde_json::from_str(&first).expect("reads");
        assert_eq!(serde_json::to_string(&back).expect("json"), first);
        let report = back.report();
        assert_eq!(report.title, "街道评价");
        assert_eq!(report.family, "region");
    }

    /// Every rate and score the tables can hold (num/den, 100·rate, 100·(1 − rate), weighted
    /// means) reads back from JSON to the same f64.
    #[test]
    fn figures_read_back_float_for_float() {
        let mut values = Vec::new();
        for den in 1..300u32 {
            for num in 0..=den {
                let r = f64::from(num) / f64::from(den);
                values.extend([
                    r,
                    100.0 * r,
                    100.0 * (1.0 - r),
                    (10.0 * 100.0 + 30.0 * r) / 80.0,
                ]);
            }
        }
        let text = serde_json::to_string(&values).expect("json");
        let back: Vec<f64> = serde_json::from_str(&text).expect("reads");
        let differ = values
            .iter()
            .zip(&back)
            .filter(|(a, b)| a.to_bits() != b.to_bits())
            .count();
        assert_eq!(differ, 0, "of {}", values.len());
    }

    #[test]
    fn reasons_are_trimmed_and_bounded() {
        assert_eq!(reason_of(None).expect("none"), None);
        assert_eq!(reason_of(Some("  \n ")).expect("blank"), None);
        assert_eq!(
            reason_of(Some(" 补录迟到事件 ")).expect("ok"),
            Some("补录迟到事件".to_owned())
        );
        assert!(reason_of(Some(&"长".repeat(MAX_REASON_CHARS + 1))).is_err());
        assert!(reason_of(Some("a\u{7}b")).is_err());
    }

    #[test]
    fn only_shift_leaders_and_admins_publish() {
        let publishers: Vec<Role> = [
            Role::ShiftLeader,
            Role::Admin,
            Role::Leader,
            Role::Inspector,
            Role::IntakeOperator,
            Role::Dispatcher,
            Role::Department,
            Role::System,
        ]
        .into_iter()
        .filter(|r| may_publish(*r))
        .collect();
        assert_eq!(publishers, [Role::ShiftLeader, Role::Admin]);
    }
}
