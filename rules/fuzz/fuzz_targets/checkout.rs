//! Arbitrary bytes -> offer configurations (structured `{kind, args}` or raw JSON) and a
//! cart -> offers built with `Offer::from_config` and applied one after another on one
//! `Checkout`, then the tier discount and points. Nothing may panic, and every outcome
//! must match an independent model of what the rules promise:
//!
//! - an offer that applies gives a positive amount equal to the sum of its per-line
//!   shares; no share is negative or above what earlier offers left of its line;
//! - lines the stacking policy forbids, and (per-item) lines the target does not name,
//!   get nothing; order-level amounts are spread in proportion to what is left (each
//!   share within 1 VND of its exact share);
//! - the amount is exactly what the discount kind says (percent of the lines it may
//!   touch, rounded half-up; the fixed amount at most the order; the per-unit amount at
//!   most each line; the tiered step reached by the targeted value or units, on the
//!   targeted lines; buy-X-get-Y on the cheapest units of the get target, worked out
//!   unit by unit, a unit bought or got but not both), and an offer is skipped exactly
//!   when the model says so, with the same first reason;
//! - `evaluate_in` and `Checkout::apply` agree; totals stay consistent: what is left to
//!   pay is the subtotal minus every applied amount, never negative, and no line is
//!   discounted beyond its value;
//! - eligibility rules (tier, channel, time window, first order, birthday month,
//!   segments) are judged against an arbitrary checkout context by the model on its own:
//!   an offer the customer may not have is skipped with a reason of its own, before
//!   anything the cart says; an offer with earning rules and no discount applies for
//!   nothing off (unless its multiplier's window is closed), and what it earns (bonus
//!   points once or per targeted unit, paid VND of the target times the multiplier
//!   less one) is what the model computes;
//! - the tier discount is never negative, never above the base or the cap; points never
//!   exceed what was asked, pay at most what is left (and the cap), at their full value.
//!
//! Carts come in two flavours: "valid" ones within the limits the domain enforces before
//! pricing (1 to 1,000,000 units, whole non-negative prices, subtotal at most 10^18 VND),
//! where every invariant above is checked, and "wild" ones (any quantity, any decimal
//! price, negative or fractional), where pricing must still not panic and discounts stay
//! within the lines.
#![no_main]

use arbitrary::Arbitrary;
use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Weekday};
use libfuzzer_sys::fuzz_target;
use loyalty_rules::points_redemption::{PointRate, redeem, value_of};
use loyalty_rules::tier_discount::tier_discount;
use loyalty_rules::{
    Args, BUILT_IN_KINDS, Cart, CartLine, Checkout, EarnBase, Earned, Offer, Outcome, RuleKind,
    SegmentMembership, Shopper, SkipReason, Target, TierRef, money::round_vnd,
};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Deserialize;
use serde_json::{Value, json};

/// Largest subtotal the domain lets through to pricing (`orders/input.rs`).
const MAX_SUBTOTAL: u64 = 1_000_000_000_000_000_000;
const MAX_QUANTITY: u32 = 1_000_000;

#[derive(Arbitrary, Debug)]
struct Input {
    wild: bool,
    lines: Vec<LineIn>,
    offers: Vec<OfferIn>,
    tier: Option<TierIn>,
    points: PointsIn,
    shopper: ShopperIn,
}

/// The checkout's context: indexes into small lists, so rules and context meet often.
#[derive(Arbitrary, Debug)]
struct ShopperIn {
    tier: u8,
    channel: u8,
    day: u8,
    hour: u8,
    first_order: bool,
    birth_month: u8,
    /// Bit i: a member of segment `s{i}` (of three; `s3` names a deleted segment).
    segments: u8,
}

const TIERS: [&str; 3] = ["Member", "Silver", "Gold"];
const CHANNEL_NAMES: [&str; 5] = ["WEB", "POS", "SOCIAL", "LIVESTREAM", "ADMIN"];
const DAY_NAMES: [&str; 7] = ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"];

fn shopper_of(s: &ShopperIn) -> Shopper {
    let tier_ref = |i: usize| TierRef {
        id: format!("t{i}"),
        name: TIERS[i].to_owned(),
    };
    let t = usize::from(s.tier % 4);
    let c = usize::from(s.channel % 6);
    Shopper {
        tier: (t < 3).then(|| tier_ref(t)),
        tiers: (0..3).map(tier_ref).collect(),
        registered: s.first_order,
        channel: (c < 5).then(|| CHANNEL_NAMES[c].to_owned()),
        local_time: NaiveDate::from_ymd_opt(2026, 12, 1 + u32::from(s.day % 31))
            .and_then(|d| d.and_hms_opt(u32::from(s.hour % 24), 0, 0)),
        first_order: s.first_order,
        birth_month: (s.birth_month % 13 != 0).then_some(u32::from(s.birth_month % 13)),
        segments: (0..3)
            .map(|i| SegmentMembership {
                id: format!("s{i}"),
                name: format!("S{i}"),
                member: s.segments & (1 << i) != 0,
            })
            .collect(),
    }
}

#[derive(Arbitrary, Debug)]
struct LineIn {
    product: u8,
    groups: Vec<u8>,
    quantity: u32,
    price: PriceIn,
    already_discounted: bool,
}

#[derive(Arbitrary, Debug)]
enum PriceIn {
    Whole(u64),
    Small(u16),
    Raw { mantissa: i128, scale: u8 },
}

#[derive(Arbitrary, Debug)]
enum OfferIn {
    Structured {
        target: TargetIn,
        rules: Vec<RuleIn>,
    },
    /// A structured offer written as stored JSON (`{"target": {"kind": ..., "ids":
    /// [...]}, "rules": [{"kind": ..., "args": {...}}]}`), then some of its bytes
    /// replaced, so the JSON path sees valid, nearly valid and broken text.
    Json {
        target: TargetIn,
        rules: Vec<RuleIn>,
        edits: Vec<(u16, u8)>,
    },
    /// Any text.
    Text(String),
}

#[derive(Arbitrary, Debug)]
enum TargetIn {
    Order,
    Products(Vec<u8>),
    Groups(Vec<u8>),
}

