//! The command line of the `gridcase-server` binary (clap): `serve`, `migrate`, tenant,
//! department, user and device administration, `import`, `backup`, `run-jobs --once` and
//! `bad-docs` (unreadable documents and failed job runs).
//! Every command reads the same configuration (`--config`, then `GRIDCASE_*` variables) and
//! works on the data directory it names. Listing commands print JSON.
//!
//! Secrets never travel in argv (the process list): passwords are read from a file
//! (`--password-file`) or standard input (`--password-stdin`); generated keys and secrets are
//! printed once on standard output. Every administrative act is written to the audit log
//! (`audit list`, `audit verify`).

use crate::biz::{admin, audit, import, jobs};
use crate::config::Config;
use crate::deployment::Deployment;
use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use gridcase_core::model::Role;
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

/// gridcase sync server and administration.
#[derive(Parser, Debug)]
#[command(name = "gridcase-server", version, about)]
pub struct Cli {
    /// Configuration file (TOML); `GRIDCASE_*` environment variables override it.
    #[arg(long, global = true, env = "GRIDCASE_CONFIG")]
    pub config: Option<PathBuf>,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Commands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the HTTP API with the scheduler in the same process.
    Serve,
    /// Create or upgrade the database schema, then exit.
    Migrate,
    /// Tenants (counties).
    #[command(subcommand)]
    Tenant(TenantCmd),
    /// Departments (专业部门).
    #[command(subcommand)]
    Dept(DeptCmd),
    /// User accounts.
    #[command(subcommand)]
    User(UserCmd),
    /// Enrolled devices.
    #[command(subcommand)]
    Device(DeviceCmd),
    /// Import a tenant directory (departments, users, cells, calendar, limits, responsibility).
    /// New accounts get the initial password (the files hold none) and must change it at their
    /// first sign-in, unless `--training`.
    Import {
        /// Tenant code (6 digits).
        #[arg(long)]
        tenant: String,
        /// The initial password of new accounts (needed when there are new accounts).
        #[command(flatten)]
        password: OptionalPasswordArg,
        /// A demo or training tenant: new accounts keep the shared password (no forced change).
        /// Never for real accounts.
        #[arg(long)]
        training: bool,
        /// The directory.
        dir: PathBuf,
    },
    /// Write an online backup to `<data>/backups/<timestamp>.sqlite`.
    Backup,
    /// Copy this SQLite deployment (the configuration's data directory) into an empty
    /// PostgreSQL database, and its local photos into the configured S3 object store; verifies
    /// row counts, document heads and bytes, and object sizes (docs/deployment.md).
    MigrateToPostgres {
        /// A file holding the target's `postgres://…` URL (it may contain the password, so it
        /// is not taken on the command line).
        #[arg(long)]
        url_file: PathBuf,
    },
    /// Generate the demo tenant (620102, synthetic), import it and serve.
    Demo {
        /// Where to write the demo files (default `<data>/demo-620102`).
        #[arg(long)]
        dir: Option<PathBuf>,
        /// The generator's seed.
        #[arg(long, default_value_t = gridcase_core::demo::DEFAULT_SEED)]
        seed: u64,
        /// A file holding the password of every demo account (default: `GRIDCASE_DEMO_PASSWORD`,
        /// else the public demo password `Gridcase-2026`).
        #[arg(long)]
        password_file: Option<PathBuf>,
        /// Days of generated case history written into the tenant the first time (every channel,
        /// state and outcome; `biz::training`); 0 for none.
        #[arg(long, default_value_t = 90)]
        history_days: u32,
    },
    /// Run the scheduled jobs (lights, escalation, compaction, blob GC, backup).
    RunJobs {
        /// Run every job once and exit (for cron).
        #[arg(long)]
        once: bool,
        /// Skip the backup.
        #[arg(long)]
        no_backup: bool,
    },
    /// Intake channels: Open311 keys, the video webhook's secret and cameras, superior imports.
    #[command(subcommand)]
    Intake(crate::cli_intake::IntakeCmd),
    /// Stored case documents that failed to load or read, and failed job runs.
    #[command(subcommand)]
    BadDocs(BadDocsCmd),
    /// The security audit log.
    #[command(subcommand)]
    Audit(AuditCmd),
}

