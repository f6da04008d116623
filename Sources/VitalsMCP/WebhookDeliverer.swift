import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import VitalsStore

/// Delivers the durable outboxes: trigger_workflow runs to their workflow's
/// webhook (`workflow_runs` with status pending), and alerts and feedback
/// requests to the agency's alert targets (`outbox`). Each is an HTTP POST of
/// JSON with its id as `Idempotency-Key`, at least once, retried with
/// exponential backoff until a 2xx or `maxAttempts`. A server (or `vitals
/// alerts deliver`) started after a crash picks up where the outbox stands.
public final class WebhookDeliverer: @unchecked Sendable {
    let store: Store
    /// First retry delay; doubles per attempt up to `maxBackoff`.
    let baseBackoff: Duration
    let maxBackoff: Duration
    let maxAttempts: Int
    let pollInterval: Duration
    /// The deadline of one POST, its answer included.
    let requestTimeout: TimeAmount = .seconds(10)
    private var task: Task<Void, Never>?

    public init(store: Store, baseBackoff: Duration = .seconds(1), maxBackoff: Duration = .seconds(300), maxAttempts: Int = 10,
                pollInterval: Duration = .milliseconds(250)) {
        self.store = store
        self.baseBackoff = baseBackoff
        self.maxBackoff = maxBackoff
        self.maxAttempts = maxAttempts
        self.pollInterval = pollInterval
    }

    /// Backoff from the environment (`VITALS_WEBHOOK_BACKOFF_MS`), for tests and impatient operators.
    public static func fromEnvironment(store: Store) -> WebhookDeliverer {
        let ms = ProcessInfo.processInfo.environment["VITALS_WEBHOOK_BACKOFF_MS"].flatMap(Int.init) ?? 1000
        return WebhookDeliverer(store: store, baseBackoff: .milliseconds(max(1, ms)))
    }

    public func start() {
        task = Task { [self] in
            while !Task.isCancelled {
                await deliverDue()
                try? await Task.sleep(for: pollInterval)
            }
        }
    }

    public func stop() { task?.cancel() }

    /// Stops, and waits for the pass under way to record what it did: a
    /// server that exits between claiming a delivery and recording its
    /// attempt leaves it leased (30 s) instead of due at its backoff. A
    /// POST still in flight is cancelled and recorded as a failed attempt.
    public func finish() async {
        task?.cancel()
        await task?.value
    }

    /// One pass over the due deliveries; how many went out and how many failed an attempt.
    @discardableResult
    public func deliverDue() async -> (delivered: Int, failed: Int) {
        let now = Self.nowMilliseconds()
        guard let due = try? store.claimDueDeliveries(now: now), !due.isEmpty else { return (0, 0) }
        var delivered = 0, failed = 0
        for delivery in due {
            if let failure = await post(delivery) {
                let attempt = delivery.attempts + 1
                let next: Int64? = attempt >= maxAttempts ? nil : Self.nowMilliseconds() + backoff(afterAttempt: attempt)
                try? store.markAttemptFailed(delivery, error: failure, nextAttemptAt: next)
                failed += 1
            } else {
                try? store.markDelivered(delivery, now: Int64(Date().timeIntervalSince1970))
                delivered += 1
            }
        }
        return (delivered, failed)
    }

    /// Passes until nothing is due now (a failed message waits for its backoff).
    @discardableResult
    public func deliverAllDue() async -> (delivered: Int, failed: Int) {
        var delivered = 0, failed = 0
        while true {
            let pass = await deliverDue()
            guard pass.delivered + pass.failed > 0 else { return (delivered, failed) }
            delivered += pass.delivered
            failed += pass.failed
        }
    }

    /// The POST; nil on a 2xx, else what went wrong.
    func post(_ delivery: DueDelivery) async -> String? {
        guard let url = URL(string: delivery.url), url.scheme == "http" || url.scheme == "https" else {
            return "bad webhook URL \(delivery.url)"
        }
        var request = HTTPClientRequest(url: delivery.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Idempotency-Key", value: delivery.id)
        request.headers.add(name: "User-Agent", value: "vitals-webhook/1")
        request.body = .bytes(ByteBuffer(string: delivery.body))
        do {
            // The status is the answer; its body is not read (dropping the response closes its connection).
            let response = try await OutboundHTTP.webhooks.execute(request, timeout: requestTimeout)
            let status = Int(response.status.code)
            return (200 ..< 300).contains(status) ? nil : "HTTP \(status)"
        } catch {
            return OutboundHTTP.explain(error, host: url.host ?? delivery.url)
        }
    }

    func backoff(afterAttempt attempt: Int) -> Int64 {
        let base = baseBackoff.components.seconds * 1000 + baseBackoff.components.attoseconds / 1_000_000_000_000_000
        let cap = maxBackoff.components.seconds * 1000
        return min(cap, base << min(attempt - 1, 20))
    }

    static func nowMilliseconds() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}
