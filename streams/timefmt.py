"""Human time formats for durations and timestamps (no Django)."""


def format_hms(seconds: float | None) -> str:
    """``3725.4`` -> ``"1:02:05"``; fractions are dropped only for display."""
    if seconds is None:
        return "-"
    total = int(seconds)
    sign = "-" if total < 0 else ""
    total = abs(total)
    return f"{sign}{total // 3600}:{total % 3600 // 60:02d}:{total % 60:02d}"
