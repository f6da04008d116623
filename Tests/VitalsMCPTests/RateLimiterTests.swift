import Foundation
import Testing
@testable import VitalsMCP

/// Token buckets: a burst goes through, then requests wait for the refill,
/// and `Retry-After` says how long in whole seconds.
@Suite struct RateLimiterTests {
    /// A clock the test moves by hand.
    final class Clock: @unchecked Sendable {
        var now = 0.0
    }

    @Test func aBurstThenTheRate() {
        let clock = Clock()
        let limiter = RateLimiter<Int>(RateLimit(rate: 2, burst: 4), now: { clock.now })
        #expect((0..<4).map { _ in limiter.take(1) } == [nil, nil, nil, nil])
        #expect(limiter.take(1) == 1)            // empty: one token comes in 0.5 s, said as 1 s
        #expect(limiter.take(2) == nil)          // another agency has its own bucket
        clock.now = 0.5
        #expect(limiter.take(1) == nil)          // refilled one
        #expect(limiter.take(1) == 1)
        clock.now = 10
        #expect((0..<5).map { _ in limiter.take(1) } == [nil, nil, nil, nil, 1])  // refills up to the burst, no further
    }

    @Test func slowRatesWaitLonger() {
        let clock = Clock()
        let limiter = RateLimiter<String>(RateLimit(rate: 0.1, burst: 1), now: { clock.now })
        #expect(limiter.take("ip") == nil)
        #expect(limiter.take("ip") == 10)
        clock.now = 4
        #expect(limiter.take("ip") == 6)
    }

    @Test func parsing() throws {
        #expect(try RateLimit.parse("20/40") == RateLimit(rate: 20, burst: 40))
        #expect(try RateLimit.parse("5") == RateLimit(rate: 5, burst: 10))
        #expect(try RateLimit.parse("off") == nil)
        for bad in ["", "0/10", "x/2", "20/0", "1/2/3"] {
            #expect(throws: RateLimitError.self) { try RateLimit.parse(bad) }
        }
    }

    @Test func redirectsKeepTheClientsQueryAndEscapeValues() {
        let url = HTTPReply.url("https://app.example.com/cb?tenant=a", adding: [("code", "a+b/c="), ("state", "x y"), ("iss", nil)])
        #expect(url == "https://app.example.com/cb?tenant=a&code=a%2Bb/c%3D&state=x%20y")
        let fields = FormFields(encoded: "scope=read%3Aaccounts&scope=write:metadata&token=vk_1+2&empty=")
        #expect(fields.all("scope") == ["read:accounts", "write:metadata"])
        #expect(fields["token"] == "vk_1 2")
        #expect(fields["empty"] == nil)
    }
}
