import Foundation
import VitalsStore

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

/// Work started on a thread of its own, for the command to wait for (and
/// hear its error from) once it has done something else meanwhile.
final class BackgroundWork: @unchecked Sendable {
    private let done = DispatchGroup()
    /// Written by the work before `done` is left, read after `wait`.
    private var failure: StoreError?

    init(_ work: @escaping @Sendable () throws(StoreError) -> Void) {
        DispatchQueue.global().async(group: done) { [self] in
            do throws(StoreError) { try work() } catch { failure = error }
        }
    }

    func wait() throws(StoreError) {
        done.wait()
        if let failure { throw failure }
    }
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
