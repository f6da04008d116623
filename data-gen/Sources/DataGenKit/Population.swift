/// The synthetic world before any file is written: agencies, accounts with
/// their planted stories, users and workflows.
///
/// Each account (and each of its users, revenue, feedback and activity)
/// draws from its own random stream, so one account's draws never shift
/// another's. What only a non-default ``ChurnWorld`` (or a varying agency
/// size) needs is drawn from the `world` and `agencyWorld` streams, so a
/// knob changes nothing else (the `world` stream also draws which
/// historical churners left at a renewal).
struct Population {
    var agencies: [AgencyProfile] = []
    var accounts: [AccountProfile] = []
    var users: [UserProfile] = []
    var workflows: [WorkflowProfile] = []

    /// Random stream tags, one family per purpose.
    enum Stream: UInt64 {
        case agency = 1, account, users, activity, revenue, feedback, events
        /// Per account: the reshaped decline, false alarms.
        case world
        /// Per agency: its size, its seasonal dip.
        case agencyWorld
        /// The stream of item `index` of this family.
        func id(_ index: Int) -> UInt64 { rawValue << 40 | UInt64(index) }
    }

    /// Builds the world of `config`.
    init(config: DataGenConfig) {
        let asOf = config.asOfDay
        let windowStart = asOf - config.days + 1
        for agencyIndex in 0..<config.agencies {
            var rng = Xoshiro256StarStar(seed: config.seed, stream: Stream.agency.id(agencyIndex))
            let agency = Self.makeAgency(index: agencyIndex, rng: &rng)
            agencies.append(agency)
            for w in 0..<(4 + rng.below(3)) {
                workflows.append(WorkflowProfile(
                    id: "wf_" + Self.padded(workflows.count + 1, 3),
                    agencyIndex: agencyIndex,
                    name: NameBank.workflowNames[(agencyIndex + w) % NameBank.workflowNames.count]
                ))
            }
            var agencyWorldRng = Xoshiro256StarStar(seed: config.seed, stream: Stream.agencyWorld.id(agencyIndex))
            let size = config.accountsPerAgency
                + agencyWorldRng.below(config.maxAccountsPerAgency - config.accountsPerAgency + 1)
            let seasonalDip = config.world.decay == .seasonal
                ? Self.makeSeasonalDip(asOf: asOf, rng: &agencyWorldRng) : nil
            let stories = Self.assignStories(count: size, world: config.world, rng: &rng)
            for local in 0..<size {
                let index = accounts.count
                var accountRng = Xoshiro256StarStar(seed: config.seed, stream: Stream.account.id(index))
                var worldRng = Xoshiro256StarStar(seed: config.seed, stream: Stream.world.id(index))
                var account = Self.makeAccount(
                    index: index, agency: agency, agencyIndex: agencyIndex, story: stories[local],
                    asOf: asOf, windowStart: windowStart, config: config, rng: &accountRng, worldRng: &worldRng
                )
                account.seasonalDip = seasonalDip
                var userRng = Xoshiro256StarStar(seed: config.seed, stream: Stream.users.id(index))
                account.firstUser = users.count
                users += Self.makeUsers(
                    of: account, accountIndex: index, firstUser: users.count, config: config,
                    windowStart: windowStart, rng: &userRng
                )
                account.userCount = users.count - account.firstUser
                if let slack = account.seats {
                    account.seats = max(1, account.userCount + slack)
                }
                accounts.append(account)
            }
        }
    }

    // MARK: Agencies

    private static func makeAgency(index: Int, rng: inout Xoshiro256StarStar) -> AgencyProfile {
        let name = NameBank.agencyName(index)
        let domain = NameBank.slug(name) + ".example.com"
        var owners: [String] = []
        for _ in 0..<(3 + rng.below(4)) {
            let first = rng.pick(NameBank.firstNameHandles)
            let last = rng.pick(NameBank.lastNameHandles)
            let email = "\(first).\(last)@\(domain)"
            if !owners.contains(email) { owners.append(email) }
        }
        return AgencyProfile(id: "ag_" + padded(index + 1, 3), name: name, ownerEmails: owners)
    }

    // MARK: Stories

