"""model_migration: customers move their gpt-4 traffic to claude-sonnet-4, one by one.

At the start gpt-4 is the legacy workhorse (its base weight x8, and exempt from the recency decay that newer
OpenAI models put on it, so it carries a large share of the calls). Each customer cuts over at its own moment,
drawn between 15% and 75% of the period, and shifts gradually over the next 15% of the period: gpt-4 falls to 2%
of its legacy weight (a few stragglers stay) while claude-sonnet-4 takes the traffic (its weight x9, also exempt
from the decay). The mix is rebuilt at 1/14 steps of the period. Both models must be on sale in the period
(gpt-4 was shut down on 2026-10-23): for a later --start the scenario has nothing to migrate.
"""

from simulator.scenarios.base import Scenario, ramp, stepped

FROM_MODEL, TO_MODEL = "gpt-4", "claude-sonnet-4"
LEGACY_BOOST = 8.0      # gpt-4's weight before the cutover
LEFT_OVER = 0.02        # share of that weight still on gpt-4 after it
TO_BOOST = 9.0          # claude-sonnet-4's weight after the cutover
FIRST, LAST, SHIFT = 0.15, 0.75, 0.15


class ModelMigration(Scenario):
    name = "model_migration"
    description = "gradual migration from gpt-4 to claude-sonnet-4, customer by customer"
    keep_models = (FROM_MODEL, TO_MODEL)

    def prepare(self, sim) -> None:
        rng = self.rng(sim)
        self.cutover = {c.index: rng.uniform(FIRST, LAST) for c in sim.customers}  # type: Dict[int, float]

    def mix_version(self, day_index, n_days):
        return stepped(day_index, n_days)

    def model_weight(self, customer, entry, task, day_index, n_days):
        if entry.model not in (FROM_MODEL, TO_MODEL):
            return 1.0
        start = self.cutover.get(customer.index, FIRST)
        moved = ramp(stepped(day_index, n_days), start, start + SHIFT)
        if entry.model == FROM_MODEL:
            return LEGACY_BOOST * (1.0 - moved * (1.0 - LEFT_OVER))
        return 1.0 + (TO_BOOST - 1.0) * moved


SCENARIO = ModelMigration()
