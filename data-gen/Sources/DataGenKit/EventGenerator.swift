/// Writes logins.csv and feature_usage.csv: exactly `config.events` rows
/// in all (30 % logins), allocated to (day, account) cells in proportion to
/// the ``ActivityGrid`` by systematic sampling, so the total is exact and
/// every cell gets its expected count ±1.
///
/// This is the hot path: every lookup table is built once, and a row is
/// written as bytes straight into the writer's buffer (a precomputed
/// `YYYY-MM-DDT` prefix per day, a precomputed `,account_id,user_id` segment
/// per user, alias tables for users and features).
struct EventGenerator {
    private let config: DataGenConfig
    private let accountCount: Int
    /// Every precomputed byte string, back to back: first `YYYY-MM-DDT` of
    /// each window day (11 bytes apiece), then `,account_id,user_id` of each
    /// user, then `,feature,` of each feature.
    private var text: [UInt8] = []
    private var userSegmentStart: [Int] = []
    private var userSegmentLength: [Int] = []
    /// Per-account user tables (normal, and with key users silenced).
    private var userTables = AliasTableSet()
    private var firstUser: [Int] = []
    private var userCount: [Int] = []
    private var normalTable: [Int] = []
    private var silencedTable: [Int] = []
    private var silentFrom: [Int] = []
    /// Per-account feature tables, all then favourites: table `2a` and `2a + 1`
    /// of 30 slots each.
    private var featureTables = AliasTableSet()
    private var narrowFrom: [Int] = []
    /// Where each feature's `,feature,` is in ``text``, and its count's power-of-two scale.
    private var featureSegmentStart: [Int] = []
    private var featureSegmentLength: [Int] = []
    private var featureCountShift: [Int] = []
    private let hourTable = BusinessHours.hourTable()
    private var maxSegment = 0

    init(population: Population, config: DataGenConfig) {
        self.config = config
        accountCount = population.accounts.count
        let windowStart = config.asOfDay - config.days + 1
        for d in 0..<config.days {
            text += CivilDay.dateBytes(windowStart + d)
            text.append(UInt8(ascii: "T"))
        }
        for user in population.users {
            let start = text.count
            text.append(UInt8(ascii: ","))
            text += population.accounts[user.accountIndex].id.utf8
            text.append(UInt8(ascii: ","))
            text += user.id.utf8
            userSegmentStart.append(start)
            userSegmentLength.append(text.count - start)
            maxSegment = max(maxSegment, text.count - start)
        }
        for account in population.accounts {
            let people = account.firstUser..<(account.firstUser + account.userCount)
            let weights = people.map { population.users[$0].activityWeight }
            firstUser.append(account.firstUser)
            userCount.append(account.userCount)
            normalTable.append(userTables.append(weights: weights))
            let silenced = people.map { population.users[$0].isKeyUser ? 0 : population.users[$0].activityWeight }
            if account.keyUsersSilentFrom != Int.max, silenced.contains(where: { $0 > 0 }) {
                silencedTable.append(userTables.append(weights: silenced))
                silentFrom.append(account.keyUsersSilentFrom)
            } else {
                silencedTable.append(normalTable[normalTable.count - 1])
                silentFrom.append(Int.max)
            }
            _ = featureTables.append(weights: account.featureWeights)
            _ = featureTables.append(weights: Self.favourites(of: account.featureWeights))
            narrowFrom.append(account.narrowFeaturesFrom)
        }
        for (rank, name) in FeatureCatalog.names.enumerated() {
            featureSegmentStart.append(text.count)
            text += ",\(name),".utf8
            featureSegmentLength.append(text.count - featureSegmentStart[rank])
            let scale = FeatureCatalog.countScale(rank: rank)
            featureCountShift.append(scale.trailingZeroBitCount)
        }
    }

    /// The 40 % most preferred of an account's features (at least two).
    private static func favourites(of weights: [Double]) -> [Double] {
        let used = weights.filter { $0 > 0 }.sorted(by: >)
        let keep = max(2, Int((Double(used.count) * 0.4).rounded()))
        let cut = used[min(keep, used.count) - 1]
        return weights.map { $0 >= cut ? $0 : 0 }
    }

