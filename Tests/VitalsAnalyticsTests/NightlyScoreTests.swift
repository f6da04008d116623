import DataGenKit
import Foundation
import Testing
import VitalsAnalytics
import VitalsColumnar
import VitalsJSON
import VitalsStore
import VitalsTools

/// A store fed night after night (an ingest of the day's rows, then a score
/// of that day, as `vitals score` runs it: the week's stored churn model
/// reused and only the recent weeks' events decoded) must answer exactly
/// what a cold rebuild of the same data answers for every night.
@Suite struct NightlyScoreTests {
    static let dated = ["logins.csv": "ts", "feature_usage.csv": "ts", "payments.csv": "ts", "feedback.csv": "ts", "mrr.csv": "date"]

    /// A generated world and the same rows as a history (before the first
    /// night) and one directory per night (the rows dated that day; no entity file).
    static func world(seed: UInt64, nights: [String]) throws -> (all: String, history: String, nights: [String]) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("vitals-nightly-\(UUID().uuidString)")
        let all = root.appendingPathComponent("all").path
        try generate(days: 200, events: 90_000, seed: seed, into: all)
        let history = root.appendingPathComponent("history").path
        let nightDirectories = nights.map { root.appendingPathComponent("night-\($0)").path }
        for directory in [history] + nightDirectories {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        for file in try FileManager.default.contentsOfDirectory(atPath: all) where file.hasSuffix(".csv") {
            let text = try String(contentsOfFile: all + "/" + file, encoding: .utf8)
            guard let column = dated[file] else {
                try text.write(toFile: history + "/" + file, atomically: true, encoding: .utf8)
                continue
            }
            let lines = text.split(separator: "\n").map(String.init)
            let header = lines[0]
            let position = header.split(separator: ",").firstIndex(of: Substring(column))!
            var before = [header], byNight = Array(repeating: [header], count: nights.count)
            for line in lines.dropFirst() {
                let day = String(line.split(separator: ",", omittingEmptySubsequences: false)[position].prefix(10))
                if let n = nights.firstIndex(of: day) { byNight[n].append(line) } else { before.append(line) }
            }
            try (before.joined(separator: "\n") + "\n").write(toFile: history + "/" + file, atomically: true, encoding: .utf8)
            for (n, rows) in byNight.enumerated() where rows.count > 1 {
                try (rows.joined(separator: "\n") + "\n").write(toFile: nightDirectories[n] + "/" + file, atomically: true, encoding: .utf8)
            }
        }
        return (all, history, nightDirectories)
    }

    /// Three agencies of 30 accounts of 5 users, up to 2026-11-20.
    static func generate(days: Int, events: Int, seed: UInt64, into directory: String) throws {
        _ = try generateDataset(DataGenConfig(agencies: 3, accountsPerAgency: 30, usersPerAccount: 5, days: days,
                                              events: events, seed: seed, asOf: DataGenConfig.date(fromDay: "2026-11-20")!,
                                              outputDirectory: directory))
    }

    /// What `vitals score --as-of day` does, without the playbooks: the
    /// entity tables kept packed, and the logs when the run fits no model
    /// (later nights then read the packed logs and the rows after them).
    static func scoreLikeTheCommand(_ store: Store, day: AsOf) throws -> (MaterializedDay, ToolContext) {
        let runs = try store.scoreRuns(), models = try store.churnModels()
        let fitting = Scorer.weeksToFit(days: [day], config: .standard, models: models, refit: false)
        let context = try Scorer.context(store: store, config: .standard, days: [day], fitting: fitting, refit: false, runs: runs, models: models)
        let packLogs = fitting.isEmpty
        try store.keepEntities(of: context.dataset)
        if packLogs { try store.keepLogs(of: context.dataset) }
        let result = try Scorer(context: context).score(day)
        try store.writeScores([result], models: context.fittedModels)
        return (result, context)
    }