#[derive(Arbitrary, Debug)]
enum RuleIn {
    /// Typed arguments, mostly valid, so that offers with several rules get built.
    Percent(u16),
    FixedPerOrder(u32),
    FixedPerItem(u16),
    MinQuantity(u8),
    MinValue(u32),
    Stacking(Option<bool>),
    BuyXGetY {
        buy: u8,
        get: u8,
        /// Hundredths of a percent.
        percent: u16,
        times: Option<u8>,
        get_target: Option<TargetIn>,
    },
    Tiered {
        /// (step above the previous min, step above the previous discount).
        steps: Vec<(u16, u16)>,
        percent: bool,
        by_quantity: bool,
    },
    /// Masks over `TIERS`, `CHANNEL_NAMES`, weekdays and segments `s0`..`s3`.
    TierIn(u8),
    ChannelIn(u8),
    TimeWindow {
        weekdays: u8,
        hours: Option<(u8, u8)>,
        dates: Option<(u8, u8)>,
    },
    FirstOrder,
    BirthdayMonth,
    Segment(u8),
    BonusPoints {
        points: u32,
        per_unit: bool,
    },
    PointsMultiplier {
        /// Hundredths above 1.
        above_one: u16,
        weekdays: u8,
    },
    /// Any kind, any arguments.
    Free {
        kind: KindIn,
        args: Vec<(ArgName, ArgVal)>,
    },
}

#[derive(Arbitrary, Debug)]
enum KindIn {
    Percent,
    FixedPerOrder,
    FixedPerItem,
    MinQuantity,
    MinValue,
    Stacking,
    BuyXGetY,
    Tiered,
    TierIn,
    Segment,
    ChannelIn,
    TimeWindow,
    FirstOrder,
    BirthdayMonth,
    BonusPoints,
    PointsMultiplier,
    Other(String),
}

#[derive(Arbitrary, Debug)]
enum ArgName {
    Percent,
    Amount,
    Quantity,
    AppliesToDiscounted,
    Buy,
    Get,
    Times,
    GetProducts,
    GetGroups,
    Steps,
    ByQuantity,
    Tiers,
    Segments,
    Channels,
    Weekdays,
    FromDate,
    UntilDate,
    FromTime,
    UntilTime,
    Points,
    PerUnit,
    Multiplier,
    Other(String),
}

#[derive(Arbitrary, Debug)]
enum ArgVal {
    Null,
    Bool(bool),
    Int(i64),
    Small(u16),
    Float(f64),
    Decimal {
        mantissa: i64,
        scale: u8,
    },
    Str(String),
    Ids(Vec<u8>),
    /// (min, value, percent or amount) objects.
    Steps(Vec<(i64, u16, bool)>),
}

#[derive(Arbitrary, Debug)]
struct TierIn {
    /// Hundredths of a percent.
    percent: u16,
    cap: Option<u64>,
}

#[derive(Arbitrary, Debug)]
struct PointsIn {
    requested: i64,
    per_thousand: u32,
    cap: Option<u64>,
}

/// The stored-configuration shape (`domain::offers::registry::OfferConfig`).
#[derive(Deserialize)]
struct JsonOffer {
    target: Target,
    rules: Vec<JsonRule>,
}

#[derive(Deserialize)]
struct JsonRule {
    kind: String,
    #[serde(default)]
    args: Args,
}

fn id(prefix: &str, n: u8) -> String {
    // A small alphabet, so targets and lines meet often.
    format!("{prefix}{}", n % 6)
}

fn cart_of(input: &Input) -> Cart {
    let mut budget = MAX_SUBTOTAL;
    let lines = input
        .lines
        .iter()
        .take(24)
        .map(|l| {
            let group_ids = l.groups.iter().take(4).map(|g| id("g", *g)).collect();
            let (quantity, unit_price) = if input.wild {
                let price = match l.price {
                    PriceIn::Whole(p) => Decimal::from(p),
                    PriceIn::Small(p) => Decimal::from(p),
                    PriceIn::Raw { mantissa, scale } => {
                        Decimal::try_from_i128_with_scale(mantissa, u32::from(scale % 29))
                            .unwrap_or(Decimal::MAX)
                    }
                };
                (l.quantity, price)
            } else {
                let quantity = 1 + l.quantity % MAX_QUANTITY;
                let most = budget / u64::from(quantity);
                let price = match l.price {
                    PriceIn::Whole(p) => p % (most + 1),
                    PriceIn::Small(p) => u64::from(p).min(most) * 1000,
                    PriceIn::Raw { mantissa, .. } => (mantissa.unsigned_abs() as u64) % (most + 1),
                }
                .min(most);
                budget -= price * u64::from(quantity);
                (quantity, Decimal::from(price))
            };
            CartLine {
                product_id: id("p", l.product),
                group_ids,
                quantity,
                unit_price,
                already_discounted: l.already_discounted,
            }
        })
        .collect();
    Cart { lines }
}

fn arg_value(v: &ArgVal) -> Value {
    match v {
        ArgVal::Null => Value::Null,
        ArgVal::Bool(b) => json!(b),
        ArgVal::Int(i) => json!(i),
        ArgVal::Small(i) => json!(i),
        ArgVal::Float(f) => json!(f),
        ArgVal::Decimal { mantissa, scale } => {
            let d = Decimal::try_from_i128_with_scale(i128::from(*mantissa), u32::from(scale % 29))
                .unwrap_or_default();
            json!(d.to_string())
        }
        ArgVal::Str(s) => json!(s),
        ArgVal::Ids(v) => json!(v.iter().take(4).map(|n| id("p", *n)).collect::<Vec<_>>()),
        ArgVal::Steps(v) => json!(
            v.iter()
                .take(4)
                .map(|(min, value, pct)| {
                    let key = if *pct { "percent" } else { "amount" };
                    json!({ "min": min.to_string(), key: value.to_string() })
                })
                .collect::<Vec<_>>()
        ),
    }
}

fn from_json(text: &str) -> Option<(Target, Vec<(String, Args)>)> {
    let parsed: JsonOffer = serde_json::from_str(text).ok()?;
    Some((
        parsed.target,
        parsed.rules.into_iter().map(|r| (r.kind, r.args)).collect(),
    ))
}

fn args_of(v: Value) -> Args {
    v.as_object().cloned().unwrap_or_default()
}