    /// Writes the rows of both files.
    /// - Throws: ``DataGenError/invalidArgument(name:message:)`` when events
    ///   are asked for but no account is active in the window.
    func write(grid: ActivityGrid, logins: CSVFileWriter, features: CSVFileWriter) throws(DataGenError) {
        let events = config.events
        guard events > 0 else { return }
        guard grid.total > 0 else {
            throw .invalidArgument(name: "--events", message: "no account is active in the event window")
        }
        let loginTotal = events / 10 * 3 + events % 10 * 3 / 10
        let featureTotal = events - loginTotal
        var offsets = Xoshiro256StarStar(seed: config.seed, stream: Population.Stream.events.id(0))
        let loginPhase = offsets.unit()
        let featurePhase = offsets.unit()
        let loginScale = Double(loginTotal) / grid.total
        let featureScale = Double(featureTotal) / grid.total
        let featureSlots = FeatureCatalog.count
        let maxRow = 20 + maxSegment + (featureSegmentLength.max() ?? 0) + 8
        precondition(maxRow <= logins.rowCapacity && maxRow <= features.rowCapacity, "row buffer too small")

        let windowStart = config.asOfDay - config.days + 1
        let weights = grid.weights
        let lastCell = grid.lastPositiveCell
        var cumulative = 0.0
        var loginsSoFar = 0
        var featuresSoFar = 0

        text.withUnsafeBufferPointer { text in
            let text = text.baseAddress!
            for d in 0..<config.days {
                var rng = Xoshiro256StarStar(seed: config.seed, stream: Population.Stream.events.id(d + 1))
                let prefix = text + d * 11
                let day = windowStart + d
                for a in 0..<accountCount {
                    let cell = d * accountCount + a
                    let w = weights[cell]
                    guard w > 0 else { continue }
                    cumulative += Double(w)
                    // Systematic sampling: a cell ends where its cumulative weight
                    // lands on the scaled total; the last live cell closes it.
                    let loginEnd = cell == lastCell
                        ? loginTotal : min(loginTotal, Int(cumulative * loginScale + loginPhase))
                    let featureEnd = cell == lastCell
                        ? featureTotal : min(featureTotal, Int(cumulative * featureScale + featurePhase))
                    let loginCount = loginEnd - loginsSoFar
                    let featureCount = featureEnd - featuresSoFar
                    loginsSoFar = loginEnd
                    featuresSoFar = featureEnd
                    guard loginCount + featureCount > 0 else { continue }

                    let people = userCount[a]
                    let first = firstUser[a]
                    let table = day >= silentFrom[a] ? silencedTable[a] : normalTable[a]
                    let featureTable = (a * 2 + (day >= narrowFrom[a] ? 1 : 0)) * featureSlots

                    @inline(__always)
                    func drawUser(_ r: UInt64) -> Int {
                        first + userTables.sample(r, table: table, count: people)
                    }
                    @inline(__always)
                    /// Writes `ts,account_id,user_id` (no newline); returns the end.
                    func writeHead(
                        _ p: UnsafeMutablePointer<UInt8>, _ r: UInt64, _ user: Int
                    ) -> UnsafeMutablePointer<UInt8> {
                        p.update(from: prefix, count: 11)
                        let second = BusinessHours.secondOfDay(r, table: hourTable)
                        let hour = second / 3600
                        let minute = second / 60 % 60
                        let sec = second % 60
                        p[11] = UInt8(truncatingIfNeeded: 48 + hour / 10)
                        p[12] = UInt8(truncatingIfNeeded: 48 + hour % 10)
                        p[13] = 0x3A
                        p[14] = UInt8(truncatingIfNeeded: 48 + minute / 10)
                        p[15] = UInt8(truncatingIfNeeded: 48 + minute % 10)
                        p[16] = 0x3A
                        p[17] = UInt8(truncatingIfNeeded: 48 + sec / 10)
                        p[18] = UInt8(truncatingIfNeeded: 48 + sec % 10)
                        p[19] = 0x5A
                        let length = userSegmentLength[user]
                        (p + 20).update(from: text + userSegmentStart[user], count: length)
                        return p + 20 + length
                    }

                    for _ in 0..<loginCount {
                        let user = drawUser(rng.next())
                        let r = rng.next()
                        logins.appendRow(maxBytes: maxRow) { p in
                            let end = writeHead(p, r, user)
                            end.pointee = 0x0A
                            return end + 1
                        }
                    }
                    for _ in 0..<featureCount {
                        let user = drawUser(rng.next())
                        let r = rng.next()
                        let f = rng.next()
                        let feature = featureTables.sample(f, table: featureTable, count: featureSlots)
                        let shift = featureCountShift[feature]
                        let geometric = ((r >> 47) | (1 << 17)).trailingZeroBitCount
                        let count = 1 + geometric << shift + Int(truncatingIfNeeded: (r >> 44) & ((1 << shift) - 1))
                        features.appendRow(maxBytes: maxRow) { p in
                            var end = writeHead(p, r, user)
                            let length = featureSegmentLength[feature]
                            end.update(from: text + featureSegmentStart[feature], count: length)
                            end += length
                            end = Self.writeDecimal(count, to: end)
                            end.pointee = 0x0A
                            return end + 1
                        }
                    }
                }
            }
        }
    }

    /// Writes a small positive integer (< 1000) in decimal; returns the end.
    @inline(__always)
    private static func writeDecimal(_ value: Int, to p: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        if value < 10 {
            p[0] = UInt8(truncatingIfNeeded: 48 + value)
            return p + 1
        }
        if value < 100 {
            p[0] = UInt8(truncatingIfNeeded: 48 + value / 10)
            p[1] = UInt8(truncatingIfNeeded: 48 + value % 10)
            return p + 2
        }
        p[0] = UInt8(truncatingIfNeeded: 48 + value / 100)
        p[1] = UInt8(truncatingIfNeeded: 48 + value / 10 % 10)
        p[2] = UInt8(truncatingIfNeeded: 48 + value % 10)
        return p + 3
    }
}