    /// With a sample limit (seed 8), every fit samples some of the three
    /// agencies (every other one), and a night that fits loads the past of
    /// their accounts alone (``Dataset/longerHistory``).
    @Test(arguments: [(UInt64(3), nil), (8, 300)])
    func everyNightAnswersWhatAColdRebuildAnswers(seed: UInt64, sampleLimit: Int?) throws {
        try ChurnModel.$sampleLimit.withValue(sampleLimit ?? ChurnModel.sampleLimit) {
            try everyNightAnswersWhatAColdRebuildAnswers(seed: seed, sampling: sampleLimit != nil)
        }
    }

    func everyNightAnswersWhatAColdRebuildAnswers(seed: UInt64, sampling: Bool) throws {
        // Thursdays 2026-11-12 and 2026-11-19 start weeks: the model is refit on them and reused between.
        // The first night (11-10) fits its week's model (11-05) alone: its health-change baseline (11-03,
        // never scored) is computed without a model. So the second night reads windowed already.
        let nights = (10 ... 20).map { String(format: "2026-11-%02d", $0) }
        let (all, history, nightDirectories) = try Self.world(seed: seed, nights: nights)
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("vitals-nightly-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let coldPath = root.appendingPathComponent("cold.db").path, nightlyPath = root.appendingPathComponent("nightly.db").path
        _ = try Ingestor.ingest(directory: all, into: coldPath)
        let cold = try ToolContext(store: try Store.open(at: coldPath, readOnly: true), useMaterialized: false)
        #expect(cold.dataset.earlier == nil)

        _ = try Ingestor.ingest(directory: history, into: nightlyPath)
        var moversReadBack = 0, windowedNights = 0, ownWindowNights = 0, packedLogNights = 0, olderPaymentsPackedNights = 0, fittedKinds: Set<String> = []
        for (n, night) in nights.enumerated() {
            _ = try Ingestor.ingest(directory: nightDirectories[n], into: nightlyPath)
            let day = AsOf(day: CivilTime.parseDate(night)!)
            let (nightly, context) = try Self.scoreLikeTheCommand(try Store.open(at: nightlyPath), day: day)
            let expected = try Scorer(context: cold).score(day)
            if context.dataset.logsFromSnapshot { packedLogNights += 1 }
            if let from = context.dataset.paymentsFrom {
                // The payments of the 90 days before the day or its baseline are loaded, the older ones left packed.
                #expect(from <= AsOf(day: day.day - ToolContext.healthChangeDays).start(lastDays: Analytics.paymentLookbackDays(.standard)))
                #expect(context.dataset.paymentsLeftPacked > 0 && context.dataset.payments.allSatisfy { $0.ts >= from }, "\(night)")
                olderPaymentsPackedNights += 1
            }

            let week = ChurnModel.fitDay(for: day.day)
            if week == day.day || n == 0 {
                // The week's first night (or the store's first score) fits, reading the events from its
                // earliest training day's lookback on (in this 200-day world, nearly all of them).
                #expect(context.fittedWeeks.contains(week), "\(night)")
                let fitFrom = AsOf(day: ChurnModel.earliestTrainingDay(forWeek: week)).start(lastDays: Analytics.eventLookbackDays(.standard))
                if sampling {
                    // The day's window for every account, the fit's for the first agency's.
                    let longer = try #require(context.dataset.longerHistory, "\(night)")
                    #expect(longer.earlier.before <= fitFrom && (context.dataset.earlier?.before ?? .min) > fitFrom, "\(night)")
                    // Whole agencies' tracked accounts, not every agency.
                    let covered = Set(context.dataset.accounts.indices.filter(longer.covers))
                    let sampled = context.index.trackedAccounts.filter { !covered.isDisjoint(with: $0) }
                    #expect(sampled.count < 3 && covered == Set(sampled.flatMap { $0 }), "\(night)")
                } else {
                    #expect(context.dataset.longerHistory == nil)
                    #expect((context.dataset.earlier?.before ?? .min) <= fitFrom, "\(night)")
                }
            } else {
                #expect(context.reusedWeeks == [week] && context.fittedWeeks.isEmpty, "\(night)")
                let earlier = try #require(context.dataset.earlier, "\(night) decoded every event")
                #expect(earlier.skippedBatches > 0 && earlier.skippedRows > 0)
                windowedNights += 1
                // From 11-17 on, the history keeps the week-ago baseline a night scored: the window is the
                // day's own lookback, not the baseline's (a week fewer events decoded).
                let baselineKept = day.day - ToolContext.healthChangeDays >= CivilTime.parseDate(nights[0])!
                let lookback = Analytics.eventLookbackDays(.standard)
                #expect(earlier.before == AsOf(day: day.day - (baselineKept ? 0 : ToolContext.healthChangeDays)).start(lastDays: lookback),
                        "\(night)")
                if baselineKept { ownWindowNights += 1 }
            }
            let model = try JSONDecoder().decode(ChurnModel.self, from: Data(nightly.modelJSON.utf8))
            // A third of the samples may hold too few churners for a holdout.
            #expect(sampling || model.holdout != nil, "\(night): \(model.summary)")
            fittedKinds.insert(model.kind)
            #expect(nightly.modelJSON == expected.modelJSON, "\(night): the model")
            #expect(nightly.scores == expected.scores, "\(night): scores")
            #expect(nightly.history == expected.history, "\(night): compact scores")
            #expect(nightly.agencyResults.map(\.tool) == expected.agencyResults.map(\.tool))
            let nightlyStore = try Store.open(at: nightlyPath, readOnly: true)
            for (got, want) in zip(nightly.agencyResults, expected.agencyResults) {
                if try Self.expectTheSameResult(got, want, nightly: nightlyStore, cold: cold, day: day, night) { moversReadBack += 1 }
            }
        }
        #expect(windowedNights == 8 && ownWindowNights == 3)
        // From 11-17 on each night's movers compare with a baseline it kept, and are stored by key: 4 nights, 3 agencies.
        #expect(moversReadBack == 4 * 3)
        // The first night fits and reads the logs as rows, the second packs them, every later one reads them packed.
        #expect(packedLogNights == nights.count - 2)
        // The second night packs them split; the nights after it but the two that fit leave the older payments packed.
        #expect(olderPaymentsPackedNights == nights.count - 4)
        let kept = try Store.open(at: nightlyPath, readOnly: true).churnModels()
        #expect(kept.map { CivilTime.formatDate(days: $0.fittedFor) } == ["2026-11-05", "2026-11-12", "2026-11-19"])
        // The worlds are big enough that every model is chosen on a holdout, and
        // in most weeks the fit (alone or blended) beats the prior.
        #expect(sampling || fittedKinds.contains("fitted") || fittedKinds.contains("blended"), "\(fittedKinds)")
    }

