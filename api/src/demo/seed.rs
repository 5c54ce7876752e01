//! Filling the demo shop through the domain services, on a clock moved through the past
//! months, so that points, tiers, vouchers and the ledger are what real traffic leaves.
use super::names::{self, CATALOG, Product};
use anyhow::Context as _;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use loyalty_domain::access::{Role, create_api_key};
use loyalty_domain::checkout::OrderLine;
use loyalty_domain::clock::ManualClock;
use loyalty_domain::members::{Gender, MemberInput};
use loyalty_domain::offers::{DiscountKind, FixedPer, OfferSpec, TargetKind};
use loyalty_domain::orders::input::Channel;
use loyalty_domain::orders::{OrderInput, RefundInput};
use loyalty_domain::program::{ActivationMode, ExpiryKind, ProgramPatch};
use loyalty_domain::rewards::RewardSpec;
use loyalty_domain::tiers::TierInput;
use loyalty_domain::{Ctx, ledger, members, offers, orders, program, rewards, vouchers};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;
use uuid::Uuid;

/// The shape of the demo shop.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// Seed of every random choice: the same seed on the same day makes the same shop.
    pub seed: u64,
    /// Customers to make.
    pub members: usize,
    /// How many days back the shop opened; orders spread over them.
    pub days: i64,
}

/// What was made: the shop, its keys and counts for the banner.
#[derive(Debug)]
pub struct Seeded {
    /// The shop's name.
    pub shop_name: String,
    /// Its first ADMIN key.
    pub admin_key: String,
    /// A CHANNEL key.
    pub channel_key: String,
    /// A READ key.
    pub read_key: String,
    /// Customers made.
    pub members: usize,
    /// Of them, registered members.
    pub registered: usize,
    /// Orders recorded.
    pub orders: usize,
    /// Refunds recorded.
    pub refunds: usize,
    /// Rewards redeemed.
    pub rewards_redeemed: usize,
}

const SHOP_NAME: &str = "Hoa Sen Fashion (demo)";
/// Percent of customers who register as members.
const REGISTERED_PERCENT: u32 = 85;
/// Percent of customers who buy a lot (they reach the upper tiers).
const BIG_SPENDER_PERCENT: u32 = 12;
/// Percent of orders refunded in part a few days later.
const REFUND_PERCENT: u32 = 4;
/// Percent of registered members' orders that pay with points when they have some.
const REDEEM_PERCENT: u32 = 25;
/// Minimum order of the "50,000 VND off" voucher every member gets half-way.
const VOUCHER_MIN_VALUE: i64 = 500_000;

struct Customer {
    external_id: String,
    id: Uuid,
    registered: bool,
    big_spender: bool,
    /// The half-way voucher, until tried.
    voucher: Option<(String, Option<DateTime<Utc>>)>,
}

/// What happens in the shop, by customer index.
enum Event {
    Join(usize),
    Order(usize),
    /// Every registered member gets the "50,000 VND off" voucher.
    Vouchers,
    Reward(usize),
}

/// Draws the customers and when each joins, orders and claims a reward, in time order.
/// Times fall between `opened` and `last`.
fn draw(
    rng: &mut StdRng,
    plan: Plan,
    opened: DateTime<Utc>,
    last: DateTime<Utc>,
) -> (Vec<Customer>, Vec<(DateTime<Utc>, Event)>) {
    let mut customers = Vec::with_capacity(plan.members);
    let mut events = Vec::new();
    // Everyone joins in the first third, so that most have months of orders.
    let join_window = plan.days * 24 * 60 / 3;
    for i in 0..plan.members {
        let joined = opened + Duration::minutes(rng.random_range(60..=join_window));
        events.push((joined, Event::Join(i)));
        let big = rng.random_ratio(BIG_SPENDER_PERCENT, 100);
        let orders = if big {
            rng.random_range(8..=16)
        } else {
            rng.random_range(0..=6)
        };
        let claims = usize::from(rng.random_ratio(1, 8));
        for n in 0..orders + claims {
            let minutes = rng.random_range(10..=(last - joined).num_minutes());
            let event = if n < orders {
                Event::Order(i)
            } else {
                Event::Reward(i)
            };
            events.push((joined + Duration::minutes(minutes), event));
        }
        customers.push(Customer {
            external_id: format!("KH{:05}", i + 1),
            id: Uuid::nil(),
            registered: rng.random_ratio(REGISTERED_PERCENT, 100),
            big_spender: big,
            voucher: None,
        });
    }
    events.push((opened + Duration::days(plan.days / 2), Event::Vouchers));
    // Stable, and every order or claim comes at least ten minutes after its customer
    // joins: no event reaches a customer not made yet.
    events.sort_by_key(|(t, _)| *t);
    (customers, events)
}

