import Foundation
import Testing
@testable import VitalsAnalytics
import VitalsColumnar
import VitalsJSON
import VitalsStore
@testable import VitalsTools

/// One churn model per week, whoever asks: a day's risk computed by a tool
/// call, by a fresh process, and materialized by `vitals score` afterwards
/// are the same numbers; and on a store with enough history the model is
/// chosen on its holdout.
@Suite(.serialized) struct ChurnModelPathTests {
    /// 6 agencies × 100 accounts over 200 days: about 60 churners a past day.
    static let path = GeneratedStore.make(agencies: 6, accountsPerAgency: 100, usersPerAccount: 5, days: 200, events: 200_000, seed: 23)

    /// churn_risk of every tracked account of ag_001 as get_account reports it on `day`.
    static func risks(_ context: ToolContext, day: AsOf) throws -> [String: JSONValue] {
        var result: [String: JSONValue] = [:]
        let agency = context.dataset.agencyKey("ag_001")!
        for account in context.index.trackedAccounts[agency] {
            let id = context.dataset.accounts[account].accountID
            let answer = try ReadTools.call("get_account", agencyID: "ag_001",
                                            arguments: .object(["account_id": .string(id), "as_of": .string(day.description)]), context: context)
            result[id] = answer["score"]?["churn_risk"]
        }
        return result
    }

    @Test func aDaysRiskIsTheSameWhoeverAsks() throws {
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("vitals-paths-\(UUID().uuidString).db").path
        try FileManager.default.copyItem(atPath: Self.path, toPath: copy)
        let store = try Store.open(at: copy)
        let latest = try ToolContext(store: store, useMaterialized: false).defaultAsOf
        // Two days never scored: the latest and one of an earlier week.
        for day in [latest, AsOf(day: latest.day - 9)] {
            let computed = try Self.risks(try ToolContext(store: store, useMaterialized: true), day: day)
            let fresh = try Self.risks(try ToolContext(store: try Store.open(at: copy, readOnly: true), useMaterialized: false), day: day)
            #expect(computed == fresh, "computed and fresh differ on \(day)")
            // `vitals score --as-of day`, then what the store keeps of that day.
            let context = try ToolContext(store: store, useMaterialized: false)
            try store.writeScores([try Scorer(context: context).score(day)], models: context.fittedModels)
            let agency = context.dataset.agencyKey("ag_001")!
            let history = try #require(try store.healthHistory(agencyKey: agency).first { $0.day == day.day })
            var kept: [String: JSONValue] = [:]
            for account in context.index.trackedAccounts[agency] {
                let position = try #require(history.position(of: account))
                kept[context.dataset.accounts[account].accountID] = .double(history.churnRisk(at: position))
            }
            #expect(kept.mapValues { $0.text() } == computed.mapValues { $0.text() }, "the stored day and the computed one differ on \(day)")
            if day == latest {
                // The newest run is materialized whole: get_account reads it.
                let materializedContext = try ToolContext(store: store, useMaterialized: true)
                let answer = try ReadTools.call("get_account", agencyID: "ag_001",
                                                arguments: .object(["account_id": .string(computed.keys.sorted()[0])]), context: materializedContext)
                #expect(answer["source"] == .string("materialized"))
                let materialized = try Self.risks(materializedContext, day: day)
                #expect(materialized == computed, "materialized and computed differ on \(day)")
            }
            #expect(Set(computed.values.map { $0.text() }).count > 10, "risks on \(day) do not vary")
        }
    }

    /// The churn model's samples and a health-change baseline ask an
    /// agency's scores without its feature universe, and a big store's
    /// samples read the last logins of the sampled agencies' accounts alone:
    /// the scores and the churn inputs are the same, on the latest day and
    /// on a past day the fit learns from.
    @Test func leanSamplesScoreAsTheFullOnes() throws {
        let context = try ToolContext(store: try Store.open(at: Self.path, readOnly: true), useMaterialized: false)
        for day in [context.defaultAsOf, AsOf(day: context.defaultAsOf.day - 90)] {
            let analytics = context.analytics(day)
            for agency in context.dataset.agencies.indices {
                let full = analytics.agencyScores(agency), lean = analytics.agencyScores(agency, featureUniverse: false)
                #expect(!full.scores.isEmpty)
                #expect(lean.scores == full.scores, "agency \(agency) on \(day)")
                #expect(lean.everUsed.isEmpty && full.everUsed.count == context.dataset.features.count)
                #expect(full.everUsed.contains(true))

                let own = try Analytics(dataset: context.dataset, index: context.index, asOf: day, config: analytics.config,
                                        lastLoginsOf: context.index.trackedAccounts[agency])
                let sampled = own.agencyScores(agency, featureUniverse: false)
                #expect(sampled.scores == full.scores, "agency \(agency) on \(day), its own logins")
                #expect(own.churnFeatures(sampled).map(\.values) == analytics.churnFeatures(full).map(\.values))
            }
        }
        // The other agencies' users are not read: never logged in, for that analytics.
        let first = try Analytics(dataset: context.dataset, index: context.index, asOf: context.defaultAsOf, config: context.config,
                                  lastLoginsOf: context.index.trackedAccounts[0])
        let others = context.index.trackedAccounts[1].flatMap { context.index.usersOfAccount[$0] }
        #expect(!others.isEmpty && others.allSatisfy { first.lastLoginOfUser[$0] == .min })
        #expect(others.contains { context.analytics(context.defaultAsOf).lastLoginOfUser[$0] > .min })
    }

