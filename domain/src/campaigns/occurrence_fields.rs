//! The template fields a journey's occurrence adds to a member's (a `POINTS_EXPIRING`
//! reminder's points and day), stored as JSON on its delivery so a retry sends the same
//! words.
use serde::{Deserialize, Serialize};

/// Fields of one occurrence.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OccurrenceFields {
    /// Points that expire (`{{ expiring_points }}`).
    #[serde(default)]
    pub expiring_points: i64,
    /// Their last day in the shop's zone, `YYYY-MM-DD` (`{{ expiring_date }}`).
    #[serde(default)]
    pub expiring_date: String,
}

impl OccurrenceFields {
    /// Reads a delivery's stored fields; none (a broadcast) or unreadable ones are empty.
    pub fn read(raw: Option<&str>) -> Self {
        raw.and_then(|r| serde_json::from_str(r).ok())
            .unwrap_or_default()
    }

    /// The stored form, or none when empty.
    pub fn stored(&self) -> Option<String> {
        (*self != Self::default())
            .then(|| serde_json::to_string(self).ok())
            .flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_empty_is_not_stored() {
        let f = OccurrenceFields {
            expiring_points: 500,
            expiring_date: "2027-01-31".into(),
        };
        assert_eq!(OccurrenceFields::read(f.stored().as_deref()), f);
        assert_eq!(OccurrenceFields::default().stored(), None);
        assert_eq!(
            OccurrenceFields::read(Some("not json")),
            OccurrenceFields::default()
        );
    }
}
