//! The member widget's settings: the browser origins allowed to call with the shop's
//! member tokens (CORS), and its theme (issue 27).
use crate::auth::{RoleGuard, ShopOrMemberGuard, domain, principal, shop_of_caller};
use crate::error::Gql;
use async_graphql::{Context, Enum, InputObject, Object, SimpleObject};
use loyalty_domain::access::Role;
use loyalty_domain::sessions::widget::{self, Theme, WidgetPosition};

/// Which corner the widget's button floats in.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "loyalty_domain::sessions::widget::WidgetPosition")]
pub enum WidgetCorner {
    /// Bottom right (the default).
    BottomRight,
    /// Bottom left.
    BottomLeft,
}

/// The widget's look.
#[derive(SimpleObject)]
pub struct WidgetTheme {
    /// Accent colour, `#rrggbb`; null: the widget's own.
    primary_color: Option<String>,
    /// The corner of its button.
    position: WidgetCorner,
    /// The heading of the opened widget; null: the widget's own.
    title: Option<String>,
}

/// A shop's member widget settings.
#[derive(SimpleObject)]
pub struct WidgetSettings {
    /// Origins (`scheme://host[:port]`) whose pages may call the API with the shop's
    /// member tokens; empty: none.
    allowed_origins: Vec<String>,
    theme: WidgetTheme,
}

impl From<widget::WidgetSettings> for WidgetSettings {
    fn from(s: widget::WidgetSettings) -> Self {
        Self {
            allowed_origins: s.allowed_origins,
            theme: WidgetTheme {
                primary_color: s.theme.primary_color,
                position: s.theme.position.into(),
                title: s.theme.title,
            },
        }
    }
}

/// The widget's look as the merchant sets it.
#[derive(InputObject)]
pub struct WidgetThemeInput {
    /// `#rrggbb`.
    primary_color: Option<String>,
    /// Default BOTTOM_RIGHT.
    position: Option<WidgetCorner>,
    /// 1 to 60 characters.
    title: Option<String>,
}

/// The widget settings as the merchant sets them; they replace the previous ones.
#[derive(InputObject)]
pub struct WidgetInput {
    /// At most 20 origins, each `http(s)://host[:port]` without a path, at most 200
    /// characters; kept in canonical form (lower case, no default port).
    allowed_origins: Vec<String>,
    /// Omitted: the widget's defaults.
    theme: Option<WidgetThemeInput>,
}

/// Widget queries.
#[derive(Default)]
pub struct WidgetQuery;

#[Object]
impl WidgetQuery {
    /// The shop's widget settings. Any shop key, and the shop's member tokens (the widget
    /// reads its theme).
    ///
    /// Requires: any shop key, or a member token of the shop.
    #[graphql(guard = "ShopOrMemberGuard")]
    async fn widget_settings(&self, ctx: &Context<'_>) -> async_graphql::Result<WidgetSettings> {
        let shop_id = shop_of_caller(ctx)?;
        Ok(widget::settings(&domain(ctx).db, shop_id)
            .await
            .gql()?
            .into())
    }
}

/// Widget mutations.
#[derive(Default)]
pub struct WidgetMutation;

#[Object]
impl WidgetMutation {
    /// Replaces the shop's widget settings. Browsers on the allowed origins may then call
    /// `/graphql` with the shop's member tokens (CORS); this server applies the change at
    /// once, other replicas within `LOYALTY_KEY_CACHE_MS`. ADMIN only.
    ///
    /// Requires: ADMIN.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn configure_widget(
        &self,
        ctx: &Context<'_>,
        input: WidgetInput,
    ) -> async_graphql::Result<WidgetSettings> {
        let shop_id = principal(ctx)?.shop_id;
        let theme = input.theme.map_or_else(Theme::default, |t| Theme {
            primary_color: t.primary_color,
            position: t.position.map_or(WidgetPosition::default(), Into::into),
            title: t.title,
        });
        Ok(
            widget::configure(domain(ctx), shop_id, &input.allowed_origins, theme)
                .await
                .gql()?
                .into(),
        )
    }
}
