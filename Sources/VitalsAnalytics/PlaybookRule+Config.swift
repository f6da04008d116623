/// Playbooks in the scoring config: snake_case JSON, unknown keys refused,
/// errors naming the place (`playbooks[2].trigger.days`).
///
/// A rule whose `id` is one of ``PlaybookRule/defaults`` takes that default's
/// values for the keys it leaves out (`{"id": "upsell_candidate", "enabled": false}`);
/// a new id must give `name` and `trigger`, and the other keys default to
/// `cta_type` other, `priority` normal, `due_in_days` 7, no tasks,
/// `auto_close` true, `cooldown_days` 14, `enabled` true.
extension PlaybookRule: Codable {
    static let keys = ["id", "name", "trigger", "cta_type", "priority", "due_in_days", "tasks", "auto_close", "cooldown_days", "enabled"]
    public static let ctaTypes = ["risk", "renewal", "expansion", "onboarding", "other"]
    public static let priorities = ["low", "normal", "high"]

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: LenientKeys.self)
        let place = configPlace(decoder.codingPath)
        try c.refuseUnknown(Self.keys, in: place)
        let id: String = try c.required("id", at: place)
        let base = Self.defaults.first { $0.id == id }
        func inherited<T: Decodable>(_ key: String, _ keyPath: KeyPath<PlaybookRule, T>, or fallback: T?) throws -> T {
            if let value = try c.decodeIfPresent(T.self, forKey: LenientKeys(stringValue: key)) { return value }
            if let value = base?[keyPath: keyPath] ?? fallback { return value }
            throw AnalyticsError.invalidArgument(
                name: "\(place).\(key)",
                message: "is required for a rule that is not one of the defaults (\(Self.defaults.map(\.id).joined(separator: ", ")))")
        }
        self.init(id: id,
                  name: try inherited("name", \.name, or: nil),
                  trigger: try inherited("trigger", \.trigger, or: nil),
                  ctaType: try inherited("cta_type", \.ctaType, or: "other"),
                  priority: try inherited("priority", \.priority, or: "normal"),
                  dueInDays: try inherited("due_in_days", \.dueInDays, or: 7),
                  tasks: try inherited("tasks", \.tasks, or: []),
                  autoClose: try inherited("auto_close", \.autoClose, or: true),
                  cooldownDays: try inherited("cooldown_days", \.cooldownDays, or: 14),
                  enabled: try inherited("enabled", \.enabled, or: true))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: LenientKeys.self)
        try c.encode(id, forKey: LenientKeys(stringValue: "id"))
        try c.encode(name, forKey: LenientKeys(stringValue: "name"))
        try c.encode(trigger, forKey: LenientKeys(stringValue: "trigger"))
        try c.encode(ctaType, forKey: LenientKeys(stringValue: "cta_type"))
        try c.encode(priority, forKey: LenientKeys(stringValue: "priority"))
        try c.encode(dueInDays, forKey: LenientKeys(stringValue: "due_in_days"))
        try c.encode(tasks, forKey: LenientKeys(stringValue: "tasks"))
        try c.encode(autoClose, forKey: LenientKeys(stringValue: "auto_close"))
        try c.encode(cooldownDays, forKey: LenientKeys(stringValue: "cooldown_days"))
        try c.encode(enabled, forKey: LenientKeys(stringValue: "enabled"))
    }

    /// Checks a rule list: ids `[a-z0-9_]+` and unique, a name, a known
    /// `cta_type` and `priority`, days in range; errors name the place.
    public static func validate(_ rules: [PlaybookRule]) throws(AnalyticsError) {
        var seen: [String: Int] = [:]
        for (i, rule) in rules.enumerated() {
            let place = "playbooks[\(i)]"
            guard (1...64).contains(rule.id.count), rule.id.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }) else {
                throw .invalidArgument(name: "\(place).id", message: "must be 1 to 64 characters of a-z, 0-9 and _, got \"\(rule.id)\"")
            }
            if let first = seen[rule.id] {
                throw .invalidArgument(name: "\(place).id", message: "\"\(rule.id)\" is already the id of playbooks[\(first)]; ids must be unique")
            }
            seen[rule.id] = i
            guard !rule.name.allSatisfy(\.isWhitespace) else {
                throw .invalidArgument(name: "\(place).name", message: "must not be empty")
            }
            guard ctaTypes.contains(rule.ctaType) else {
                throw .invalidArgument(name: "\(place).cta_type", message: "must be one of \(ctaTypes.joined(separator: ", ")), got \"\(rule.ctaType)\"")
            }
            guard priorities.contains(rule.priority) else {
                throw .invalidArgument(name: "\(place).priority", message: "must be one of \(priorities.joined(separator: ", ")), got \"\(rule.priority)\"")
            }
            try checkDays(rule.dueInDays, 0...365, "\(place).due_in_days")
            try checkDays(rule.cooldownDays, 0...365, "\(place).cooldown_days")
            for (j, task) in rule.tasks.enumerated() {
                guard !task.title.allSatisfy(\.isWhitespace) else {
                    throw .invalidArgument(name: "\(place).tasks[\(j)].title", message: "must not be empty")
                }
                try checkDays(task.dueInDays, 0...365, "\(place).tasks[\(j)].due_in_days")
            }
            let trigger = "\(place).trigger"
            switch rule.trigger {
            case .inBand, .upsellCandidate:
                break
            case let .healthDrop(points, days):
                guard points > 0 && points <= 100 else {
                    throw .invalidArgument(name: "\(trigger).points", message: "must be above 0 and at most 100, got \(points)")
                }
                try checkDays(days, 1...365, "\(trigger).days")
            case let .renewalWithin(days, bands):
                try checkDays(days, 0...365, "\(trigger).days")
                guard !bands.isEmpty else {
                    throw .invalidArgument(name: "\(trigger).bands", message: "must name at least one band (Healthy, Watch, At Risk)")
                }
            case let .championInactive(days):
                try checkDays(days, 1...365, "\(trigger).days")
            case let .failedPaymentUnrecovered(days):
                // A failure must be in the lookback and `days` old.
                try checkDays(days, 0...(Playbooks.failedPaymentLookbackDays - 1), "\(trigger).days")
            }
        }
    }

    private static func checkDays(_ value: Int, _ range: ClosedRange<Int>, _ name: String) throws(AnalyticsError) {
        guard range.contains(value) else {
            throw .invalidArgument(name: name, message: "must be between \(range.lowerBound) and \(range.upperBound), got \(value)")
        }
    }
}

