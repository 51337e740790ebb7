//! `gridcase-server intake …`: the administration of the intake channels (docs/intake.md):
//! Open311 api keys, the video webhook's secret, the camera registry, and the import of a file
//! of cases handed down by a superior platform. Keys and secrets are printed once, on standard
//! output, and never logged.

use crate::biz::audit::{self, CLI_ACTOR, Entry};
use crate::biz::intake::{open311, superior, video};
use crate::cli::print_json;
use crate::db::intake::{self, Camera};
use crate::deployment::Deployment;
use anyhow::{Context, Result, bail};
use clap::Subcommand;
use std::path::PathBuf;

/// Intake commands.
#[derive(Subcommand, Debug)]
pub enum IntakeCmd {
    /// Issue an Open311 api_key for a tenant (printed once; only its SHA-256 is stored).
    Open311Key {
        /// Tenant code.
        #[arg(long)]
        tenant: String,
        /// Who the key is for (an app, a portal).
        #[arg(long)]
        label: String,
    },
    /// Revoke a tenant's Open311 keys with this label.
    Open311Revoke {
        /// Tenant code.
        #[arg(long)]
        tenant: String,
        /// The label given when the key was issued.
        #[arg(long)]
        label: String,
    },
    /// Set a new HMAC secret for the tenant's video webhook (printed once; replaces the old).
    WebhookSecret {
        /// Tenant code.
        #[arg(long)]
        tenant: String,
    },
    /// Cameras of the video analytics platform.
    #[command(subcommand)]
    Camera(CameraCmd),
    /// Import a JSON or CSV file of cases handed down by a superior platform (idempotent).
    ImportSuperior {
        /// Tenant code.
        #[arg(long)]
        tenant: String,
        /// The issuing platform (required for CSV; JSON files name it themselves).
        #[arg(long)]
        issuer: Option<String>,
        /// The file (`.json` or `.csv`).
        file: PathBuf,
    },
}

/// Camera commands.
#[derive(Subcommand, Debug)]
pub enum CameraCmd {
    /// Register or update a camera.
    Add {
        /// Tenant code.
        #[arg(long)]
        tenant: String,
        /// The analytics platform's camera id.
        #[arg(long)]
        code: String,
        /// Name.
        #[arg(long)]
        name: String,
        /// WGS84 longitude.
        #[arg(long, allow_hyphen_values = true)]
        lon: f64,
        /// WGS84 latitude.
        #[arg(long, allow_hyphen_values = true)]
        lat: f64,
        /// Unit grid cell (15 digits).
        #[arg(long)]
        cell: Option<String>,
        /// Address text.
        #[arg(long, default_value = "")]
        address: String,
    },
    /// List a tenant's cameras.
    List {
        /// Tenant code.
        #[arg(long)]
        tenant: String,
    },
}

/// Writes an administrator's act to the audit log (never the key or secret itself).
fn audited(
    dep: &Deployment,
    tenant: &str,
    event: &str,
    details: serde_json::Value,
) -> crate::error::Result<()> {
    audit::record(
        dep,
        &Entry {
            tenant: Some(tenant),
            actor: CLI_ACTOR,
            source: None,
            event,
            success: true,
            details,
        },
    )
}

/// Runs an intake command.
pub fn run(dep: &Deployment, cmd: IntakeCmd) -> Result<()> {
    match cmd {
        IntakeCmd::Open311Key { tenant, label } => {
            let key = open311::issue_key(dep, &tenant, &label)?;
            audited(
                dep,
                &tenant,
                audit::event::KEY_ISSUE,
                serde_json::json!({ "channel": "open311", "label": label }),
            )?;
            println!("{key}");
            Ok(())
        }
        IntakeCmd::Open311Revoke { tenant, label } => {
            let n = open311::revoke_keys(dep, &tenant, &label)?;
            audited(
                dep,
                &tenant,
                audit::event::KEY_REVOKE,
                serde_json::json!({ "channel": "open311", "label": label, "revoked": n }),
            )?;
            println!("{n} key(s) revoked");
            Ok(())
        }
        IntakeCmd::WebhookSecret { tenant } => {
            let secret = video::rotate_secret(dep, &tenant)?;
            audited(
                dep,
                &tenant,
                audit::event::SECRET_ROTATE,
                serde_json::json!({ "channel": "video_webhook" }),
            )?;
            println!("{secret}");
            Ok(())
        }
        IntakeCmd::Camera(CameraCmd::Add {
            tenant,
            code,
            name,
            lon,
            lat,
            cell,
            address,
        }) => {
            video::register_camera(
                dep,
                &Camera {
                    tenant,
                    code: code.clone(),
                    name,
                    lon,
                    lat,
                    cell,
                    address,
                },
            )?;
            println!("camera {code} registered");
            Ok(())
        }
        IntakeCmd::Camera(CameraCmd::List { tenant }) => {
            print_json(&dep.db().read(|tx| intake::cameras(tx, &tenant))?)
        }
        IntakeCmd::ImportSuperior {
            tenant,
            issuer,
            file,
        } => {
            let kind = match file.extension().and_then(|e| e.to_str()) {
                Some("json") => superior::FileKind::Json,
                Some("csv") => superior::FileKind::Csv,
                _ => bail!("{}: the file must end in .json or .csv", file.display()),
            };
            if kind == superior::FileKind::Csv && issuer.is_none() {
                bail!("a CSV file needs --issuer");
            }
            let bytes =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let (issuer, cases) = superior::parse(kind, &bytes, issuer.as_deref().unwrap_or(""))?;
            let report = superior::import(dep, &tenant, &issuer, &cases)?;
            audited(
                dep,
                &tenant,
                audit::event::SUPERIOR_IMPORT,
                serde_json::json!({
                    "issuer": issuer, "file": file.display().to_string(), "cases": cases.len(),
                }),
            )?;
            print_json(&report)
        }
    }
}
