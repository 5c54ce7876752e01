//! The channels this engine knows, each in one line: its variant of [`ChannelKind`], the
//! spelling of its content's `kind` tag in stored campaigns, its [`ChannelSpec`], and the
//! types of its content as written and as filled in. Everything else about a channel
//! lives in its own module; adding one is that module and one line here (plus its
//! transport's registration in the server's configuration, and its shape in the API).
use super::spec::{Billable, ChannelContent, ChannelSpec};
use super::template::{Vars, off_thread};
use super::{sms, smtp, zns};
use crate::Result;
use serde::{Deserialize, Serialize};

/// Declares the channel enums from one list; see the module's documentation.
macro_rules! channels {
    ($(
        $(#[$doc:meta])*
        $kind:ident: tag $tag:literal, spec $spec:expr, content $content:ty => $rendered:ty;
    )+) => {
        /// A messaging channel.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum ChannelKind {
            $($(#[$doc])* $kind,)+
        }

        impl ChannelKind {
            /// Every channel, in the order of the list (a channel's index in it is
            /// `kind as usize`).
            pub const ALL: &'static [ChannelKind] = &[$(ChannelKind::$kind),+];

            /// The channel's facts.
            pub fn spec(self) -> &'static dyn ChannelSpec {
                match self {
                    $(Self::$kind => &$spec,)+
                }
            }
        }

        /// A message as the merchant wrote it, for one channel; stored as JSON tagged by
        /// `kind`.
        #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(tag = "kind")]
        pub enum Content {
            $($(#[$doc])* #[serde(rename = $tag)] $kind($content),)+
        }

        /// A message filled in for one recipient.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum Rendered {
            $($(#[$doc])* $kind($rendered),)+
        }

        impl Content {
            /// The channel this content is for.
            pub fn channel(&self) -> ChannelKind {
                match self {
                    $(Self::$kind(_) => ChannelKind::$kind,)+
                }
            }

            /// Refuses empty, oversized or unrenderable content: every template is
            /// rendered with [`Vars::sample`] within the template limits. CPU-bound;
            /// async code calls [`Content::check`].
            pub fn validate(&self) -> Result<()> {
                match self {
                    $(Self::$kind(c) => ChannelContent::validate(c),)+
                }
            }

            /// Fills in `vars`; an error names what failed. CPU-bound.
            pub fn render(&self, vars: &Vars) -> Result<Rendered, String> {
                match self {
                    $(Self::$kind(c) => c.render(vars).map(Rendered::$kind),)+
                }
            }
        }

        impl Rendered {
            /// How many billable units the provider counts for this message: one per
            /// ZNS message and per e-mail, the segment count of an SMS. The price of a
            /// message is this times the channel's price (`Prices`).
            pub fn segments(&self) -> i64 {
                match self {
                    $(Self::$kind(r) => Billable::segments(r),)+
                }
            }
        }
    };
}

channels! {
    /// Zalo Notification Service: a registered template with parameters, to a phone.
    Zns: tag "Template", spec zns::spec::SPEC, content zns::content::ZnsMessage => zns::content::ZnsFilled;
    /// E-mail over SMTP.
    Email: tag "Email", spec smtp::spec::SPEC, content smtp::content::EmailMessage => smtp::content::EmailFilled;
    /// Brandname SMS through eSMS, billed per segment.
    Sms: tag "Sms", spec sms::spec::SPEC, content sms::content::SmsMessage => sms::content::SmsFilled;
}

impl Content {
    /// [`Content::validate`] on a render thread (see [`off_thread`]).
    pub async fn check(&self) -> Result<()> {
        let content = self.clone();
        off_thread(move || content.validate()).await?
    }
}
