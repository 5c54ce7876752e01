//! The member widget's settings per shop: which browser origins may call the API with
//! the shop's member tokens (CORS), and the widget's theme.
use crate::{Ctx, DomainError, Result};
use loyalty_entities::widget_settings;
use sea_orm::TransactionTrait;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Most origins a shop may allow: its shop's sites, not a list of the web.
pub const MAX_ORIGINS: usize = 20;

/// Longest origin accepted, in characters.
pub const MAX_ORIGIN_CHARS: usize = 200;

/// Longest widget title, in characters.
pub const MAX_TITLE_CHARS: usize = 60;

/// Which corner the widget's button floats in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum WidgetPosition {
    /// Bottom right, the default.
    #[default]
    BottomRight,
    /// Bottom left.
    BottomLeft,
}

/// The widget's look: a few named fields rather than free CSS, so that what the shop
/// sets cannot break out of the widget.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Theme {
    /// The accent colour, `#rrggbb`; `None`: the widget's own.
    pub primary_color: Option<String>,
    /// The corner of its button.
    pub position: WidgetPosition,
    /// The heading of the opened widget, 1 to [`MAX_TITLE_CHARS`] characters; `None`:
    /// the widget's own.
    pub title: Option<String>,
}

/// A shop's widget settings; a shop that never configured one allows no origin.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WidgetSettings {
    /// Origins, as `scheme://host[:port]`, lower case, in the order given.
    pub allowed_origins: Vec<String>,
    /// The theme.
    pub theme: Theme,
}

/// The canonical form of an origin as a browser sends it in `Origin`: `http` or `https`,
/// a host, and a port only when not the scheme's default; no path, query, fragment or
/// credentials. `None` when `raw` is not one.
pub fn canonical_origin(raw: &str) -> Option<String> {
    let raw = raw.trim();
    if raw.is_empty() || raw.chars().count() > MAX_ORIGIN_CHARS {
        return None;
    }
    let url = url::Url::parse(raw).ok()?;
    let plain = matches!(url.scheme(), "http" | "https")
        && url.username().is_empty()
        && url.password().is_none()
        && url.path() == "/"
        && url.query().is_none()
        && url.fragment().is_none()
        && !raw.trim_end_matches('/').ends_with(':');
    if !plain {
        return None;
    }
    // `Url` lower-cases the scheme and host and drops a default port, as browsers do.
    Some(url.origin().ascii_serialization()).filter(|o| o != "null")
}

fn check_origins(raw: &[String]) -> Result<Vec<String>> {
    if raw.len() > MAX_ORIGINS {
        return Err(DomainError::invalid(
            "allowedOrigins",
            format!("a shop allows at most {MAX_ORIGINS} origins"),
        ));
    }
    let mut out: Vec<String> = Vec::with_capacity(raw.len());
    for origin in raw {
        let canonical = canonical_origin(origin).ok_or_else(|| {
            DomainError::invalid(
                "allowedOrigins",
                format!(
                    "'{}' is not an origin: write scheme://host[:port] (http or https, no \
                     path), at most {MAX_ORIGIN_CHARS} characters",
                    origin.chars().take(MAX_ORIGIN_CHARS).collect::<String>()
                ),
            )
        })?;
        if !out.contains(&canonical) {
            out.push(canonical);
        }
    }
    Ok(out)
}

fn check_theme(theme: Theme) -> Result<Theme> {
    let color = match theme.primary_color.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(c) => {
            let hex = c
                .strip_prefix('#')
                .filter(|h| h.len() == 6 && h.chars().all(|ch| ch.is_ascii_hexdigit()));
            match hex {
                Some(h) => Some(format!("#{}", h.to_ascii_lowercase())),
                None => {
                    return Err(DomainError::invalid(
                        "theme.primaryColor",
                        "a colour is written #rrggbb",
                    ));
                }
            }
        }
    };
    let title = match theme.title.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(t) if t.chars().count() > MAX_TITLE_CHARS || t.contains('\0') => {
            return Err(DomainError::invalid(
                "theme.title",
                format!("a title has 1 to {MAX_TITLE_CHARS} characters"),
            ));
        }
        Some(t) => Some(t.to_owned()),
    };
    Ok(Theme {
        primary_color: color,
        position: theme.position,
        title,
    })
}

fn from_row(row: widget_settings::Model) -> Result<WidgetSettings> {
    let corrupt = |e: serde_json::Error| DomainError::Internal(format!("widget settings: {e}"));
    Ok(WidgetSettings {
        allowed_origins: serde_json::from_str(&row.allowed_origins).map_err(corrupt)?,
        theme: serde_json::from_str(&row.theme).map_err(corrupt)?,
    })
}

