#!/usr/bin/env bash
# README's quick start, run in order against a running server: every request README shows
# under "Quick start" is here word for word (api/tests/quickstart.rs checks both ways, and
# runs this script against the real binary on SQLite and on PostgreSQL).
#
#   LOYALTY_URL=http://127.0.0.1:8080 LOYALTY_OPERATOR_TOKEN=change-me docs/quickstart.sh
#
# Needs bash, curl and jq. Prints each step; exits non-zero on any GraphQL error or on a
# value other than the one README promises.
set -euo pipefail
LOYALTY_URL=${LOYALTY_URL:-http://127.0.0.1:8080}
: "${LOYALTY_OPERATOR_TOKEN:?set it to the token the server was started with}"

step() { printf '\n== %s\n' "$*"; }
# check FILTER WANTED: the last response's value at the jq FILTER must be WANTED.
check() {
  local got
  got=$(jq -r "$1" <<<"$DATA")
  if [ "$got" != "$2" ]; then
    printf 'unexpected %s: got %s, expected %s\n' "$1" "$got" "$2" >&2
    exit 1
  fi
  printf 'ok: %s = %s\n' "$1" "$got"
}


# BEGIN README
# gql KEY QUERY [NAME=VALUE ...]: one GraphQL request, the pairs its string variables.
# Prints the response's data (and keeps it in $DATA); fails on any error.
gql() {
  local key=$1 query=$2 vars='{}' pair
  shift 2
  for pair in "$@"; do
    vars=$(jq -c --arg k "${pair%%=*}" --arg v "${pair#*=}" '.[$k] = $v' <<<"$vars")
  done
  DATA=$(jq -n --arg q "$query" --argjson v "$vars" '{query: $q, variables: $v}' |
    curl -sS "$LOYALTY_URL/graphql" -H "Authorization: Bearer $key" \
      -H 'Content-Type: application/json' --data-binary @- |
    jq -e 'if .errors then error(.errors | tostring) else .data end') || return
  echo "$DATA"
}
# END README

step "create a shop (operator token); its first ADMIN key is shown once"
# BEGIN README
ADMIN=$(gql "$LOYALTY_OPERATOR_TOKEN" 'mutation { createShop(name: "Cửa hàng An") { shopId adminKey } }' |
  jq -r .createShop.adminKey)
# END README
DATA=$(jq -n --arg k "$ADMIN" '{key: $k}')
check '.key | startswith("lk_")' true

step "activate the program (default settings: 1 VND paid earns 1 point worth 1 VND)"
# BEGIN README
gql "$ADMIN" 'mutation { activateProgram(mode: INITIAL_TIER) { status } }'
# END README
check .activateProgram.status ACTIVE

step "register a customer"
# BEGIN README
MEMBER=$(gql "$ADMIN" 'mutation { upsertMember(input: { externalId: "c-77", name: "Nguyễn Thị Lan",
  phone: "0912 345 678", register: true }) { id } }' | jq -r .upsertMember.id)
# END README
DATA=$(jq -n --arg m "$MEMBER" '{id: $m}')
check '.id | length' 36

step "record an order"
# BEGIN README
gql "$ADMIN" 'mutation { recordOrder(input: { externalId: "POS-1042", memberExternalId: "c-77", channel: POS,
  lines: [{ productId: "sku-1", groupIds: ["ao-thun"], quantity: 2, unitPrice: "250000" }] }) {
  total paid pointsEarned member { tier { name } } } }'
# END README
check .recordOrder.paid 500000
check .recordOrder.pointsEarned 500000

step "read the member's points"
# BEGIN README
gql "$ADMIN" 'query { member(externalId: "c-77") { phone points { available pending } tier { name } } }'
# END README
check .member.phone 0912345678
check .member.points.available 500000
check .member.points.pending 0

step "an offer, a voucher of it for the member, and a quote with the voucher and 100,000 points"
# BEGIN README
OFFER=$(gql "$ADMIN" 'mutation { createOffer(input: { name: "20% khi mua 2 áo", discountKind: PERCENT,
  value: "20", targetKind: GROUP, targetIds: ["ao-thun"], minQuantity: 2, validDays: 30 }) { id } }' |
  jq -r .createOffer.id)
CODE=$(gql "$ADMIN" 'mutation($offer: ID!, $member: ID!) {
  issueVouchers(offerId: $offer, memberIds: [$member]) { code expiresAt } }' offer="$OFFER" member="$MEMBER" |
  jq -r '.issueVouchers[0].code')
gql "$ADMIN" 'mutation($code: String!) { quote(input: { memberExternalId: "c-77", voucherCodes: [$code],
  redeemPoints: 100000, lines: [{ productId: "sku-1", groupIds: ["ao-thun"], quantity: 2, unitPrice: "250000" }] }) {
  subtotal discounts { source label amount } skipped { source reason } total pointsToEarn } }' code="$CODE"
# END README
check .quote.subtotal 500000
check '.quote.discounts | map(.amount) | join(",")' 100000,100000
check .quote.total 300000

step "refund part of the order: the points it earned go back in proportion"
# BEGIN README
gql "$ADMIN" 'mutation { refundOrder(input: { orderExternalId: "POS-1042", refundId: "RF-1", amount: "100000" }) {
  refundedAmount } }'
gql "$ADMIN" 'query { member(externalId: "c-77") { points { available pending } } }'
# END README
check .member.points.available 400000

step "quick start done"