    /// The fit's samples read a few accounts' past days one after another
    /// (their rows stay in cache), then put each day's agencies together:
    /// they are each day's scores and churn inputs as a day's tools compute
    /// them, in day, agency and account order, from every agency and, on a
    /// smaller budget, from every k-th.
    @Test func theFitsSamplesAreEachPastDaysInputs() throws {
        let context = try ToolContext(store: try Store.open(at: Self.path, readOnly: true), useMaterialized: false)
        let analytics = context.analytics(context.defaultAsOf)
        let days = ChurnModel.trainingDays(of: analytics, firstDay: try #require(Analytics.firstDay(of: context.dataset)), maxDays: 8)
        #expect(days.count >= 4)
        let tracked = context.index.trackedAccounts.reduce(0) { $0 + $1.count }
        for maximum in [ChurnModel.maximumSamples, tracked * days.count / 3] {
            let step = (tracked * days.count + maximum - 1) / maximum
            let agencies = Array(stride(from: 0, to: context.dataset.agencies.count, by: step))
            var rows: [[Double]] = [], labels: [Double] = [], soon: [Double] = [], indices: [Int] = []
            for (index, day) in days.enumerated() {
                let past = try Analytics(dataset: context.dataset, index: context.index, asOf: AsOf(day: day), config: analytics.config,
                                         lastLoginsOf: step == 1 ? nil : agencies.flatMap { context.index.trackedAccounts[$0] })
                for agency in agencies {
                    let scores = past.agencyScores(agency, featureUniverse: false)
                    for (score, inputs) in zip(scores.scores, past.churnFeatures(scores)) where score.facts.mrrCents > 0 {
                        rows.append(inputs.values)
                        labels.append(past.churns(score.account) ? 1 : 0)
                        soon.append(past.churns(score.account, within: ChurnModel.imminentDays) ? 1 : 0)
                        indices.append(index)
                    }
                }
            }
            let samples = ChurnModel.samples(of: analytics, days: days, maximum: maximum)
            #expect(samples.rows.count > 100 && samples.churners > 10, "step \(step)")
            let differing = samples.rows.indices.first { $0 < rows.count && samples.rows[$0] != rows[$0] }
            #expect(samples.rows.count == rows.count && differing == nil, "step \(step): the first differing sample is \(differing ?? -1)")
            #expect(samples.labels == labels && samples.soon == soon && samples.days == indices, "step \(step)")
            #expect(step == 1 || Set(agencies).count < context.dataset.agencies.count)
        }
    }

    @Test func theModelIsChosenOnItsHoldout() throws {
        let context = try ToolContext(store: try Store.open(at: Self.path, readOnly: true), useMaterialized: false)
        let model = context.model(context.defaultAsOf)
        let holdout = try #require(model.holdout, "\(model.summary)")
        #expect(model.trainingDays.first == holdout.day)
        #expect(holdout.churners >= 5 && model.trainingChurners >= ChurnModel.minimumChurners)
        // The blend chosen ranks the holdout at least as well as the fit alone and the prior alone.
        #expect(holdout.aucChosen >= max(holdout.aucFitted, holdout.aucPrior) - 1e-12)
        #expect(model.kind == (holdout.fittedWeight == 1 ? "fitted" : holdout.fittedWeight == 0 ? "prior" : "blended"))
        if holdout.aucFitted > holdout.aucPrior { #expect(model.kind != "prior") }
        // Platt scaling minimizes the holdout's log loss; on this world it lowers its Brier score too.
        #expect(holdout.brierCalibrated <= holdout.brierUncalibrated + 1e-12)
        #expect(model.version == ChurnModel.currentVersion)
    }

    @Test func thePastSeesTheRenewalsItsChurnersLeftAt() throws {
        // data-gen's churners leave at a renewal as often in the past as after
        // T, and accounts.csv holds only the renewal after the file: projected
        // back a year, a past day's inputs see the renewal that was ahead of
        // it, so the fit learns renewal churn from the history instead of
        // taking the prior's word for it.
        let context = try ToolContext(store: try Store.open(at: Self.path, readOnly: true), useMaterialized: false)
        let latest = context.defaultAsOf
        let days = ChurnModel.trainingDays(of: context.analytics(latest), firstDay: Analytics.firstDay(of: context.dataset)!, maxDays: 8)
        let history = ChurnModel.samples(of: context.analytics(latest), days: days)
        let j = ChurnFeatures.names.firstIndex(of: "renewal_within_90d")!
        func share(churned: Bool) -> Double {
            let rows = history.rows.indices.filter { (history.labels[$0] == 1) == churned }
            return Double(rows.filter { history.rows[$0][j] == 1 }.count) / Double(rows.count)
        }
        #expect(share(churned: true) > 2 * share(churned: false) && share(churned: false) > 0.1,
                "renewing within 90 days: \(share(churned: true)) of churners, \(share(churned: false)) of the others")
        let model = context.model(latest)
        #expect(!model.summary.contains("never varied"), "\(model.summary)")
        // A past day's driver says which renewal it saw.
        let past = context.analytics(AsOf(day: days[0]))
        let agency = context.dataset.agencyKey("ag_001")!
        let scores = past.agencyScores(agency)
        let renewing = try #require(zip(scores.scores, past.churnFeatures(scores)).first { score, inputs in
            inputs.values[j] == 1 && score.facts.daysToRenewal.map { $0 > 90 } == true
        }, "no account of ag_001 renews within 90 days of \(AsOf(day: days[0])) by its anniversary")
        let toRenewal = try #require(renewing.1.evidence.daysToRenewal)
        #expect(renewing.1.evidence(of: "renewal_within_90d") == "renews in \(toRenewal) days")
        let onFile = days[0] + renewing.0.facts.daysToRenewal!
        #expect(CivilTime.adding(months: -12, toDay: onFile) == days[0] + toRenewal)
    }

    /// The same world as ``path``, but its operator fills in renewal_date
    /// only for the renewals of the coming two months (T + 1 … T + 60).
    static let comingRenewalsOnlyPath = GeneratedStore.make(
        agencies: 6, accountsPerAgency: 100, usersPerAccount: 5, days: 200, events: 200_000, seed: 23
    ) { data in
        let file = data + "/accounts.csv"
        let (first, last) = ("2026-11-21", "2027-01-19")
        let lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        let edited = lines.map { line -> String in
            // renewal_date is the field before owner_email (the only one with an "@").
            guard let at = line.firstIndex(of: "@") else { return String(line) }
            var fields = line[..<at].split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count >= 2, let date = fields.dropLast().last, date.count == 10,
                  !(first ... last).contains(String(date)) else { return String(line) }
            fields[fields.count - 2] = ""
            return fields.joined(separator: ",") + line[at...]
        }
        try edited.joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
    }

    @Test func inputsTheHistoryNeverSawVaryMoveRiskBetweenAccountsNotTheBooksTotal() throws {
        // Only the coming renewals are on file, so no anniversary of them
        // falls near a past day: renewal_soon and renewal_within_90d read 0
        // on every past day. The model keeps the prior's weights for them,
        // centred on their share among the paying accounts of the day it is
        // fitted for. There, an account renewing within 90 days ranks above
        // the same account without a renewal, while the mean log-odds equals
        // what it would be if no account renewed (what the history
        // calibrated on).
        let context = try ToolContext(store: try Store.open(at: Self.comingRenewalsOnlyPath, readOnly: true), useMaterialized: false)
        let model = context.model(context.defaultAsOf)
        let fitDay = AsOf(day: ChurnModel.fitDay(for: context.defaultAsOf.day))
        let present = ChurnModel.samples(of: context.analytics(fitDay), days: [fitDay.day], maximum: ChurnModel.centringSamples).rows
        let renewal = ["renewal_soon", "renewal_within_90d"].map { ChurnFeatures.names.firstIndex(of: $0)! }
        let renewing = present.filter { row in renewal.contains { row[$0] != 0 } }.count
        #expect(renewing > 10 && renewing < present.count, "\(renewing) of \(present.count) accounts renew soon")
        for j in renewal { #expect(model.coefficients[j] > 0, "\(model.names[j]) has no weight") }
        // `vitals score` says so, with the shares.
        let shares = renewal.map { j in Int((100 * Double(present.filter { $0[j] != 0 }.count) / Double(present.count)).rounded()) }
        #expect(model.summary.contains("renewal_soon, renewal_within_90d never varied in the history: the prior weighs them, "
            + "centred on this week's paying accounts (\(shares[0]) %, \(shares[1]) % of them)"), "\(model.summary)")
        // The model as the history saw it: the renewal inputs at their constant 0 add nothing.
        var historyView = model
        for j in renewal { historyView.means[j] = 0 }
        var total = 0.0, calibrated = 0.0
        for row in present {
            var unrenewed = row
            for j in renewal { unrenewed[j] = 0 }
            if renewal.contains(where: { row[$0] != 0 }) { #expect(model.logit(row) > model.logit(unrenewed)) }
            total += model.logit(row)
            calibrated += historyView.logit(unrenewed)
        }
        let n = Double(present.count)
        #expect(abs(total / n - calibrated / n) < 1e-9, "renewals raise the mean log-odds from \(calibrated / n) to \(total / n)")
    }
}
