"""Build and validate the business context that travels with every metered AI call.

What it teaches: Revenium can only show cost next to revenue if each AI call carries *who* and *what* it was
for. The context is hierarchical - organization -> product -> feature -> subscriber - plus the subscription and
the kind of task. This module is a small fluent builder over typed dataclasses that

- validates the context once, with clear errors (a typo in a tag silently splits a customer's cost in two);
- writes it in the three shapes you will meet:
  * the metering API's wire JSON (camelCase: `organizationName`, `subscriber: {id, email}` ...),
  * the SDK / middleware `usage_metadata={...}` dictionary (snake_case),
  * OpenTelemetry span attributes (`revenium.organization.name`, `revenium.subscriber.id` ...).

    python3 showcase/metadata/metadata_builder.py          # examples in all three shapes + validation errors
    python3 showcase/metadata/metadata_builder.py --json   # the examples as one JSON document

    from metadata.metadata_builder import MeteringMetadata
    meta = (MeteringMetadata.builder()
            .organization("acme").product("helpdesk").feature("ticket-summary")
            .subscriber("cust-42", email="ana@acme.example")
            .subscription("sub-42", tier="pro").task_type("summarization").build())
    meta.to_wire()            # {"organizationName": "acme", "productName": "helpdesk", "agent": ...}

`subscriptionTier` is not a Revenium field: it is a custom field our local collector reads to fill the CSV's
`subscription_tier` column (in Revenium the tier comes from the subscription itself).
"""
import os
import sys
_REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
sys.path[:0] = [p for p in (os.path.join(_REPO, "src"), os.path.join(_REPO, "showcase")) if p not in sys.path]

import json  # noqa: E402
import re  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from typing import Any, Dict, List, Optional  # noqa: E402

from utils.errors import ShowcaseError  # noqa: E402

MAX_LEN = 255
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_SLUG = re.compile(r"^[a-z][a-z0-9_.-]*$")
KNOWN_TIERS = ("starter", "pro", "enterprise")
ENVIRONMENTS = ("production", "staging", "development", "test")


class MetadataError(ShowcaseError):
    """The metering metadata is invalid; the message lists every problem found."""

    def __init__(self, problems: List[str]) -> None:
        self.problems = list(problems)
        super(MetadataError, self).__init__("invalid metering metadata: " + "; ".join(self.problems))


@dataclass(frozen=True)
class Credential:
    """The API credential a subscriber used (its value is a secret: never printed, see __repr__)."""
    name: str
    value: str = field(repr=False)


@dataclass(frozen=True)
class Subscriber:
    """The end user (or customer account) the call was made for."""
    id: str
    email: Optional[str] = None
    credential: Optional[Credential] = None