    /// A score that fits its week's churn model (`--refit`, or a week with
    /// no stored model) decodes the events from its earliest training day's
    /// lookback on (T − 139 − 55 days) and reads the older batches as
    /// digests: the model, the scores and every default answer equal those
    /// of a load of every event. The world holds 330 days, so about a
    /// third of its events are left to the digests.
    @Test(arguments: [UInt64(5), 11])
    func aFitDecodesOnlyTheEventsItLearnsFrom(seed: UInt64) throws {
        let store = try Self.storeOf330Days(seed: seed)
        let day = AsOf(day: CivilTime.parseDate("2026-11-20")!), week = ChurnModel.fitDay(for: day.day)
        let window = try #require(Scorer.eventWindowStart(days: [day], config: .standard, models: [], refit: true))
        #expect(window == AsOf(day: day.day - 1 - 90 - 49).start(lastDays: 56) && week == day.day - 1, "a Thursday's week, eight past days")

        let windowed = try ToolContext(store: store, useMaterialized: false, eventsFrom: window, refit: true)
        let full = try ToolContext(store: store, useMaterialized: false, eventsFrom: nil, refit: true)
        let earlier = try #require(windowed.dataset.earlier)
        #expect(earlier.skippedRows > 20_000, "\(earlier.skippedRows) events left to the digests")
        #expect(full.dataset.earlier == nil)
        let got = try Scorer(context: windowed).score(day), want = try Scorer(context: full).score(day)
        #expect(windowed.fittedWeeks == [week])
        let model = try JSONDecoder().decode(ChurnModel.self, from: Data(got.modelJSON.utf8))
        #expect(model.holdout != nil && model.trainingDays.count == ChurnModel.trainingDayCount, "\(model.summary)")
        Self.expectTheSameAnswers(got, want)
    }

