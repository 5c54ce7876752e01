//! Enums of the contract and their mapping to domain types.
use async_graphql::Enum;
use loyalty_domain::{access, checkout, ledger, members, orders, program};

/// A key's role.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum Role {
    /// Configures the program.
    Admin,
    /// Pushes customers and orders, quotes, redeems.
    Channel,
    /// Queries only.
    Read,
}

impl From<Role> for access::Role {
    fn from(r: Role) -> Self {
        match r {
            Role::Admin => access::Role::Admin,
            Role::Channel => access::Role::Channel,
            Role::Read => access::Role::Read,
        }
    }
}

impl From<access::Role> for Role {
    fn from(r: access::Role) -> Self {
        match r {
            access::Role::Admin => Role::Admin,
            access::Role::Channel => Role::Channel,
            access::Role::Read => Role::Read,
        }
    }
}

/// A sales channel.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum Channel {
    /// Web store.
    Web,
    /// Point of sale.
    Pos,
    /// Social commerce.
    Social,
    /// Livestream selling.
    Livestream,
    /// Orders entered in the admin.
    Admin,
}

impl From<Channel> for orders::input::Channel {
    fn from(c: Channel) -> Self {
        match c {
            Channel::Web => Self::Web,
            Channel::Pos => Self::Pos,
            Channel::Social => Self::Social,
            Channel::Livestream => Self::Livestream,
            Channel::Admin => Self::Admin,
        }
    }
}

impl From<orders::input::Channel> for Channel {
    fn from(c: orders::input::Channel) -> Self {
        match c {
            orders::input::Channel::Web => Self::Web,
            orders::input::Channel::Pos => Self::Pos,
            orders::input::Channel::Social => Self::Social,
            orders::input::Channel::Livestream => Self::Livestream,
            orders::input::Channel::Admin => Self::Admin,
        }
    }
}

/// Where an order's discount came from.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum DiscountSource {
    /// The member's tier.
    Tier,
    /// A voucher.
    Voucher,
    /// Points paid with.
    Points,
    /// An automatic offer.
    Offer,
}

impl From<checkout::DiscountSource> for DiscountSource {
    fn from(s: checkout::DiscountSource) -> Self {
        match s {
            checkout::DiscountSource::Tier => Self::Tier,
            checkout::DiscountSource::Voucher => Self::Voucher,
            checkout::DiscountSource::Points => Self::Points,
            checkout::DiscountSource::Offer => Self::Offer,
        }
    }
}

/// How an offer reaches a checkout.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "loyalty_domain::offers::Delivery")]
pub enum OfferDelivery {
    /// Personal single-use vouchers issued to members (`issueVouchers`).
    Voucher,
    /// Applies to every checkout it fits, without a code.
    Automatic,
    /// One code the merchant chose (`code`), typed by anyone in `voucherCodes`.
    PublicCode,
}

/// Gender.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum Gender {
    /// Nữ.
    Female,
    /// Nam.
    Male,
    /// Not known.
    Unknown,
}

impl From<Gender> for members::Gender {
    fn from(g: Gender) -> Self {
        match g {
            Gender::Female => members::Gender::Female,
            Gender::Male => members::Gender::Male,
            Gender::Unknown => members::Gender::Unknown,
        }
    }
}

impl From<members::Gender> for Gender {
    fn from(g: members::Gender) -> Self {
        match g {
            members::Gender::Female => Gender::Female,
            members::Gender::Male => Gender::Male,
            members::Gender::Unknown => Gender::Unknown,
        }
    }
}

/// How tiers are computed at activation.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum ActivationMode {
    /// Everyone starts at the initial tier.
    InitialTier,
    /// Tiers come from past paid spend.
    Backfill,
}

impl From<ActivationMode> for program::ActivationMode {
    fn from(m: ActivationMode) -> Self {
        match m {
            ActivationMode::InitialTier => program::ActivationMode::InitialTier,
            ActivationMode::Backfill => program::ActivationMode::Backfill,
        }
    }
}

impl From<program::ActivationMode> for ActivationMode {
    fn from(m: program::ActivationMode) -> Self {
        match m {
            program::ActivationMode::InitialTier => ActivationMode::InitialTier,
            program::ActivationMode::Backfill => ActivationMode::Backfill,
        }
    }
}

/// Who gets the tier discount, earns and redeems points.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "program::Enrollment")]
pub enum Enrollment {
    /// Registered members only (`upsertMember(register: true)`, `registerMembers`); the
    /// other customers' orders are recorded and counted but earn nothing, get no tier
    /// discount and cannot pay with points. The default of a new program.
    MembersOnly,
    /// Every customer, registered or not (programs made before the setting existed).
    AllCustomers,
}

/// Draft or active.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum ProgramStatus {
    /// Being set up.
    Draft,
    /// Running.
    Active,
}

