"""import_usage.py --from otlp: the customer from revenium.* attributes, else OpenTelemetry's user attributes."""
import unittest

from test_importers import Base, attr, span


def spans(*customer_attrs):
    base = [attr("gen_ai.operation.name", "chat"), attr("gen_ai.provider.name", "openai"),
            attr("gen_ai.request.model", "gpt-4o"), attr("gen_ai.usage.input_tokens", 100),
            attr("gen_ai.usage.output_tokens", 10)]
    return [span(i, base + [attr(k, v) for k, v in extra]) for i, extra in enumerate(customer_attrs)]


def export(span_list, resource=()):
    return {"resourceSpans": [{"resource": {"attributes": [attr(k, v) for k, v in resource]},
                               "scopeSpans": [{"scope": {"name": "app"}, "spans": span_list}]}]}


class Customer(Base):
    def test_user_attributes_when_no_revenium_attribute(self):
        doc = export(spans([("revenium.subscriber.id", "sub-1"), ("enduser.id", "e-1")],
                           [("revenium.subscriber.email", "a@example.com"), ("user.id", "u-1")],
                           [("enduser.id", "e-3"), ("user.email", "c@example.com")],
                           [("user.email", "d@example.com"), ("user.id", "u-4")],
                           [("user.email", "e@example.com")],
                           []), resource=[("service.name", "app")])
        rows, _, err = self.imp("otlp", self.write("t.json", doc))
        self.assertEqual([r["customer_id"] for r in rows],
                         ["sub-1", "a@example.com", "e-3", "u-4", "e@example.com", "(unknown)"])
        self.assertIn('no customer ids for 1 of 6 calls: used "(unknown)" (1 call)', err)

    def test_resource_attribute_and_customer_from(self):
        doc = export(spans([("user.email", "a@example.com")], []), resource=[("user.id", "svc-user")])
        rows, _, _ = self.imp("otlp", self.write("t.json", doc))
        self.assertEqual([r["customer_id"] for r in rows], ["svc-user", "svc-user"])  # user.id before user.email
        rows, _, err = self.imp("otlp", self.write("t.json", doc), args=["--customer-from", "user.email"])
        self.assertEqual([r["customer_id"] for r in rows], ["a@example.com", "svc-user"])
        self.assertNotIn("no customer ids", err)


if __name__ == "__main__":
    unittest.main()