/// Replaces the shop's widget settings (origins checked and put in canonical form,
/// duplicates dropped); bad input is `InvalidInput` on its field and writes nothing.
pub async fn configure(
    ctx: &Ctx,
    shop_id: Uuid,
    allowed_origins: &[String],
    theme: Theme,
) -> Result<WidgetSettings> {
    let settings = WidgetSettings {
        allowed_origins: check_origins(allowed_origins)?,
        theme: check_theme(theme)?,
    };
    let txn = ctx.db.begin().await?;
    widget_settings::Entity::insert(widget_settings::ActiveModel {
        shop_id: Set(shop_id),
        allowed_origins: Set(to_json(&settings.allowed_origins)?),
        theme: Set(to_json(&settings.theme)?),
        updated_at: Set(ctx.clock.now()),
    })
    .on_conflict(
        OnConflict::column(widget_settings::Column::ShopId)
            .update_columns([
                widget_settings::Column::AllowedOrigins,
                widget_settings::Column::Theme,
                widget_settings::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    crate::audit::record(&txn, shop_id, &[]).await?;
    txn.commit().await?;
    ctx.widget_origins.forget();
    Ok(settings)
}

fn to_json<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| DomainError::Internal(format!("widget settings: {e}")))
}

/// The shop's widget settings (the defaults when it never configured any).
pub async fn settings<C: ConnectionTrait>(conn: &C, shop_id: Uuid) -> Result<WidgetSettings> {
    widget_settings::Entity::find_by_id(shop_id)
        .one(conn)
        .await?
        .map(from_row)
        .transpose()
        .map(Option::unwrap_or_default)
}

/// Every shop's allowed origins, for a replica's view of which origins browsers may
/// call from (a CORS preflight names no shop). One row per shop that configured a widget.
pub async fn all_origins<C: ConnectionTrait>(conn: &C) -> Result<Vec<(Uuid, Vec<String>)>> {
    widget_settings::Entity::find()
        .all(conn)
        .await?
        .into_iter()
        .map(|row| {
            let shop_id = row.shop_id;
            from_row(row).map(|s| (shop_id, s.allowed_origins))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_scheme_host_and_port_only() {
        assert_eq!(
            canonical_origin("https://Shop.Example.vn").as_deref(),
            Some("https://shop.example.vn")
        );
        assert_eq!(
            canonical_origin("http://localhost:8081/").as_deref(),
            Some("http://localhost:8081")
        );
        assert_eq!(
            canonical_origin("https://a.vn:443").as_deref(),
            Some("https://a.vn")
        );
        for bad in [
            "",
            "shop.vn",
            "ftp://a.vn",
            "https://a.vn/path",
            "https://a.vn?x=1",
            "https://a.vn#x",
            "https://u:p@a.vn",
            "javascript:alert(1)",
            "*",
            "null",
        ] {
            assert_eq!(canonical_origin(bad), None, "{bad}");
        }
        let long = format!("https://{}.vn", "a".repeat(MAX_ORIGIN_CHARS));
        assert_eq!(canonical_origin(&long), None);
    }

    #[test]
    fn origin_lists_are_bounded_and_deduplicated() {
        let many: Vec<String> = (0..=MAX_ORIGINS)
            .map(|i| format!("https://s{i}.vn"))
            .collect();
        assert!(check_origins(&many).is_err());
        let twice = vec!["https://a.vn".to_owned(), "https://A.vn/".to_owned()];
        assert_eq!(
            check_origins(&twice).ok(),
            Some(vec!["https://a.vn".to_owned()])
        );
    }

    #[test]
    fn themes_take_a_colour_and_a_short_title() {
        let ok = check_theme(Theme {
            primary_color: Some("#A1B2C3".into()),
            position: WidgetPosition::BottomLeft,
            title: Some(" Ví của tôi ".into()),
        });
        assert_eq!(
            ok.ok().map(|t| (t.primary_color, t.title)),
            Some((Some("#a1b2c3".into()), Some("Ví của tôi".into())))
        );
        for color in ["red", "#12345", "#12345g", "url(x)"] {
            let bad = check_theme(Theme {
                primary_color: Some(color.into()),
                ..Theme::default()
            });
            assert!(bad.is_err(), "{color}");
        }
        let long = check_theme(Theme {
            title: Some("x".repeat(MAX_TITLE_CHARS + 1)),
            ..Theme::default()
        });
        assert!(long.is_err());
    }
}