/// Commands on the list of unreadable documents (docs/security/isolation.md).
#[derive(Subcommand, Debug)]
pub enum BadDocsCmd {
    /// List unreadable case documents (JSON).
    List {
        /// Only this tenant.
        #[arg(long)]
        tenant: Option<String>,
    },
    /// List scheduled-job runs that failed for a tenant (JSON).
    Jobs {
        /// Only this tenant.
        #[arg(long)]
        tenant: Option<String>,
    },
    /// Forget one case (once repaired; it is listed again if it still fails).
    Forget {
        /// The case id.
        #[arg(long)]
        case: String,
    },
    /// Forget every listed document and job failure (of one tenant, or all).
    Clear {
        /// Only this tenant.
        #[arg(long)]
        tenant: Option<String>,
    },
}

/// The demo tenant's public password (training only; docs/security/accounts.md).
pub const DEMO_PASSWORD: &str = "Gridcase-2026";

/// Audit log commands.
#[derive(Subcommand, Debug)]
pub enum AuditCmd {
    /// Print the records (JSON), oldest first.
    List {
        /// Only this tenant's records.
        #[arg(long)]
        tenant: Option<String>,
        /// Only records from this time on: `YYYY-MM-DD` (UTC), RFC 3339, or Unix milliseconds.
        #[arg(long)]
        since: Option<String>,
    },
    /// Check the hash chain; exits non-zero naming the first broken record.
    Verify,
}

/// Tenant commands.
#[derive(Subcommand, Debug)]
pub enum TenantCmd {
    /// Create a tenant.
    Create {
        /// 6-digit county code.
        #[arg(long)]
        code: String,
        /// Name.
        #[arg(long)]
        name: String,
    },
    /// List tenants.
    List,
}

/// Department commands.
#[derive(Subcommand, Debug)]
pub enum DeptCmd {
    /// Create a department.
    Create {
        /// Tenant code.
        #[arg(long)]
        tenant: String,
        /// Name.
        #[arg(long)]
        name: String,
        /// The tenant's short code for it.
        #[arg(long)]
        code: Option<String>,
    },
    /// List departments.
    List {
        /// Tenant code.
        #[arg(long)]
        tenant: String,
    },
}

/// A password from a file or standard input (never argv: the process list shows argv).
#[derive(Args, Debug)]
#[group(required = true, multiple = false)]
pub struct PasswordArg {
    /// Read the password from the first line of this file.
    #[arg(long)]
    pub password_file: Option<PathBuf>,
    /// Read the password from the first line of standard input.
    #[arg(long)]
    pub password_stdin: bool,
}

/// [`PasswordArg`] where the password may be absent.
#[derive(Args, Debug)]
#[group(required = false, multiple = false)]
pub struct OptionalPasswordArg {
    /// Read the password from the first line of this file.
    #[arg(long)]
    pub password_file: Option<PathBuf>,
    /// Read the password from the first line of standard input.
    #[arg(long)]
    pub password_stdin: bool,
}

/// The first line of a secret's text (without its line ending).
fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().to_owned()
}

fn read_secret(file: Option<&PathBuf>, stdin: bool) -> Result<Option<String>> {
    if let Some(path) = file {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        return Ok(Some(first_line(&text)));
    }
    if stdin {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s)?;
        return Ok(Some(first_line(&s)));
    }
    Ok(None)
}

impl PasswordArg {
    fn read(&self) -> Result<String> {
        match read_secret(self.password_file.as_ref(), self.password_stdin)? {
            Some(p) if !p.is_empty() => Ok(p),
            _ => bail!("the password is empty (give --password-file F or --password-stdin)"),
        }
    }
}

impl OptionalPasswordArg {
    fn read(&self) -> Result<Option<String>> {
        read_secret(self.password_file.as_ref(), self.password_stdin)
    }
}

