import VitalsColumnar
import VitalsStore
/// Ranking and calibration of probabilities against known outcomes.
public enum Evaluation {
    /// The area under the ROC curve (ties count half); nil without both classes.
    public static func auc(scores: [Double], labels: [Bool]) -> Double? {
        let positives = labels.filter { $0 }.count, negatives = labels.count - positives
        guard positives > 0, negatives > 0 else { return nil }
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var rankSum = 0.0, i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && scores[order[j + 1]] == scores[order[i]] { j += 1 }
            let averageRank = Double(i + j) / 2 + 1
            for t in i ... j where labels[order[t]] { rankSum += averageRank }
            i = j + 1
        }
        let p = Double(positives)
        return (rankSum - p * (p + 1) / 2) / (p * Double(negatives))
    }

    /// Mean negative log-likelihood, probabilities clamped to [1e-15, 1 − 1e-15].
    public static func logLoss(probabilities: [Double], labels: [Bool]) -> Double {
        var sum = 0.0
        for (p, y) in zip(probabilities, labels) {
            let q = min(max(p, 1e-15), 1 - 1e-15)
            sum -= y ? log(q) : log(1 - q)
        }
        return sum / Double(max(1, labels.count))
    }

    /// Mean squared error of the probabilities.
    public static func brier(probabilities: [Double], labels: [Bool]) -> Double {
        var sum = 0.0
        for (p, y) in zip(probabilities, labels) { sum += (p - (y ? 1 : 0)) * (p - (y ? 1 : 0)) }
        return sum / Double(max(1, labels.count))
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