    /// The planted story of one account, assigned by quota within an agency
    /// so that every agency has its share of churners and untracked accounts.
    struct Story {
        enum Kind { case retained, historical, future }
        var kind: Kind = .retained
        /// Whether a churner declines visibly before it churns.
        var warned = false
        var tracked = true
    }

    /// By default 15 % historical churners, 10 % of the rest future churners
    /// (80 % of each with a visible decline), about 5 % untracked; the
    /// world's churn rate R makes that min(0.6, 1.5 R) and R, its silent share
    /// S leaves 1 − S of each warned.
    static func assignStories(count: Int, world: ChurnWorld, rng: inout Xoshiro256StarStar) -> [Story] {
        var stories = Array(repeating: Story(), count: count)
        let historical = Int((world.historicalShare * Double(count)).rounded())
        let future = Int((world.churnRate * Double(count - historical)).rounded())
        let warned = world.warnedShare
        var order = Array(0..<count)
        rng.shuffle(&order)
        for (slot, index) in order.enumerated() {
            if slot < historical {
                stories[index].kind = .historical
                stories[index].warned = slot < Int((warned * Double(historical)).rounded())
            } else if slot < historical + future {
                stories[index].kind = .future
                stories[index].warned = slot - historical < Int((warned * Double(future)).rounded())
            }
        }
        let untracked = count >= 10 ? max(1, Int((0.05 * Double(count)).rounded())) : 0
        rng.shuffle(&order)
        for index in order.prefix(untracked) { stories[index].tracked = false }
        return stories
    }

    // MARK: Accounts

