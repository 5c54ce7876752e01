//! The activation's progress row (`program_activations`): started or resumed, moved
//! forward after each batch, and closed when the program becomes ACTIVE.
use super::window::Window;
use crate::program::ActivationMode;
use crate::{DomainError, Result};
use chrono::{DateTime, Utc};
use loyalty_entities::program_activation::{self, Model};
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QuerySelect};
use uuid::Uuid;

/// How far an activation got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    /// The mode it activates with.
    pub mode: ActivationMode,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// Members ranked so far.
    pub members_done: i64,
    /// When the program became ACTIVE; `None` while it runs.
    pub finished_at: Option<DateTime<Utc>>,
}

impl Progress {
    /// The progress a stored row tells.
    pub fn of(row: &Model) -> Result<Self> {
        Ok(Self {
            mode: mode_of(row)?,
            started_at: row.started_at,
            members_done: row.members_done,
            finished_at: row.finished_at,
        })
    }
}

/// The mode stored with `row`.
pub(crate) fn mode_of(row: &Model) -> Result<ActivationMode> {
    ActivationMode::parse(&row.mode).ok_or_else(|| {
        DomainError::Internal(format!("stored activation mode '{}' is unknown", row.mode))
    })
}

/// The shop's activation row, locked against a concurrent run until the transaction ends
/// (on PostgreSQL; SQLite has one writer anyway).
pub(crate) async fn load<C: ConnectionTrait>(conn: &C, shop_id: Uuid) -> Result<Option<Model>> {
    Ok(program_activation::Entity::find_by_id(shop_id)
        .lock_exclusive()
        .one(conn)
        .await?)
}

/// The shop's activation, if one ever started, unlocked.
pub async fn read<C: ConnectionTrait>(conn: &C, shop_id: Uuid) -> Result<Option<Progress>> {
    program_activation::Entity::find_by_id(shop_id)
        .one(conn)
        .await?
        .map(|row| Progress::of(&row))
        .transpose()
}

/// What an activation ranks by: the mode, the window and the program's version.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Basis {
    pub mode: ActivationMode,
    pub window: Window,
    pub program_version: i64,
}

impl Basis {
    fn of(row: &Model) -> Result<Self> {
        Ok(Self {
            mode: mode_of(row)?,
            window: Window::of(row),
            program_version: row.program_version,
        })
    }

    fn set(&self, row: &mut Model) {
        row.mode = self.mode.as_str().to_owned();
        row.current_cycle = self.window.current;
        row.previous_cycle = self.window.previous;
        row.current_from = self.window.current_from;
        row.previous_from = self.window.previous_from;
        row.next_from = self.window.next_from;
        row.program_version = self.program_version;
    }
}

/// Starts an activation on `basis` at `now`, or resumes the unfinished one `stored` is.
/// Resuming on another basis (another mode, or the settings or tiers changed since)
/// starts the members over (each batch ranks from scratch, so nothing is counted twice)
/// but keeps the start, so members touched since the first start are still ranked
/// again at the end.
pub(crate) async fn start<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    stored: Option<Model>,
    basis: Basis,
    now: DateTime<Utc>,
) -> Result<Model> {
    match stored {
        Some(mut row) if row.finished_at.is_none() => {
            let same = Basis::of(&row)?;
            if same.mode == basis.mode
                && same.window == basis.window
                && same.program_version == basis.program_version
            {
                return Ok(row);
            }
            basis.set(&mut row);
            row.cursor = None;
            row.members_done = 0;
            save(conn, row).await
        }
        stored => {
            let mut row = Model {
                shop_id,
                mode: String::new(),
                started_at: now,
                current_cycle: basis.window.current,
                previous_cycle: None,
                current_from: now,
                previous_from: None,
                next_from: None,
                program_version: 0,
                cursor: None,
                members_done: 0,
                finished_at: None,
            };
            basis.set(&mut row);
            if stored.is_some() {
                save(conn, row).await
            } else {
                Ok(
                    program_activation::Entity::insert(row.clone().into_active_model())
                        .exec_with_returning(conn)
                        .await?,
                )
            }
        }
    }
}

/// Writes every column of `row`.
pub(crate) async fn save<C: ConnectionTrait>(conn: &C, row: Model) -> Result<Model> {
    Ok(row.into_active_model().reset_all().update(conn).await?)
}
