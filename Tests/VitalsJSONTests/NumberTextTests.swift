import Testing
@testable import VitalsJSON

/// The number writers must write what `description` writes: stored results
/// written by an older build, and the snapshots of tool results, hold that text.
@Suite struct NumberTextTests {
    private func written(_ v: Double) -> String {
        var out: [UInt8] = []
        JSONValue.writeDouble(v, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private func expected(_ v: Double) -> String { v.isFinite ? v.description : "null" }

    @Test func doublesAreWrittenAsDescriptionWritesThem() {
        var edges: [Double] = [0, -0.0, 1, -1, 0.1, 0.2, 0.1 + 0.2, 0.3, 72.5, 99.95, 100, 0.5, 1e-4, -1e-4, 1e9, -1e9, 1e15, 1e16, 1e-5,
                               0.00015, 0.12345, 123456.789, 999_999_999.9999, 4.35, 2.675, 1.005, 0.0049, -0.6057142857142856,
                               .pi, .infinity, -.infinity, .nan, .leastNonzeroMagnitude, .greatestFiniteMagnitude, Double(Int64.max)]
        edges += [1e-4, 1e9, 0.5, 1].flatMap { [$0.nextUp, $0.nextDown, -$0.nextUp, -$0.nextDown] }
        for v in edges {
            #expect(written(v) == expected(v), "\(v)")
        }
        // Rounded values of every size our results hold, and their neighbours.
        var generator = SystemRandomNumberGenerator()
        var mismatches: [Double] = []
        for i in 0 ..< 1_000_000 {
            let decimals = i % 7, magnitude = Double.random(in: -12 ... 12, using: &generator)
            var scale = 1.0
            for _ in 0 ..< decimals { scale *= 10 }
            var v = (Double.random(in: -1 ... 1, using: &generator) * pow10(magnitude) * scale).rounded() / scale
            if i % 5 == 0 { v = v.nextUp }
            if i % 11 == 0 { v = Double(bitPattern: UInt64.random(in: 0 ... .max, using: &generator)) }
            if written(v) != expected(v) { mismatches.append(v) }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5).map { "\($0.bitPattern)" })")
    }

    private func pow10(_ x: Double) -> Double {
        var result = 1.0
        for _ in 0 ..< Int(x.magnitude) { result *= 10 }
        return x < 0 ? 1 / result : result
    }

    @Test func integersAreWrittenAsStringWritesThem() {
        var generator = SystemRandomNumberGenerator()
        let values = [0, 1, -1, 9, 10, -10, Int.max, Int.min, 1_000_000_007] + (0 ..< 10_000).map { _ in Int.random(in: .min ... .max, using: &generator) >> Int.random(in: 0 ... 63, using: &generator) }
        for n in values {
            var out: [UInt8] = []
            JSONValue.writeInt(n, to: &out)
            #expect(String(decoding: out, as: UTF8.self) == String(n))
        }
    }
}
