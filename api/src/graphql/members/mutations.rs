//! Member mutations: upserting a profile, importing the opening data, registering.
use super::object::Member;
use crate::auth::{RoleGuard, domain, principal};
use crate::error::Gql;
use crate::graphql::enums::Gender;
use crate::graphql::scalars::{Date, Int32, Long};
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use loyalty_domain::access::Role;
use loyalty_domain::ids::parse_id;
use loyalty_domain::members;

/// A profile as a channel pushes it; omitted fields keep their stored value.
#[derive(InputObject)]
pub struct MemberInput {
    /// The channel's id for the customer; the upsert key.
    external_id: String,
    name: Option<String>,
    /// Any common form: 0912345678, +84 912 345 678, 84912345678.
    phone: Option<String>,
    email: Option<String>,
    birthday: Option<Date>,
    gender: Option<Gender>,
    province: Option<String>,
    district: Option<String>,
    /// true: becomes a registered member now (in a MEMBERS_ONLY program, from now on it
    /// gets the tier discount its ranking spend reached, earns and redeems).
    register: Option<bool>,
    /// The sales channel sending the profile: a customer this creates records it as
    /// where it came from (`Member.source`); ignored for a customer already stored.
    channel: Option<crate::graphql::enums::Channel>,
}

impl From<MemberInput> for members::MemberInput {
    fn from(i: MemberInput) -> Self {
        Self {
            external_id: i.external_id,
            name: i.name,
            phone: i.phone,
            email: i.email,
            birthday: i.birthday.map(|d| d.0),
            gender: i.gender.map(Into::into),
            province: i.province,
            district: i.district,
            register: i.register,
            channel: i.channel.map(Into::into),
        }
    }
}

/// A row an import refused.
#[derive(SimpleObject)]
pub struct ImportRejection {
    /// Line in the file (the header is line 1).
    line: Int32,
    reason: String,
}

/// What an import did.
#[derive(SimpleObject)]
pub struct ImportReport {
    read: Int32,
    /// Rows that created or changed a profile, its opening spend or last purchase, or
    /// added opening points.
    imported: Int32,
    /// Rows that matched what was there (a re-run of the same file).
    unchanged: Int32,
    /// Opening points credited: each row's at most 1,000,000,000, so the sum may pass
    /// 32 bits.
    points_imported: Long,
    rejected: Vec<ImportRejection>,
    /// What the import did that the file may not have meant, each said once: in a
    /// program whose cycle is not LIFETIME, `total_spent` without `cycle_spent` ranks
    /// nothing.
    warnings: Vec<String>,
}

impl From<members::import::ImportReport> for ImportReport {
    fn from(r: members::import::ImportReport) -> Self {
        Self {
            read: r.read.into(),
            imported: r.imported.into(),
            unchanged: r.unchanged.into(),
            points_imported: Long(r.points_imported),
            rejected: r
                .rejected
                .into_iter()
                .map(|x| ImportRejection {
                    line: x.line.into(),
                    reason: x.reason,
                })
                .collect(),
            warnings: r.warnings,
        }
    }
}

/// Member mutations.
#[derive(Default)]
pub struct MemberMutation;

#[Object]
impl MemberMutation {
    /// Creates or updates the customer with `input.externalId`.
    ///
    /// Requires: CHANNEL or ADMIN.
    #[graphql(guard = "RoleGuard(Role::Channel)")]
    async fn upsert_member(
        &self,
        ctx: &Context<'_>,
        input: MemberInput,
    ) -> async_graphql::Result<Member> {
        let shop_id = principal(ctx)?.shop_id;
        Ok(Member(
            members::upsert(domain(ctx), shop_id, input.into())
                .await
                .gql()?,
        ))
    }

    /// Imports the opening-data CSV (columns: external_id, name, phone, email, birthday,
    /// gender, province, district, total_orders, total_spent, cycle_spent,
    /// last_purchase_at, opening_points, registered). Opening spend ranks: `total_spent`
    /// in a LIFETIME cycle, `cycle_spent` (the spend inside the current cycle) in others;
    /// BACKFILL activation counts it, and an ACTIVE program re-ranks the imported
    /// customers at once. Bad rows are reported and skipped; the same file twice changes
    /// nothing. At most 1,000 rows (500,000 bytes), in one transaction: an error or a
    /// timeout writes nothing. Larger files: `loyalty import members FILE --shop ID`, or
    /// parts of at most 1,000 rows (sending a part again changes nothing).
    ///
    /// Requires: ADMIN.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn import_members(
        &self,
        ctx: &Context<'_>,
        csv: String,
    ) -> async_graphql::Result<ImportReport> {
        let shop_id = principal(ctx)?.shop_id;
        let report = members::import::import_request(domain(ctx), shop_id, &csv)
            .await
            .gql()?;
        Ok(report.into())
    }

    /// Registers customers as members; returns how many were newly registered. Every id
    /// must be a customer of the shop, or nothing changes.
    ///
    /// Requires: CHANNEL or ADMIN.
    #[graphql(guard = "RoleGuard(Role::Channel)")]
    async fn register_members(
        &self,
        ctx: &Context<'_>,
        ids: Vec<ID>,
    ) -> async_graphql::Result<Int32> {
        let shop_id = principal(ctx)?.shop_id;
        let ids = ids
            .iter()
            .map(|id| parse_id("ids", id))
            .collect::<Result<Vec<_>, _>>()
            .gql()?;
        let n = members::register(domain(ctx), shop_id, &ids).await.gql()?;
        Ok(n.into())
    }
}
