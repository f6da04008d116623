import ArgumentParser
import Foundation
import VitalsColumnar
import VitalsStore
import VitalsViews

/// `vitals info`: what the store holds.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Print what is in the store: agencies, entities, events by kind, date range, scored days, bytes on disk vs raw column bytes, the team's CTAs, plans and notes, alert targets."
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
            agencies:       \(formatCount(info.agencies))\(agencyLines(info.agencyList))
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
            scored days:    \(scoredDays(info.scoredDays))
            cs work:        \(formatCount(info.ctas)) CTAs (\(formatCount(info.openCTAs)) open or snoozed), \(formatCount(info.successPlans)) success plans, \(formatCount(info.activities)) timeline activities
            alerts:         \(formatCount(info.alertTargets)) target(s), \(formatCount(info.pendingDeliveries)) message(s) to deliver
            """
    }

    /// The most agencies listed one a line; a store with more says how many it leaves out.
    static let listedAgencies = 20

    /// One indented line per agency, columns aligned: the ids to pass as
    /// `--agency`, with how many accounts each has and tracks.
    static func agencyLines(_ all: [StoreInfo.AgencySummary]) -> String {
        let agencies = all.prefix(listedAgencies)
        let idWidth = agencies.map(\.agencyID.count).max() ?? 0
        let nameWidth = agencies.map(\.name.count).max() ?? 0
        return agencies.map { agency in
            "\n  " + agency.agencyID.padding(toLength: idWidth, withPad: " ", startingAt: 0) + "  "
                + agency.name.padding(toLength: nameWidth, withPad: " ", startingAt: 0) + "  "
                + "\(formatCount(agency.accounts)) accounts (\(formatCount(agency.trackedAccounts)) tracked)"
        }.joined() + (all.count > agencies.count ? "\n  … and \(formatCount(all.count - agencies.count)) more" : "")
    }

    /// `2 (2026-11-19 .. 2026-11-20), last run 2026-11-30 10:12 UTC`: what
    /// `vitals query` and the server can read materialized.
    static func scoredDays(_ scored: StoreInfo.ScoredDays) -> String {
        guard let first = scored.firstDay, let last = scored.lastDay, let computedAt = scored.lastComputedAt else {
            return "0 (run vitals score to materialize a day)"
        }
        let stamp = CivilTime.formatTimestamp(seconds: computedAt)  // 2026-11-30T10:12:07Z
        let run = "\(stamp.prefix(10)) \(stamp.dropFirst(11).prefix(5)) UTC"
        return "\(formatCount(scored.count)) (\(CivilTime.formatDate(days: first)) .. \(CivilTime.formatDate(days: last))), last run \(run)"
    }
}
