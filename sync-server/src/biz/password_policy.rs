//! The password policy (等保 2.0 level 3, identity authentication): the one function every
//! place that sets a password calls ([`check_new_password`]).
//!
//! Rules: at least [`MIN_LEN`] characters (at most [`MAX_LEN`]); at least 3 of the 4 classes
//! upper-case letter, lower-case letter, digit, other (punctuation, Chinese characters …);
//! not the username (ignoring case); not one of the user's last 5 passwords (checked against
//! their argon2id hashes). A refusal is `weak_password` naming the rule broken.

use super::auth::verify_password;
use crate::error::{Result, ServerError};
use gridcase_core::protocol::ErrorCode;

/// The shortest password accepted.
pub const MIN_LEN: usize = 8;
/// The longest password accepted (bounds the hashing work).
pub const MAX_LEN: usize = 128;

/// The rule a password breaks (zh-CN), if any, before the reuse check.
pub fn rule_broken(username: &str, password: &str) -> Option<String> {
    let len = password.chars().count();
    if len < MIN_LEN {
        return Some(format!("密码至少 {MIN_LEN} 个字符"));
    }
    if len > MAX_LEN {
        return Some(format!("密码最多 {MAX_LEN} 个字符"));
    }
    let classes = [
        password.chars().any(|c| c.is_ascii_uppercase()),
        password.chars().any(|c| c.is_ascii_lowercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_ascii_alphanumeric()),
    ];
    if classes.iter().filter(|c| **c).count() < 3 {
        return Some(
            "密码须包含大写字母、小写字母、数字、其他字符（符号或汉字）四类中的至少三类".to_owned(),
        );
    }
    if password.trim().eq_ignore_ascii_case(username.trim()) {
        return Some("密码不能与用户名相同".to_owned());
    }
    None
}

/// Checks a new password against the policy and the user's previous password hashes (newest
/// first; empty for a new account). Refuses with `weak_password` and the rule.
pub fn check_new_password(username: &str, password: &str, history: &[String]) -> Result<()> {
    if let Some(rule) = rule_broken(username, password) {
        return Err(ServerError::api(ErrorCode::WeakPassword, rule));
    }
    if history.iter().any(|phc| verify_password(password, phc)) {
        return Err(ServerError::api(
            ErrorCode::WeakPassword,
            format!(
                "不能重复使用最近 {} 次用过的密码",
                crate::db::users::PASSWORD_HISTORY
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::biz::auth::hash_password;

    #[test]
    fn each_rule_is_named() {
        assert!(rule_broken("insp", "Ab1!xyz").unwrap().contains("至少 8"));
        assert!(rule_broken("insp", "abcdefgh1").unwrap().contains("三类"));
        assert!(
            rule_broken("insp", "gridcase-demo")
                .unwrap()
                .contains("三类")
        );
        assert_eq!(
            rule_broken("insp", "insp_ab12"),
            None,
            "lower, digit, other"
        );
        assert!(
            rule_broken("Insp_Ab12", "Insp_Ab12")
                .unwrap()
                .contains("用户名")
        );
        assert!(
            rule_broken("insp", &"Ab1!".repeat(40))
                .unwrap()
                .contains("最多")
        );
        assert_eq!(rule_broken("insp", "巡查2026-demo"), None);
        assert_eq!(rule_broken("insp", "Gridcase-2026"), None);
    }

    #[test]
    fn reuse_is_refused() {
        let old = hash_password("Old-pass-2026").expect("hash");
        let err = check_new_password("u", "Old-pass-2026", std::slice::from_ref(&old)).unwrap_err();
        assert_eq!(err.code(), ErrorCode::WeakPassword);
        assert!(err.to_api().message.contains("最近 5 次"));
        check_new_password("u", "New-pass-2026", &[old]).expect("a new one");
    }
}
