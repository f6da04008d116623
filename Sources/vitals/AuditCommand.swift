import ArgumentParser
import Foundation
import VitalsColumnar
import VitalsStore

/// `vitals audit`: the audit log of one agency.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Print the audit log: every tool call (time, client, tool, account, outcome, duration, and the CTA, task, plan or activity it changed), oldest first. Kept 90 days."
    )

    @OptionGroup var storeOptions: StoreOptions
    @Option(name: .long, help: "The agency, e.g. ag_001.") var agency: String
    @Option(name: .long, help: "Only entries on or after this day (YYYY-MM-DD).") var since: String?

    func validate() throws {
        _ = try sinceMilliseconds()
    }

    /// The start of --since in milliseconds (0 without it).
    func sinceMilliseconds() throws(ValidationError) -> Int64 {
        guard let since else { return 0 }
        guard let day = CivilTime.parseDate(since) else { throw ValidationError("--since must be a date YYYY-MM-DD, got \"\(since)\"") }
        return Int64(day) * 86_400_000
    }

    /// One tab-separated field: what a caller sent (an account id with a
    /// line break, a tab) is logged as sent, and printed with `\n`, `\t`,
    /// `\r` and `\\` escaped so that each entry stays one line of seven fields.
    static func field(_ text: String) -> String {
        guard text.contains(where: { $0 == "\n" || $0 == "\t" || $0 == "\r" || $0 == "\\" || $0 == "\r\n" }) else { return text }
        var escaped = ""
        for character in text {
            switch character {
            case "\n": escaped += "\\n"
            case "\r\n": escaped += "\\r\\n"
            case "\t": escaped += "\\t"
            case "\r": escaped += "\\r"
            case "\\": escaped += "\\\\"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    func run() throws {
        let sinceMs = try sinceMilliseconds()
        do {
            let store = try Store.open(at: storeOptions.store, readOnly: true)
            guard let agencyKey = try store.agencyKey(agency) else {
                printError("error: unknown agency \(agency)")
                throw ExitCode.failure
            }
            for entry in try store.auditEntries(agencyKey: agencyKey, sinceMilliseconds: sinceMs) {
                let seconds = entry.atMilliseconds / 1000
                print([CivilTime.formatTimestamp(seconds: seconds), entry.client, entry.action, entry.accountID ?? "-", entry.outcome,
                       entry.durationMilliseconds.map { String(format: "%.1f ms", $0) } ?? "-", entry.objectID ?? "-"]
                    .map(Self.field).joined(separator: "\t"))
            }
        } catch let error as ExitCode {
            throw error
        } catch {
            printError("error: \(error)")
            throw ExitCode.failure
        }
    }
}
