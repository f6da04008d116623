/// Numbers as people read them, shared by the CLI's tables and the report.

/// Thousands separators: `1,234,567`.
public func formatCount(_ value: Int) -> String {
    let digits = String(value.magnitude)
    var out = ""
    for (index, character) in digits.enumerated() {
        if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
        out.append(character)
    }
    return value < 0 ? "-" + out : out
}

/// Cents as dollars for people: `$12,345.67`, `-$5.00`. Money stays integer
/// cents everywhere a machine reads it (JSON, CSV); only tables show this.
public func formatMoney(cents: Int) -> String {
    let dollars = formatCount(Int(cents.magnitude / 100))
    let rest = Int(cents.magnitude % 100)
    return (cents < 0 ? "-$" : "$") + dollars + (rest < 10 ? ".0" : ".") + String(rest)
}