extension PlaybookTask: Codable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: LenientKeys.self)
        let place = configPlace(decoder.codingPath)
        try c.refuseUnknown(["title", "due_in_days"], in: place)
        self.init(title: try c.required("title", at: place), dueInDays: try c.required("due_in_days", at: place))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: LenientKeys.self)
        try c.encode(title, forKey: LenientKeys(stringValue: "title"))
        try c.encode(dueInDays, forKey: LenientKeys(stringValue: "due_in_days"))
    }
}

extension PlaybookTrigger: Codable {
    public static let kinds = ["in_band", "health_drop", "renewal_within", "champion_inactive", "failed_payment_unrecovered", "upsell_candidate"]

    /// The JSON `kind`.
    public var kind: String {
        switch self {
        case .inBand: "in_band"
        case .healthDrop: "health_drop"
        case .renewalWithin: "renewal_within"
        case .championInactive: "champion_inactive"
        case .failedPaymentUnrecovered: "failed_payment_unrecovered"
        case .upsellCandidate: "upsell_candidate"
        }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: LenientKeys.self)
        let place = configPlace(decoder.codingPath)
        let kind: String = try c.required("kind", at: place)
        func band(_ text: String, at name: String) throws -> HealthBand {
            guard let band = HealthBand(parsing: text) else {
                throw AnalyticsError.invalidArgument(name: name, message: "unknown band \"\(text)\"; known: Healthy, Watch, At Risk")
            }
            return band
        }
        switch kind {
        case "in_band":
            try c.refuseUnknown(["kind", "band"], in: place)
            self = .inBand(try band(try c.required("band", at: place), at: "\(place).band"))
        case "health_drop":
            try c.refuseUnknown(["kind", "points", "days"], in: place)
            self = .healthDrop(points: try c.required("points", at: place), days: try c.required("days", at: place))
        case "renewal_within":
            try c.refuseUnknown(["kind", "days", "bands"], in: place)
            let names: [String] = try c.required("bands", at: place)
            self = .renewalWithin(days: try c.required("days", at: place),
                                  bands: try names.enumerated().map { try band($1, at: "\(place).bands[\($0)]") })
        case "champion_inactive":
            try c.refuseUnknown(["kind", "days"], in: place)
            self = .championInactive(days: try c.required("days", at: place))
        case "failed_payment_unrecovered":
            try c.refuseUnknown(["kind", "days"], in: place)
            self = .failedPaymentUnrecovered(days: try c.required("days", at: place))
        case "upsell_candidate":
            try c.refuseUnknown(["kind"], in: place)
            self = .upsellCandidate
        default:
            throw AnalyticsError.invalidArgument(name: "\(place).kind", message: "unknown kind \"\(kind)\"; known: \(Self.kinds.joined(separator: ", "))")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: LenientKeys.self)
        try c.encode(kind, forKey: LenientKeys(stringValue: "kind"))
        switch self {
        case let .inBand(band):
            try c.encode(band, forKey: LenientKeys(stringValue: "band"))
        case let .healthDrop(points, days):
            try c.encode(points, forKey: LenientKeys(stringValue: "points"))
            try c.encode(days, forKey: LenientKeys(stringValue: "days"))
        case let .renewalWithin(days, bands):
            try c.encode(days, forKey: LenientKeys(stringValue: "days"))
            try c.encode(bands, forKey: LenientKeys(stringValue: "bands"))
        case let .championInactive(days), let .failedPaymentUnrecovered(days):
            try c.encode(days, forKey: LenientKeys(stringValue: "days"))
        case .upsellCandidate:
            break
        }
    }
}

/// A decoding path as the config's error messages name it: `playbooks[2].trigger`.
func configPlace(_ path: [any CodingKey]) -> String {
    var place = ""
    for key in path {
        if let index = key.intValue {
            place += "[\(index)]"
        } else {
            place += (place.isEmpty ? "" : ".") + key.stringValue
        }
    }
    return place.isEmpty ? "the config" : place
}

extension KeyedDecodingContainer where K == LenientKeys {
    /// A key that must be present; its absence is an error naming the place.
    func required<T: Decodable>(_ key: String, at place: String) throws -> T {
        guard let value = try decodeIfPresent(T.self, forKey: LenientKeys(stringValue: key)) else {
            throw AnalyticsError.invalidArgument(name: "\(place).\(key)", message: "is required")
        }
        return value
    }
}
