"""The GraphQL schema and its request-shape limits.

Limit rules are built once at import: the validation cache keys on the rule classes, so rules
built per request (as QueryDepthLimiter and MaxAliasesLimiter do) would never hit the cache:
measured on one worker, a one-field query served 491 requests/s with those limiters and 2,194
without them.
"""

from __future__ import annotations

from collections.abc import Callable

import strawberry
from graphql.validation import ASTValidationRule
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
    ValidationCache,
)
from strawberry.extensions.max_aliases import create_validator as aliases_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_rule
from strawberry.schema.config import StrawberryConfig

from exchange import __version__, limits
from exchange.api.admin import resolvers as admin
from exchange.api.admin.types import AdminInfo
from exchange.api.errors import should_mask_error
from exchange.api.members import resolvers as members
from exchange.api.members.types import ActivityRecordPayload, Member, MemberEnrollPayload
from exchange.api.offers import resolvers as offer_resolvers
from exchange.api.offers.types import (
    Offer,
    OfferActivatePayload,
    OfferCreatePayload,
    OfferRanking,
    OfferUpdatePayload,
)
from exchange.api.partners import resolvers as partners
from exchange.api.partners.types import Partner, PartnerRate
from exchange.api.purchases import resolvers as purchases
from exchange.api.purchases.types import (
    EarnQuotePayload,
    PurchaseRecordPayload,
    PurchaseRefundPayload,
)
from exchange.api.redemptions import resolvers as redemptions
from exchange.api.redemptions.types import (
    PointsRedeemPayload,
    RedemptionAuthorizePayload,
    RedemptionCapturePayload,
    RedemptionRefundPayload,
    RedemptionVoidPayload,
)
from exchange.api.scalars import SCALAR_MAP
from exchange.api.settlement import overview as settlement_overview
from exchange.api.settlement import resolvers as settlement
from exchange.api.settlement.overview import MonthPoints, SettlementPeriodStatus
from exchange.api.settlement.types import (
    OperatorResult,
    ProvenanceCell,
    SettlementAdjustmentAddPayload,
    SettlementBeginPayload,
    SettlementClosePayload,
    SettlementRun,
    SettlementRunPayload,
    SettlementStatement,
)

_LIMIT_RULES: list[type[ASTValidationRule]] = [
    depth_rule(limits.query_depth_max, None), aliases_rule(limits.query_aliases_max),
]


@strawberry.type(description="What this exchange is.")
class ServiceInfo:
    name: str
    version: str


def _service_info() -> ServiceInfo:
    return ServiceInfo(name="coalition-exchange", version=__version__)


@strawberry.type
class Query:
    partner: Partner = strawberry.field(
        resolver=partners.partner, description="The calling partner's own record."
    )
    partner_rates: list[PartnerRate] = strawberry.field(
        resolver=partners.partner_rates,
        description="A partner's dated rates with all their prices, oldest first per "
                    "currency: an admin names any partner, a partner reads only its own.",
    )
    member: Member | None = strawberry.field(
        resolver=members.member,
        description="A member linked to the calling partner, by card number; null otherwise.",
    )
    earn_quote: EarnQuotePayload = strawberry.field(
        resolver=purchases.earn_quote,
        description="What a purchase would earn, computed as purchaseRecord would, unwritten.",
    )
    offers: OfferRanking = strawberry.field(
        resolver=offer_resolvers.offers,
        description="Eligible offers ranked for a member linked to the caller, each with why.",
    )
    offers_funded: list[Offer] = strawberry.field(
        resolver=offer_resolvers.offers_funded,
        description="The offers the calling partner funds (admins: all), with their budgets.",
    )
    admin_whoami: AdminInfo = strawberry.field(
        resolver=admin.admin_whoami,
        description="The calling admin and their token's expiry (admin bearer token only).",
    )
    settlement_statements: list[SettlementStatement] = strawberry.field(
        resolver=settlement.settlement_statements,
        description="A period's statements: all of them for admins, its own for a partner.",
    )
    settlement_operator_results: list[OperatorResult] = strawberry.field(
        resolver=settlement.settlement_operator_results,
        description="The operator's result for a period, per currency (admins).",
    )
    settlement_matrix: list[ProvenanceCell] = strawberry.field(
        resolver=settlement.settlement_matrix,
        description="Points issued by X and burned at Y in a period, with value (admins).",
    )
    settlement_runs: list[SettlementRun] = strawberry.field(
        resolver=settlement.settlement_runs, description="A period's run history (admins)."
    )
    settlement_periods: list[SettlementPeriodStatus] = strawberry.field(
        resolver=settlement_overview.settlement_periods,
        description="Every period from the first settlement month to the current one, and "
                    "where it stands (admins).",
    )
    liability_by_month: list[MonthPoints] = strawberry.field(
        resolver=settlement_overview.liability_by_month,
        description="The points members held at each month end, and their value at the issue "
                    f"prices charged, per currency; the last `months` months, at most "
                    f"{limits.report_months_max} (admins).",
    )
    breakage_by_month: list[MonthPoints] = strawberry.field(
        resolver=settlement_overview.breakage_by_month,
        description="The points that expired to breakage in each month, and their value at the "
                    f"issue prices charged, per currency; the last `months` months, at most "
                    f"{limits.report_months_max} (admins).",
    )
    # Last, where schema.graphql has always listed it.
    service_info: ServiceInfo = strawberry.field(
        resolver=_service_info, description="The exchange's name and version."
    )


