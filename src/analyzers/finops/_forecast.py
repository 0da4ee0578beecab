"""The spend forecast of the understanding report: a least-squares linear trend plus day-of-week effects fitted
on the daily cost of the complete days, with an 80% range from the residual spread.

- Complete days: the days the covered period (engine/cube.covered_period: the same period every per-month
  figure divides by) holds whole; a partial first or last day (a day still being written) never drags the
  forecast down. Days inside the period without calls count as zero-cost days.
- 14 complete days or more: cost(t) = a + b*t + weekday effect, fitted jointly by least squares (the weekday
  effects centred on zero). The trend is extrapolated no further ahead than the number of days it was fitted on, then
  held flat: a month of data does not support a year-long slope.
- Fewer: the mean cost of the complete days (a flat run rate); with no complete day, the cost per hour of data
  x 24.
- The horizon starts the day after the last complete day (a partial last day is forecast in full again).
- Every forecast day is floored at zero. Range of a horizon of h days: expected +/- 1.2816 x residual standard
  deviation x sqrt(h) (an 80% interval when daily errors are independent), the low end floored at zero.
"""
import math
from typing import Any, Dict, List

from utils.timeutil import iso_day

Z80 = 1.2816
MIN_DAYS_FOR_TREND = 14
HORIZONS = (("30d", 30), ("90d", 90), ("annual", 365))
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def weekday(epoch_day: int) -> int:
    """0 = Monday (1970-01-01 was a Thursday)."""
    return (epoch_day + 3) % 7


def complete_days(start_ts: int, end_ts: int) -> List[int]:
    """The epoch days wholly inside the covered period [start_ts, end_ts)."""
    return list(range((start_ts + 86399) // 86400, end_ts // 86400))


def _solve(a: List[List[float]], b: List[float]) -> List[float]:
    """Solve a x = b (small, symmetric positive definite normal equations) by Gauss-Jordan with pivoting."""
    n = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(m[r][c]))
        m[c], m[p] = m[p], m[c]
        if abs(m[c][c]) < 1e-12:
            continue
        for r in range(n):
            if r != c and m[r][c]:
                f = m[r][c] / m[c][c]
                m[r] = [x - f * y for x, y in zip(m[r], m[c])]
    return [m[i][n] / m[i][i] if abs(m[i][i]) >= 1e-12 else 0.0 for i in range(n)]


def _fit_trend(days: List[int], ys: List[float]) -> Dict[str, Any]:
    """Joint least squares of cost = a + b*t + weekday effect (Monday the baseline), effects then centred."""
    n = len(ys)
    rows = [[1.0, float(i)] + [1.0 if weekday(d) == k else 0.0 for k in range(1, 7)] for i, d in enumerate(days)]
    ata = [[sum(r[i] * r[j] for r in rows) for j in range(8)] for i in range(8)]
    aty = [sum(r[i] * y for r, y in zip(rows, ys)) for i in range(8)]
    coef = _solve(ata, aty)
    effects = [0.0] + coef[2:]
    centre = sum(effects) / 7.0
    effects = [e - centre for e in effects]
    a, b = coef[0] + centre, coef[1]
    sse = sum((y - (a + b * i + effects[weekday(d)])) ** 2 for i, (d, y) in enumerate(zip(days, ys)))
    sd = math.sqrt(sse / max(1, n - 8))
    return {"a": a, "b": b, "effects": effects, "sd": sd}


def forecast(daily_nano: Dict[int, int], start_ts: int, end_ts: int, total_nano: int) -> Dict[str, Any]:
    """Forecast metrics over the covered period [start_ts, end_ts): forecast_usd, forecast_range_usd,
    forecast_method, forecast_daily_usd, forecast_fit."""
    days = complete_days(start_ts, end_ts)
    ys = [daily_nano.get(d, 0) / 1e9 for d in days]
    last_day = (end_ts - 1) // 86400
    n = len(days)
    if n >= MIN_DAYS_FOR_TREND:
        fit = _fit_trend(days, ys)
        method = ("Least-squares linear trend plus day-of-week effects fitted jointly on the daily cost of %d "
                  "complete days (a partial first or last day is left out); the trend is held flat beyond %d days "
                  "ahead; range = expected +/- 1.28 x residual standard deviation x sqrt(days) (80%%)" % (n, n))
    else:
        if n:
            level = sum(ys) / n
            sd = math.sqrt(sum((y - level) ** 2 for y in ys) / (n - 1)) if n > 1 else 0.0
            basis = "the mean daily cost of %d complete day%s" % (n, "" if n == 1 else "s")
        else:
            hours = (end_ts - start_ts) // 3600
            level, sd = total_nano / 1e9 / hours * 24, 0.0
            basis = "the cost per hour of the %d hour%s of data x 24" % (hours, "" if hours == 1 else "s")
        fit = {"a": level, "b": 0.0, "effects": [0.0] * 7, "sd": sd}
        method = ("Flat run rate: %s (fewer than %d complete days: too few for a trend and weekday pattern); "
                  "range = expected +/- 1.28 x standard deviation of daily cost x sqrt(days) (80%%)"
                  % (basis, MIN_DAYS_FOR_TREND))
    start = days[0] if days else last_day
    base = days[-1] if days else last_day  # the horizon starts after the last complete day
    cap = (n - 1) + n  # the trend is extrapolated at most n days past the fitted window
    daily = []  # type: List[float]
    for j in range(1, 366):
        d = base + j
        t = min(d - start, cap) if n >= MIN_DAYS_FOR_TREND else 0
        daily.append(max(0.0, fit["a"] + fit["b"] * t + fit["effects"][weekday(d)]))
    sd = fit["sd"]
    out_fc, out_range = {}, {}
    for name, h in HORIZONS:
        exp = sum(daily[:h])
        half = Z80 * sd * math.sqrt(h)
        out_fc[name] = round(exp, 2)
        out_range[name] = {"low": round(max(0.0, exp - half), 2), "high": round(exp + half, 2)}
    per_day = {iso_day(base + j + 1): {"expected": round(v, 6), "low": round(max(0.0, v - Z80 * sd), 6),
                                           "high": round(v + Z80 * sd, 6)} for j, v in enumerate(daily[:30])}
    return {
        "forecast_usd": out_fc, "forecast_range_usd": out_range, "forecast_method": method,
        "forecast_daily_usd": per_day,
        "forecast_fit": {
            "complete_days": n, "first_day": iso_day(days[0]) if days else None,
            "last_day": iso_day(days[-1]) if days else None,
            "trend_usd_per_day": round(fit["b"], 6), "residual_sd_usd": round(sd, 6),
            "weekday_effect_usd": ({WEEKDAYS[i]: round(fit["effects"][i], 6) for i in range(7)}
                                   if n >= MIN_DAYS_FOR_TREND else None),
            "mean_daily_usd": round(sum(ys) / n, 6) if n else None,
        },
    }
