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

/// Leaves what a batch command built allocated when it returns, for the
/// process's exit to drop at once: freed object by object (every account's
/// scores, summaries and texts, the event columns) it took 0.15–0.2 s of a
/// 100 M-event night, after the work was done. Only for values the command
/// is finished with, right before it returns; the store is closed first.
func leaveForExit(_ value: some Any) {
    _ = Unmanaged.passRetained(Leftover(value))
}

private final class Leftover<Value> {
    let value: Value
    init(_ value: Value) { self.value = value }
}
