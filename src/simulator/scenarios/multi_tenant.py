"""multi_tenant: organizations of very different sizes, 3x and 10x apart in traffic per customer.

Each organization is dealt a size (a seeded shuffle, a third of the organizations each): small (1x), medium
(3x) or large (10x) calls per customer, as enterprise tenants roll the product out to whole departments while
small ones trial it. The factors are scaled so that the average customer keeps its base volume, so the period's
total stays close to base traffic while the organizations spread far apart.
"""

from simulator.scenarios.base import Scenario

SIZES = (("small", 1.0), ("medium", 3.0), ("large", 10.0))


class MultiTenant(Scenario):
    name = "multi_tenant"
    description = "organization-level variability: small, medium and large tenants 3x and 10x apart per customer"

    def prepare(self, sim) -> None:
        orgs = sorted({c.organization_id for c in sim.customers})
        self.rng(sim).shuffle(orgs)
        self.org_size = {o: SIZES[i * len(SIZES) // len(orgs)][0] for i, o in enumerate(orgs)}  # type: Dict[str, str]
        raw = dict(SIZES)
        mean = sum(raw[self.org_size[c.organization_id]] for c in sim.customers) / float(len(sim.customers))
        self.org_factor = {o: raw[s] / mean for o, s in self.org_size.items()}  # type: Dict[str, float]

    def volume(self, customer, day_index, n_days, date):
        return self.org_factor.get(customer.organization_id, 1.0)


SCENARIO = MultiTenant()
