import ArgumentParser
import Foundation
import VitalsStore
import VitalsViews

/// `vitals ingest DIR`: append a dataset directory's CSVs to the store.
struct IngestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Ingest a directory of CSV files (one transaction: all or nothing).",
        discussion: """
            Reads agencies, accounts, users, workflows, logins, feature_usage, mrr, payments and feedback \
            CSVs (accounts.csv and users.csv are required for the first ingest). Events are appended, \
            entities are upserted by id. A bad row stops the ingest with file:line and the store is left \
            exactly as it was.
            """
    )

    @Argument(help: "Directory holding the CSV files.")
    var directory: String

    @OptionGroup var storeOptions: StoreOptions

    func run() throws {
        do {
            let summary = try Ingestor.ingest(directory: directory, into: storeOptions.store)
            for warning in summary.warnings { printError("warning: \(warning)") }
            for (file, rows) in summary.rowsByFile {
                print("\(file): \(formatCount(rows)) rows")
            }
            let rate = summary.seconds > 0 ? Double(summary.eventRows) / summary.seconds : 0
            print("ingested \(formatCount(summary.eventRows)) events in \(String(format: "%.2f", summary.seconds)) s "
                + "(\(formatCount(Int(rate))) rows/s); columns \(formatBytes(summary.rawColumnBytes)) raw, "
                + "\(formatBytes(summary.storedColumnBytes)) stored")
            if let compaction = summary.compaction { print(CompactCommand.describe(compaction)) }
        } catch {
            printError("error: \(error)")
            throw ExitCode.failure
        }
    }
}