    private static func makeAccount(
        index: Int, agency: AgencyProfile, agencyIndex: Int, story: Story,
        asOf: Int, windowStart: Int, config: DataGenConfig, rng: inout Xoshiro256StarStar,
        worldRng: inout Xoshiro256StarStar
    ) -> AccountProfile {
        let decay = config.world.decay
        let days = config.days
        // Creation: 70 % in the two years before the window, the rest inside
        // it. Two whole years, so that every stretch of the window sees as
        // many anniversaries (renewals) of the older accounts as T's next
        // 90 days (until 2026-12-01 they were created up to 730 days before
        // T, and the window's early days saw half as many renewals as T).
        let maxAge = days + 729
        var created = rng.chance(0.7) || days <= 14
            ? asOf - rng.int(in: days...maxAge)
            : asOf - rng.int(in: 7...(days - 1))

        let planRoll = rng.unit()
        let plan: Plan = planRoll < 0.45 ? .starter : planRoll < 0.80 ? .pro : .agency
        let priorityRoll = rng.unit()
        let priority = priorityRoll < 0.2 ? "low" : priorityRoll < 0.85 ? "normal" : "high"
        // Seat slack over the user count (resolved once users exist); a few accounts have no seat count.
        let seats: Int? = rng.chance(0.04) ? nil : rng.int(in: -2...6)

        var fate = ChurnFate.retained
        var decline: ActivityRamp?
        switch story.kind {
        case .retained:
            break
        case .historical:
            let low = windowStart <= asOf - 1 ? max(windowStart, asOf - 150) : asOf - 150
            let churn = rng.int(in: low...(asOf - 1))
            created = min(created, churn - 75 - rng.below(90))
            fate = .historical(day: churn)
            if story.warned {
                decline = shaped(makeDecline(endingOn: churn, rng: &rng), decay: decay, rng: &worldRng)
            }
        case .future:
            let churn = asOf + rng.int(in: 1...90)
            created = min(created, asOf - 100 - rng.below(90))
            fate = .future(day: churn)
            if story.warned {
                let end = config.world.laggedDeclines ? churn : asOf
                decline = shaped(makeDecline(endingOn: end, rng: &rng), decay: decay, rng: &worldRng)
            }
        }
        // A false alarm: a retained account declining like a churner up to T
        // (and as old as one), which recovers after T.
        var falseAlarm: ActivityRamp?
        if story.kind == .retained, config.world.falseAlarms > 0, worldRng.chance(config.world.falseAlarms) {
            created = min(created, asOf - 100 - worldRng.below(90))
            falseAlarm = shaped(makeDecline(endingOn: asOf, rng: &worldRng), decay: decay, rng: &worldRng)
        }

        let name = NameBank.accountName(&rng)
        var account = AccountProfile(
            id: "acc_" + padded(index + 1, 5),
            agencyIndex: agencyIndex,
            name: name,
            plan: plan,
            seats: seats,
            createdDay: created,
            createdSecond: rng.int(in: 7 * 3600...19 * 3600),
            renewalDay: nil,
            ownerEmail: rng.pick(agency.ownerEmails),
            tracked: story.tracked,
            priority: priority
        )
        account.fate = fate
        account.decline = decline
        if let decline {
            let span = decline.end - decline.start
            if rng.chance(0.75) {
                account.keyUsersSilentFrom = decline.start + Int(Double(span) * rng.double(in: 0.2...0.7))
            }
            account.narrowFeaturesFrom = decline.firstDay(below: 0.5)
        }
        if let falseAlarm {
            account.decline = falseAlarm
            account.falseAlarm = true
            let span = falseAlarm.end - falseAlarm.start
            if worldRng.chance(0.75) {
                account.keyUsersSilentFrom = falseAlarm.start + Int(Double(span) * worldRng.double(in: 0.2...0.7))
            }
            account.narrowFeaturesFrom = falseAlarm.firstDay(below: 0.5)
        }

        // Renewal: the next anniversary on or after T; many churners leave at
        // a renewal, 0–5 days after it, in the past as in the future. A
        // historical churner who left at a renewal has the one a year after
        // it on file (what it would renew next), so a model can learn
        // renewal timing from the past as T's churners show it (drawn from
        // the world stream, so no other draw of the account moves).
        if !rng.chance(0.10) {
            var renewal = created
            var years = 1
            while renewal < asOf {
                renewal = CivilDay.adding(months: 12 * years, to: created)
                years += 1
            }
            if case let .future(day) = fate, rng.chance(0.45) {
                renewal = max(asOf, day - rng.below(6))
            }
            if case let .historical(day) = fate, worldRng.chance(0.45) {
                renewal = CivilDay.adding(months: 12, to: day - worldRng.below(6))
            }
            account.renewalDay = renewal
        }

        // Activity level, independent of the fate: a plain health score is a weak predictor.
        account.lowEngagement = rng.chance(0.10)
        account.baseActivity = rng.logNormal(mu: 0, sigma: 0.9) * (account.lowEngagement ? 0.2 : 1)
        account.drift = rng.normal(mean: 0, deviation: 0.2)
        account.npsMean = rng.chance(0.12) ? 5.5 : 8.3

        if fate == .retained {
            if rng.chance(0.14) {
                let recent = rng.chance(0.5)
                let start = recent
                    ? asOf - rng.int(in: 10...45)
                    : windowStart + rng.below(max(1, days - 45))
                account.dip = ActivityDip(start: start, length: rng.int(in: 10...35), depth: rng.double(in: 0.25...0.6))
            }
            let latestChurn = windowStart - 60
            if created + 60 < latestChurn, rng.chance(0.05) {
                let churn = rng.int(in: (created + 60)...latestChurn)
                account.reactivation = (churn, churn + rng.int(in: 14...45))
            }
        }

        account.featureWeights = makeFeatureWeights(rng: &rng)
        return account
    }

    /// A decline of 30–60 days to 10–40 % of the account's own level, ending on `end`.
    private static func makeDecline(endingOn end: Int, rng: inout Xoshiro256StarStar) -> ActivityRamp {
        ActivityRamp(
            start: end - rng.int(in: 30...60),
            end: end,
            floor: rng.double(in: 0.1...0.4),
            shape: rng.double(in: 0.8...1.6)
        )
    }

    /// `ramp` (drawn as always, from the account's stream) in the shape of
    /// `decay`, ending where it ends; the other shapes draw from `rng`.
    /// - `ramp`, `seasonal`: `ramp` itself;
    /// - `sudden`: down to 0–10 % within 1–2 days, stopping 2–12 days before the end;
    /// - `fade`: 90–150 days down to 30–60 %, shape 0.7–1.0;
    /// - `mixed`: one of ramp, sudden, fade, uniformly.
    private static func shaped(
        _ ramp: ActivityRamp, decay: ChurnWorld.Decay, rng: inout Xoshiro256StarStar
    ) -> ActivityRamp {
        var decay = decay
        if decay == .mixed { decay = [.ramp, .sudden, .fade][rng.below(3)] }
        switch decay {
        case .ramp, .seasonal, .mixed:
            return ramp
        case .sudden:
            let stop = ramp.end - rng.int(in: 2...12)
            return ActivityRamp(start: stop - rng.int(in: 1...2), end: stop, floor: rng.double(in: 0...0.1), shape: 1)
        case .fade:
            return ActivityRamp(
                start: ramp.end - rng.int(in: 90...150),
                end: ramp.end,
                floor: rng.double(in: 0.3...0.6),
                shape: rng.double(in: 0.7...1.0)
            )
        }
    }

