import Foundation

/// A request rate: `rate` requests a second on average, bursts of `burst`.
public struct RateLimit: Sendable, Equatable, CustomStringConvertible {
    public var rate: Double
    public var burst: Double

    public init(rate: Double, burst: Double) {
        self.rate = rate
        self.burst = burst
    }

    /// `20/40` (rate/burst) or `20` (burst = 2 × rate); nil for `off`.
    public static func parse(_ text: String) throws(RateLimitError) -> RateLimit? {
        if text.lowercased() == "off" { return nil }
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let rate = Double(parts[0]), rate > 0 else { throw RateLimitError(text: text) }
        let burst = parts.count == 2 ? Double(parts[1]) : rate * 2
        guard let burst, burst >= 1 else { throw RateLimitError(text: text) }
        return RateLimit(rate: rate, burst: burst)
    }

    public var description: String { "\(rate.formatted())/\(burst.formatted()) (requests per second/burst)" }
}

public struct RateLimitError: Error, CustomStringConvertible {
    let text: String
    public var description: String { "a rate limit is RATE/BURST, e.g. 20/40, or off; got \"\(text)\"" }
}

/// Token buckets, one per key (an agency, a client IP): each holds up to
/// `burst` tokens, refilled at `rate` a second; a request takes one.
final class RateLimiter<Key: Hashable & Sendable>: @unchecked Sendable {
    let limit: RateLimit
    private let lock = NSLock()
    private var buckets: [Key: (tokens: Double, at: Double)] = [:]
    private let now: @Sendable () -> Double

    init(_ limit: RateLimit, now: @escaping @Sendable () -> Double = { ProcessInfo.processInfo.systemUptime }) {
        self.limit = limit
        self.now = now
    }

    /// Takes a token for `key`: nil when the request may go ahead, else the
    /// whole seconds until one is available (for `Retry-After`, at least 1).
    func take(_ key: Key) -> Int? {
        let time = now()
        return lock.withLock {
            var bucket = buckets[key] ?? (limit.burst, time)
            bucket.tokens = min(limit.burst, bucket.tokens + (time - bucket.at) * limit.rate)
            bucket.at = time
            defer {
                buckets[key] = bucket
                if buckets.count > 10_000 { evictFull(at: time) }
            }
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                return nil
            }
            return max(1, Int(((1 - bucket.tokens) / limit.rate).rounded(.up)))
        }
    }

    /// Forgets buckets that have refilled (they equal a new one).
    private func evictFull(at time: Double) {
        buckets = buckets.filter { $0.value.tokens + (time - $0.value.at) * limit.rate < limit.burst }
    }
}
