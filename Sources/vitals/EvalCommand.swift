import ArgumentParser
import Foundation
import VitalsAnalytics
import VitalsColumnar
import VitalsStore
import VitalsTools

/// `vitals eval`: judges the models against known outcomes.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a model against labels.",
        subcommands: [EvalChurnCommand.self]
    )
}

/// `vitals eval churn`: ranking (AUC, PR-AUC) and calibration (log loss,
/// Brier, a table by deciles) of the churn risk against data-gen's labels,
/// beside the baselines learnt from the same history: `1 − health/100`
/// (raw and calibrated) and a logistic regression on the health components.
struct EvalChurnCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "churn",
        abstract: "Score the churn model against labels.csv (account_id, churns_within_90d)."
    )

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var scoring: ScoringOptions
    @Option(name: .long, help: "labels.csv written by data-gen.") var labels: String
    @Option(name: .customLong("as-of"), help: "T (default: the latest event day).") var asOf: String?
    @Flag(name: .long, help: "Print the figures as one JSON object.") var json = false
    @Option(name: .long, help: "Also write each labelled account's churn inputs, risk and outcome to this CSV file.") var features: String?

    func validate() throws {
        _ = try parseDay(asOf, option: "--as-of")
        if let features {
            // Checked before the model is fitted, not after.
            let folder = (features as NSString).deletingLastPathComponent
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder.isEmpty ? "." : folder, isDirectory: &isFolder), isFolder.boolValue else {
                throw ValidationError("--features \(features): the folder \(folder) does not exist")
            }
        }
    }

    /// One scorer's figures on the labelled accounts.
    struct Figures: Encodable {
        var auc: Double?
        var prAUC: Double?
        var logLoss: Double?
        var brier: Double?

        init(scores: [Double], outcomes: [Bool], probabilities: Bool) {
            auc = Evaluation.auc(scores: scores, labels: outcomes)
            prAUC = Evaluation.averagePrecision(scores: scores, labels: outcomes)
            logLoss = probabilities ? Evaluation.logLoss(probabilities: scores, labels: outcomes) : nil
            brier = probabilities ? Evaluation.brier(probabilities: scores, labels: outcomes) : nil
        }
    }

    struct Report: Encodable {
        var asOf: String
        var labelled: Int
        var churners: Int
        var unlabelledPaying: Int
        var model: ChurnModel
        var churnRisk: Figures
        var health: Figures
        var healthCalibrated: Figures?
        var components: Figures?
        var calibration: [Evaluation.CalibrationBin]
        var calibrationError: Double
        /// Paying accounts with no weekly active user and uses down ≥ 50 % week over week.
        var silentDroppers: Int
        /// Of those, how many rank in the lower half of churn risk among their agency's paying accounts.
        var silentDroppersInLowerHalf: Int
    }

    func run() throws {
        do {
            let truth = try Self.readLabels(labels)
            let store = try Store.open(at: storeOptions.store, readOnly: true)
            let context = try ToolContext(store: store, config: try scoring.load(), useMaterialized: false)
            let day = try parseDay(asOf, option: "--as-of") ?? context.defaultAsOf
            let model = context.model(day)
            let baselines = ChurnBaselines.fit(history: try Analytics(dataset: context.dataset, index: context.index, asOf: day, config: context.config))
            var risks: [Double] = [], health: [Double] = [], calibrated: [Double] = [], components: [Double] = [], outcomes: [Bool] = []
            var droppers = 0, droppersInLowerHalf = 0
            var missing = 0
            var table = features.map { _ in "account_id,churns_within_90d,churn_risk,health," + ChurnFeatures.names.joined(separator: ",") + "\n" }
            for agency in context.dataset.agencies.indices {
                let scored = context.scored(agency: agency, asOf: day)
                let inputs = table == nil ? [] : context.analytics(day).churnFeatures(scored.scores)
                let paying = scored.risks.filter { $0.mrrCents > 0 }.map(\.churnRisk).sorted()
                for (position, (risk, score)) in zip(scored.risks, scored.scores.scores).enumerated() where risk.mrrCents > 0 {
                    let facts = score.facts
                    if ChurnFeatures.inactiveAndUsageHalved(wau: facts.wau, uses7: facts.uses7, usesPrevious7: facts.usesPrevious7) {
                        droppers += 1
                        // The lower half of the agency's paying accounts: below their median.
                        if risk.churnRisk < paying[paying.count / 2] { droppersInLowerHalf += 1 }
                    }
                    guard let label = truth[context.dataset.accounts[risk.accountKey].accountID] else {
                        missing += 1
                        continue
                    }
                    risks.append(risk.churnRisk)
                    health.append(1 - risk.health / 100)
                    if table != nil {
                        table! += "\(context.dataset.accounts[risk.accountKey].accountID),\(label),\(risk.churnRisk),\(risk.health),"
                            + inputs[position].values.map { "\($0)" }.joined(separator: ",") + "\n"
                    }
                    if let baselines {
                        calibrated.append(baselines.healthRisk(health: risk.health))
                        components.append(baselines.componentsRisk(risk.components.named.map(\.value)))
                    }
                    outcomes.append(label)
                }
            }
            if let features, let table {
                do { try table.write(toFile: features, atomically: true, encoding: .utf8) } catch {
                    throw ValidationError("cannot write \(features): \(error.localizedDescription)")
                }
            }
            guard !outcomes.isEmpty else {
                printError("error: no scored account of the store appears in \(labels)")
                throw ExitCode.failure
            }
            let bins = Evaluation.calibration(probabilities: risks, labels: outcomes)
            let report = Report(
                asOf: "\(day)", labelled: outcomes.count, churners: outcomes.filter { $0 }.count, unlabelledPaying: missing, model: model,
                churnRisk: Figures(scores: risks, outcomes: outcomes, probabilities: true),
                health: Figures(scores: health, outcomes: outcomes, probabilities: false),
                healthCalibrated: baselines.map { _ in Figures(scores: calibrated, outcomes: outcomes, probabilities: true) },
                components: baselines.map { _ in Figures(scores: components, outcomes: outcomes, probabilities: true) },
                calibration: bins, calibrationError: Evaluation.calibrationError(bins),
                silentDroppers: droppers, silentDroppersInLowerHalf: droppersInLowerHalf)
            if json {
                let encoder = JSONEncoder()
                encoder.keyEncodingStrategy = .convertToSnakeCase
                encoder.outputFormatting = [.sortedKeys]
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
            } else {
                Self.printReport(report)
            }
        } catch let error as ExitCode {
            throw error
        } catch {
            printError("error: \(error)")
            throw ExitCode.failure
        }
    }

    static func printReport(_ report: Report) {
        func f(_ x: Double?) -> String { x.map { String(format: "%9.4f", $0) } ?? "      –  " }
        print("as of \(report.asOf): \(report.labelled) labelled accounts, \(report.churners) churn within 90 days"
            + (report.unlabelledPaying > 0 ? " (\(report.unlabelledPaying) paying accounts without a label)" : ""))
        print("churn model: \(report.model.summary)")
        print("                                AUC   PR-AUC  log loss    Brier")
        func line(_ name: String, _ figures: Figures?) {
            guard let figures else { return }
            print(name.padding(toLength: 27, withPad: " ", startingAt: 0) + f(figures.auc) + f(figures.prAUC) + f(figures.logLoss) + f(figures.brier))
        }
        line("churn risk", report.churnRisk)
        line("1 − health/100", report.health)
        line("  calibrated on history", report.healthCalibrated)
        line("components (logistic)", report.components)
        print("calibration of churn risk by decile (expected calibration error \(String(format: "%.4f", report.calibrationError))):")
        print("  accounts   predicted range     mean predicted   observed")
        for bin in report.calibration {
            print(String(format: "  %8d   ", bin.count) + String(format: "%.4f–%.4f", bin.lowest, bin.highest)
                + "   " + String(format: "%14.4f", bin.meanPredicted) + String(format: "%11.4f", bin.observed))
        }
        print("paying accounts with no weekly active user and uses down ≥ 50 % week over week: \(report.silentDroppers), "
            + "\(report.silentDroppersInLowerHalf) of them in the lower half of their agency's churn risk")
    }

    /// account_id → churns_within_90d.
    static func readLabels(_ path: String) throws -> [String: Bool] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ValidationError("cannot read labels file \(path)")
        }
        var labels: [String: Bool] = [:]
        let lines = text.split(whereSeparator: \.isNewline)
        guard let header = lines.first?.split(separator: ",").map(String.init),
              let idColumn = header.firstIndex(of: "account_id"), let labelColumn = header.firstIndex(of: "churns_within_90d") else {
            throw ValidationError("\(path):1: expected columns account_id,churns_within_90d")
        }
        for (n, line) in lines.dropFirst().enumerated() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard fields.count > max(idColumn, labelColumn), let label = Bool(fields[labelColumn]) else {
                throw ValidationError("\(path):\(n + 2): expected account_id,true|false")
            }
            labels[fields[idColumn]] = label
        }
        return labels
    }
}