fn config_of(offer: &OfferIn) -> Option<(Target, Vec<(String, Args)>)> {
    match offer {
        OfferIn::Text(text) => from_json(text),
        OfferIn::Json {
            target,
            rules,
            edits,
        } => {
            let (target, rules) = structured(target, rules);
            let stored = json!({
                "target": target,
                "rules": rules.iter().map(|(k, a)| json!({"kind": k, "args": a})).collect::<Vec<_>>(),
            });
            let mut bytes = serde_json::to_vec(&stored).expect("serializes");
            for (at, b) in edits.iter().take(3) {
                let len = bytes.len();
                bytes[usize::from(*at) % len] = *b;
            }
            from_json(std::str::from_utf8(&bytes).ok()?)
        }
        OfferIn::Structured { target, rules } => Some(structured(target, rules)),
    }
}

fn ids(v: &[u8], p: &str) -> Vec<String> {
    v.iter().take(4).map(|n| id(p, *n)).collect()
}

fn target_of(target: &TargetIn) -> Target {
    match target {
        TargetIn::Order => Target::Order,
        TargetIn::Products(v) => Target::Products(ids(v, "p")),
        TargetIn::Groups(v) => Target::Groups(ids(v, "g")),
    }
}

/// Typed buy-X-get-Y arguments: small counts so rounds happen, any percent in
/// hundredths, any get target (an empty id list is refused, which is fine).
fn buy_x_get_y_args(
    buy: u8,
    get: u8,
    percent: u16,
    times: Option<u8>,
    get_target: &Option<TargetIn>,
) -> Args {
    let mut a = args_of(json!({
        "buy": 1 + buy % 4,
        "get": 1 + get % 3,
        "percent": Decimal::new(1 + i64::from(percent % 10_000), 2).normalize().to_string(),
    }));
    if let Some(t) = times {
        a.insert("times".into(), json!(1 + t % 4));
    }
    match get_target {
        Some(TargetIn::Products(v)) => {
            a.insert("get_products".into(), json!(ids(v, "p")));
        }
        Some(TargetIn::Groups(v)) => {
            a.insert("get_groups".into(), json!(ids(v, "g")));
        }
        Some(TargetIn::Order) | None => {}
    }
    a
}

/// Typed tiered arguments: increasing thresholds and non-decreasing discounts, so most
/// are valid.
fn tiered_args(steps: &[(u16, u16)], percent: bool, by_quantity: bool) -> Args {
    let (mut min, mut value) = (0_u64, 0_u64);
    let steps: Vec<Value> = steps
        .iter()
        .take(5)
        .map(|(dm, dv)| {
            min += 1 + if by_quantity {
                u64::from(*dm % 8)
            } else {
                u64::from(*dm) * 1000
            };
            if percent {
                value = (value + u64::from(*dv % 3000)).clamp(1, 10_000);
                json!({"min": min.to_string(), "percent": Decimal::new(value as i64, 2).normalize().to_string()})
            } else {
                value += 1 + u64::from(*dv) * 100;
                json!({"min": min, "amount": value.to_string()})
            }
        })
        .collect();
    args_of(json!({"steps": steps, "by_quantity": by_quantity}))
}

/// The names whose bit is set in `mask` (at least the first, so the list is never empty).
fn pick(names: &[&str], mask: u8) -> Vec<String> {
    let picked: Vec<String> = names
        .iter()
        .enumerate()
        .filter(|(i, _)| mask & (1 << i) != 0)
        .map(|(_, n)| (*n).to_owned())
        .collect();
    if picked.is_empty() {
        vec![names[0].to_owned()]
    } else {
        picked
    }
}

