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

    @Option(help: "Client accounts per agency (the smallest agency with --accounts-per-agency-max).")
    var accountsPerAgency = 200

    @Option(help: ArgumentHelp(
        "When set, each agency's size is drawn uniformly in [--accounts-per-agency, N] "
            + "(default: every agency has exactly --accounts-per-agency).",
        valueName: "N"
    ))
    var accountsPerAgencyMax: Int?

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

    @Option(help: ArgumentHelp(
        "A churn world preset; the options below override it. "
            + "default: churn rate 0.10, silent share 0.2, decay ramp, no false alarms (the original dataset). "
            + "sudden / fade / seasonal / mixed: that --decay. "
            + "silent: --silent-share 0.6. "
            + "false-alarms: --false-alarms 0.15 with --decay mixed. "
            + "rare: --churn-rate 0.03. "
            + "common: --churn-rate 0.25. "
            + "lagged: --decay mixed --lagged-declines.",
        valueName: ChurnWorld.presetNames.joined(separator: "|")
    ))
    var world = "default"

    @Option(help: ArgumentHelp(
        "Share of the non-historical accounts that churn in (T, T+90] (default 0.10); accounts churning "
            + "inside the window scale with it: min(0.6, 1.5 × R) of all.",
        valueName: "R"
    ))
    var churnRate: Double?

    @Option(help: ArgumentHelp(
        "Share of churners (in the window and after T) that leave without a visible decline (default 0.2).",
        valueName: "S"
    ))
    var silentShare: Double?

    @Option(help: ArgumentHelp(
        "Shape of the warned churners' decline (default ramp). "
            + "ramp: 30–60 days down to 10–40 % of the own level. "
            + "sudden: down to 0–10 % within 1–2 days, 2–12 days before the churn (before T for future churners). "
            + "fade: 90–150 days down to 30–60 %. "
            + "seasonal: ramp, and every account of an agency shares a seasonal dip to 40–70 % "
            + "starting 10–25 days before T, still on at T (and a year earlier). "
            + "mixed: each churner draws ramp, sudden or fade.",
        valueName: ChurnWorld.Decay.allCases.map(\.rawValue).joined(separator: "|")
    ))
    var decay: String?

    @Option(help: ArgumentHelp(
        "Share of retained accounts that decline like a churner (the --decay shape) up to T and then stay "
            + "(labelled false; default 0: none).",
        valueName: "F"
    ))
    var falseAlarms: Double?

    @Flag(help: ArgumentHelp("Future churners' declines end on their churn day (after T), as historical churners' do, "
        + "instead of on T: at T some have barely begun, and T looks like any past day."))
    var laggedDeclines = false

    /// The library configuration these options describe.
    func makeConfig() throws -> DataGenConfig {
        guard let day = DataGenConfig.date(fromDay: asOf) else {
            throw ValidationError("invalid --as-of: expected a date as YYYY-MM-DD, got '\(asOf)'")
        }
        return DataGenConfig(
            agencies: agencies, accountsPerAgency: accountsPerAgency, usersPerAccount: usersPerAccount,
            days: days, events: events, seed: seed, asOf: day, outputDirectory: out,
            accountsPerAgencyMax: accountsPerAgencyMax, world: try makeWorld()
        )
    }

    /// The preset of --world with the explicit options applied over it.
    func makeWorld() throws -> ChurnWorld {
        guard var churnWorld = ChurnWorld.preset(world) else {
            throw ValidationError(
                "invalid --world: expected one of \(ChurnWorld.presetNames.joined(separator: ", ")), got '\(world)'"
            )
        }
        if let churnRate { churnWorld.churnRate = churnRate }
        if let silentShare { churnWorld.silentShare = silentShare }
        if let decay {
            guard let shape = ChurnWorld.Decay(rawValue: decay) else {
                let names = ChurnWorld.Decay.allCases.map(\.rawValue).joined(separator: ", ")
                throw ValidationError("invalid --decay: expected one of \(names), got '\(decay)'")
            }
            churnWorld.decay = shape
        }
        if let falseAlarms { churnWorld.falseAlarms = falseAlarms }
        if laggedDeclines { churnWorld.laggedDeclines = true }
        return churnWorld
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
