import ArgumentParser
import Foundation
import VitalsColumnar
import VitalsMCP
import VitalsStore
import VitalsTools

/// `vitals alerts`: where an agency's alerts go, and their delivery.
struct AlertsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts",
        abstract: "Register where an agency's alerts go (a JSON webhook or a Slack incoming webhook), list and remove them, deliver the outbox.",
        discussion: """
            Events: cta.opened (a playbook or a person opened a CTA), cta.closed, feedback.requested (request_feedback: \
            the target is the agency's survey or email tool). Each message is POSTed at least once with its delivery id as \
            Idempotency-Key, retried with backoff by `vitals serve` (or `vitals alerts deliver`) until a 2xx.
            """,
        subcommands: [Add.self, List.self, Remove.self, Deliver.self]
    )

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "add", abstract: "Register a target; prints its id.")

        @OptionGroup var storeOptions: StoreOptions
        @Option(name: .long, help: "The agency, e.g. ag_001.") var agency: String
        @Option(name: .long, help: "webhook (JSON: event, delivery_id, agency_id, occurred_at, data) or slack ({\"text\": …}).") var kind: String
        @Option(name: .long, help: "The http(s) URL to POST to.") var url: String
        @Option(name: .long, help: "Comma-separated events (default cta.opened): \(Alerts.events.joined(separator: ", ")).") var events: String?

        func run() throws {
            try withStore(storeOptions, agency: agency) { store, agencyKey in
                let names = (events ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                let target: AlertTarget
                do {
                    target = try Alerts.target(agencyKey: agencyKey, kind: kind, url: url, events: names, now: Int64(Date().timeIntervalSince1970))
                } catch {
                    printError("error: \(error)")
                    throw ExitCode.validationFailure
                }
                try store.addAlertTarget(target)
                print(target.targetID)
                printError("alerts of \(agency) for \(target.events.joined(separator: ", ")) go to \(target.kind) \(target.url)")
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "One line per target: id, kind, URL, events, and its messages by status (pending, delivered, failed).")

        @OptionGroup var storeOptions: StoreOptions
        @Option(name: .long, help: "The agency, e.g. ag_001.") var agency: String
        @Flag(name: .long, help: "Removed targets too.") var all = false

        func run() throws {
            try withStore(storeOptions, agency: agency, readOnly: true) { store, agencyKey in
                let deliveries = Dictionary(grouping: try store.outboxDeliveries(agencyKey: agencyKey, limit: 1_000_000), by: \.targetID)
                for target in try store.alertTargets(agencyKey: agencyKey, includeRemoved: all) {
                    let statuses = Dictionary(grouping: deliveries[target.targetID] ?? [], by: \.status).mapValues(\.count)
                    print([target.targetID, target.kind, target.url, target.events.joined(separator: ","),
                           ["pending", "delivered", "failed"].map { "\($0) \(statuses[$0] ?? 0)" }.joined(separator: ", "),
                           target.removedAt.map { "removed " + CivilTime.formatTimestamp(seconds: $0) } ?? "active"].joined(separator: "\t"))
                }
            }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "remove", abstract: "Remove a target: nothing more is sent to it (its pending messages are dropped as failed).")

        @OptionGroup var storeOptions: StoreOptions
        @Option(name: .long, help: "The agency, e.g. ag_001.") var agency: String
        @Argument(help: "The target id, as `alerts list` shows it.") var targetID: String

        func run() throws {
            try withStore(storeOptions, agency: agency) { store, agencyKey in
                guard try store.removeAlertTarget(targetID, agencyKey: agencyKey, now: Int64(Date().timeIntervalSince1970)) else {
                    printError("error: \(targetID) is not an active alert target of \(agency) (vitals alerts list --agency \(agency))")
                    throw ExitCode.failure
                }
                printError("removed \(targetID)")
            }
        }
    }

    struct Deliver: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "deliver",
            abstract: "Deliver what is due in the outbox (alerts, feedback requests, workflow runs), for a store no server runs on.")

        @OptionGroup var storeOptions: StoreOptions
        @Option(name: .long, help: "Keep retrying for up to this many seconds until nothing is pending (default: one pass).") var wait: Double = 0

        func run() async throws {
            let store: Store
            do {
                store = try Store.open(at: storeOptions.store)
            } catch {
                printError("error: \(error)")
                throw ExitCode.failure
            }
            let deliverer = WebhookDeliverer.fromEnvironment(store: store)
            let deadline = Date().addingTimeInterval(wait)
            var delivered = 0, failed = 0
            repeat {
                let pass = await deliverer.deliverAllDue()
                delivered += pass.delivered
                failed += pass.failed
                if (try? store.pendingDeliveries()) == 0 { break }
                if Date() < deadline { try? await Task.sleep(for: .milliseconds(200)) }
            } while Date() < deadline
            let pending = (try? store.pendingDeliveries()) ?? 0
            printError("delivered \(delivered), failed attempts \(failed), still pending \(pending)")
        }
    }
}

/// Opens the store, resolves the agency and runs `body`; errors print and exit 1.
private func withStore(_ options: StoreOptions, agency: String, readOnly: Bool = false,
                       _ body: (Store, Int) throws -> Void) throws {
    do {
        let store = try Store.open(at: options.store, readOnly: readOnly)
        guard let agencyKey = try store.agencyKey(agency) else {
            printError("error: unknown agency \(agency)")
            throw ExitCode.failure
        }
        try body(store, agencyKey)
    } catch let error as ExitCode {
        throw error
    } catch {
        printError("error: \(error)")
        throw ExitCode.failure
    }
}
