"""Schemathesis hooks for .ci/audit (loaded through SCHEMATHESIS_HOOKS).

1. Strategies for the API's custom scalars (Date, DateTime, NaiveDateTime, Decimal, JSON,
   Upload).
2. What counts as a server error. Schemathesis takes any resolver error whose
   `extensions.code` it does not know for a server error (ST113). This API labels every
   error (README, "Errors"): UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, BAD_USER_INPUT,
   CONFLICT, INSUFFICIENT_POINTS and LIMIT_EXCEEDED refuse the request, and only INTERNAL
   is the server's own failure. So `not_a_server_error` fails on an HTTP 5xx or an
   INTERNAL error, and not on a refusal the API documents.
"""

from datetime import timezone

import graphql
import schemathesis
from hypothesis import strategies as st
from schemathesis.graphql import nodes
from schemathesis.specs.graphql import validation

validation.CLIENT_ERROR_MARKERS = validation.CLIENT_ERROR_MARKERS | frozenset(
    {
        "UNAUTHENTICATED",
        "FORBIDDEN",
        "NOT_FOUND",
        "CONFLICT",
        "INSUFFICIENT_POINTS",
        "LIMIT_EXCEEDED",
    }
)
validation.SERVER_ERROR_MARKERS = validation.SERVER_ERROR_MARKERS | frozenset({"INTERNAL"})

# Decimals travel as strings ("125000"); whole JSON numbers are accepted too.
schemathesis.graphql.scalar(
    "Decimal",
    st.one_of(
        st.integers(min_value=-(10**15), max_value=10**15).map(nodes.String),
        st.from_regex(r"-?[0-9]{1,12}(\.[0-9]{1,4})?", fullmatch=True).map(nodes.String),
        st.integers(min_value=-(10**12), max_value=10**12).map(nodes.Int),
        st.text(max_size=8).map(nodes.String),
    ),
)
schemathesis.graphql.scalar("Date", st.dates().map(lambda d: nodes.String(d.isoformat())))
schemathesis.graphql.scalar(
    "DateTime",
    st.datetimes(timezones=st.just(timezone.utc)).map(lambda d: nodes.String(d.isoformat())),
)
# A wall-clock time in the shop's zone (scheduleCampaign).
schemathesis.graphql.scalar(
    "NaiveDateTime",
    st.datetimes().map(lambda d: nodes.String(d.replace(microsecond=0).isoformat())),
)


def _field(name, value):
    return graphql.ObjectFieldNode(name=graphql.NameNode(value=name), value=value)


# JSON carries rule arguments ({"percent": "20"}, {"quantity": 2}, ...).
_json_leaf = st.one_of(
    st.integers(min_value=-(10**9), max_value=10**9).map(nodes.Int),
    st.from_regex(r"[0-9]{1,7}", fullmatch=True).map(nodes.String),
    st.text(max_size=8).map(nodes.String),
    st.booleans().map(nodes.Boolean),
    st.just(graphql.NullValueNode()),
)
# A file travels in a multipart request (the GraphQL multipart request spec), which
# Schemathesis does not send: in a JSON body an Upload is any string, which the server
# must refuse as bad input, never fail on.
schemathesis.graphql.scalar("Upload", st.text(max_size=8).map(nodes.String))
schemathesis.graphql.scalar(
    "JSON",
    st.dictionaries(
        st.sampled_from(["percent", "amount", "quantity", "applies_to_discounted", "lines", "x"]),
        _json_leaf,
        max_size=3,
    ).map(lambda d: nodes.Object([_field(k, v) for k, v in d.items()])),
)