@strawberry.type
class Mutation:
    member_enroll: MemberEnrollPayload = strawberry.mutation(
        resolver=members.member_enroll,
        description="Enrol a customer (a card is issued) or link a card the customer showed.",
    )
    purchase_record: PurchaseRecordPayload = strawberry.mutation(
        resolver=purchases.purchase_record,
        description="Record a purchase; the member earns points by the program's rules.",
    )
    purchase_refund: PurchaseRefundPayload = strawberry.mutation(
        resolver=purchases.purchase_refund,
        description="Refund all or part of a purchase; its points are reversed in proportion.",
    )
    activity_record: ActivityRecordPayload = strawberry.mutation(
        resolver=members.activity_record,
        description="Award the points of an activity the partner rewards.",
    )
    redemption_authorize: RedemptionAuthorizePayload = strawberry.mutation(
        resolver=redemptions.redemption_authorize, description="Hold points at checkout."
    )
    redemption_capture: RedemptionCapturePayload = strawberry.mutation(
        resolver=redemptions.redemption_capture,
        description="Burn all or part of a hold; the rest goes back to the member.",
    )
    redemption_void: RedemptionVoidPayload = strawberry.mutation(
        resolver=redemptions.redemption_void, description="Release a hold."
    )
    points_redeem: PointsRedeemPayload = strawberry.mutation(
        resolver=redemptions.points_redeem, description="Burn points in one step."
    )
    redemption_refund: RedemptionRefundPayload = strawberry.mutation(
        resolver=redemptions.redemption_refund,
        description="Give burned points back to the member.",
    )
    offer_create: OfferCreatePayload = strawberry.mutation(
        resolver=offer_resolvers.offer_create,
        description="Create an offer: the calling partner funds it (admins name the funder).",
    )
    offer_update: OfferUpdatePayload = strawberry.mutation(
        resolver=offer_resolvers.offer_update,
        description="Change an offer's title, end, budget, limits, pacing or status.",
    )
    offer_activate: OfferActivatePayload = strawberry.mutation(
        resolver=offer_resolvers.offer_activate,
        description="Activate (clip) an offer for a member; activating again changes nothing.",
    )
    settlement_begin: SettlementBeginPayload = strawberry.mutation(
        resolver=settlement.settlement_begin,
        description="Set the coalition's first settlement month: periods close in calendar "
                    "order from it, and activity before it is settled as late items of it "
                    "(admins; it can move only while no period is closed).",
    )
    settlement_run: SettlementRunPayload = strawberry.mutation(
        resolver=settlement.settlement_run,
        description="Build every partner's statement for an open period (admins).",
    )
    settlement_close: SettlementClosePayload = strawberry.mutation(
        resolver=settlement.settlement_close,
        description="Run a last time and close the period for good (admins).",
    )
    settlement_adjustment_add: SettlementAdjustmentAddPayload = strawberry.mutation(
        resolver=settlement.settlement_adjustment_add,
        description="Add a fee or credit, with its reason, to an open period (admins).",
    )


def schema_extensions() -> list[Callable[[], SchemaExtension]]:
    # Factories, not shared instances: extensions keep per-request state, and a shared
    # MaskErrors instance would mix up concurrent requests.
    return [
        lambda: AddValidationRules(_LIMIT_RULES),
        lambda: MaxTokensLimiter(limits.query_tokens_max),
        lambda: ParserCache(maxsize=limits.graphql_documents_cached_max),
        lambda: ValidationCache(maxsize=limits.graphql_documents_cached_max),
        lambda: MaskErrors(should_mask_error=should_mask_error),
    ]


def build_schema(query: type = Query, mutation: type | None = Mutation) -> strawberry.Schema:
    return strawberry.Schema(
        query=query,
        mutation=mutation,
        config=StrawberryConfig(disable_field_suggestions=True, scalar_map=SCALAR_MAP),
        extensions=schema_extensions(),
    )


schema = build_schema()


def schema_sdl() -> str:
    return schema.as_str() + "\n"
