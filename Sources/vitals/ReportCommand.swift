import ArgumentParser
import Foundation
import VitalsAnalytics
import VitalsStore
import VitalsTools
import VitalsViews

/// `vitals report`: one agency's book of business as one HTML file.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write one agency's report as a self-contained HTML file: health by band week by week, MRR and NRR/GRR, at-risk accounts with drivers and open CTAs, health drops, feature adoption and movers, renewals.",
        discussion: "No external asset, font or script: it opens offline and prints on A4. Every number is a tool's answer (vitals query gives the same)."
    )

    @OptionGroup var storeOptions: StoreOptions
    @Option(name: .long, help: "The agency, e.g. ag_001.") var agency: String
    @Option(name: .customLong("as-of"), help: "The as-of day T (YYYY-MM-DD; default the latest event day).") var asOf: String?
    @Option(name: .long, help: "The HTML file to write.") var out: String

    func validate() throws {
        _ = try parseDay(asOf, option: "--as-of")
    }

    func run() throws {
        let day = try parseDay(asOf, option: "--as-of")
        let started = Date()
        do {
            let store = try Store.open(at: storeOptions.store, readOnly: true)
            let context = try ToolContext(store: store)
            guard context.dataset.agencyKey(agency) != nil else {
                printError("error: unknown agency \(agency); the agencies are \(context.dataset.agencies.map(\.agencyID).joined(separator: ", "))")
                throw ExitCode.failure
            }
            if let day { try context.checkAsOf(day, argument: "--as-of") }
            let html = try AgencyReport.render(context: context, agencyID: agency, asOf: day)
            try html.write(toFile: out, atomically: true, encoding: .utf8)
            printError("wrote \(out) (\(html.utf8.count / 1024) KB) in " + String(format: "%.2f", Date().timeIntervalSince(started)) + " s")
        } catch let error as ExitCode {
            throw error
        } catch {
            printError("error: \(error)")
            throw ExitCode.failure
        }
    }
}
