//! People and keys: roles, users, API keys, and the signed-in viewer the pages
//! render for. Validation of emails, passwords and key names lives here so the
//! forms, the REST API and the command line give the same messages.

use crate::model::FieldErrors;
use serde::{Deserialize, Serialize};

/// What someone may do. Ordered: a higher role can do all a lower one can.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum Role {
    /// Reads everything, writes nothing.
    #[default]
    Viewer,
    /// Reads and writes datasets, items, runs, scores and traces.
    Member,
    /// Also manages users and API keys.
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Member, Role::Viewer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Member => "member",
            Role::Viewer => "viewer",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == text.trim())
    }

    pub fn can_write(self) -> bool {
        self >= Role::Member
    }

    /// One line for the role pickers.
    pub fn describe(self) -> &'static str {
        match self {
            Role::Admin => "admin — everything, plus users and API keys",
            Role::Member => "member — read and write",
            Role::Viewer => "viewer — read only",
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who the current page is rendered for; `None` in context means nobody signed in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Viewer {
    pub email: String,
    pub role: Role,
}

impl Viewer {
    pub fn can_write(&self) -> bool {
        self.role.can_write()
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

/// The page's viewer as context: provided by the server while rendering and
/// read back from `<body data-viewer-*>` by the browser before hydrating.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CurrentViewer(pub Option<Viewer>);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct User {
    pub id: i64,
    pub email: String,
    pub name: String,
    #[cfg_attr(feature = "ssr", sqlx(try_from = "String"))]
    pub role: Role,
    pub created_at: String,
}

impl TryFrom<String> for Role {
    type Error = String;
    fn try_from(text: String) -> Result<Role, String> {
        Role::parse(&text).ok_or_else(|| format!("unknown role `{text}`"))
    }
}

/// A key as listed: never its secret, only the last characters of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ApiKey {
    pub id: i64,
    pub name: String,
    #[cfg_attr(feature = "ssr", sqlx(try_from = "String"))]
    pub role: Role,
    pub public_key: String,
    pub secret_hint: String,
    pub created_by: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
}

/// A key just created: the one time its secret is shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewApiKey {
    pub id: i64,
    pub name: String,
    pub role: Role,
    pub public_key: String,
    pub secret_key: String,
}

/// Shortest password accepted; long passphrases are welcome, hashing caps the work.
pub const MIN_PASSWORD_CHARS: usize = 10;
pub const MAX_PASSWORD_CHARS: usize = 256;

/// A user to create: email, optional display name, password and role.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserDraft {
    pub email: String,
    pub name: String,
    pub password: String,
    pub role: Role,
}

impl UserDraft {
    /// Trims the email and name and checks every field.
    pub fn validate(mut self) -> Result<UserDraft, FieldErrors> {
        self.email = self.email.trim().to_string();
        self.name = self.name.trim().to_string();
        let mut errors = FieldErrors::new();
        if let Err(message) = check_email(&self.email) {
            errors.add("email", message);
        }
        if self.name.chars().count() > 200 {
            errors.add("name", "must be at most 200 characters");
        }
        if let Err(message) = check_password(&self.password) {
            errors.add("password", message);
        }
        errors.into_result().map(|_| self)
    }
}

pub fn check_email(email: &str) -> Result<(), String> {
    let email = email.trim();
    if email.is_empty() {
        return Err("is required".into());
    }
    if email.len() > 254 {
        return Err("must be at most 254 characters".into());
    }
    match email.split_once('@') {
        Some((local, domain)) if !local.is_empty() && !domain.is_empty() && !domain.contains('@') => {
            if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
                Err("must not contain spaces".into())
            } else {
                Ok(())
            }
        }
        _ => Err("must look like name@example.com".into()),
    }
}

pub fn check_password(password: &str) -> Result<(), String> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        Err(format!("must be at least {MIN_PASSWORD_CHARS} characters"))
    } else if chars > MAX_PASSWORD_CHARS {
        Err(format!("must be at most {MAX_PASSWORD_CHARS} characters"))
    } else {
        Ok(())
    }
}

/// A key's name: 1–100 characters after trimming.
pub fn check_key_name(name: &str) -> Result<String, String> {
    let name = name.trim();
    if name.is_empty() {
        Err("is required".into())
    } else if name.chars().count() > 100 {
        Err("must be at most 100 characters".into())
    } else {
        Ok(name.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_ordered_and_parse() {
        assert!(Role::Admin > Role::Member && Role::Member > Role::Viewer);
        assert!(Role::Member.can_write() && !Role::Viewer.can_write());
        assert_eq!(Role::parse(" viewer "), Some(Role::Viewer));
        assert_eq!(Role::parse("root"), None);
        assert_eq!(serde_json::to_string(&Role::Admin).unwrap(), "\"admin\"");
    }

    #[test]
    fn drafts_name_their_bad_fields() {
        let draft = UserDraft { email: "nope".into(), name: "".into(), password: "short".into(), role: Role::Member };
        let errors = draft.validate().unwrap_err();
        assert_eq!(errors.get("email").unwrap(), "must look like name@example.com");
        assert_eq!(errors.get("password").unwrap(), "must be at least 10 characters");
        let ok = UserDraft {
            email: " a@b.example ".into(),
            name: " Ann ".into(),
            password: "long enough pw".into(),
            role: Role::Viewer,
        };
        let ok = ok.validate().unwrap();
        assert_eq!((ok.email.as_str(), ok.name.as_str()), ("a@b.example", "Ann"));
    }

    #[test]
    fn key_names_are_trimmed_and_bounded() {
        assert_eq!(check_key_name("  ci  ").unwrap(), "ci");
        assert!(check_key_name("  ").is_err());
        assert!(check_key_name(&"x".repeat(101)).is_err());
    }
}