/// Makes the shop: program, tiers, offers, a reward, customers and their orders, each
/// step at its time on `clock`, which ends at the real now.
pub async fn seed(ctx: &Ctx, clock: &ManualClock, plan: Plan) -> anyhow::Result<Seeded> {
    let mut rng = StdRng::seed_from_u64(plan.seed);
    let now = Utc::now();
    let opened = now - Duration::days(plan.days);
    clock.set(opened);

    let shop = program::create_shop(ctx, SHOP_NAME, Some("Asia/Ho_Chi_Minh")).await?;
    let shop_id = shop.shop_id;
    let key = |role: Role, name: &str| create_api_key(ctx, shop_id, role, Some(name.to_owned()));
    let channel_key = key(Role::Channel, "demo POS").await?.plaintext;
    let read_key = key(Role::Read, "demo dashboard").await?.plaintext;
    set_up_program(ctx, shop_id).await?;
    let offers = make_offers(ctx, shop_id).await?;

    let last = now - Duration::hours(1);
    let (mut customers, events) = draw(&mut rng, plan, opened, last);

    let mut seeded = Seeded {
        shop_name: SHOP_NAME.to_owned(),
        admin_key: shop.admin_key,
        channel_key,
        read_key,
        members: plan.members,
        registered: 0,
        orders: 0,
        refunds: 0,
        rewards_redeemed: 0,
    };
    let mut order_totals: Vec<(String, i64)> = Vec::new();
    // Refunds due, latest first.
    let mut refunds: Vec<(DateTime<Utc>, usize)> = Vec::new();
    for (at, event) in events {
        while let Some((due, order)) = refunds.last().copied()
            && due <= at
        {
            refunds.pop();
            clock.set(due);
            refund_half(ctx, shop_id, &order_totals[order]).await?;
            seeded.refunds += 1;
        }
        clock.set(at);
        match event {
            Event::Join(i) => {
                let input = profile(&mut rng, &customers[i]);
                let member = members::upsert(ctx, shop_id, input).await?;
                customers[i].id = member.id;
                seeded.registered += usize::from(customers[i].registered);
            }
            Event::Order(i) => {
                let placed =
                    place_order(ctx, &mut rng, shop_id, &mut customers[i], seeded.orders).await?;
                seeded.orders += 1;
                if rng.random_ratio(REFUND_PERCENT, 100) {
                    let due = at + Duration::days(rng.random_range(1..=5));
                    if due < last && placed.1 > 0 {
                        refunds.push((due, order_totals.len()));
                        refunds.sort_by_key(|(t, _)| std::cmp::Reverse(*t));
                    }
                }
                order_totals.push(placed);
            }
            Event::Vouchers => {
                let ids: Vec<Uuid> = customers
                    .iter()
                    .filter(|c| c.registered && !c.id.is_nil())
                    .map(|c| c.id)
                    .collect();
                if !ids.is_empty() {
                    for v in vouchers::issue(ctx, shop_id, offers.fifty_off, &ids).await? {
                        if let Some(c) = customers.iter_mut().find(|c| Some(c.id) == v.member_id) {
                            c.voucher = Some((v.code, v.expires_at));
                        }
                    }
                }
            }
            Event::Reward(i) => {
                let c = &customers[i];
                let points = ledger::balance(&ctx.db, shop_id, c.id, at).await?.available;
                if c.registered && points >= offers.reward_cost {
                    let key = format!("demo-reward-{}", c.external_id);
                    rewards::redeem(ctx, shop_id, c.id, offers.reward, &key).await?;
                    seeded.rewards_redeemed += 1;
                }
            }
        }
    }
    while let Some((due, order)) = refunds.pop() {
        clock.set(due);
        refund_half(ctx, shop_id, &order_totals[order]).await?;
        seeded.refunds += 1;
    }
    clock.set(Utc::now());
    Ok(seeded)
}

