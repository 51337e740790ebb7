//! Secrets the server must keep usable (the video webhook's HMAC secret: verifying a signature
//! needs the secret itself, so it cannot be hashed) are sealed before they reach the database,
//! with a key that lives outside it (docs/security/privacy.md).
//!
//! - The key is 32 random bytes in a key file: `secrets_key_file` in the configuration
//!   (`GRIDCASE_SECRETS_KEY_FILE`), default `<data>/keys/secrets.key`. A missing file is created
//!   at first start with mode 0600 (its directory 0700); a file of any other length is refused.
//! - Sealing is XChaCha20-Poly1305 (RustCrypto `chacha20poly1305`) with a random 24-byte nonce
//!   per value and the value's purpose as associated data (e.g. `webhook_secret:620102`), so a
//!   sealed value copied into another row or tenant does not open.
//! - Stored form: `v1:` + base64url(nonce ‖ ciphertext ‖ tag). Nothing in clear.
//!
//! Invariants: the key never enters the database, a backup or a log line; a value that does not
//! open (wrong key, tampered row) is an error, never a silent empty secret.

use crate::error::{Result, ServerError};
use base64::Engine as _;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::Rng as _;
use std::io::Write as _;
use std::path::Path;

/// The stored form's version prefix.
const PREFIX: &str = "v1:";
/// Key length in bytes.
const KEY_LEN: usize = 32;
/// Nonce length in bytes (XChaCha20).
const NONCE_LEN: usize = 24;

/// The sealing key of a deployment.
pub struct SecretBox {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(<key redacted>)")
    }
}

impl SecretBox {
    /// Reads the key file, creating it (mode 0600) with a fresh random key when missing.
    pub fn open_or_create(path: &Path) -> Result<SecretBox> {
        let key = match std::fs::read(path) {
            Ok(k) => k,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => create_key_file(path)?,
            Err(e) => {
                return Err(ServerError::Config(format!(
                    "cannot read the secrets key {}: {e}",
                    path.display()
                )));
            }
        };
        if key.len() != KEY_LEN {
            return Err(ServerError::Config(format!(
                "the secrets key {} must hold exactly {KEY_LEN} bytes (found {})",
                path.display(),
                key.len()
            )));
        }
        let cipher = XChaCha20Poly1305::new_from_slice(&key)
            .map_err(|_| ServerError::Config("secrets key of the wrong length".into()))?;
        Ok(SecretBox { cipher })
    }

    /// Seals `plain` for `purpose` (the associated data); returns the stored form.
    pub fn seal(&self, purpose: &str, plain: &str) -> Result<String> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill(&mut nonce);
        let nonce_arr = XNonce::try_from(&nonce[..])
            .map_err(|_| ServerError::Internal("nonce length".into()))?;
        let sealed = self
            .cipher
            .encrypt(
                &nonce_arr,
                Payload {
                    msg: plain.as_bytes(),
                    aad: purpose.as_bytes(),
                },
            )
            .map_err(|_| ServerError::Internal("sealing a secret failed".into()))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(format!(
            "{PREFIX}{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(out)
        ))
    }

    /// Opens a stored form sealed for `purpose`.
    pub fn open(&self, purpose: &str, stored: &str) -> Result<String> {
        let broken = || {
            ServerError::Internal(format!(
                "a sealed {purpose} does not open (wrong secrets key or a damaged row)"
            ))
        };
        let body = stored.strip_prefix(PREFIX).ok_or_else(broken)?;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| broken())?;
        if bytes.len() < NONCE_LEN {
            return Err(broken());
        }
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        let nonce = XNonce::try_from(nonce).map_err(|_| broken())?;
        let plain = self
            .cipher
            .decrypt(
                &nonce,
                Payload {
                    msg: sealed,
                    aad: purpose.as_bytes(),
                },
            )
            .map_err(|_| broken())?;
        String::from_utf8(plain).map_err(|_| broken())
    }
}

/// Writes a new random key to `path` (mode 0600, directory 0700), refusing to overwrite.
fn create_key_file(path: &Path) -> Result<Vec<u8>> {
    let fail = |e: std::io::Error| {
        ServerError::Config(format!(
            "cannot create the secrets key {}: {e}",
            path.display()
        ))
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(fail)?;
        restrict(dir, 0o700).map_err(fail)?;
    }
    let mut key = vec![0u8; KEY_LEN];
    rand::rng().fill(&mut key[..]);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut f = options.open(path).map_err(fail)?;
    f.write_all(&key).map_err(fail)?;
    f.sync_all().map_err(fail)?;
    tracing::info!(path = %path.display(), "created the secrets key");
    Ok(key)
}

#[cfg(unix)]
fn restrict(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn restrict(_path: &Path, _mode: u32) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_opens_and_binds_the_purpose() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("keys/secrets.key");
        let b = SecretBox::open_or_create(&path).expect("create");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let s = b.seal("webhook_secret:620102", "top-secret").expect("seal");
        assert!(!s.contains("top-secret"));
        assert_eq!(
            b.open("webhook_secret:620102", &s).expect("open"),
            "top-secret"
        );
        assert!(
            b.open("webhook_secret:620103", &s).is_err(),
            "bound to its row"
        );
        // The same file opens again; another key does not open the value.
        let again = SecretBox::open_or_create(&path).expect("reopen");
        assert_eq!(
            again.open("webhook_secret:620102", &s).expect("open"),
            "top-secret"
        );
        let other = SecretBox::open_or_create(&dir.path().join("other.key")).expect("other");
        assert!(other.open("webhook_secret:620102", &s).is_err());
        std::fs::write(dir.path().join("short.key"), b"short").expect("write");
        assert!(SecretBox::open_or_create(&dir.path().join("short.key")).is_err());
    }
}