fn structured(target: &TargetIn, rules: &[RuleIn]) -> (Target, Vec<(String, Args)>) {
    let target = target_of(target);
    let rules = rules
        .iter()
        .take(6)
        .map(|r| {
            let (kind, args) = match r {
                RuleIn::Percent(p) => {
                    let p = Decimal::new(i64::from(*p), 2).normalize().to_string();
                    return ("percent".to_owned(), args_of(json!({ "percent": p })));
                }
                RuleIn::FixedPerOrder(a) => {
                    let a = u64::from(*a) * 100;
                    return (
                        "fixed_per_order".to_owned(),
                        args_of(json!({ "amount": a })),
                    );
                }
                RuleIn::FixedPerItem(a) => {
                    let a = (u64::from(*a) * 1000).to_string();
                    return ("fixed_per_item".to_owned(), args_of(json!({ "amount": a })));
                }
                RuleIn::MinQuantity(q) => {
                    return ("min_quantity".to_owned(), args_of(json!({ "quantity": q })));
                }
                RuleIn::MinValue(v) => {
                    let v = (u64::from(*v) * 100).to_string();
                    return ("min_value".to_owned(), args_of(json!({ "amount": v })));
                }
                RuleIn::Stacking(b) => {
                    let args = b.map_or_else(Args::new, |b| {
                        args_of(json!({ "applies_to_discounted": b }))
                    });
                    return ("stacking".to_owned(), args);
                }
                RuleIn::BuyXGetY {
                    buy,
                    get,
                    percent,
                    times,
                    get_target,
                } => {
                    return (
                        "buy_x_get_y".to_owned(),
                        buy_x_get_y_args(*buy, *get, *percent, *times, get_target),
                    );
                }
                RuleIn::Tiered {
                    steps,
                    percent,
                    by_quantity,
                } => {
                    return (
                        "tiered".to_owned(),
                        tiered_args(steps, *percent, *by_quantity),
                    );
                }
                RuleIn::TierIn(mask) => {
                    return (
                        "tier_in".to_owned(),
                        args_of(json!({"tiers": pick(&TIERS, *mask)})),
                    );
                }
                RuleIn::ChannelIn(mask) => {
                    return (
                        "channel_in".to_owned(),
                        args_of(json!({"channels": pick(&CHANNEL_NAMES, *mask)})),
                    );
                }
                RuleIn::TimeWindow {
                    weekdays,
                    hours,
                    dates,
                } => {
                    let mut a = args_of(json!({"weekdays": pick(&DAY_NAMES, *weekdays)}));
                    if let Some((from, until)) = hours {
                        a.insert("from_time".into(), json!(format!("{:02}:00", from % 24)));
                        a.insert("until_time".into(), json!(format!("{:02}:30", until % 24)));
                    }
                    if let Some((from, len)) = dates {
                        let from = 1 + from % 28;
                        a.insert("from_date".into(), json!(format!("2026-12-{from:02}")));
                        let until = (from + len % 10).min(31);
                        a.insert("until_date".into(), json!(format!("2026-12-{until:02}")));
                    }
                    return ("time_window".to_owned(), a);
                }
                RuleIn::FirstOrder => return ("first_order".to_owned(), Args::new()),
                RuleIn::BirthdayMonth => return ("birthday_month".to_owned(), Args::new()),
                RuleIn::Segment(mask) => {
                    return (
                        "segment".to_owned(),
                        args_of(json!({"segments": pick(&["s0", "s1", "s2", "s3"], *mask)})),
                    );
                }
                RuleIn::BonusPoints { points, per_unit } => {
                    return (
                        "bonus_points".to_owned(),
                        args_of(json!({"points": 1 + points % 1_000_000, "per_unit": per_unit})),
                    );
                }
                RuleIn::PointsMultiplier {
                    above_one,
                    weekdays,
                } => {
                    let m = Decimal::new(101 + i64::from(above_one % 900), 2).normalize();
                    let mut a = args_of(json!({"multiplier": m.to_string()}));
                    if *weekdays & 0x80 != 0 {
                        a.insert("weekdays".into(), json!(pick(&DAY_NAMES, *weekdays)));
                    }
                    return ("points_multiplier".to_owned(), a);
                }
                RuleIn::Free { kind, args } => (kind, args),
            };
            let kind = match kind {
                KindIn::Percent => "percent".to_owned(),
                KindIn::FixedPerOrder => "fixed_per_order".to_owned(),
                KindIn::FixedPerItem => "fixed_per_item".to_owned(),
                KindIn::MinQuantity => "min_quantity".to_owned(),
                KindIn::MinValue => "min_value".to_owned(),
                KindIn::Stacking => "stacking".to_owned(),
                KindIn::BuyXGetY => "buy_x_get_y".to_owned(),
                KindIn::Tiered => "tiered".to_owned(),
                KindIn::TierIn => "tier_in".to_owned(),
                KindIn::Segment => "segment".to_owned(),
                KindIn::ChannelIn => "channel_in".to_owned(),
                KindIn::TimeWindow => "time_window".to_owned(),
                KindIn::FirstOrder => "first_order".to_owned(),
                KindIn::BirthdayMonth => "birthday_month".to_owned(),
                KindIn::BonusPoints => "bonus_points".to_owned(),
                KindIn::PointsMultiplier => "points_multiplier".to_owned(),
                KindIn::Other(s) => s.clone(),
            };
            let args = args
                .iter()
                .take(4)
                .map(|(name, v)| {
                    let name = match name {
                        ArgName::Percent => "percent".to_owned(),
                        ArgName::Amount => "amount".to_owned(),
                        ArgName::Quantity => "quantity".to_owned(),
                        ArgName::AppliesToDiscounted => "applies_to_discounted".to_owned(),
                        ArgName::Buy => "buy".to_owned(),
                        ArgName::Get => "get".to_owned(),
                        ArgName::Times => "times".to_owned(),
                        ArgName::GetProducts => "get_products".to_owned(),
                        ArgName::GetGroups => "get_groups".to_owned(),
                        ArgName::Steps => "steps".to_owned(),
                        ArgName::ByQuantity => "by_quantity".to_owned(),
                        ArgName::Tiers => "tiers".to_owned(),
                        ArgName::Segments => "segments".to_owned(),
                        ArgName::Channels => "channels".to_owned(),
                        ArgName::Weekdays => "weekdays".to_owned(),
                        ArgName::FromDate => "from_date".to_owned(),
                        ArgName::UntilDate => "until_date".to_owned(),
                        ArgName::FromTime => "from_time".to_owned(),
                        ArgName::UntilTime => "until_time".to_owned(),
                        ArgName::Points => "points".to_owned(),
                        ArgName::PerUnit => "per_unit".to_owned(),
                        ArgName::Multiplier => "multiplier".to_owned(),
                        ArgName::Other(s) => s.clone(),
                    };
                    (name, arg_value(v))
                })
                .collect();
            (kind, args)
        })
        .collect();
    (target, rules)
}

/// What a built offer's configuration says, read back from its (valid) arguments.
#[derive(Debug)]
struct Model {
    target: Target,
    /// None: the offer only earns points.
    discount: Option<Discount>,
    /// Eligibility rules, as read back.
    eligibility: Vec<Eligibility>,
    /// Earning rules, as read back.
    earning: Vec<Earning>,
    /// Condition rules in configuration order (the first failing one is the reason).
    conditions: Vec<Condition>,
    /// Some stacking rule forbids already-discounted lines.
    strict: bool,
}

#[derive(Debug, Clone)]
enum Discount {
    Percent(Decimal),
    PerOrder(Decimal),
    PerItem(Decimal),
    BuyXGetY {
        buy: u64,
        get: u64,
        /// The percent in hundredths (at most 2 decimals).
        hundredths: i128,
        times: Option<u64>,
        get_target: Option<Target>,
    },
    Tiered {
        /// (min, percent or amount), as configured.
        steps: Vec<(Decimal, TierStep)>,
        by_quantity: bool,
    },
}

#[derive(Debug, Clone)]
enum Eligibility {
    Tiers(Vec<String>),
    Channels(Vec<String>),
    Window(WindowModel),
    FirstOrder,
    BirthdayMonth,
    Segments(Vec<String>),
}

#[derive(Debug, Clone, Default)]
struct WindowModel {
    from_date: Option<NaiveDate>,
    until_date: Option<NaiveDate>,
    weekdays: Vec<Weekday>,
    from_time: Option<NaiveTime>,
    until_time: Option<NaiveTime>,
}

#[derive(Debug, Clone)]
enum Earning {
    Bonus { points: i64, per_unit: bool },
    Multiplier { by: Decimal, window: WindowModel },
}