impl From<program::ProgramStatus> for ProgramStatus {
    fn from(s: program::ProgramStatus) -> Self {
        match s {
            program::ProgramStatus::Draft => ProgramStatus::Draft,
            program::ProgramStatus::Active => ProgramStatus::Active,
        }
    }
}

/// Point expiry kinds.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum ExpiryKind {
    /// Never.
    Never,
    /// N days after earning.
    DaysAfterEarn,
    /// At the end of the period earned in.
    EndOfPeriod,
}

impl From<ExpiryKind> for program::ExpiryKind {
    fn from(k: ExpiryKind) -> Self {
        match k {
            ExpiryKind::Never => program::ExpiryKind::Never,
            ExpiryKind::DaysAfterEarn => program::ExpiryKind::DaysAfterEarn,
            ExpiryKind::EndOfPeriod => program::ExpiryKind::EndOfPeriod,
        }
    }
}

/// Accumulation cycle kinds.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum CycleKind {
    /// Forever.
    Lifetime,
    /// Each calendar year.
    CalendarYear,
    /// Every N months from a start date.
    RollingMonths,
}

impl From<CycleKind> for program::CycleKind {
    fn from(k: CycleKind) -> Self {
        match k {
            CycleKind::Lifetime => program::CycleKind::Lifetime,
            CycleKind::CalendarYear => program::CycleKind::CalendarYear,
            CycleKind::RollingMonths => program::CycleKind::RollingMonths,
        }
    }
}

/// Kinds of ledger entries.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum LedgerKind {
    /// Earned on an order.
    Earn,
    /// Spent at checkout.
    Redeem,
    /// Expired.
    Expire,
    /// Adjusted by hand.
    Adjust,
    /// Reversed by a refund.
    Reverse,
    /// Opening balance from an import.
    Import,
    /// Spent on a reward.
    Reward,
}

impl From<ledger::LedgerKind> for LedgerKind {
    fn from(k: ledger::LedgerKind) -> Self {
        match k {
            ledger::LedgerKind::Earn => Self::Earn,
            ledger::LedgerKind::Redeem => Self::Redeem,
            ledger::LedgerKind::Expire => Self::Expire,
            ledger::LedgerKind::Adjust => Self::Adjust,
            ledger::LedgerKind::Reverse => Self::Reverse,
            ledger::LedgerKind::Import => Self::Import,
            ledger::LedgerKind::Reward => Self::Reward,
        }
    }
}

/// Percent or fixed amount.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum DiscountKind {
    /// Percent.
    Percent,
    /// Fixed VND.
    Fixed,
}

/// What a fixed discount is counted per.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum FixedPer {
    /// Once per order.
    Order,
    /// Per targeted item.
    Item,
}

/// What an offer targets.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum OfferTargetKind {
    /// The whole order.
    Order,
    /// Products.
    Product,
    /// Product groups.
    Group,
}

/// Built-in saved filters.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum SavedFilter {
    /// Everyone.
    All,
    /// Bought in the last 7 days.
    #[graphql(name = "BOUGHT_LAST_7_DAYS")]
    BoughtLast7Days,
    /// Bought in the last 30 days.
    #[graphql(name = "BOUGHT_LAST_30_DAYS")]
    BoughtLast30Days,
    /// Last purchase at least 31 days ago.
    #[graphql(name = "LAPSED_OVER_30_DAYS")]
    LapsedOver30Days,
    /// Registered members.
    Registered,
    /// Customers not registered.
    NotRegistered,
}

/// Where customers came from (seed 002): the opening-data file or a sales channel.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum CustomerSource {
    /// Created by the opening-data import file.
    Import,
    /// First sent by a sales channel (`upsertMember` with a `channel`, or an order).
    Channel,
}

impl From<CustomerSource> for loyalty_domain::members::SourceKind {
    fn from(s: CustomerSource) -> Self {
        match s {
            CustomerSource::Import => Self::Import,
            CustomerSource::Channel => Self::Channel,
        }
    }
}

impl From<loyalty_domain::members::SourceKind> for CustomerSource {
    fn from(s: loyalty_domain::members::SourceKind) -> Self {
        match s {
            loyalty_domain::members::SourceKind::Import => Self::Import,
            loyalty_domain::members::SourceKind::Channel => Self::Channel,
        }
    }
}

impl From<loyalty_domain::members::SavedFilter> for SavedFilter {
    fn from(s: loyalty_domain::members::SavedFilter) -> Self {
        use loyalty_domain::members::SavedFilter as D;
        match s {
            D::All => Self::All,
            D::BoughtLast7Days => Self::BoughtLast7Days,
            D::BoughtLast30Days => Self::BoughtLast30Days,
            D::LapsedOver30Days => Self::LapsedOver30Days,
            D::Registered => Self::Registered,
            D::NotRegistered => Self::NotRegistered,
        }
    }
}