/// Refunds half of an order's total.
async fn refund_half(
    ctx: &Ctx,
    shop_id: Uuid,
    (external_id, total): &(String, i64),
) -> anyhow::Result<()> {
    orders::refund(
        ctx,
        shop_id,
        RefundInput {
            order_external_id: external_id.clone(),
            refund_id: format!("RF-{external_id}"),
            amount: Decimal::from(total / 2),
        },
    )
    .await
    .with_context(|| format!("refunding {external_id}"))?;
    Ok(())
}

/// 1 point per 1,000 VND paid (worth 1,000 VND), points that live a year, and tiers
/// that give something; then the program starts.
async fn set_up_program(ctx: &Ctx, shop_id: Uuid) -> anyhow::Result<()> {
    program::configure(
        ctx,
        shop_id,
        ProgramPatch {
            spend_per_ranking_point: Some(Decimal::from(1000)),
            expiry: Some((ExpiryKind::DaysAfterEarn, Some(365), None)),
            ..ProgramPatch::default()
        },
    )
    .await?;
    // (discount %, cap VND, point multiplier) by rank: Member, Silver, Gold, Platinum.
    let perks: [(i64, Option<i64>, Decimal); 4] = [
        (0, None, Decimal::ONE),
        (3, Some(100_000), Decimal::ONE),
        (5, Some(200_000), Decimal::new(15, 1)),
        (8, Some(500_000), Decimal::TWO),
    ];
    let tiers = program::ladder::list(&ctx.db, shop_id).await?;
    for (tier, (percent, cap, multiplier)) in tiers.iter().zip(perks) {
        program::ladder::update(
            ctx,
            shop_id,
            tier.id,
            TierInput {
                name: tier.name.clone(),
                min_spend: Decimal::from(tier.min_spend),
                discount_percent: Some(Decimal::from(percent)),
                discount_cap: Some(cap.map(Decimal::from)),
                point_multiplier: Some(multiplier),
                redeem_cap: None,
                combines_with_promotions: Some(percent > 0),
            },
        )
        .await?;
    }
    members::activation::activate(ctx, shop_id, ActivationMode::InitialTier).await?;
    Ok(())
}

struct Offers {
    fifty_off: Uuid,
    reward: Uuid,
    reward_cost: i64,
}

async fn make_offers(ctx: &Ctx, shop_id: Uuid) -> anyhow::Result<Offers> {
    let spec = |name: &str, kind, value: i64, target, ids: &[&str]| OfferSpec {
        name: name.to_owned(),
        description: None,
        image_url: None,
        discount_kind: kind,
        value: Decimal::from(value),
        fixed_per: None,
        target_kind: target,
        target_ids: ids.iter().map(|s| (*s).to_owned()).collect(),
        min_quantity: None,
        min_value: None,
        valid_days: Some(30),
        applies_to_discounted: None,
        extra_rules: Vec::new(),
        reach: Default::default(),
        limits: Default::default(),
    };
    offers::create(
        ctx,
        shop_id,
        OfferSpec {
            min_quantity: Some(2),
            ..spec(
                "Giảm 20% khi mua 2 áo thun",
                DiscountKind::Percent,
                20,
                TargetKind::Group,
                &["ao-thun"],
            )
        },
    )
    .await?;
    let fifty_off = offers::create(
        ctx,
        shop_id,
        OfferSpec {
            min_value: Some(Decimal::from(VOUCHER_MIN_VALUE)),
            valid_days: Some(60),
            fixed_per: Some(FixedPer::Order),
            ..spec(
                "Giảm 50.000đ cho đơn từ 500.000đ",
                DiscountKind::Fixed,
                50_000,
                TargetKind::Order,
                &[],
            )
        },
    )
    .await?;
    let coffee = offers::create(
        ctx,
        shop_id,
        OfferSpec {
            fixed_per: Some(FixedPer::Item),
            ..spec(
                "Cà phê sữa miễn phí",
                DiscountKind::Fixed,
                35_000,
                TargetKind::Product,
                &["ca-phe-sua"],
            )
        },
    )
    .await?;
    let reward_cost = 40;
    let reward = rewards::create(
        ctx,
        shop_id,
        RewardSpec {
            name: "Ly cà phê sữa miễn phí".to_owned(),
            points_cost: reward_cost,
            offer_id: coffee.id,
            stock: Some(100),
            tier_ids: Vec::new(),
        },
    )
    .await?;
    Ok(Offers {
        fifty_off: fifty_off.id,
        reward: reward.id,
        reward_cost,
    })
}

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

