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
    /// `\r` and `\\` escaped, and any other control character or line
    /// separator as `\u{…}`, so that each entry stays one line of seven
    /// fields for whatever splits lines (Python's `splitlines` splits on
    /// U+2028 and U+001E too).
    static func field(_ text: String) -> String {
        func plain(_ scalar: Unicode.Scalar) -> Bool {
            scalar != "\\" && ![.control, .lineSeparator, .paragraphSeparator].contains(scalar.properties.generalCategory)
        }
        guard !text.unicodeScalars.allSatisfy(plain) else { return text }
        var escaped = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": escaped += "\\n"
            case "\t": escaped += "\\t"
            case "\r": escaped += "\\r"
            case "\\": escaped += "\\\\"
            case _ where !plain(scalar): escaped += "\\u{" + String(scalar.value, radix: 16) + "}"
            default: escaped.unicodeScalars.append(scalar)
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