    /// An agency's seasonal dip: starting 10–25 days before T, down to
    /// 40–70 %, still going on at T (by 5–20 days).
    private static func makeSeasonalDip(asOf: Int, rng: inout Xoshiro256StarStar) -> ActivityDip {
        let before = rng.int(in: 10...25)
        return ActivityDip(start: asOf - before, length: before + rng.int(in: 5...20), depth: rng.double(in: 0.4...0.7))
    }

    /// Zipf popularity × a per-account log-normal preference, with features
    /// adopted or not by rank (at least three).
    private static func makeFeatureWeights(rng: inout Xoshiro256StarStar) -> [Double] {
        var weights = (0..<FeatureCatalog.count).map { rank in
            rng.chance(FeatureCatalog.adoption(rank: rank))
                ? FeatureCatalog.popularity(rank: rank) * rng.logNormal(mu: 0, sigma: 0.8)
                : 0
        }
        var rank = 0
        while weights.filter({ $0 > 0 }).count < 3 {
            if weights[rank] == 0 { weights[rank] = FeatureCatalog.popularity(rank: rank) }
            rank += 1
        }
        return weights
    }

    // MARK: Users

    private static func makeUsers(
        of account: AccountProfile, accountIndex: Int, firstUser: Int, config: DataGenConfig,
        windowStart: Int, rng: inout Xoshiro256StarStar
    ) -> [UserProfile] {
        let count = max(1, Int((Double(config.usersPerAccount) * rng.double(in: 0.5...1.5)).rounded()))
        let domain = NameBank.slug(account.name) + ".example.com"
        var keyUsers = Set<Int>()
        if !rng.chance(0.08) {
            var order = Array(0..<count)
            rng.shuffle(&order)
            keyUsers = Set(order.prefix(rng.chance(0.6) ? 1 : 2))
        }
        let neverLogsIn = account.lowEngagement ? 0.35 : 0.10
        // Users join within a month of the account, never after the window opens (or on day one).
        let joinSpread = min(30, max(0, windowStart - account.createdDay))
        var seenNames = Set<Int>()
        var result: [UserProfile] = []
        for local in 0..<count {
            let first = rng.below(NameBank.firstNames.count)
            let last = rng.below(NameBank.lastNames.count)
            var name = NameBank.firstNames[first] + " " + NameBank.lastNames[last]
            var handle = NameBank.firstNameHandles[first] + "." + NameBank.lastNameHandles[last]
            if !seenNames.insert(first * NameBank.lastNames.count + last).inserted {
                name += " \(local + 1)"
                handle += "\(local + 1)"
            }
            let isKey = keyUsers.contains(local)
            var weight = rng.logNormal(mu: 0, sigma: 1.0) * (isKey ? 2.5 : 1)
            if !isKey, rng.chance(neverLogsIn) { weight = 0 }
            let joined = account.createdDay + (joinSpread > 0 ? rng.below(joinSpread + 1) : 0)
            result.append(UserProfile(
                id: "usr_" + padded(firstUser + local + 1, 6),
                accountIndex: accountIndex,
                name: name,
                email: "\(handle)@\(domain)",
                isAdmin: local == 0 || rng.chance(0.12),
                isKeyUser: isKey,
                createdDay: joined,
                createdSecond: joined == account.createdDay ? account.createdSecond : rng.int(in: 7 * 3600...19 * 3600),
                activityWeight: weight
            ))
        }
        if !result.contains(where: { $0.activityWeight > 0 }) { result[0].activityWeight = 1 }
        return result
    }

    /// `value` in decimal, zero-padded to at least `width` digits.
    static func padded(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