    /// A fit's past days read months further back than the day scored;
    /// `vitals score` loads those months for the accounts the fit samples
    /// alone (the samples lowered here so that it samples one agency of
    /// three, as a big store's fit samples a sixth). The model, the scores
    /// and every answer are a full load's; the tables hold the sampled
    /// accounts' rows from the fit's window and the others' from the
    /// scored window, and each digest is the one a plain load of its
    /// window reads.
    @Test(arguments: [UInt64(5), 11])
    func aFitsSampledAccountsAloneAreLoadedFurtherBack(seed: UInt64) throws {
        let store = try Self.storeOf330Days(seed: seed)
        let day = AsOf(day: CivilTime.parseDate("2026-11-20")!), week = ChurnModel.fitDay(for: day.day)
        let scoredFrom = try #require(Scorer.scoredWindowStart(days: [day], config: .standard))
        let fitFrom = try #require(Scorer.eventWindowStart(days: [day], config: .standard, models: [], refit: true))
        #expect(scoredFrom == AsOf(day: day.day - 7).start(lastDays: 56) && fitFrom < scoredFrom)

        try ChurnModel.$sampleLimit.withValue(300) {
            let sampled = try ToolContext(store: store, useMaterialized: false, eventsFrom: scoredFrom, fitting: [week], refit: true)
            let full = try ToolContext(store: store, useMaterialized: false, eventsFrom: nil, refit: true)
            // The first agency's tracked accounts, of three (8 days of 90 accounts, within 300 samples: every third agency).
            let longer = try #require(sampled.dataset.longerHistory)
            let agencyOf = sampled.dataset.accounts.map(\.agencyKey)
            let covered = sampled.dataset.accounts.indices.filter(longer.covers)
            #expect(covered == sampled.index.trackedAccounts[0])
            #expect(!covered.isEmpty && covered.allSatisfy { agencyOf[$0] == 0 })
            // Rows: the sampled accounts' from the fit's window, the others' from the scored window.
            let fitWindow = try store.loadDataset(eventsFrom: fitFrom), scoredWindow = try store.loadDataset(eventsFrom: scoredFrom)
            for (kind, loaded) in [("logins", \Dataset.logins), ("feature uses", \Dataset.featureUsage)] {
                let got = sampled.dataset[keyPath: loaded]
                for account in sampled.dataset.accounts.indices {
                    let want = (longer.covers(account) ? fitWindow : scoredWindow)[keyPath: loaded]
                    #expect(got.timestamps[got.rows(of: account)] == want.timestamps[want.rows(of: account)], "\(kind) of account \(account)")
                    #expect(got.actors[got.rows(of: account)] == want.actors[want.rows(of: account)], "\(kind) of account \(account)")
                }
                #expect(got.count < fitWindow[keyPath: loaded].count && got.count > scoredWindow[keyPath: loaded].count)
            }
            #expect(sampled.dataset.featureUsage.items == {
                var items: [UInt32] = []
                for account in sampled.dataset.accounts.indices {
                    let from = longer.covers(account) ? fitWindow.featureUsage : scoredWindow.featureUsage
                    items += from.items[from.rows(of: account)]
                }
                return items
            }())
            #expect(sampled.dataset.earlier == scoredWindow.earlier)
            #expect(longer.earlier == fitWindow.earlier)