/// Parses `--since`: a UTC date, an RFC 3339 time, or Unix milliseconds.
fn parse_since(text: &str) -> Result<i64> {
    if let Ok(ms) = text.parse::<i64>() {
        return Ok(ms);
    }
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text) {
        return Ok(t.timestamp_millis());
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(d
            .and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc().timestamp_millis())
            .unwrap_or_default());
    }
    bail!("--since {text:?}: give YYYY-MM-DD, an RFC 3339 time or Unix milliseconds")
}

/// User commands.
#[derive(Subcommand, Debug)]
pub enum UserCmd {
    /// Create an account.
    Create {
        /// Tenant code.
        #[arg(long)]
        tenant: String,
        /// Login name.
        #[arg(long)]
        username: String,
        /// Display name.
        #[arg(long)]
        name: String,
        /// Role: inspector, intake_operator, shift_leader, dispatcher, department, leader, admin.
        #[arg(long)]
        role: String,
        /// Department id, code or name (department users).
        #[arg(long)]
        department: Option<String>,
        /// Grid cells (inspectors), comma-separated.
        #[arg(long, value_delimiter = ',')]
        cells: Vec<String>,
        /// The initial password (the user must change it at first sign-in unless `--training`).
        #[command(flatten)]
        password: PasswordArg,
        /// A demo or training account: no forced change at first sign-in.
        #[arg(long)]
        training: bool,
    },
    /// Disable an account (its devices stop working at once).
    Disable {
        /// Tenant code.
        #[arg(long)]
        tenant: String,
        /// Login name.
        #[arg(long)]
        username: String,
        /// Re-enable instead.
        #[arg(long)]
        enable: bool,
    },
    /// Reset a password (the user must change it at the next sign-in).
    Passwd {
        /// Tenant code.
        #[arg(long)]
        tenant: String,
        /// Login name.
        #[arg(long)]
        username: String,
        /// The password.
        #[command(flatten)]
        password: PasswordArg,
    },
    /// Set an inspector's grid cells.
    Cells {
        /// Tenant code.
        #[arg(long)]
        tenant: String,
        /// Login name.
        #[arg(long)]
        username: String,
        /// Grid cells, comma-separated.
        #[arg(long, value_delimiter = ',')]
        cells: Vec<String>,
    },
    /// List accounts.
    List {
        /// Tenant code.
        #[arg(long)]
        tenant: String,
    },
}

/// Device commands.
#[derive(Subcommand, Debug)]
pub enum DeviceCmd {
    /// List devices.
    List {
        /// Tenant code.
        #[arg(long)]
        tenant: String,
    },
    /// Revoke a device's token; it stays revoked (signing in again is refused) until readmitted.
    Revoke {
        /// Device id.
        #[arg(long)]
        device: String,
    },
    /// Re-admit a revoked device: it may sign in again.
    Readmit {
        /// Device id.
        #[arg(long)]
        device: String,
    },
}

pub(crate) fn print_json<T: serde::Serialize>(value: &T) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

