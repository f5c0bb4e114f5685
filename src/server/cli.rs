//! The `observ` subcommands for operations and headless set-up, against the
//! same `OBSERV_DATABASE_URL` as the server (migrated first): `migrate`, `check`, `backup FILE`,
//! `keys create --name NAME [--role ROLE]`, `keys list`, `keys revoke ID`,
//! `users create --email EMAIL [--name NAME] [--role ROLE] (--password-stdin | --password P)`,
//! `users list`. Output is JSON on stdout; errors go to stderr with exit code 1 (2 for usage).

use super::auth::accounts;
use super::config::Config;
use super::db::Db;
use crate::model::user::{Role, UserDraft};
use serde_json::json;

pub const USAGE: &str = "usage:
  observ                      serve the app (same as `observ serve`)
  observ migrate              apply the database migrations and exit
  observ check                check the configuration and that the database answers, then exit
  observ backup FILE          write a consistent copy of the database to FILE (safe while serving)
  observ keys create --name NAME [--role admin|member|viewer]
  observ keys list
  observ keys revoke ID
  observ users create --email EMAIL [--name NAME] [--role admin|member|viewer] (--password-stdin | --password PASSWORD)
  observ users list
  observ gate --url URL --dataset NAME [options]   the CI gate (observ gate --help)";

/// How a command failed: a usage mistake (exit 2) or a failure (exit 1).
#[derive(Debug)]
pub enum CliError {
    Usage(String),
    Failed(String),
}

/// Runs one subcommand; returns what to print on stdout.
pub async fn run(args: &[String]) -> Result<String, CliError> {
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    let (command, rest) = match words.as_slice() {
        ["migrate"] => return migrate().await,
        ["check"] => return check().await,
        ["backup", path] => {
            open().await?.backup(std::path::Path::new(path)).await.map_err(CliError::Failed)?;
            return Ok(json!({"backup": path}).to_string());
        }
        [group, action, rest @ ..] => (format!("{group} {action}"), rest),
        [single] if matches!(*single, "help" | "--help" | "-h") => return Ok(USAGE.to_string()),
        _ => return Err(CliError::Usage(format!("unknown command `{}`", words.join(" ")))),
    };
    let options = Options::parse(rest)?;
    let db = open().await?;
    let failed = |e: super::error::AppError| CliError::Failed(e.to_string());
    let value = match command.as_str() {
        "keys create" => {
            let name = options.required("--name")?;
            let role = options.role()?.unwrap_or(Role::Member);
            json!(accounts::create_key(&db, &name, role, "cli").await.map_err(failed)?)
        }
        "keys list" => json!(accounts::list_keys(&db).await.map_err(failed)?),
        "keys revoke" => {
            let id = options.positional_id()?;
            accounts::revoke_key(&db, id).await.map_err(failed)?;
            json!({"revoked": id})
        }
        "users create" => {
            let draft = UserDraft {
                email: options.required("--email")?,
                name: options.get("--name").unwrap_or_default(),
                password: options.password()?,
                role: options.role()?.unwrap_or(Role::Member),
            };
            json!(accounts::create_user(&db, draft).await.map_err(failed)?)
        }
        "users list" => json!(accounts::list_users(&db).await.map_err(failed)?),
        other => return Err(CliError::Usage(format!("unknown command `{other}`"))),
    };
    Ok(value.to_string())
}

/// `observ migrate`: applies the migrations and exits.
async fn migrate() -> Result<String, CliError> {
    let db = open().await?;
    let version = db.readiness().await.map_err(CliError::Failed)?;
    Ok(json!({"migrated": true, "migration": version}).to_string())
}

