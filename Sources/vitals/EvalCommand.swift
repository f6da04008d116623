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

/// `vitals eval churn`: AUC, log loss and Brier score of the churn risk
/// against data-gen's labels, beside the baseline 1 − health/100.
struct EvalChurnCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "churn",
        abstract: "Score the churn model against labels.csv (account_id, churns_within_90d)."
    )

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var scoring: ScoringOptions
    @Option(name: .long, help: "labels.csv written by data-gen.") var labels: String
    @Option(name: .customLong("as-of"), help: "T (default: the latest event day).") var asOf: String?

    func validate() throws {
        _ = try parseDay(asOf, option: "--as-of")
    }

    func run() throws {
        do {
            let truth = try Self.readLabels(labels)
            let store = try Store.open(at: storeOptions.store, readOnly: true)
            let context = try ToolContext(store: store, config: try scoring.load(), useMaterialized: false)
            let day = try parseDay(asOf, option: "--as-of") ?? context.defaultAsOf
            let model = context.model(day)
            var risks: [Double] = [], baseline: [Double] = [], outcomes: [Bool] = []
            var missing = 0
            for agency in context.dataset.agencies.indices {
                for risk in context.scored(agency: agency, asOf: day).risks {
                    guard let label = truth[context.dataset.accounts[risk.accountKey].accountID] else {
                        if risk.mrrCents > 0 { missing += 1 }
                        continue
                    }
                    risks.append(risk.churnRisk)
                    baseline.append(1 - risk.health / 100)
                    outcomes.append(label)
                }
            }
            guard !outcomes.isEmpty else {
                printError("error: no scored account of the store appears in \(labels)")
                throw ExitCode.failure
            }
            func f(_ x: Double?) -> String { x.map { String(format: "%.4f", $0) } ?? "n/a" }
            print("as of \(day): \(outcomes.count) labelled accounts, \(outcomes.filter { $0 }.count) churn within 90 days"
                + (missing > 0 ? " (\(missing) paying accounts without a label)" : ""))
            print("churn model: \(model.kind)" + (model.kind == "fitted"
                ? " on \(model.trainingSamples) samples (\(model.trainingChurners) churners) from \(model.trainingDays.count) past as-of days"
                : ""))
            print("                      AUC   log loss   Brier")
            print("churn risk         \(f(Evaluation.auc(scores: risks, labels: outcomes)))     \(f(Evaluation.logLoss(probabilities: risks, labels: outcomes)))  \(f(Evaluation.brier(probabilities: risks, labels: outcomes)))")
            print("1 − health/100     \(f(Evaluation.auc(scores: baseline, labels: outcomes)))")
        } catch let error as ExitCode {
            throw error
        } catch {
            printError("error: \(error)")
            throw ExitCode.failure
        }
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
