import ArgumentParser
import DataGenKit
import Foundation

/// `data-gen`: writes a synthetic agency dataset (CSV) with planted churners.
@main
struct DataGen: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data-gen",
        abstract: "Generate a synthetic Vitals dataset: agencies, accounts, users, events, revenue, "
            + "feedback and churn labels."
    )

    @Option(help: "Number of agencies (tenants).")
    var agencies = 3

    @Option(help: "Client accounts per agency.")
    var accountsPerAgency = 200

    @Option(help: "Average users per account.")
    var usersPerAccount = 12

    @Option(help: "Length of the event window in days, ending with --as-of.")
    var days = 180

    @Option(help: "Exact number of event rows (logins.csv + feature_usage.csv).")
    var events = 2_000_000

    @Option(help: "Random seed; the same options always give byte-identical files.")
    var seed: UInt64 = 7

    @Option(help: ArgumentHelp("The as-of day T, the last day of the window.", valueName: "YYYY-MM-DD"))
    var asOf = "2026-11-20"

    @Option(help: "Output directory (created when missing).")
    var out = "data/demo"

    /// The library configuration these options describe.
    func makeConfig() throws -> DataGenConfig {
        guard let day = DataGenConfig.date(fromDay: asOf) else {
            throw ValidationError("invalid --as-of: expected a date as YYYY-MM-DD, got '\(asOf)'")
        }
        return DataGenConfig(
            agencies: agencies, accountsPerAgency: accountsPerAgency, usersPerAccount: usersPerAccount,
            days: days, events: events, seed: seed, asOf: day, outputDirectory: out
        )
    }

    func validate() throws {
        do {
            try makeConfig().validate()
        } catch let error as DataGenError {
            throw ValidationError(error.description)
        }
    }

    func run() throws {
        let summary = try generateDataset(makeConfig())
        var report = "data-gen: wrote \(out)\n"
        for file in summary.files {
            let name = file.name.padding(toLength: 18, withPad: " ", startingAt: 0)
            let rows = String(file.rows).leftPadded(to: 11)
            report += "  \(name)\(rows) rows \(Self.size(file.bytes).leftPadded(to: 10))\n"
        }
        report += String(
            format: "  %.2f s, %.0f event rows/s\n", summary.elapsedSeconds, summary.eventRowsPerSecond
        )
        FileHandle.standardError.write(Data(report.utf8))
    }

    /// A byte count in KiB/MiB.
    static func size(_ bytes: Int) -> String {
        bytes >= 1 << 20
            ? String(format: "%.1f MiB", Double(bytes) / 1_048_576)
            : String(format: "%.1f KiB", Double(bytes) / 1024)
    }
}

extension String {
    /// The string right-aligned in `width` columns.
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
