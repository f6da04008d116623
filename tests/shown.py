"""How the pages (the report, the dashboard, the MCP App) show the tools'
numbers, for the browser tests to compare: money as dollars from integer
cents, ratios as percentages with one decimal."""


def money(cents):
    sign = "-" if cents < 0 else ""
    return f"{sign}${abs(cents) // 100:,}.{abs(cents) % 100:02d}"


def percent(ratio):
    return f"{ratio * 100:.1f}%"
