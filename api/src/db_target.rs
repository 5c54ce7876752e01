//! Which database a command opens, told to the person running it: a PostgreSQL URL with
//! its password hidden, or the SQLite file's absolute path. Only the commands that set a
//! database up may create a SQLite file; the others refuse a missing one, since a default
//! `DATABASE_URL` would otherwise create an empty `./loyalty.db` where the command runs,
//! and a shop or key made there is unknown to the running server.
use anyhow::{Context, bail};
use sea_orm::sqlx::sqlite::SqliteConnectOptions;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

/// Whether a command may create a SQLite file that does not exist yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Creation {
    /// `serve`, `migrate` (and `demo`): they set the database up.
    Allowed,
    /// Every other command: it works on a database that is already there.
    Refused,
}

/// A database as a command opens it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbTarget {
    /// A SQLite file, by its absolute path.
    SqliteFile(PathBuf),
    /// An in-memory SQLite database (gone when the process ends).
    SqliteMemory,
    /// Any other database, by its URL with the password hidden.
    Url(String),
}

impl DbTarget {
    /// Reads a `DATABASE_URL`.
    pub fn of(database_url: &str) -> anyhow::Result<Self> {
        let Some(rest) = database_url
            .strip_prefix("sqlite://")
            .or_else(|| database_url.strip_prefix("sqlite:"))
        else {
            return Ok(Self::Url(hide_password(database_url)));
        };
        let (file, params) = rest.split_once('?').unwrap_or((rest, ""));
        let memory = file == ":memory:"
            || url::form_urlencoded::parse(params.as_bytes())
                .any(|(k, v)| k == "mode" && v == "memory");
        if memory {
            return Ok(Self::SqliteMemory);
        }
        // sqlx's own reading of the URL, so that the file named is the one it opens.
        let options = SqliteConnectOptions::from_str(database_url)
            .with_context(|| format!("DATABASE_URL {database_url:?} is not a SQLite URL"))?;
        let file = options.get_filename();
        let absolute = std::fs::canonicalize(file)
            .or_else(|_| std::path::absolute(file))
            .unwrap_or_else(|_| file.to_path_buf());
        Ok(Self::SqliteFile(absolute))
    }

    /// Refuses a SQLite file that does not exist when the command may not create it.
    pub fn check(&self, creation: Creation) -> anyhow::Result<()> {
        match self {
            Self::SqliteFile(path) if creation == Creation::Refused && !path.exists() => bail!(
                "no database at {}: this command does not create one. Run `loyalty serve` or \
                 `loyalty migrate` with the same DATABASE_URL first, or set DATABASE_URL to \
                 the server's database",
                path.display()
            ),
            _ => Ok(()),
        }
    }
}

impl fmt::Display for DbTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::SqliteFile(path) => write!(f, "SQLite {}", path.display()),
            Self::SqliteMemory => f.write_str("SQLite in memory"),
            Self::Url(url) => f.write_str(url),
        }
    }
}

/// The URL with its password, and any `password` parameter, shown as `***`. A URL that
/// does not parse is not shown at all: it might hold a password where we cannot find it.
pub fn hide_password(database_url: &str) -> String {
    let Ok(mut url) = url::Url::parse(database_url) else {
        return "(a DATABASE_URL that is not a URL)".to_owned();
    };
    if url.password().is_some() {
        // Only URLs without a host refuse a password, and those had none to hide.
        let _ = url.set_password(Some("***"));
    }
    if url.query().is_some() {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| {
                let secret = k.to_ascii_lowercase().contains("password");
                (
                    k.into_owned(),
                    if secret { "***".into() } else { v.into_owned() },
                )
            })
            .collect();
        url.query_pairs_mut().clear().extend_pairs(pairs);
    }
    url.to_string().replace("%2A%2A%2A", "***")
}

/// Opens nothing: says which database `database_url` is, on stderr, and refuses what
/// `creation` forbids. Every command that opens the database calls it first.
pub fn announce(database_url: &str, creation: Creation) -> anyhow::Result<DbTarget> {
    let target = DbTarget::of(database_url)?;
    eprintln!("database: {target}");
    target.check(creation)?;
    Ok(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_hidden() {
        assert_eq!(
            hide_password("postgres://loyalty:s3cret@db.internal:5432/shop"),
            "postgres://loyalty:***@db.internal:5432/shop"
        );
        assert_eq!(
            hide_password("postgres://postgres@127.0.0.1:5432/test"),
            "postgres://postgres@127.0.0.1:5432/test"
        );
        let q = hide_password("postgres://u@h/db?sslmode=require&password=s3cret");
        assert!(
            !q.contains("s3cret") && q.contains("sslmode=require"),
            "{q}"
        );
        assert!(!hide_password("postgres://u:pw@[bad").contains("pw"));
    }

    #[test]
    fn sqlite_files_are_absolute_and_memory_is_named() -> anyhow::Result<()> {
        let DbTarget::SqliteFile(path) = DbTarget::of("sqlite://loyalty.db?mode=rwc")? else {
            bail!("a file");
        };
        assert!(
            path.is_absolute() && path.ends_with("loyalty.db"),
            "{path:?}"
        );
        assert_eq!(DbTarget::of("sqlite::memory:")?, DbTarget::SqliteMemory);
        assert_eq!(
            DbTarget::of("sqlite://x.db?mode=memory")?,
            DbTarget::SqliteMemory
        );
        Ok(())
    }

    #[test]
    fn only_a_missing_file_is_refused() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let missing = DbTarget::of(&format!(
            "sqlite://{}/new.db?mode=rwc",
            dir.path().display()
        ))?;
        assert!(missing.check(Creation::Allowed).is_ok());
        let refusal = missing
            .check(Creation::Refused)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(refusal.contains("new.db") && refusal.contains("loyalty migrate"));
        std::fs::write(dir.path().join("new.db"), b"")?;
        assert!(missing.check(Creation::Refused).is_ok());
        Ok(())
    }
}
