import ArgumentParser
import Foundation
#if canImport(Glibc)
import CGlibcExtras
#endif
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
        Self.keepFreedBuffers()
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

    /// glibc maps a block of 128 KB or more on its own (and unmaps it when
    /// freed), raising that threshold as such blocks are freed, and gives a
    /// heap's free top back to the system past a trim threshold. An ingest
    /// parses files in 64 MB parts and encodes each epoch as soon as it is
    /// complete (``EpochStream``), freeing the parts behind it: their columns
    /// (a few MB each) are best kept by the allocator for the next parts,
    /// whose pages are then touched already. With blocks up to 32 MB (the
    /// most glibc allows) from the heaps and a 1 GB trim threshold, a
    /// 100 M-event ingest took 277 k page faults instead of 973 k (when
    /// every part's columns were mapped fresh), 2.2 s of system time
    /// instead of 13.9, and peaked at 1.0 GB. Only the ingest: `vitals
    /// score` keeps glibc's defaults.
    static func keepFreedBuffers() {
        #if canImport(Glibc)
        _ = mallopt(M_MMAP_THRESHOLD, 32 << 20)
        _ = mallopt(M_TRIM_THRESHOLD, 1 << 30)
        #endif
    }
}
