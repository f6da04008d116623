import Foundation
import VitalsAnalytics
import VitalsStore

/// An account's detail as `vitals score` stores it (the bytes of its
/// ``MaterializedScore/detail``): its ``AccountRisk`` in binary, made into
/// JSON only when a call reads it. As JSON text the detail was written for
/// every account every night and compressed (a tenth of a many-accounts
/// night's CPU), to be read for the few accounts someone asks about.
///
/// The form: the version byte 1 (a detail stored as JSON text, by an
/// earlier version, starts with `{` and still reads), then, little endian:
/// the account key (UInt32); health, the six components and churn risk as
/// Float64 bit patterns (read back exactly); the band's and the flags'
/// bytes (churned, has churned-since, has days since login); users, wau,
/// mau and days since login (Int32); MRR in cents (Int64); churned-since
/// (counted UTF-8, when flagged); the signal count (UInt8), each signal's
/// position in ``RiskSignal/ordered``, a flags byte (has value, has
/// weight), its value and weight (Float64, when flagged) and its evidence
/// (counted); the driver count (UInt8), each driver's name (counted), its
/// contribution (Float64), a byte saying whether it has evidence and that
/// evidence (counted).
extension AccountRisk {
    static let storedVersion: UInt8 = 1
    /// The bands by their stored byte.
    static let storedBands = HealthBand.allCases

    /// Appends the stored form to `bytes`.
    func appendStored(to bytes: inout [UInt8]) {
        bytes.append(Self.storedVersion)
        appendLittleEndian(UInt32(accountKey), to: &bytes)
        for value in [health, components.activity, components.recency, components.breadth, components.trend, components.payments,
                      components.sentiment, churnRisk] {
            appendLittleEndian(value.bitPattern, to: &bytes)
        }
        bytes.append(Self.storedBands.firstIndex(of: band).map(UInt8.init)!)
        bytes.append((churned ? 1 : 0) | (churnedSince != nil ? 2 : 0) | (daysSinceLogin != nil ? 4 : 0))
        for count in [users, wau, mau, daysSinceLogin ?? 0] { appendLittleEndian(Int32(clamping: count), to: &bytes) }
        appendLittleEndian(mrrCents, to: &bytes)
        if let churnedSince { appendCounted(churnedSince, to: &bytes) }
        bytes.append(UInt8(clamping: signals.count))
        for hit in signals.prefix(Int(UInt8.max)) {
            bytes.append(UInt8(RiskSignal.ordered.firstIndex(of: hit.signal)!))
            bytes.append((hit.value != nil ? 1 : 0) | (hit.weight != nil ? 2 : 0))
            if let value = hit.value { appendLittleEndian(value.bitPattern, to: &bytes) }
            if let weight = hit.weight { appendLittleEndian(weight.bitPattern, to: &bytes) }
            appendCounted(hit.evidence, to: &bytes)
        }
        bytes.append(UInt8(clamping: drivers.count))
        for driver in drivers.prefix(Int(UInt8.max)) {
            appendCounted(driver.name, to: &bytes)
            appendLittleEndian(driver.contribution.bitPattern, to: &bytes)
            bytes.append(driver.evidence != nil ? 1 : 0)
            if let evidence = driver.evidence { appendCounted(evidence, to: &bytes) }
        }
    }

    /// Reads a detail an earlier version stored as JSON (snake_case keys).
    private static let jsonDecoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }()

    /// The stored form as bytes of their own.
    var stored: [UInt8] {
        var bytes: [UInt8] = []
        appendStored(to: &bytes)
        return bytes
    }

    /// An account's detail read back from its stored form, or from the
    /// JSON text an earlier version stored; nil when the bytes are neither
    /// (the caller then computes the account's risk).
    init?(stored bytes: [UInt8]) {
        guard let first = bytes.first else { return nil }
        if first == UInt8(ascii: "{") {
            guard let risk = try? Self.jsonDecoder.decode(AccountRisk.self, from: Data(bytes)) else { return nil }
            self = risk
            return
        }
        guard first == Self.storedVersion,
              let risk = bytes.withUnsafeBytes({ Self.decodeStored(LittleEndianReader(UnsafeRawBufferPointer(rebasing: $0.dropFirst()))) })
        else { return nil }
        self = risk
    }

    private static func decodeStored(_ reader: LittleEndianReader) -> AccountRisk? {
        var reader = reader
        func double() -> Double? { reader.read(UInt64.self).map(Double.init(bitPattern:)) }
        func text() -> String? { reader.counted().map { String(decoding: $0, as: UTF8.self) } }
        guard let key = reader.read(UInt32.self) else { return nil }
        var values: [Double] = []
        for _ in 0 ..< 8 {
            guard let value = double() else { return nil }
            values.append(value)
        }
        guard let bandIndex = reader.read(UInt8.self), Int(bandIndex) < storedBands.count, let flags = reader.read(UInt8.self),
              let users = reader.read(Int32.self), let wau = reader.read(Int32.self), let mau = reader.read(Int32.self),
              let daysSinceLogin = reader.read(Int32.self), let mrrCents = reader.read(Int64.self) else { return nil }
        var churnedSince: String?
        if flags & 2 != 0 {
            guard let since = text() else { return nil }
            churnedSince = since
        }
        guard let signalCount = reader.read(UInt8.self) else { return nil }
        var signals: [RiskSignalHit] = []
        for _ in 0 ..< signalCount {
            guard let index = reader.read(UInt8.self), Int(index) < RiskSignal.ordered.count, let has = reader.read(UInt8.self) else { return nil }
            var value: Double?, weight: Double?
            if has & 1 != 0 { guard let read = double() else { return nil }; value = read }
            if has & 2 != 0 { guard let read = double() else { return nil }; weight = read }
            guard let evidence = text() else { return nil }
            signals.append(RiskSignalHit(signal: RiskSignal.ordered[Int(index)], value: value, evidence: evidence, weight: weight))
        }
        guard let driverCount = reader.read(UInt8.self) else { return nil }
        var drivers: [ChurnDriver] = []
        for _ in 0 ..< driverCount {
            guard let name = text(), let contribution = double(), let has = reader.read(UInt8.self) else { return nil }
            var evidence: String?
            if has != 0 { guard let read = text() else { return nil }; evidence = read }
            drivers.append(ChurnDriver(name: name, contribution: contribution, evidence: evidence))
        }
        guard reader.remaining == 0 else { return nil }
        return AccountRisk(accountKey: Int(key), health: values[0], band: storedBands[Int(bandIndex)],
                           components: HealthComponents(activity: values[1], recency: values[2], breadth: values[3], trend: values[4],
                                                        payments: values[5], sentiment: values[6]),
                           signals: signals, churnRisk: values[7], churned: flags & 1 != 0, churnedSince: churnedSince, drivers: drivers,
                           users: Int(users), wau: Int(wau), mau: Int(mau), daysSinceLogin: flags & 4 != 0 ? Int(daysSinceLogin) : nil,
                           mrrCents: mrrCents)
    }
}
