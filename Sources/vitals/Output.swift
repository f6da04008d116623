import Foundation

/// Writes a line to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// `12.3 MB`-style sizes (decimal units).
func formatBytes(_ bytes: Int) -> String {
    let units = ["B", "kB", "MB", "GB", "TB"]
    var value = Double(bytes)
    var unit = 0
    while value >= 1000 && unit < units.count - 1 {
        value /= 1000
        unit += 1
    }
    return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
}

/// Thousands separators: `1,234,567`.
func formatCount(_ value: Int) -> String {
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
func formatMoney(cents: Int) -> String {
    let dollars = formatCount(Int(cents.magnitude / 100))
    let rest = Int(cents.magnitude % 100)
    return (cents < 0 ? "-$" : "$") + dollars + (rest < 10 ? ".0" : ".") + String(rest)
}
