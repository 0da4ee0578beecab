"""cost_optimization: a FinOps programme routes traffic from premium to economy models.

Between 15% and 75% of the period the routing rules roll out linearly. Simple tasks (chat, qa, translation,
summarization) leave premium models almost entirely (weight x0.05) and standard ones mostly (x0.4) for economy
models (x5); complex tasks (code generation, analysis) keep some premium (x0.3) and move to standard (x1.5) and
economy (x2.5). The mix is rebuilt at 1/14 steps of the period; volumes do not change, cost per call falls.
"""
from simulator.scenarios.base import Scenario, ramp, stepped

START, END = 0.15, 0.75
SIMPLE_TASKS = ("chat", "qa", "translation", "summarization")
# model class -> weight multiplier once the rules are fully rolled out
SIMPLE = {"premium": 0.05, "standard": 0.4, "economy": 5.0}
COMPLEX = {"premium": 0.3, "standard": 1.5, "economy": 2.5}


class CostOptimization(Scenario):
    name = "cost_optimization"
    description = "migration to cheaper models: premium traffic moves to economy models as routing rules roll out"

    def mix_version(self, day_index, n_days):
        return stepped(day_index, n_days)

    def model_weight(self, customer, entry, task, day_index, n_days):
        done = ramp(stepped(day_index, n_days), START, END)
        if done <= 0:
            return 1.0
        target = (SIMPLE if task in SIMPLE_TASKS else COMPLEX)[entry.model_class]
        return 1.0 + (target - 1.0) * done


SCENARIO = CostOptimization()