@dataclass(frozen=True)
class MeteringMetadata:
    """The business context of an AI call, validated (build it with MeteringMetadata.builder())."""
    organization_name: Optional[str] = None
    product_name: Optional[str] = None
    agent: Optional[str] = None  # the feature or agent making the call
    subscriber: Optional[Subscriber] = None
    subscription_id: Optional[str] = None
    subscription_tier: Optional[str] = None  # custom field (see the module docstring)
    task_type: Optional[str] = None
    trace_id: Optional[str] = None
    environment: Optional[str] = None

    @staticmethod
    def builder() -> "MetadataBuilder":
        return MetadataBuilder()

    # ---- the three output shapes ------------------------------------------------------------------------------
    def to_usage_metadata(self) -> Dict[str, Any]:
        """The snake_case `usage_metadata` dictionary of Revenium's Python middleware."""
        out = {}  # type: Dict[str, Any]
        for key in ("trace_id", "task_type", "organization_name", "subscription_id", "product_name", "agent",
                    "environment", "subscription_tier"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        if self.subscriber is not None:
            sub = {"id": self.subscriber.id}  # type: Dict[str, Any]
            if self.subscriber.email:
                sub["email"] = self.subscriber.email
            if self.subscriber.credential:
                sub["credential"] = {"name": self.subscriber.credential.name,
                                     "value": self.subscriber.credential.value}
            out["subscriber"] = sub
        return out

    def to_wire(self) -> Dict[str, Any]:
        """The camelCase keys of the metering API (`POST /v2/ai/completions`)."""
        return {_camel(k): v for k, v in self.to_usage_metadata().items()}

    def to_otel_attributes(self) -> Dict[str, str]:
        """OpenTelemetry span attributes: `revenium.*` next to the standard `gen_ai.*` ones (no secrets)."""
        pairs = [("revenium.organization.name", self.organization_name), ("revenium.product.name", self.product_name),
                 ("revenium.agent", self.agent), ("revenium.subscription.id", self.subscription_id),
                 ("revenium.subscription.tier", self.subscription_tier), ("revenium.task_type", self.task_type),
                 ("revenium.trace_id", self.trace_id), ("deployment.environment.name", self.environment)]
        if self.subscriber is not None:
            pairs += [("revenium.subscriber.id", self.subscriber.id), ("revenium.subscriber.email", self.subscriber.email)]
        return {k: v for k, v in pairs if v is not None}


class MetadataBuilder(object):
    """Fluent builder: each method sets one level of the hierarchy and returns the builder; build() validates."""

    def __init__(self) -> None:
        self._f = {}  # type: Dict[str, Any]

    def organization(self, name: str) -> "MetadataBuilder":
        self._f["organization_name"] = name
        return self

    def product(self, name: str) -> "MetadataBuilder":
        self._f["product_name"] = name
        return self

    def feature(self, name: str) -> "MetadataBuilder":
        """The feature (Revenium calls it `agent`) making the call."""
        self._f["agent"] = name
        return self

    agent = feature

    def subscriber(self, subscriber_id: str, email: Optional[str] = None, credential_name: Optional[str] = None,
                   credential_value: Optional[str] = None) -> "MetadataBuilder":
        cred = Credential(credential_name, credential_value or "") if credential_name else None
        self._f["subscriber"] = Subscriber(subscriber_id, email, cred)
        return self

    def subscription(self, subscription_id: str, tier: Optional[str] = None) -> "MetadataBuilder":
        self._f["subscription_id"] = subscription_id
        if tier is not None:
            self._f["subscription_tier"] = tier
        return self

    def task_type(self, task: str) -> "MetadataBuilder":
        self._f["task_type"] = task
        return self

    def trace(self, trace_id: str) -> "MetadataBuilder":
        self._f["trace_id"] = trace_id
        return self

    def environment(self, env: str) -> "MetadataBuilder":
        self._f["environment"] = env
        return self

    def build(self) -> MeteringMetadata:
        meta = MeteringMetadata(**self._f)
        validate(meta)
        return meta


def validate(meta: MeteringMetadata) -> None:
    """Raise MetadataError listing every problem: bad values and gaps in the hierarchy."""
    problems = []  # type: List[str]
    texts = [("organization", meta.organization_name), ("product", meta.product_name), ("feature", meta.agent),
             ("subscription id", meta.subscription_id), ("trace id", meta.trace_id)]
    if meta.subscriber is not None:
        texts += [("subscriber id", meta.subscriber.id)]
    for what, value in texts:
        if value is None:
            continue
        if not isinstance(value, str) or not value.strip():
            problems.append("%s must be a non-empty string, got %r" % (what, value))
        elif len(value) > MAX_LEN or _CONTROL.search(value):
            problems.append("%s must be at most %d printable characters" % (what, MAX_LEN))
    # the hierarchy: a level below needs the level above, or its cost cannot be rolled up
    if meta.product_name is not None and meta.organization_name is None:
        problems.append("product %r has no organization: call .organization(...) first" % meta.product_name)
    if meta.agent is not None and meta.product_name is None:
        problems.append("feature %r has no product: call .product(...) first" % meta.agent)
    if meta.subscriber is not None and meta.organization_name is None:
        problems.append("subscriber %r has no organization" % meta.subscriber.id)
    if meta.subscriber is not None and meta.subscriber.email is not None and not _EMAIL.match(str(meta.subscriber.email)):
        problems.append("subscriber email %r is not an e-mail address" % meta.subscriber.email)
    if meta.subscriber is not None and meta.subscriber.credential is not None and not meta.subscriber.credential.value:
        problems.append("subscriber credential %r has no value" % meta.subscriber.credential.name)
    if meta.subscription_tier is not None and meta.subscription_tier not in KNOWN_TIERS:
        problems.append("subscription tier %r is not one of %s" % (meta.subscription_tier, ", ".join(KNOWN_TIERS)))
    if meta.subscription_tier is not None and meta.subscription_id is None:
        problems.append("a subscription tier needs a subscription id")
    if meta.task_type is not None and not (isinstance(meta.task_type, str) and _SLUG.match(meta.task_type)):
        problems.append("task type %r must be a lowercase word such as chat or summarization" % (meta.task_type,))
    if meta.environment is not None and meta.environment not in ENVIRONMENTS:
        problems.append("environment %r is not one of %s" % (meta.environment, ", ".join(ENVIRONMENTS)))
    if meta.subscriber is None and meta.subscription_id is None and meta.organization_name is None:
        problems.append("nobody to bill: give at least an organization, a subscriber or a subscription")
    if problems:
        raise MetadataError(problems)


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(w.title() for w in rest)


def redacted(wire: Dict[str, Any]) -> Dict[str, Any]:
    """A copy of a wire/usage_metadata dict that is safe to print: credential values replaced by '***'."""
    out = json.loads(json.dumps(wire))
    sub = out.get("subscriber")
    if isinstance(sub, dict) and isinstance(sub.get("credential"), dict):
        sub["credential"]["value"] = "***"
    return out


def examples() -> Dict[str, Any]:
    """The worked examples printed by main(): one valid context in three shapes, and typical mistakes."""
    meta = (MeteringMetadata.builder()
            .organization("acme").product("helpdesk").feature("ticket-summary")
            .subscriber("cust-42", email="ana@acme.example", credential_name="helpdesk-key", credential_value="s3cr3t")
            .subscription("sub-42", tier="pro").task_type("summarization").environment("production").build())
    mistakes = {
        "feature without a product": lambda: MeteringMetadata.builder().organization("acme").feature("search").build(),
        "unknown tier and bad e-mail": lambda: (MeteringMetadata.builder().organization("acme")
                                                .subscriber("cust-1", email="not-an-email")
                                                .subscription("sub-1", tier="gold").build()),
        "nobody to bill": lambda: MeteringMetadata.builder().task_type("chat").build(),
    }
    errors = {}
    for name, make in mistakes.items():
        try:
            make()
            errors[name] = "accepted"
        except MetadataError as e:
            errors[name] = e.problems
    return {"wire_json": redacted(meta.to_wire()), "usage_metadata": redacted(meta.to_usage_metadata()),
            "otel_attributes": meta.to_otel_attributes(), "validation_errors": errors}


def main(argv: Optional[List[str]] = None) -> int:
    from utils.cli import ArgumentParser
    p = ArgumentParser(prog="metadata_builder.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--json", action="store_true", help="print the examples as one JSON document")
    args = p.parse_args(argv)
    ex = examples()
    if args.json:
        print(json.dumps(ex, indent=2, sort_keys=True))
        return 0
    print("One call's business context, built and validated once, in the three shapes it travels in.\n")
    print("1. Metering API wire JSON (POST /v2/ai/completions, camelCase; the credential value is redacted here):")
    print(json.dumps(ex["wire_json"], indent=2))
    print("\n2. usage_metadata for the Revenium Python middleware (snake_case):")
    print(json.dumps(ex["usage_metadata"], indent=2))
    print("\n3. OpenTelemetry span attributes (next to the standard gen_ai.* ones):")
    for k, v in ex["otel_attributes"].items():
        print("   %-32s %s" % (k, v))
    print("\n4. Mistakes caught before anything is sent:")
    for name, problems in ex["validation_errors"].items():
        print("   %s:" % name)
        for prob in problems:
            print("     - %s" % prob)
    return 0


if __name__ == "__main__":
    from utils.cli import run_main
    sys.exit(run_main(main))