fn profile(rng: &mut StdRng, c: &Customer) -> MemberInput {
    let female = rng.random_bool(0.6);
    let (middle, given) = if female {
        (names::MIDDLE_FEMALE, names::GIVEN_FEMALE)
    } else {
        (names::MIDDLE_MALE, names::GIVEN_MALE)
    };
    let name = format!(
        "{} {} {}",
        pick(rng, names::FAMILY),
        pick(rng, middle),
        pick(rng, given)
    );
    let phone = format!(
        "{}{:07}",
        pick(rng, names::PHONE_PREFIXES),
        rng.random_range(0..10_000_000)
    );
    let email = rng.random_bool(0.5).then(|| {
        let folded = members::name_fold::fold(&name).replace(' ', ".");
        format!("{folded}.{}@example.com", c.external_id.to_lowercase())
    });
    let (province, districts) = pick(rng, names::PLACES);
    let birthday = NaiveDate::from_ymd_opt(
        rng.random_range(1968..=2004),
        rng.random_range(1..=12),
        rng.random_range(1..=28),
    );
    MemberInput {
        external_id: c.external_id.clone(),
        name: Some(name),
        phone: Some(phone),
        email,
        birthday,
        gender: Some(if female { Gender::Female } else { Gender::Male }),
        province: Some((*province).to_owned()),
        district: Some((*pick(rng, districts)).to_owned()),
        register: Some(c.registered),
        // Their first order names the channel they came from.
        channel: None,
    }
}

/// Records one order of the customer at the clock's time; returns its external id and
/// its total after discounts (what a refund is part of).
async fn place_order(
    ctx: &Ctx,
    rng: &mut StdRng,
    shop_id: Uuid,
    c: &mut Customer,
    number: usize,
) -> anyhow::Result<(String, i64)> {
    let now = ctx.clock.now();
    let line_count = if c.big_spender {
        rng.random_range(2..=3)
    } else {
        rng.random_range(1..=2)
    };
    let mut lines: Vec<(Product, i64)> = Vec::new();
    for _ in 0..line_count {
        let product = *pick(rng, CATALOG);
        let quantity = rng.random_range(1..=2);
        match lines.iter_mut().find(|(p, _)| p.id == product.id) {
            Some((_, q)) => *q += quantity,
            None => lines.push((product, quantity)),
        }
    }
    let subtotal: i64 = lines.iter().map(|(p, q)| p.price * q).sum();
    let mut voucher_codes = Vec::new();
    if subtotal >= VOUCHER_MIN_VALUE
        && let Some((code, expires)) = c.voucher.take()
        && expires.is_none_or(|e| e > now)
        && rng.random_bool(0.7)
    {
        voucher_codes.push(code);
    }
    let mut redeem_points = 0;
    if c.registered && rng.random_ratio(REDEEM_PERCENT, 100) {
        let available = ledger::balance(&ctx.db, shop_id, c.id, now)
            .await?
            .available;
        redeem_points = available.min(rng.random_range(20..=300));
    }
    let channel = *pick(
        rng,
        &[
            Channel::Pos,
            Channel::Pos,
            Channel::Web,
            Channel::Social,
            Channel::Livestream,
        ],
    );
    let external_id = format!("{}-{:05}", channel.as_str(), number + 1);
    let outcome = orders::record(
        ctx,
        shop_id,
        OrderInput {
            external_id: external_id.clone(),
            member_external_id: c.external_id.clone(),
            channel,
            placed_at: Some(now),
            lines: lines
                .iter()
                .map(|(p, q)| OrderLine {
                    product_id: p.id.to_owned(),
                    group_ids: vec![p.group.to_owned()],
                    quantity: *q,
                    unit_price: Decimal::from(p.price),
                    already_discounted: false,
                })
                .collect(),
            voucher_codes,
            redeem_points,
        },
    )
    .await
    .with_context(|| format!("recording order {external_id}"))?;
    Ok((external_id, outcome.total))
}
