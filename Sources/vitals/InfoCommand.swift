import ArgumentParser
import Foundation
import VitalsColumnar
import VitalsStore

/// `vitals info`: what the store holds.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Print what is in the store: entities, events by kind, date range, bytes on disk vs raw column bytes."
    )

    @OptionGroup var storeOptions: StoreOptions

    func run() throws {
        let info: StoreInfo
        do {
            info = try Store.open(at: storeOptions.store, readOnly: true).info()
        } catch {
            printError("error: \(error)")
            throw ExitCode.failure
        }
        print(Self.render(info, path: storeOptions.store))
    }

    static func render(_ info: StoreInfo, path: String) -> String {
        func range(_ summary: StoreInfo.EventSummary) -> String {
            guard let minTs = summary.minTs, let maxTs = summary.maxTs else { return "" }
            return ", \(CivilTime.formatDate(days: CivilTime.day(ofSeconds: minTs))) .. \(CivilTime.formatDate(days: CivilTime.day(ofSeconds: maxTs)))"
        }
        let raw = info.logins.rawBytes + info.featureUsage.rawBytes
        let stored = info.logins.storedBytes + info.featureUsage.storedBytes
        let ratio = raw > 0 ? String(format: " (%.1f%% of raw)", 100 * Double(stored) / Double(raw)) : ""
        return """
            store:          \(path), \(formatBytes(info.bytesOnDisk)) on disk, \(info.ingests) ingest(s)
            agencies:       \(formatCount(info.agencies))
            accounts:       \(formatCount(info.accounts)) (\(formatCount(info.trackedAccounts)) tracked)
            users:          \(formatCount(info.users)) (\(formatCount(info.keyUsers)) key users)
            features:       \(formatCount(info.features))
            workflows:      \(formatCount(info.workflows))
            logins:         \(formatCount(info.logins.rows)) rows in \(info.logins.batches) batch(es)\(range(info.logins))
            feature_usage:  \(formatCount(info.featureUsage.rows)) rows in \(info.featureUsage.batches) batch(es)\(range(info.featureUsage))
            mrr changes:    \(formatCount(info.mrrChanges))
            payments:       \(formatCount(info.payments))
            feedback:       \(formatCount(info.feedback))
            event columns:  \(formatBytes(raw)) raw, \(formatBytes(stored)) stored\(ratio)
            """
    }
}
