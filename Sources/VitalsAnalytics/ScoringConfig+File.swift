import Foundation

/// Reading a config file: JSON, every key optional (a missing key keeps
/// DESIGN.md's default), unknown keys refused so a typo is not silently
/// ignored.
extension ScoringConfig {
    /// Loads and validates the config file at `path`.
    public static func load(path: String) throws(AnalyticsError) -> ScoringConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .invalidArgument(name: "config", message: "cannot read \(path)")
        }
        let config: ScoringConfig
        do {
            config = try JSONDecoder().decode(ScoringConfig.self, from: data)
        } catch let error as AnalyticsError {
            throw error
        } catch {
            throw .invalidArgument(name: "config", message: "\(path) is not valid JSON for a scoring config: \(error)")
        }
        try config.validate()
        return config
    }

    /// Checks weights ≥ 0, windows ≥ 1, watch ≤ healthy, and the playbooks
    /// (``PlaybookRule/validate(_:)``).
    public func validate() throws(AnalyticsError) {
        let w = weights
        for (name, value) in [("activity", w.activity), ("recency", w.recency), ("breadth", w.breadth),
                              ("trend", w.trend), ("payments", w.payments), ("sentiment", w.sentiment)] where !(value >= 0 && value.isFinite) {
            throw .invalidArgument(name: "weights.\(name)", message: "must be a number ≥ 0, got \(value)")
        }
        let v = windows
        for (name, value) in [("recency_days", v.recencyDays), ("breadth_days", v.breadthDays), ("trend_days", v.trendDays),
                              ("payment_days", v.paymentDays), ("sentiment_days", v.sentimentDays), ("adoption_days", v.adoptionDays)]
            where !(1...3650).contains(value) {
            throw .invalidArgument(name: "windows.\(name)", message: "must be between 1 and 3650 days, got \(value)")
        }
        guard bands.watch <= bands.healthy else {
            throw .invalidArgument(name: "bands", message: "watch (\(bands.watch)) must not be above healthy (\(bands.healthy))")
        }
        guard (0...1).contains(coreAdoption) else {
            throw .invalidArgument(name: "core_adoption", message: "must be between 0 and 1, got \(coreAdoption)")
        }
        try PlaybookRule.validate(playbooks)
    }
}

/// Decodes an object whose keys are all optional, refusing unknown ones.
struct LenientKeys: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

extension KeyedDecodingContainer where K == LenientKeys {
    func value<T: Decodable>(_ key: String, _ fallback: T) throws -> T {
        try decodeIfPresent(T.self, forKey: LenientKeys(stringValue: key)) ?? fallback
    }

    func refuseUnknown(_ known: [String], in section: String) throws {
        if let unknown = allKeys.map(\.stringValue).first(where: { !known.contains($0) }) {
            throw AnalyticsError.invalidArgument(name: "config", message: "unknown key \"\(unknown)\" in \(section); known: \(known.joined(separator: ", "))")
        }
    }
}