fn open(config: &Config) -> Result<Deployment> {
    Deployment::open(config.clone())
        .with_context(|| format!("opening data directory {}", config.data_dir.display()))
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    let config = Config::load(cli.config.as_deref())?;
    match cli.command {
        Command::Serve => serve(config),
        Command::Migrate => {
            let dep = open(&config)?;
            let version = dep.db().schema_version()?;
            println!("schema version {version} at {}", dep.db().describe());
            Ok(())
        }
        Command::Tenant(TenantCmd::Create { code, name }) => {
            admin::create_tenant(&open(&config)?, &code, &name)?;
            println!("tenant {code} created");
            Ok(())
        }
        Command::Tenant(TenantCmd::List) => print_json(&admin::list_tenants(&open(&config)?)?),
        Command::Dept(DeptCmd::Create { tenant, name, code }) => {
            let id = admin::create_department(&open(&config)?, &tenant, &name, code.as_deref())?;
            println!("{id}");
            Ok(())
        }
        Command::Dept(DeptCmd::List { tenant }) => {
            print_json(&admin::list_departments(&open(&config)?, &tenant)?)
        }
        Command::User(cmd) => user(&config, cmd),
        Command::Device(DeviceCmd::List { tenant }) => {
            print_json(&admin::list_devices(&open(&config)?, &tenant)?)
        }
        Command::Device(DeviceCmd::Revoke { device }) => {
            let changed = admin::revoke(&open(&config)?, &device)?;
            println!(
                "{}",
                if changed {
                    "revoked"
                } else {
                    "already revoked"
                }
            );
            Ok(())
        }
        Command::Device(DeviceCmd::Readmit { device }) => {
            let changed = admin::readmit(&open(&config)?, &device)?;
            println!("{}", if changed { "readmitted" } else { "not revoked" });
            Ok(())
        }
        Command::Import {
            tenant,
            password,
            training,
            dir,
        } => {
            let dep = open(&config)?;
            let new_accounts = if training {
                import::NewAccounts::Training
            } else {
                import::NewAccounts::MustChangePassword
            };
            let password = password.read()?;
            let report =
                import::import_dir_as(&dep, &tenant, &dir, password.as_deref(), new_accounts)?;
            print_json(&report)
        }
        Command::Audit(AuditCmd::List { tenant, since }) => {
            let since = since.as_deref().map(parse_since).transpose()?;
            print_json(&audit::list(&open(&config)?, tenant.as_deref(), since)?)
        }
        Command::Audit(AuditCmd::Verify) => {
            let report = audit::verify(&open(&config)?)?;
            print_json(&report)?;
            if let Some(broken) = &report.first_broken {
                bail!(
                    "the audit log is broken at record {}: {}",
                    broken.seq,
                    broken.reason
                );
            }
            Ok(())
        }
        Command::Demo {
            dir,
            seed,
            password_file,
            history_days,
        } => {
            let demo_password = match password_file {
                Some(path) => read_secret(Some(&path), false)?.unwrap_or_default(),
                None => std::env::var("GRIDCASE_DEMO_PASSWORD")
                    .unwrap_or_else(|_| DEMO_PASSWORD.to_owned()),
            };
            let dir = dir.unwrap_or_else(|| config.data_dir.join("demo-620102"));
            let demo = gridcase_core::demo::DemoTenant::generate(seed);
            demo.write_to(&dir)
                .with_context(|| format!("writing {}", dir.display()))?;
            let tenant = demo.info.code.to_string();
            {
                let dep = open(&config)?;
                let report = import::import_dir_as(
                    &dep,
                    &tenant,
                    &dir,
                    Some(&demo_password),
                    import::NewAccounts::Training,
                )?;
                eprintln!(
                    "demo tenant {tenant} (training only): {} accounts created ({} kept); files in {}",
                    report.users_created,
                    report.users_kept,
                    dir.display()
                );
                let history =
                    crate::biz::training::generate(&dep, &tenant, seed, history_days, dep.now())?;
                if history.cases > 0 {
                    eprintln!(
                        "demo tenant {tenant}: {} cases of history over {history_days} days written \
                         ({} with rework, {} with 督办)",
                        history.cases, history.reworked, history.escalated
                    );
                }
            }
            serve(config)
        }
        Command::MigrateToPostgres { url_file } => {
            let url = std::fs::read_to_string(&url_file)
                .with_context(|| format!("reading {}", url_file.display()))?;
            let report = crate::biz::move_up::migrate_to_postgres(&config, url.trim(), |line| {
                eprintln!("{line}")
            })?;
            for (table, rows) in &report.database.tables {
                println!("{table}\t{rows}");
            }
            println!(
                "已校验 {} 个案件文档；对象复制 {} 个（{} 字节），已存在 {} 个",
                report.database.documents_verified,
                report.objects_copied,
                report.bytes_copied,
                report.objects_present
            );
            Ok(())
        }
        Command::Backup => {
            let dep = open(&config)?;
            let path = jobs::backup(&dep, dep.now())?;
            println!("{}", path.display());
            Ok(())
        }
        Command::RunJobs { once, no_backup } => {
            if !once {
                bail!("run-jobs runs once (--once); `serve` runs the scheduler continuously");
            }
            let dep = open(&config)?;
            // On PostgreSQL the jobs run once across instances: only the scheduler's leader.
            let _lead = match dep.db().postgres() {
                Some(pg) => match pg.try_lead()? {
                    Some(lead) => Some(lead),
                    None => {
                        eprintln!("另一实例正在运行定时任务（持有调度领导锁），本次不运行");
                        return Ok(());
                    }
                },
                None => None,
            };
            let report = jobs::run_all(
                &dep,
                dep.now(),
                !no_backup && dep.db().sqlite_path().is_some(),
            )?;
            print_json(&report)?;
            // Skipped documents are listed; a failed run makes the exit status say so (cron).
            if !report.failures.is_empty() {
                bail!(
                    "{} job run(s) failed (see `gridcase-server bad-docs jobs`)",
                    report.failures.len()
                );
            }
            Ok(())
        }
        Command::Intake(cmd) => crate::cli_intake::run(&open(&config)?, cmd),
        Command::BadDocs(cmd) => bad_docs(&open(&config)?, cmd),
    }
}

