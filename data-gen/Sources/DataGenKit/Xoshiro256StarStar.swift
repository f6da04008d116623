#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// xoshiro256** (Blackman, Vigna): the generator behind every random draw of
/// data-gen. Seeded, so one configuration always gives the same bytes; the
/// standard library's random APIs are never used, because their algorithms
/// may change between toolchains.
struct Xoshiro256StarStar {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    /// A generator for one independent `stream` of `seed` (e.g. one per
    /// account, one per day), so that one part of the dataset does not shift
    /// when another part draws more or fewer numbers.
    init(seed: UInt64, stream: UInt64) {
        var mixer = SplitMix64(state: stream ^ 0x6A09_E667_F3BC_C909)
        var splitter = SplitMix64(state: seed ^ mixer.next())
        s0 = splitter.next()
        s1 = splitter.next()
        s2 = splitter.next()
        s3 = splitter.next()
        if s0 | s1 | s2 | s3 == 0 { s0 = 1 }
    }

    /// The next 64 random bits.
    @inline(__always)
    mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = s3 << 45 | s3 >> 19
        return result
    }

    /// Uniform in `[0, 1)` with 53 random bits.
    @inline(__always)
    mutating func unit() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// Uniform in `0..<bound` (Lemire's multiply-shift; bias below 2⁻³²).
    /// - Precondition: `bound > 0`.
    @inline(__always)
    mutating func below(_ bound: Int) -> Int {
        Int(truncatingIfNeeded: next().multipliedFullWidth(by: UInt64(bound)).high)
    }

    /// Uniform in the closed integer range.
    mutating func int(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + below(range.upperBound - range.lowerBound + 1)
    }

    /// Uniform in `[range.lowerBound, range.upperBound)`.
    mutating func double(in range: ClosedRange<Double>) -> Double {
        range.lowerBound + (range.upperBound - range.lowerBound) * unit()
    }

    /// `true` with probability `p`.
    mutating func chance(_ p: Double) -> Bool {
        unit() < p
    }

    /// A standard normal draw (Box–Muller).
    mutating func normal() -> Double {
        let u1 = 1 - unit()  // (0, 1]
        let u2 = unit()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// A normal draw with the given mean and standard deviation.
    mutating func normal(mean: Double, deviation: Double) -> Double {
        mean + deviation * normal()
    }

    /// A log-normal draw whose logarithm has the given mean and deviation.
    mutating func logNormal(mu: Double, sigma: Double) -> Double {
        exp(mu + sigma * normal())
    }

    /// A Poisson draw (Knuth's method; meant for small means).
    mutating func poisson(_ mean: Double) -> Int {
        let limit = exp(-mean)
        var product = unit()
        var k = 0
        while product > limit {
            k += 1
            product *= unit()
        }
        return k
    }

    /// One element of a non-empty array, uniformly.
    mutating func pick<T>(_ items: [T]) -> T {
        items[below(items.count)]
    }

    /// Shuffles `items` in place (Fisher–Yates).
    mutating func shuffle<T>(_ items: inout [T]) {
        var i = items.count
        while i > 1 {
            let j = below(i)
            i -= 1
            items.swapAt(i, j)
        }
    }
}