            // The fit samples the accounts loaded further back (it runs here, on the test's task).
            _ = sampled.model(day)
            _ = full.model(day)
            #expect(sampled.fittedWeeks == [week])
            let got = try Scorer(context: sampled).score(day), want = try Scorer(context: full).score(day)
            let model = try JSONDecoder().decode(ChurnModel.self, from: Data(got.modelJSON.utf8))
            #expect(model.trainingDays.count == ChurnModel.trainingDayCount, "\(model.summary)")
            Self.expectTheSameAnswers(got, want)
        }
    }

    /// A night whose week-ago baseline the history keeps for every agency
    /// decodes from the day's own lookback on; once an agency arrives that
    /// the baseline day did not score, the night loads the baseline's
    /// lookback again, computes that agency's baseline, and answers what a
    /// cold rebuild answers.
    @Test func aNightLoadsItsBaselinesWeekOnlyWhenTheHistoryLacksIt() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("vitals-baselines-\(UUID().uuidString)")
        let data = root.appendingPathComponent("data").path, newcomer = root.appendingPathComponent("newcomer").path
        try Self.generate(days: 200, events: 90_000, seed: 6, into: data)
        let path = root.appendingPathComponent("nightly.db").path, coldPath = root.appendingPathComponent("cold.db").path
        _ = try Ingestor.ingest(directory: data, into: path)
        // 11-18 is a Wednesday: its baseline 11-11 and its week's model (11-12) are scored first.
        let day = AsOf(day: CivilTime.parseDate("2026-11-18")!), lookback = Analytics.eventLookbackDays(.standard)
        for earlier in ["2026-11-11", "2026-11-12"] {
            _ = try Self.scoreLikeTheCommand(try Store.open(at: path), day: AsOf(day: CivilTime.parseDate(earlier)!))
        }
        let (_, kept) = try Self.scoreLikeTheCommand(try Store.open(at: path), day: day)
        #expect(kept.reusedWeeks == [ChurnModel.fitDay(for: day.day)])
        #expect(kept.dataset.earlier?.before == day.start(lastDays: lookback))

        try FileManager.default.createDirectory(atPath: newcomer, withIntermediateDirectories: true)
        for (file, text) in [
            ("agencies.csv", "agency_id,name\nag_new,Newcomer Agency\n"),
            ("accounts.csv", "account_id,agency_id,name,plan,seats,created_at,renewal_date,owner_email,tracked,priority\n"
                + "acc_new,ag_new,Newcomer Co,pro,5,2026-10-01T09:00:00Z,2027-10-01,owner@newcomer.example.com,true,normal\n"),
            ("users.csv", "user_id,account_id,email,name,role,created_at,key_user\n"
                + "usr_new,acc_new,ada@newcomer.example.com,Ada New,admin,2026-10-01T09:00:00Z,true\n"),
            ("logins.csv", "ts,account_id,user_id\n2026-10-20T10:00:00Z,acc_new,usr_new\n2026-11-17T10:00:00Z,acc_new,usr_new\n"),
        ] {
            try text.write(toFile: newcomer + "/" + file, atomically: true, encoding: .utf8)
        }
        _ = try Ingestor.ingest(directory: newcomer, into: path)
        let (nightly, widened) = try Self.scoreLikeTheCommand(try Store.open(at: path), day: day)
        #expect(widened.dataset.earlier?.before == AsOf(day: day.day - ToolContext.healthChangeDays).start(lastDays: lookback))
        let agency = try #require(widened.dataset.agencyKey("ag_new"))
        #expect(nightly.scores.contains { $0.agencyKey == agency })

        _ = try Ingestor.ingest(directory: data, into: coldPath)
        _ = try Ingestor.ingest(directory: newcomer, into: coldPath)
        let want = try Scorer(context: ToolContext(store: try Store.open(at: coldPath, readOnly: true), useMaterialized: false)).score(day)
        #expect(nightly.scores == want.scores)
        #expect(nightly.agencyResults.map(\.tool) == want.agencyResults.map(\.tool))
        let cold = try ToolContext(store: try Store.open(at: coldPath, readOnly: true), useMaterialized: false)
        for (got, want) in zip(nightly.agencyResults, want.agencyResults) {
            // The old agencies' baselines come from the history, the cold store computes them.
            try Self.expectTheSameResult(got, want, nightly: try Store.open(at: path, readOnly: true), cold: cold, day: day, "2026-11-18")
        }
    }

    /// A generated world of 330 days up to 2026-11-20 (three agencies of
    /// 30 accounts), ingested into a store of its own, opened read-only.
    static func storeOf330Days(seed: UInt64) throws -> Store {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("vitals-330-days-\(UUID().uuidString)")
        let data = root.appendingPathComponent("data").path
        try generate(days: 330, events: 120_000, seed: seed, into: data)
        let path = root.appendingPathComponent("vitals.db").path
        _ = try Ingestor.ingest(directory: data, into: path)
        return try Store.open(at: path, readOnly: true)
    }

    /// A night's stored result against a cold rebuild's: the same text but
    /// for where the movers' baseline came from (the nightly store kept
    /// T − 7's scores, the cold one computes them). Movers stored by key
    /// (over a kept baseline, ``StoredReferences``) are compared as they
    /// read back from the nightly store with the cold store's computed answer.
    /// - Returns: whether the result was compared as read back.
    @discardableResult
    static func expectTheSameResult(_ got: (agencyKey: Int, tool: String, json: [UInt8]), _ want: (agencyKey: Int, tool: String, json: [UInt8]),
                                    nightly: Store, cold: ToolContext, day: AsOf, _ night: String) throws -> Bool {
        let text = String(decoding: got.json, as: UTF8.self)
        guard text.contains(#""$mover""#) else {
            let kept = text.replacingOccurrences(of: #""compared_from":"history""#, with: #""compared_from":"computed""#)
            #expect(kept == String(decoding: want.json, as: UTF8.self), "\(night): \(got.tool) of agency \(got.agencyKey)")
            return false
        }
        #expect(got.tool == "list_health_movers" && text.contains(#""compared_from":"history""#))
        let agencyID = cold.dataset.agencies[got.agencyKey].agencyID
        let arguments: JSONValue = ["as_of": .string(day.description), "limit": 200]
        let answers = try #require(try StoredAnswers(store: nightly))
        let read = try #require(ReadTools.storedAnswer(got.tool, agencyID: agencyID, arguments: arguments, answers: answers), "\(night): \(agencyID)")
        let computed = try ReadTools.call(got.tool, agencyID: agencyID, arguments: arguments, context: cold)
        func compared(_ answer: JSONValue) -> JSONValue {
            guard case var .object(fields) = answer else { return answer }
            fields["source"] = nil
            fields["data_through"] = nil
            fields["compared_from"] = "computed"
            return .object(fields)
        }
        #expect(read["source"] == "materialized" && (read["total"]?.intValue ?? 0) > 0)
        #expect(ToolTests.firstDifference(compared(read), compared(computed)) == nil, "\(night): movers of \(agencyID)")
        return true
    }

    /// The same model, scores, compact scores and default answers.
    static func expectTheSameAnswers(_ got: MaterializedDay, _ want: MaterializedDay) {
        #expect(got.modelJSON == want.modelJSON)
        #expect(got.scores == want.scores)
        #expect(got.history == want.history)
        #expect(got.agencyResults.map(\.tool) == want.agencyResults.map(\.tool))
        for (a, b) in zip(got.agencyResults, want.agencyResults) {
            #expect(a.json == b.json, "\(a.tool) of agency \(a.agencyKey)")
        }
    }
}