fn window_of(kind: &'static str, args: &Args) -> WindowModel {
    let text = |name: &str| args.get(name).and_then(|v| v.as_str()).map(str::trim);
    let ids = loyalty_rules::args::ids(kind, args, "weekdays")
        .expect("valid")
        .unwrap_or_default();
    WindowModel {
        from_date: text("from_date")
            .map(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").expect("valid")),
        until_date: text("until_date")
            .map(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").expect("valid")),
        weekdays: ids
            .iter()
            .map(|d| d.to_ascii_uppercase().parse::<Weekday>().expect("valid"))
            .collect(),
        from_time: text("from_time").map(|t| NaiveTime::parse_from_str(t, "%H:%M").expect("valid")),
        until_time: text("until_time")
            .map(|t| NaiveTime::parse_from_str(t, "%H:%M").expect("valid")),
    }
}

/// Whether `at` falls in the window: dates included, weekdays, hours from included to
/// until excluded, past midnight when until comes first; no time known: never.
fn window_holds(w: &WindowModel, at: Option<NaiveDateTime>) -> bool {
    let Some(at) = at else { return false };
    let (d, t) = (at.date(), at.time());
    if w.from_date.is_some_and(|f| d < f) || w.until_date.is_some_and(|u| d > u) {
        return false;
    }
    if !w.weekdays.is_empty() && !w.weekdays.contains(&d.weekday()) {
        return false;
    }
    match (w.from_time, w.until_time) {
        (Some(f), Some(u)) if f < u => f <= t && t < u,
        (Some(f), Some(u)) => t >= f || t < u,
        (Some(f), None) => t >= f,
        (None, Some(u)) => t < u,
        (None, None) => true,
    }
}

fn admitted(e: &Eligibility, s: &Shopper) -> bool {
    match e {
        Eligibility::Tiers(want) => s.tier.as_ref().is_some_and(|t| {
            want.iter()
                .any(|w| *w == t.id || w.eq_ignore_ascii_case(&t.name))
        }),
        Eligibility::Channels(want) => s
            .channel
            .as_ref()
            .is_some_and(|c| want.iter().any(|w| w.eq_ignore_ascii_case(c))),
        Eligibility::Window(w) => window_holds(w, s.local_time),
        Eligibility::FirstOrder => s.first_order,
        Eligibility::BirthdayMonth => {
            s.birth_month.is_some() && s.birth_month == s.local_time.map(|t| t.month())
        }
        Eligibility::Segments(want) => s.segments.iter().any(|m| m.member && want.contains(&m.id)),
    }
}

/// What the model says the offer adds to the points, on `paid` per line.
fn model_earned(model: &Model, cart: &Cart, paid: &[i64], s: &Shopper) -> Earned {
    let targeted: Vec<bool> = cart.lines.iter().map(|l| model.target.matches(l)).collect();
    let mut sum = Earned::default();
    for e in &model.earning {
        match e {
            Earning::Bonus { points, per_unit } => {
                let times = if *per_unit {
                    cart.lines
                        .iter()
                        .zip(&targeted)
                        .filter(|(_, t)| **t)
                        .map(|(l, _)| i64::from(l.quantity))
                        .fold(0, i64::saturating_add)
                } else {
                    1
                };
                sum.bonus_points = sum
                    .bonus_points
                    .saturating_add(points.saturating_mul(times));
            }
            Earning::Multiplier { by, window } => {
                if window_holds(window, s.local_time) || is_open(window) {
                    let share: i64 = paid
                        .iter()
                        .zip(&targeted)
                        .filter(|(_, t)| **t)
                        .map(|(p, _)| *p)
                        .fold(0, i64::saturating_add);
                    sum.boosted_vnd = sum
                        .boosted_vnd
                        .saturating_add(Decimal::from(share).saturating_mul(*by - Decimal::ONE));
                }
            }
        }
    }
    sum
}

/// A window with no part: always open (a multiplier without one).
fn is_open(w: &WindowModel) -> bool {
    w.from_date.is_none()
        && w.until_date.is_none()
        && w.weekdays.is_empty()
        && w.from_time.is_none()
        && w.until_time.is_none()
}

#[derive(Debug, Clone, Copy)]
enum TierStep {
    Percent(Decimal),
    Amount(Decimal),
}

/// Most units the model works through one by one for a buy-X-get-Y offer; beyond, it
/// only checks the bounds.
const MAX_MODEL_UNITS: u64 = 4000;

#[derive(Debug, Clone, Copy)]
enum Condition {
    MinQuantity(u64),
    MinValue(Decimal),
}

fn dec(kind: &'static str, args: &Args, name: &'static str) -> Decimal {
    loyalty_rules::args::required_decimal(kind, args, name).expect("built, so valid")
}

fn model_of(target: &Target, config: &[(String, Args)]) -> Model {
    let mut discount = None;
    let mut eligibility = Vec::new();
    let mut earning = Vec::new();
    let mut conditions = Vec::new();
    let mut strict = false;
    for (kind, args) in config {
        match kind.as_str() {
            "percent" => discount = Some(Discount::Percent(dec("percent", args, "percent"))),
            "fixed_per_order" => {
                discount = Some(Discount::PerOrder(dec("fixed_per_order", args, "amount")))
            }
            "fixed_per_item" => {
                discount = Some(Discount::PerItem(dec("fixed_per_item", args, "amount")))
            }
            "min_quantity" => {
                let q = loyalty_rules::args::integer("min_quantity", args, "quantity")
                    .expect("valid")
                    .expect("required");
                conditions.push(Condition::MinQuantity(q as u64));
            }
            "min_value" => conditions.push(Condition::MinValue(dec("min_value", args, "amount"))),
            "buy_x_get_y" => {
                let int = |name| {
                    loyalty_rules::args::integer("buy_x_get_y", args, name)
                        .expect("valid")
                        .map(|n| n as u64)
                };
                let p = dec("buy_x_get_y", args, "percent").normalize();
                let ids =
                    |name| loyalty_rules::args::ids("buy_x_get_y", args, name).expect("valid");
                let get_target = match (ids("get_products"), ids("get_groups")) {
                    (Some(ids), _) => Some(Target::Products(ids)),
                    (_, Some(ids)) => Some(Target::Groups(ids)),
                    _ => None,
                };
                discount = Some(Discount::BuyXGetY {
                    buy: int("buy").expect("required"),
                    get: int("get").expect("required"),
                    hundredths: p.mantissa() * 10_i128.pow(2 - p.scale()),
                    times: int("times"),
                    get_target,
                });
            }
            "tiered" => {
                let steps = args["steps"]
                    .as_array()
                    .expect("valid")
                    .iter()
                    .map(|step| {
                        let d = |key: &str| {
                            step.get(key)
                                .map(|v| loyalty_rules::args::decimal_value(v).expect("valid"))
                        };
                        let value = match (d("percent"), d("amount")) {
                            (Some(p), _) => TierStep::Percent(p),
                            (_, Some(a)) => TierStep::Amount(a),
                            _ => panic!("built a step without a discount"),
                        };
                        (d("min").expect("required"), value)
                    })
                    .collect();
                let by_quantity = loyalty_rules::args::boolean("tiered", args, "by_quantity")
                    .expect("valid")
                    .unwrap_or(false);
                discount = Some(Discount::Tiered { steps, by_quantity });
            }
            "stacking" => {
                let applies =
                    loyalty_rules::args::boolean("stacking", args, "applies_to_discounted")
                        .expect("valid")
                        .unwrap_or(true);
                strict |= !applies;
            }
            "tier_in" | "channel_in" | "segment" => {
                let arg = match kind.as_str() {
                    "tier_in" => "tiers",
                    "channel_in" => "channels",
                    _ => "segments",
                };
                let ids = loyalty_rules::args::ids("eligibility", args, arg)
                    .expect("valid")
                    .expect("required");
                eligibility.push(match kind.as_str() {
                    "tier_in" => Eligibility::Tiers(ids),
                    "channel_in" => Eligibility::Channels(ids),
                    _ => Eligibility::Segments(ids),
                });
            }
            "time_window" => eligibility.push(Eligibility::Window(window_of("time_window", args))),
            "first_order" => eligibility.push(Eligibility::FirstOrder),
            "birthday_month" => eligibility.push(Eligibility::BirthdayMonth),
            "bonus_points" => earning.push(Earning::Bonus {
                points: loyalty_rules::args::integer("bonus_points", args, "points")
                    .expect("valid")
                    .expect("required"),
                per_unit: loyalty_rules::args::boolean("bonus_points", args, "per_unit")
                    .expect("valid")
                    .unwrap_or(false),
            }),
            "points_multiplier" => earning.push(Earning::Multiplier {
                by: dec("points_multiplier", args, "multiplier"),
                window: window_of("points_multiplier", args),
            }),
            other => panic!("built an offer with unknown kind {other}"),
        }
    }
    Model {
        target: target.clone(),
        discount,
        eligibility,
        earning,
        conditions,
        strict,
    }
}

fn to_vnd128(d: Decimal) -> i128 {
    round_vnd(d).to_i128().unwrap_or(0)
}

/// What the model expects: per-line bounds and the exact total, or the skip reason.
enum Expect {
    Skip(SkipReason),
    /// Skipped with a reason of its own kind's wording (eligibility, a closed window).
    SkipOther,
    /// Too many units to work through: if it applies, each share is within `room`.
    Bounded {
        room: Vec<i128>,
    },
    Apply {
        amount: i128,
        /// Per line: may it get anything, and at most how much.
        room: Vec<i128>,
        /// Order-level amounts are spread in proportion to `room`.
        proportional: bool,
    },
}

fn expect(model: &Model, co: &Checkout<'_>) -> Expect {
    let cart = co.cart;
    let n = cart.lines.len();
    let rem: Vec<i128> = (0..n)
        .map(|i| (i128::from(co.values[i]) - i128::from(co.taken[i])).max(0))
        .collect();
    let allowed: Vec<bool> = (0..n)
        .map(|i| !(model.strict && (cart.lines[i].already_discounted || co.taken[i] > 0)))
        .collect();
    let targeted: Vec<bool> = (0..n)
        .map(|i| allowed[i] && model.target.matches(&cart.lines[i]))
        .collect();
    if model.eligibility.iter().any(|e| !admitted(e, co.shopper)) {
        return Expect::SkipOther;
    }
    let mut reason = None;
    if model.target != Target::Order && !targeted.iter().any(|t| *t) {
        reason = Some(SkipReason::NoTarget);
    }
    // Which value a minimum-value condition measures: the targeted items for the kinds
    // that discount them (per item, tiered), else the order.
    let per_item = matches!(
        model.discount,
        Some(Discount::PerItem(_) | Discount::Tiered { .. })
    );
    let order_value: i128 = (0..n).filter(|i| allowed[*i]).map(|i| rem[i]).sum();
    let targeted_value: i128 = (0..n).filter(|i| targeted[*i]).map(|i| rem[i]).sum();
    for c in &model.conditions {
        if reason.is_some() {
            break;
        }
        match *c {
            Condition::MinQuantity(need) => {
                let have: u64 = (0..n)
                    .filter(|i| targeted[*i])
                    .map(|i| u64::from(cart.lines[i].quantity))
                    .sum();
                if have < need {
                    reason = Some(SkipReason::MinQuantity { need, have });
                }
            }
            Condition::MinValue(need) => {
                let have = if per_item {
                    targeted_value
                } else {
                    order_value
                };
                if Decimal::from_i128_with_scale(have, 0) < need {
                    reason = Some(SkipReason::MinValue {
                        need,
                        have: Decimal::from_i128_with_scale(have, 0),
                        targeted: per_item,
                    });
                }
            }
        }
    }
    if let Some(r) = reason {
        return Expect::Skip(r);
    }
    let room: Vec<i128> = (0..n)
        .map(|i| if allowed[i] { rem[i] } else { 0 })
        .collect();
    let targeted_units: u64 = (0..n)
        .filter(|i| targeted[*i])
        .map(|i| u64::from(cart.lines[i].quantity))
        .sum();
    let Some(discount) = &model.discount else {
        // Points only: applies for nothing off while every multiplier's window is open.
        let closed = model.earning.iter().any(|e| {
            matches!(e, Earning::Multiplier { window, .. }
                if !is_open(window) && !window_holds(window, co.shopper.local_time))
        });
        if closed {
            return Expect::SkipOther;
        }
        return Expect::Apply {
            amount: 0,
            room: vec![0; n],
            proportional: false,
        };
    };
    let (amount, room, proportional) = match discount {
        Discount::Tiered { steps, by_quantity } => {
            let have = if *by_quantity {
                Decimal::from(targeted_units)
            } else {
                Decimal::from_i128_with_scale(targeted_value, 0)
            };
            let Some((_, step)) = steps.iter().rev().find(|(min, _)| *min <= have) else {
                let first = steps[0].0;
                return Expect::Skip(if *by_quantity {
                    SkipReason::MinQuantity {
                        need: first.to_u64().expect("whole"),
                        have: targeted_units,
                    }
                } else {
                    SkipReason::MinValue {
                        need: first,
                        have,
                        targeted: true,
                    }
                });
            };
            let amount = match *step {
                TierStep::Percent(p) => to_vnd128(
                    Decimal::from_i128_with_scale(targeted_value, 0) * p / Decimal::ONE_HUNDRED,
                ),
                TierStep::Amount(a) => to_vnd128(a),
            }
            .clamp(0, targeted_value);
            let room = (0..n)
                .map(|i| if targeted[i] { rem[i] } else { 0 })
                .collect();
            (amount, room, true)
        }
        Discount::BuyXGetY {
            buy,
            get,
            hundredths,
            times,
            get_target,
        } => {
            let is_b: Vec<bool> = (0..n)
                .map(|i| match get_target {
                    None => targeted[i],
                    Some(t) => allowed[i] && t.matches(&cart.lines[i]),
                })
                .collect();
            let units = |f: &dyn Fn(usize) -> bool| -> u64 {
                (0..n)
                    .filter(|i| f(*i))
                    .map(|i| u64::from(cart.lines[i].quantity))
                    .sum()
            };
            let (a, b) = (targeted_units, units(&|i| is_b[i]));
            let a_only = units(&|i| targeted[i] && !is_b[i]);
            let union = units(&|i| targeted[i] || is_b[i]);
            // Hall's condition: r rounds fit when A holds r*buy, B r*get and A or B
            // r*(buy+get) units.
            let rounds = [
                a / buy,
                b / get,
                union / (buy + get),
                times.unwrap_or(u64::MAX),
            ]
            .into_iter()
            .min()
            .unwrap_or(0);
            if rounds == 0 {
                return Expect::Skip(match get_target {
                    None => SkipReason::MinQuantity {
                        need: buy + get,
                        have: a,
                    },
                    Some(_) if a < *buy => SkipReason::MinQuantity {
                        need: *buy,
                        have: a,
                    },
                    Some(t) => {
                        let bought = if model.target == Target::Order {
                            format!("the {buy} items bought")
                        } else {
                            format!("the {buy} of {} bought", model.target.describe())
                        };
                        let left = b - (buy - buy.min(&a_only));
                        SkipReason::Other(format!(
                            "needs {get} of {} besides {bought}, cart has {left}",
                            t.describe()
                        ))
                    }
                });
            }
            let bound: Vec<i128> = (0..n).map(|i| if is_b[i] { rem[i] } else { 0 }).collect();
            if union > MAX_MODEL_UNITS {
                return Expect::Bounded { room: bound };
            }
            // Unit by unit: the cheapest B units (what is left per unit, then the earlier
            // line), skipping A units once taking more would leave too few to buy.
            let mut each: Vec<usize> = (0..n)
                .filter(|i| is_b[*i])
                .flat_map(|i| std::iter::repeat_n(i, cart.lines[i].quantity as usize))
                .collect();
            let per_unit = |i: usize| (rem[i], i128::from(cart.lines[i].quantity));
            each.sort_by(|&i, &j| {
                let ((ri, qi), (rj, qj)) = (per_unit(i), per_unit(j));
                (ri * qj).cmp(&(rj * qi)).then(i.cmp(&j))
            });
            let spare_a = a - rounds * buy;
            let (mut got, mut shared) = (vec![0_u64; n], 0_u64);
            let mut wanted = rounds * get;
            for i in each {
                if wanted == 0 {
                    break;
                }
                if targeted[i] {
                    if shared == spare_a {
                        continue;
                    }
                    shared += 1;
                }
                got[i] += 1;
                wanted -= 1;
            }
            assert_eq!(wanted, 0, "Hall's condition promised the units");
            let shares: Vec<i128> = (0..n)
                .map(|i| {
                    let den = i128::from(cart.lines[i].quantity) * 10_000;
                    if got[i] == 0 || den == 0 {
                        return 0;
                    }
                    let num = rem[i] * i128::from(got[i]) * hundredths;
                    ((2 * num + den) / (2 * den)).min(rem[i])
                })
                .collect();
            (shares.iter().sum(), shares, false)
        }
        Discount::Percent(p) => {
            let raw =
                to_vnd128(Decimal::from_i128_with_scale(order_value, 0) * p / Decimal::ONE_HUNDRED);
            (raw.clamp(0, order_value), room, true)
        }
        Discount::PerOrder(a) => (to_vnd128(*a).clamp(0, order_value), room, true),
        Discount::PerItem(a) => {
            let a = to_vnd128(*a);
            let room: Vec<i128> = (0..n)
                .map(|i| {
                    if targeted[i] {
                        (a * i128::from(cart.lines[i].quantity)).min(rem[i]).max(0)
                    } else {
                        0
                    }
                })
                .collect();
            (room.iter().sum(), room, false)
        }
    };
    if amount <= 0 {
        if !model.earning.is_empty() {
            // Applies for its points.
            return Expect::Apply {
                amount: 0,
                room: vec![0; n],
                proportional: false,
            };
        }
        return Expect::Skip(SkipReason::NothingToDiscount);
    }
    Expect::Apply {
        amount,
        room,
        proportional,
    }
}

fn vnd(d: &Decimal) -> i128 {
    assert!(d.fract().is_zero(), "a discount of {d} is not whole VND");
    d.to_i128().expect("fits")
}

fn check(model: &Model, offer: &Offer, expected: &Expect, outcome: &Outcome, exact: bool) {
    match (expected, outcome) {
        (
            Expect::Apply {
                amount,
                room,
                proportional,
            },
            Outcome::Applied {
                amount: got,
                per_line,
            },
        ) => {
            let got = vnd(got);
            assert!(
                got > 0 || !model.earning.is_empty(),
                "an applied offer gives a positive amount (or earns points), got {got}"
            );
            assert_eq!(per_line.len(), room.len(), "one share per line");
            let shares: Vec<i128> = per_line.iter().map(vnd).collect();
            assert_eq!(
                shares.iter().sum::<i128>(),
                got,
                "shares add up to the amount"
            );
            for (i, (s, r)) in shares.iter().zip(room).enumerate() {
                assert!(*s >= 0, "line {i}: negative share {s}");
                assert!(
                    s <= r,
                    "line {i}: share {s} above what the offer may take ({r})"
                );
            }
            if exact {
                assert_eq!(got, *amount, "{model:?}: amount");
                if *proportional {
                    let total: i128 = room.iter().sum();
                    for (i, (s, r)) in shares.iter().zip(room).enumerate() {
                        // |s - amount * r / total| < 1
                        let diff = s * total - amount * r;
                        assert!(diff.abs() < total, "line {i}: share {s} not proportional");
                    }
                } else {
                    assert_eq!(&shares, room, "per-item shares");
                }
            }
        }
        (
            Expect::Bounded { room },
            Outcome::Applied {
                amount: got,
                per_line,
            },
        ) => {
            let got = vnd(got);
            assert!(
                got > 0 || !model.earning.is_empty(),
                "an applied offer gives a positive amount, got {got}"
            );
            let shares: Vec<i128> = per_line.iter().map(vnd).collect();
            assert_eq!(
                shares.iter().sum::<i128>(),
                got,
                "shares add up to the amount"
            );
            for (i, (s, r)) in shares.iter().zip(room).enumerate() {
                assert!(*s >= 0 && s <= r, "line {i}: share {s} outside 0..={r}");
            }
        }
        (Expect::SkipOther, Outcome::Skipped { reason }) => {
            assert!(
                matches!(reason, SkipReason::Other(text) if !text.is_empty()),
                "{model:?}: an eligibility or window reason, got {reason:?}"
            );
        }
        (Expect::SkipOther, Outcome::Applied { amount, .. }) => {
            panic!("{model:?}: applied {amount} but the customer may not have it");
        }
        (Expect::Bounded { .. }, Outcome::Skipped { reason }) => {
            assert!(!offer.explain(reason).is_empty());
        }
        (Expect::Skip(want), Outcome::Skipped { reason }) => {
            if exact {
                assert_eq!(reason, want, "{model:?}: skip reason");
            }
            assert!(!offer.explain(reason).is_empty());
        }
        (Expect::Apply { amount, .. }, Outcome::Skipped { reason }) => {
            if exact {
                panic!("{model:?}: skipped ({reason:?}) but the model gives {amount}");
            }
        }
        (Expect::Skip(want), Outcome::Applied { amount, .. }) => {
            if exact {
                panic!("{model:?}: applied {amount} but the model skips ({want:?})");
            }
        }
    }
}

fuzz_target!(|input: Input| {
    let cart = cart_of(&input);
    let exact = !input.wild;
    let subtotal = cart.subtotal();
    let shopper = shopper_of(&input.shopper);
    let mut checkout = Checkout::for_shopper(&cart, &shopper);
    let mut applied_total: i128 = 0;
    for offer_in in input.offers.iter().take(8) {
        let Some((target, config)) = config_of(offer_in) else {
            continue;
        };
        let offer = match Offer::from_config(target.clone(), &config, |k| {
            RuleKind::find(BUILT_IN_KINDS, k)
        }) {
            Ok(offer) => offer,
            Err(e) => {
                assert!(!e.to_string().is_empty());
                continue;
            }
        };
        let model = model_of(&target, &config);

        // On the fresh cart, `evaluate` is `evaluate_in` of a new checkout for a shopper
        // of whom nothing is known; for this checkout's shopper, the model decides.
        let unknown = Checkout::new(&cart);
        assert_eq!(offer.evaluate(&cart), offer.evaluate_in(&unknown));
        check(
            &model,
            &offer,
            &expect(&model, &unknown),
            &offer.evaluate(&cart),
            exact,
        );
        let fresh = Checkout::for_shopper(&cart, &shopper);
        let alone = offer.evaluate_in(&fresh);
        check(&model, &offer, &expect(&model, &fresh), &alone, exact);

        // On what earlier offers left: evaluating does not change the checkout, and
        // applying gives the same outcome.
        let expected = expect(&model, &checkout);
        let before = checkout.taken.clone();
        let evaluated = offer.evaluate_in(&checkout);
        assert_eq!(checkout.taken, before, "evaluate_in changed the checkout");
        let outcome = checkout.apply(&offer);
        assert_eq!(outcome, evaluated, "apply and evaluate_in disagree");
        check(&model, &offer, &expected, &outcome, exact);
        if let Outcome::Applied { amount, .. } = &outcome {
            applied_total += vnd(amount);
            // What it earns on what is left to pay of each line.
            let paid = checkout.left_per_line();
            let base = EarnBase {
                cart: &cart,
                paid: &paid,
                shopper: &shopper,
            };
            assert_eq!(
                offer.earn(&base),
                model_earned(&model, &cart, &paid, &shopper),
                "{model:?}: earned"
            );
        }
    }

    if !exact {
        // Wild carts: no panic above is the point; what is left is still computable.
        let _ = checkout.left();
        return;
    }

    // Totals: what is left is the subtotal minus every applied offer, and no line went
    // below zero.
    for (i, (v, t)) in checkout.values.iter().zip(&checkout.taken).enumerate() {
        assert!(*t >= 0 && t <= v, "line {i}: taken {t} of {v}");
    }
    let subtotal = subtotal.to_i128().expect("valid subtotal fits");
    let left = checkout.left();
    assert_eq!(
        vnd(&left),
        subtotal - applied_total,
        "left = subtotal - discounts"
    );
    assert!(left >= Decimal::ZERO);

    // The tier discount on what is left.
    let mut due = left;
    if let Some(tier) = &input.tier {
        let pct = Decimal::new(i64::from(tier.percent % 10_001), 2);
        let cap = tier.cap.map(|c| Decimal::from(c % 100_000_000_000));
        let d = tier_discount(left, pct, cap);
        assert!(
            d >= Decimal::ZERO && d <= left,
            "tier discount {d} on {left}"
        );
        assert!(d.fract().is_zero());
        if let Some(c) = cap {
            assert!(d <= c, "tier discount {d} above its cap {c}");
        }
        if left > Decimal::ZERO && pct > Decimal::ZERO {
            let raw = round_vnd(left * pct / Decimal::ONE_HUNDRED);
            assert_eq!(d, raw.min(cap.unwrap_or(raw)).min(left));
        } else {
            assert_eq!(d, Decimal::ZERO);
        }
        due -= d;
    }

    // Points on what is due.
    let per_thousand =
        PointRate::per_thousand(1 + i64::from(input.points.per_thousand % 1_000_000));
    let cap = input.points.cap.map(|c| Decimal::from(c % 100_000_000_000));
    let r = redeem(input.points.requested, per_thousand, due, cap);
    assert!(r.points >= 0 && r.points <= input.points.requested.max(0));
    assert!(
        r.value >= Decimal::ZERO && r.value <= due,
        "points pay {} of {due}",
        r.value
    );
    if let Some(c) = cap {
        assert!(r.value <= c);
    }
    assert_eq!(
        r.value,
        value_of(r.points, per_thousand),
        "points used are paid at their full value"
    );
});