fn bad_docs(dep: &Deployment, cmd: BadDocsCmd) -> Result<()> {
    use crate::db::bad_docs;
    match cmd {
        BadDocsCmd::List { tenant } => {
            print_json(&dep.db().read(|tx| bad_docs::list(tx, tenant.as_deref()))?)
        }
        BadDocsCmd::Jobs { tenant } => print_json(
            &dep.db()
                .read(|tx| bad_docs::job_failures(tx, tenant.as_deref()))?,
        ),
        BadDocsCmd::Forget { case } => {
            let known = dep.db().write(|tx| bad_docs::forget(tx, &case))?;
            println!("{}", if known { "forgotten" } else { "not listed" });
            Ok(())
        }
        BadDocsCmd::Clear { tenant } => {
            let n = dep
                .db()
                .write(|tx| bad_docs::clear(tx, tenant.as_deref()))?;
            println!("{n} entries cleared");
            Ok(())
        }
    }
}

fn user(config: &Config, cmd: UserCmd) -> Result<()> {
    let dep = open(config)?;
    match cmd {
        UserCmd::Create {
            tenant,
            username,
            name,
            role,
            department,
            cells,
            password,
            training,
        } => {
            let role = Role::parse(&role).with_context(|| format!("unknown role {role}"))?;
            let spec = admin::UserSpec {
                tenant,
                username,
                display_name: name,
                role,
                department,
                cells,
                password: password.read()?,
            };
            println!("{}", admin::create_user_as(&dep, &spec, !training)?);
        }
        UserCmd::Disable {
            tenant,
            username,
            enable,
        } => admin::set_disabled(&dep, &tenant, &username, !enable)?,
        UserCmd::Passwd {
            tenant,
            username,
            password,
        } => admin::set_password(&dep, &tenant, &username, &password.read()?)?,
        UserCmd::Cells {
            tenant,
            username,
            cells,
        } => admin::set_cells(&dep, &tenant, &username, &cells)?,
        UserCmd::List { tenant } => print_json(&admin::list_users(&dep, &tenant)?)?,
    }
    Ok(())
}

fn serve(config: Config) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let server = crate::server::spawn(config).await?;
        println!("listening on {}", server.url());
        shutdown_signal().await;
        tracing::info!("shutting down");
        server.shutdown().await?;
        Ok(())
    })
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}

/// The binary's entry point: logging to stderr (`GRIDCASE_LOG` or `RUST_LOG`, default `info`),
/// then the command.
pub fn main() -> ExitCode {
    let filter = std::env::var("GRIDCASE_LOG")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_else(|_| "info".to_owned());
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