/// `observ check`: the configuration reads, the address and hosts parse, and
/// the database answers with current migrations. Every problem is named.
async fn check() -> Result<String, CliError> {
    let mut problems = Vec::new();
    let agents = match super::config::load_agents() {
        Ok(registry) => registry.names(),
        Err(e) => {
            problems.push(e);
            Vec::new()
        }
    };
    let listen = match leptos::config::get_configuration(None) {
        Ok(conf) => {
            let addr = conf.leptos_options.site_addr;
            if let Err(e) = super::auth::security::Security::from_env(addr) {
                problems.push(e);
            }
            addr.to_string()
        }
        Err(e) => {
            problems.push(format!("configuration: {e}"));
            String::new()
        }
    };
    let config = Config::from_env();
    let database = super::redact::redact_url(&config.database_url);
    let migration = match super::db::check_url(&config.database_url).map(|_| Db::open(&config.database_url)) {
        Err(e) => {
            problems.push(e);
            None
        }
        Ok(opening) => match opening.await {
            Ok(db) => db.readiness().await.map_err(|e| problems.push(e)).ok(),
            Err(e) => {
                problems.push(format!("OBSERV_DATABASE_URL ({database}): {e}"));
                None
            }
        },
    };
    if !problems.is_empty() {
        return Err(CliError::Failed(problems.join("; ")));
    }
    Ok(json!({"ok": true, "listen": listen, "database": database, "migration": migration, "agents": agents})
        .to_string())
}

async fn open() -> Result<Db, CliError> {
    let config = Config::from_env();
    super::db::check_url(&config.database_url).map_err(CliError::Failed)?;
    let shown = super::redact::redact_url(&config.database_url);
    Db::open(&config.database_url).await.map_err(|e| CliError::Failed(format!("OBSERV_DATABASE_URL ({shown}): {e}")))
}

/// `--flag value` pairs, `--password-stdin`, and at most one positional argument.
struct Options {
    pairs: Vec<(String, String)>,
    password_stdin: bool,
    positional: Option<String>,
}

impl Options {
    fn parse(words: &[&str]) -> Result<Options, CliError> {
        let mut options = Options { pairs: Vec::new(), password_stdin: false, positional: None };
        let mut words = words.iter();
        while let Some(word) = words.next() {
            match *word {
                "--password-stdin" => options.password_stdin = true,
                flag @ ("--name" | "--role" | "--email" | "--password") => {
                    let value = words.next().ok_or_else(|| CliError::Usage(format!("{flag}: needs a value")))?;
                    options.pairs.push((flag.to_string(), value.to_string()));
                }
                flag if flag.starts_with("--") => return Err(CliError::Usage(format!("unknown option `{flag}`"))),
                value if options.positional.is_none() => options.positional = Some(value.to_string()),
                value => return Err(CliError::Usage(format!("unexpected argument `{value}`"))),
            }
        }
        Ok(options)
    }

    fn get(&self, flag: &str) -> Option<String> {
        self.pairs.iter().rev().find(|(f, _)| f == flag).map(|(_, v)| v.clone())
    }

    fn required(&self, flag: &str) -> Result<String, CliError> {
        self.get(flag).ok_or_else(|| CliError::Usage(format!("{flag}: required")))
    }

    fn role(&self) -> Result<Option<Role>, CliError> {
        match self.get("--role") {
            None => Ok(None),
            Some(text) => Role::parse(&text)
                .map(Some)
                .ok_or_else(|| CliError::Usage(format!("--role: expected admin, member or viewer, found `{text}`"))),
        }
    }

    fn positional_id(&self) -> Result<i64, CliError> {
        let text = self.positional.as_deref().ok_or_else(|| CliError::Usage("ID: required".into()))?;
        text.parse().map_err(|_| CliError::Usage(format!("ID: expected a number, found `{text}`")))
    }

    fn password(&self) -> Result<String, CliError> {
        if self.password_stdin {
            let mut line = String::new();
            std::io::stdin().read_line(&mut line).map_err(|e| CliError::Failed(format!("stdin: {e}")))?;
            return Ok(line.trim_end_matches(['\r', '\n']).to_string());
        }
        self.get("--password").ok_or_else(|| CliError::Usage("--password-stdin or --password: required".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_name_what_is_wrong() {
        let o = Options::parse(&["--name", "ci", "--role", "viewer"]).unwrap();
        assert_eq!(o.required("--name").unwrap(), "ci");
        assert_eq!(o.role().unwrap(), Some(Role::Viewer));
        let bad = Options::parse(&["--role", "root"]).unwrap();
        assert!(matches!(bad.role(), Err(CliError::Usage(m)) if m.contains("found `root`")));
        assert!(matches!(Options::parse(&["--name"]), Err(CliError::Usage(m)) if m == "--name: needs a value"));
        assert!(matches!(Options::parse(&["--nme", "x"]), Err(CliError::Usage(m)) if m == "unknown option `--nme`"));
        let id = Options::parse(&["12"]).unwrap();
        assert_eq!(id.positional_id().unwrap(), 12);
    }
}
