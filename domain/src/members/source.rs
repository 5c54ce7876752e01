//! Where a customer came from (seed 002): the opening-data file, or a sales channel
//! (seed 002's "Từ Haravan", the omnichannel platform's channels). Recorded once, when
//! the customer's row is first written, and never changed after: the opening file sets
//! `IMPORT`; `upsertMember` with a `channel`, or a first order, sets that channel.
//! Each source has its own built-in saved filters (see [`saved_filters`]).
use super::SavedFilter;
use crate::channel::Channel;
use serde::{Deserialize, Serialize};

/// The stored spelling of a customer the opening-data file created.
pub const IMPORT: &str = "IMPORT";

/// The two sources of customers of seed 002.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SourceKind {
    /// The opening-data file ("file dữ liệu đầu kỳ").
    Import,
    /// A sales channel ("Từ Haravan").
    Channel,
}

/// A customer's recorded source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Created by the opening-data file.
    Import,
    /// First sent by this channel.
    Channel(Channel),
}

impl Source {
    /// Reads the stored column; `None` (unknown) for NULL or a spelling not known here.
    pub fn parse(stored: Option<&str>) -> Option<Self> {
        match stored? {
            IMPORT => Some(Source::Import),
            other => Channel::parse(other).map(Source::Channel),
        }
    }

    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Import => IMPORT,
            Source::Channel(c) => c.as_str(),
        }
    }

    /// Which of the two sources.
    pub fn kind(self) -> SourceKind {
        match self {
            Source::Import => SourceKind::Import,
            Source::Channel(_) => SourceKind::Channel,
        }
    }

    /// The channel, for a customer a channel sent.
    pub fn channel(self) -> Option<Channel> {
        match self {
            Source::Import => None,
            Source::Channel(c) => Some(c),
        }
    }
}

/// The built-in saved filters each source's view offers, as seed 002 lists them: the
/// opening file's members by last purchase (bought in the last 7 days, in the last 30,
/// none for over 30); the channel's customers by the same three, then registered and
/// not registered (only channel customers can still be unregistered there).
pub fn saved_filters(kind: SourceKind) -> &'static [SavedFilter] {
    const PURCHASES: [SavedFilter; 3] = [
        SavedFilter::BoughtLast7Days,
        SavedFilter::BoughtLast30Days,
        SavedFilter::LapsedOver30Days,
    ];
    const CHANNEL: [SavedFilter; 5] = [
        SavedFilter::BoughtLast7Days,
        SavedFilter::BoughtLast30Days,
        SavedFilter::LapsedOver30Days,
        SavedFilter::Registered,
        SavedFilter::NotRegistered,
    ];
    match kind {
        SourceKind::Import => &PURCHASES,
        SourceKind::Channel => &CHANNEL,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_sources_read_back() {
        for s in [Source::Import, Source::Channel(Channel::Pos)] {
            assert_eq!(Source::parse(Some(s.as_str())), Some(s));
        }
        assert_eq!(Source::parse(None), None);
        assert_eq!(Source::parse(Some("SHOPEE")), None);
        assert_eq!(saved_filters(SourceKind::Import).len(), 3);
        assert_eq!(
            saved_filters(SourceKind::Channel)[3..],
            [SavedFilter::Registered, SavedFilter::NotRegistered]
        );
    }
}
