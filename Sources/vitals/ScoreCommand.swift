import ArgumentParser
import Foundation
import VitalsAnalytics
import VitalsColumnar
import VitalsMCP
import VitalsStore
import VitalsTools
import VitalsViews

/// `vitals score`: the nightly batch.
struct ScoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score every tracked account of every agency and materialize the results keyed by as-of day.",
        discussion: """
            One as-of day (--as-of, default the latest event day) or a backfill (--from/--to, every day). \
            All days are written in one transaction; re-running a day replaces it. --out writes the scores as CSV. \
            Then the playbooks (the scoring config's `playbooks`) run on the last day, when no later day was scored \
            before: they open CTAs where a rule fires and close the ones whose condition cleared, and say which; \
            the alerts this makes (vitals alerts) are sent once, and retried by `vitals serve` or `vitals alerts deliver`. \
            The churn model is refit once a week, for the week's first day (weeks from 1970-01-01, a Thursday): \
            a night whose week's model a run stored reuses it and decodes only the recent weeks' events, \
            a run that fits also decodes the eight months its fit learns from, for the accounts the fit samples \
            (the older events are read as digests); \
            the summary says which. --refit fits again.
            """
    )

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var scoring: ScoringOptions
    @Option(name: .customLong("as-of"), help: "The as-of day T (YYYY-MM-DD).") var asOf: String?
    @Option(name: .long, help: "First day of a backfill (YYYY-MM-DD).") var from: String?
    @Option(name: .long, help: "Last day of a backfill (YYYY-MM-DD).") var to: String?
    @Option(name: .long, help: "Also write the scores to this CSV file.") var out: String?
    @Flag(inversion: .prefixedNo, help: "Evaluate the playbooks on the last day scored (when it is the newest): open and close their CTAs.")
    var playbooks = true
    @Flag(name: .long, help: "Fit the churn model of each week scored again, even when a run stored it (and read the eight months of events the fit learns from).")
    var refit = false

    func validate() throws {
        _ = try requestedDays()
    }

    /// The days the options ask for: the --as-of day, every day of
    /// --from/--to, or none (then the latest event day, known once the
    /// store is open).
    func requestedDays() throws(ValidationError) -> [AsOf] {
        if let single = try parseDay(asOf, option: "--as-of") {
            guard from == nil && to == nil else { throw ValidationError("give either --as-of or --from/--to, not both") }
            return [single]
        }
        let first = try parseDay(from, option: "--from"), last = try parseDay(to, option: "--to")
        if (first == nil) != (last == nil) { throw ValidationError("--from and --to go together") }
        guard let first, let last else { return [] }
        guard first <= last, last.day - first.day < 3660 else {
            throw ValidationError("--from must not be after --to (and the range at most 10 years)")
        }
        return (first.day ... last.day).map(AsOf.init(day:))
    }

    /// `VITALS_TEST_SAMPLE_LIMIT`, in debug builds only: the churn fit's
    /// sample limit (``ChurnModel/sampleLimit``) for the CLI's tests, so that
    /// a small store's fit samples some of its agencies and loads their past
    /// alone, as a big store's does. A release build never reads it.
    static var testSampleLimit: Int? {
        #if DEBUG
        ProcessInfo.processInfo.environment["VITALS_TEST_SAMPLE_LIMIT"].flatMap { Int($0) }
        #else
        nil
        #endif
    }

    func run() async throws {
        let config = try scoring.load()
        var days = try requestedDays()
        do {
            let store = try Store.open(at: storeOptions.store)
            try store.checkpointOnlyWhenAsked()
            let started = Date()
            let trace = ProcessInfo.processInfo.environment["VITALS_TRACE"] != nil
            let runs = try store.scoreRuns(), models = try store.churnModels()
            if days.isEmpty, let latest = try store.latestEventDay() { days = [AsOf(day: latest)] }
            // Every account's events for the days scored (and their week-ago baselines, unless the history
            // keeps them); a fit's past days, months older, for its sampled accounts.
            let fitting = Scorer.weeksToFit(days: days, config: config, models: models, refit: refit)
            let sampleLimit = Self.testSampleLimit ?? ChurnModel.sampleLimit
            let context = try ChurnModel.$sampleLimit.withValue(sampleLimit) {
                try Scorer.context(store: store, config: config, days: days, fitting: fitting, refit: refit, runs: runs, models: models)
            }
            if trace { printError("loaded the dataset, \(String(format: "%.3f", Date().timeIntervalSince(started))) s\(TraceClock.resident)") }
            if days.isEmpty { days = [context.defaultAsOf] }
            do {
                try context.checkAsOf(days.first!, argument: asOf != nil ? "--as-of" : "--from")
                try context.checkAsOf(days.last!, argument: asOf != nil ? "--as-of" : "--to")
            } catch {
                printError("error: \(error)")
                throw ExitCode.validationFailure
            }
            // The entity tables and the logs packed for the next loads, beside the scoring, when this load read
            // them as rows. Caches: failing to keep them is a warning. A run that fits a churn model (a cold
            // rebuild, a new week) is the week's longest already: the logs are packed by the next night's run.
            let packLogs = fitting.isEmpty
            let keepingEntities = Beside { () throws(StoreError) in
                (entities: try store.keepEntities(of: context.dataset), logs: packLogs ? try store.keepLogs(of: context.dataset) : false)
            }
            let scorer = Scorer(context: context)
            // The playbooks run on the last day when no later day was scored; they read its scores again.
            let playbooksRun = playbooks && days.last!.day >= (context.newestScoredDay ?? Int.min)
            var results: [MaterializedDay] = []
            for (n, day) in days.enumerated() {
                // The week's model first, on this thread (under the test's sample limit, if any).
                ChurnModel.$sampleLimit.withValue(sampleLimit) { _ = context.model(day) }
                if trace {
                    let week = ChurnModel.fitDay(for: day.day)
                    printError("churn model for \(day) (\(context.fittedWeeks.contains(week) ? "fitted" : "reused")), "
                        + "\(String(format: "%.3f", Date().timeIntervalSince(started))) s")
                }
                // The store keeps the detail of the newest day alone: a backfill's last.
                let last = n == days.count - 1
                results.append(try scorer.score(day, detailed: last, packed: true, keepingScores: last && playbooksRun))
                if days.count > 1 || trace {
                    // Milliseconds under VITALS_TRACE, like its other lines: benchmarks subtract them.
                    printError("scored \(day) (\(n + 1)/\(days.count)), \(String(format: trace ? "%.3f" : "%.1f", Date().timeIntervalSince(started))) s")
                }
            }
            if trace { printError("scored, \(String(format: "%.3f", Date().timeIntervalSince(started))) s\(TraceClock.resident)") }
            var kept = (entities: false, logs: false)
            do { kept = try keepingEntities.result() } catch {
                printError("warning: the entity tables or the logs were not kept packed (the next load reads them row by row): \(error)")
            }
            try store.writeScores(results, models: context.fittedModels)
            // The older batches' digests merged, for the next night's load to start from. A cache:
            // the scores are written already, so failing to keep it is a warning.
            if let earlier = context.dataset.earlier {
                do { try store.keepDigests(of: earlier) } catch {
                    printError("warning: the merged digests were not kept (the next score reads every older batch's digest): \(error)")
                }
            }
            // The WAL into the file on a thread of its own, while the CSV and
            // the playbooks' evaluation go on (they read through other connections).
            let copying = Beside { () throws(StoreError) in try store.checkpointWithoutWaiting() }
            if trace { printError("wrote the results, \(String(format: "%.3f", Date().timeIntervalSince(started))) s\(TraceClock.resident)") }
            if let out {
                var lines = [Scorer.csvHeader]
                for day in results { lines += scorer.csvRows(day) }
                try (lines.joined(separator: "\n") + "\n").write(toFile: out, atomically: true, encoding: .utf8)
            }
            if playbooksRun, let last = days.last {
                context.forgetHistory()
                report(try PlaybookRunner.run(context: context, day: last))
                if try store.pendingDeliveries() > 0 {
                    let pass = await WebhookDeliverer.fromEnvironment(store: store).deliverAllDue()
                    printError("alerts: delivered \(pass.delivered), failed attempts \(pass.failed), still pending "
                        + "\(try store.pendingDeliveries()) (vitals serve or vitals alerts deliver retries them)")
                }
            } else if playbooks {
                printError("playbooks: not run, \(days.last!) is older than the newest scored day")
            }
            try copying.result()
            try store.checkpoint()
            if trace { printError("checkpointed, \(String(format: "%.3f", Date().timeIntervalSince(started))) s") }
            let accounts = results.reduce(0) { $0 + $1.scores.count }
            printError("scored \(formatCount(accounts)) account-days over \(days.count) day(s) (\(days.first!) .. \(days.last!)) in "
                + String(format: "%.2f", Date().timeIntervalSince(started)) + " s")
            printError(Self.reuse(context: context, lastModelJSON: results.last!.modelJSON, kept: kept))
            try store.close()
            leaveForExit((context, scorer, results))
        } catch let exit as ExitCode {
            throw exit
        } catch {
            printError("error: \(error)")
            throw ExitCode.failure
        }
    }

    /// What the run reused and what it recomputed: the churn model (stored
    /// for the week, or fitted now) and the events (decoded, or read as the
    /// digests of the weeks before the window).
    static func reuse(context: ToolContext, lastModelJSON: String, kept: (entities: Bool, logs: Bool)) -> String {
        func weeks(_ set: Set<Int>) -> String { set.sorted().map { CivilTime.formatDate(days: $0) }.joined(separator: ", ") }
        let model = try? JSONDecoder().decode(ChurnModel.self, from: Data(lastModelJSON.utf8))
        let fit = model?.summary ?? "?"
        var parts: [String] = []
        if !context.reusedWeeks.isEmpty { parts.append("reused the stored model of the week of \(weeks(context.reusedWeeks))") }
        if !context.fittedWeeks.isEmpty { parts.append("fitted for the week of \(weeks(context.fittedWeeks))") }
        var line = "churn model: \(parts.joined(separator: "; ")) (\(fit))"
        func day(_ ts: Int64) -> String { CivilTime.formatDate(days: CivilTime.day(ofSeconds: ts)) }
        if var earlier = context.dataset.earlier {
            let decoded = context.dataset.logins.count + context.dataset.featureUsage.count
            line += "; events: decoded \(formatCount(decoded)) from \(day(earlier.before)) on"
            if let longer = context.dataset.longerHistory {
                line += " (the fit's \(formatCount(longer.accounts.filter { $0 }.count)) sampled accounts' from \(day(longer.earlier.before)) on)"
                earlier = longer.earlier
            }
            line += ", read \(formatCount(earlier.skippedRows)) older ones as the digests of \(earlier.skippedBatches) batches"
                + (earlier.batchesFromCache > 0 ? " (\(earlier.batchesFromCache) of them merged by an earlier run)" : "")
        } else {
            line += "; events: decoded all \(formatCount(context.dataset.logins.count + context.dataset.featureUsage.count))"
        }
        line += context.dataset.entitiesReadAt == nil ? "; entities: read packed (kept by an earlier run)"
            : kept.entities ? "; entities: read as rows, kept packed for the next runs" : "; entities: read as rows"
        let dataset = context.dataset
        line += "; logs: " + (dataset.logsFromSnapshot ? "read packed, then \(formatCount(dataset.logRowsReadAsRows)) newer rows"
                                                         : "read \(formatCount(dataset.logRowsReadAsRows)) rows")
            + (dataset.paymentsFrom.map { ", the \(formatCount(dataset.paymentsLeftPacked)) payments before \(day($0)) left packed" } ?? "")
            + (kept.logs ? ", kept packed for the next runs" : "")
        return line
    }

    /// What the playbooks opened and closed: counts by rule, then the first
    /// CTAs one per line (list_ctas has them all).
    func report(_ outcome: PlaybookRunner.Outcome) {
        func byRule(_ changes: [PlaybookRunner.Change]) -> String {
            let counts = Dictionary(grouping: changes, by: \.ruleID).mapValues(\.count)
            return counts.isEmpty ? "" : " (" + counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + ")"
        }
        printError("playbooks on \(outcome.day): opened \(outcome.opened.count) CTA(s)\(byRule(outcome.opened)), "
            + "closed \(outcome.closed.count)\(byRule(outcome.closed)) in "
            + String(format: "%.3f s (evaluation %.3f s, write %.3f s)", outcome.evaluationSeconds + outcome.writeSeconds,
                     outcome.evaluationSeconds, outcome.writeSeconds))
        let lines = outcome.opened.map { "  opened \($0.ctaID) \($0.agencyID) \($0.accountID) \($0.ruleID): \($0.reason)" }
            + outcome.closed.map { "  closed \($0.ctaID) \($0.agencyID) \($0.accountID) \($0.ruleID) (\($0.outcome ?? "")): \($0.reason)" }
        for line in lines.prefix(20) { printError(line) }
        if lines.count > 20 { printError("  … and \(lines.count - 20) more: vitals query list_ctas --agency AGENCY") }
    }
}
