"""One written definition per figure, used by every page and copied into json/summary.json ("definitions").

specs/analyzers.md ("Definitions") carries the same sentences, and a test checks that they match word for word,
so a figure cannot mean one thing on one page and another thing elsewhere. Imports nothing: any layer may read it.
"""
KINDS = ("saving", "revenue", "risk", "alert", "info")  # what kind of money a recommendation is about

DEFINITIONS = {
    "period": (
        "The data period runs from the first call's hour to the end of the last call's hour; a first day whose data "
        "starts before 01:00 UTC counts from midnight and a last day whose data ends at 23:00 UTC or later counts to "
        "midnight. D is its length in days, partial days counted by the hours they cover."),
    "partial_day": (
        "A first or last day the data does not cover whole (a file still being written, or data that starts "
        "mid-day). Its cost is real, but it is not a whole day: it counts for its covered hours in D, the forecast "
        "leaves it out, and charts and tables mark it partial."),
    "run_rate": (
        "Spend per month at the pace of the data period: spend in the period x 30 / D. It looks back; it does not "
        "project growth."),
    "forecast": (
        "Expected spend over the next 30 days (90 days, 12 months): a trend plus day-of-week effects fitted on the "
        "complete days, held flat beyond as many days ahead as it was fitted on; with fewer than 14 complete days, "
        "the mean complete day. It looks ahead, so it differs from the run rate when spend is growing or falling."),
    "month_end_projection": (
        "Spend for the calendar month of the last call: spend so far in that month + the last 7 days' daily rate x "
        "the days left in the month. It is what budget alerts compare with the monthly budget, and it follows the "
        "most recent week, a spike included."),
    "identified_savings": (
        "The de-duplicated total of the savings found in the data, per month: each change lowers cost at equal "
        "usage (the same calls, tokens and results), is priced at list prices, and is applied to the cost the "
        "previous ones leave, so no dollar is counted twice and the total never exceeds the run rate."),
    "saving": (
        "A change found in the data that lowers cost at equal usage (a cheaper model for the same task, prompt "
        "caching, batch, committed capacity). It counts in identified savings."),
    "revenue": (
        "A pricing or packaging scenario (another pricing model, a tier upgrade, billing usage beyond a plan's "
        "included AI cost). Its impact is revenue per month under its stated assumptions, customer churn included; "
        "it is never a saving."),
    "risk": (
        "Money at risk per month if nothing is done: the revenue of unprofitable customers, the loss of a feature "
        "that costs more than it earns."),
    "alert": (
        "Something that needs attention now: a budget projected to be exceeded, a cost anomaly, a customer spike. "
        "Its impact is the excess, per month."),
    "info": (
        "A fact worth knowing with no money to act on (the forecast, a concentration, an upper bound that ignores "
        "quality); its impact is empty."),
    "upper_bound": (
        "The most a change could save if answer quality did not matter (a faster and cheaper model on the same task). "
        "It is not a saving: validate quality first; optimization's right-sizing prices the moves it recommends."),
    "usage_cap": (
        "One usage-cap policy for every report: a customer's AI cost per month is capped at --usage-cap-pct % of its "
        "plan's price (100 by default: a customer never costs more than it pays); usage beyond the cap is billed as "
        "overage at cost or not served."),
}

# The definitions the summary names for its headlines, in the order they are shown.
HEADLINE_TERMS = ("run_rate", "forecast", "month_end_projection", "identified_savings", "period", "partial_day")
