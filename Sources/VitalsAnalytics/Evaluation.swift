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

    /// The area under the precision-recall curve as average precision: the
    /// mean, over the positives, of the precision among the scores at or
    /// above theirs (a tie counts as one step); nil without positives.
    public static func averagePrecision(scores: [Double], labels: [Bool]) -> Double? {
        let positives = labels.filter { $0 }.count
        guard positives > 0 else { return nil }
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var sum = 0.0, seen = 0, hits = 0, i = 0
        while i < order.count {
            var j = i, groupHits = 0
            while j < order.count && scores[order[j]] == scores[order[i]] {
                if labels[order[j]] { groupHits += 1 }
                j += 1
            }
            seen += j - i
            hits += groupHits
            sum += Double(groupHits) * Double(hits) / Double(seen)
            i = j
        }
        return sum / Double(positives)
    }

    /// One bin of a calibration table.
    public struct CalibrationBin: Sendable, Equatable, Codable {
        public var count: Int
        public var lowest: Double
        public var highest: Double
        public var meanPredicted: Double
        public var observed: Double
    }

    /// The probabilities in `bins` bins of (nearly) equal counts, lowest
    /// first: each bin's mean prediction beside the share that happened.
    public static func calibration(probabilities: [Double], labels: [Bool], bins: Int = 10) -> [CalibrationBin] {
        let order = probabilities.indices.sorted { probabilities[$0] < probabilities[$1] }
        let binCount = max(1, min(bins, order.count))
        return (0 ..< binCount).compactMap { bin in
            let slice = order[bin * order.count / binCount ..< (bin + 1) * order.count / binCount]
            guard let first = slice.first, let last = slice.last else { return nil }
            let predicted = slice.reduce(0.0) { $0 + probabilities[$1] } / Double(slice.count)
            let observed = Double(slice.filter { labels[$0] }.count) / Double(slice.count)
            return CalibrationBin(count: slice.count, lowest: probabilities[first], highest: probabilities[last],
                                  meanPredicted: predicted, observed: observed)
        }
    }

    /// The expected calibration error of a table: the count-weighted mean
    /// gap between predicted and observed.
    public static func calibrationError(_ bins: [CalibrationBin]) -> Double {
        let total = bins.reduce(0) { $0 + $1.count }
        return bins.reduce(0.0) { $0 + Double($1.count) * abs($1.meanPredicted - $1.observed) } / Double(max(1, total))
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
