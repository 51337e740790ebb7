//! Photos taken or picked on the device, before they belong to a case ("staged"): each runs
//! through core's photo pipeline once; the upload copy, the thumbnail and the original are
//! written to the user's `photos/` directory under the upload copy's SHA-256, with a small JSON
//! record of what the case document needs (size, EXIF time and place). A case references the
//! upload copy; the outbox uploads it from its file.
//!
//! Invariants: files are written to a temporary name, synced, then renamed, so a crash never
//! leaves a half photo under a real name; a staged photo is addressed only by a validated
//! 64-hex SHA-256, never by a path from the UI.

use crate::dto::{ExifDto, StagedPhoto};
use crate::error::{AppError, AppResult};
use base64::Engine;
use gridcase_core::media::{PhotoPipeline, ProcessedPhoto};
use gridcase_core::model::{Location, PhotoRef, PhotoRole, Sha256, Timestamp};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Largest photo file accepted from the UI (bytes, before decoding).
pub const MAX_PHOTO_BYTES: usize = 40 * 1024 * 1024;

/// What is kept about a staged photo.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct StagedRecord {
    /// The UI's view.
    pub staged: StagedPhoto,
    /// Upload copy size.
    pub size: u64,
    /// EXIF time.
    pub taken_at: Option<i64>,
    /// EXIF position.
    pub location: Option<Location>,
}

/// Writes `bytes` to `path` durably (temp file, fsync, rename).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    if let Some(dir) = path.parent()
        && let Ok(d) = std::fs::File::open(dir)
    {
        let _ = d.sync_all();
    }
    Ok(())
}

/// The photo store of one user.
#[derive(Clone, Debug)]
pub struct PhotoStore {
    dir: PathBuf,
}

fn parse_sha(text: &str) -> AppResult<Sha256> {
    Sha256::parse(text).map_err(|_| AppError::invalid("照片编号无效"))
}

/// A JPEG as a `data:` URL.
pub fn data_url(bytes: &[u8]) -> String {
    format!(
        "data:image/jpeg;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

impl PhotoStore {
    /// The store in `dir` (created when missing).
    pub fn open(dir: PathBuf) -> AppResult<PhotoStore> {
        std::fs::create_dir_all(&dir)?;
        Ok(PhotoStore { dir })
    }

    /// The upload copy's file.
    pub fn upload_path(&self, sha: &Sha256) -> PathBuf {
        self.dir.join(format!("{sha}.jpg"))
    }

    fn thumb_path(&self, sha: &Sha256) -> PathBuf {
        self.dir.join(format!("{sha}.thumb.jpg"))
    }

    fn record_path(&self, sha: &Sha256) -> PathBuf {
        self.dir.join(format!("{sha}.json"))
    }

    /// Runs the pipeline on a photo from the UI (base64 of the file) and keeps the results.
    pub fn stage(&self, name: &str, data_base64: &str) -> AppResult<StagedPhoto> {
        if data_base64.len() > MAX_PHOTO_BYTES / 3 * 4 + 4 {
            return Err(AppError::new(
                "photo_too_large",
                format!("照片文件超过 {} MB", MAX_PHOTO_BYTES / 1024 / 1024),
            ));
        }
        let body = data_base64
            .split_once("base64,")
            .map_or(data_base64, |(_, b)| b);
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(body.trim())
            .map_err(|_| AppError::invalid("照片数据无法读取（不是有效的 base64）"))?;
        self.stage_bytes(name, &bytes)
    }

    /// Runs the pipeline on a photo's bytes and keeps the results.
    pub fn stage_bytes(&self, name: &str, bytes: &[u8]) -> AppResult<StagedPhoto> {
        let processed = PhotoPipeline::default().process(bytes)?;
        self.keep(name, bytes, &processed)
    }

    fn keep(&self, name: &str, original: &[u8], p: &ProcessedPhoto) -> AppResult<StagedPhoto> {
        let sha = p.upload.sha256;
        write_atomic(&self.dir.join(format!("{sha}.orig.jpg")), original)?;
        write_atomic(&self.upload_path(&sha), &p.upload.bytes)?;
        write_atomic(&self.thumb_path(&sha), &p.thumbnail.bytes)?;
        let gps = p.exif.gps;
        let staged = StagedPhoto {
            sha256: sha.to_string(),
            thumb_url: data_url(&p.thumbnail.bytes),
            width: p.upload.width,
            height: p.upload.height,
            exif: ExifDto {
                lon: gps.map(|g| g.lon),
                lat: gps.map(|g| g.lat),
                accuracy_m: gps.and_then(|g| g.accuracy_m),
                taken_at: p.exif.taken_at.map(|t| t.0),
                orientation: p.exif.orientation,
                make: p.exif.make.clone(),
                model: p.exif.model.clone(),
            },
            name: name.chars().take(120).collect(),
        };
        let record = StagedRecord {
            staged: staged.clone(),
            size: p.upload.bytes.len() as u64,
            taken_at: p.exif.taken_at.map(|t| t.0),
            location: gps,
        };
        write_atomic(&self.record_path(&sha), &serde_json::to_vec(&record)?)?;
        Ok(staged)
    }

    /// A staged photo's record.
    pub fn record(&self, sha: &str) -> AppResult<StagedRecord> {
        let sha = parse_sha(sha)?;
        let text = std::fs::read(self.record_path(&sha))
            .map_err(|_| AppError::not_found("该照片（请重新拍摄或选择）"))?;
        Ok(serde_json::from_slice(&text)?)
    }

    /// The reference a case document keeps for a staged photo.
    pub fn photo_ref(&self, sha: &str, role: PhotoRole) -> AppResult<(PhotoRef, PathBuf)> {
        let r = self.record(sha)?;
        let sha256 = parse_sha(sha)?;
        Ok((
            PhotoRef {
                sha256,
                role,
                taken_at: r.taken_at.map(Timestamp),
                location: r.location,
                size: r.size,
            },
            self.upload_path(&sha256),
        ))
    }

    /// The best local copy of a photo as a data URL: the thumbnail, else the upload copy.
    pub fn local_url(&self, sha: &Sha256) -> Option<String> {
        std::fs::read(self.thumb_path(sha))
            .or_else(|_| std::fs::read(self.upload_path(sha)))
            .ok()
            .map(|b| data_url(&b))
    }

    /// Keeps a photo fetched from the server (an upload copy) under its hash, after checking it.
    pub fn keep_fetched(&self, sha: &Sha256, bytes: &[u8]) -> AppResult<()> {
        if Sha256::digest(bytes) != *sha {
            return Err(AppError::new("photo_mismatch", "下载的照片校验失败"));
        }
        write_atomic(&self.upload_path(sha), bytes)?;
        Ok(())
    }
}

/// The zh label of a photo role.
pub fn role_label(role: PhotoRole) -> &'static str {
    match role {
        PhotoRole::Before => "上报照片",
        PhotoRole::Verify => "核实照片",
        PhotoRole::After => "处置照片",
        PhotoRole::Check => "核查照片",
    }
}
