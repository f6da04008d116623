import ArgumentParser
import Foundation
import VitalsColumnar
import VitalsStore

/// `vitals clients`: the OAuth apps connected to an agency.
struct ClientsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clients",
        abstract: "List and revoke the OAuth apps (MCP clients) connected to an agency.",
        subcommands: [List.self, Revoke.self]
    )

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "One line per app that was granted access to the agency: client id, name, scopes, granted, last used, state.")

        @OptionGroup var storeOptions: StoreOptions
        @Option(name: .long, help: "The agency, e.g. ag_001.") var agency: String

        func run() throws {
            do {
                let store = try Store.open(at: storeOptions.store, readOnly: true)
                guard let agencyKey = try store.agencyKey(agency) else {
                    printError("error: unknown agency \(agency)")
                    throw ExitCode.failure
                }
                for app in try store.connectedApps(agencyKey: agencyKey) {
                    print([app.clientID, app.clientName, app.scopes.map(\.rawValue).joined(separator: ","),
                           "granted " + CivilTime.formatTimestamp(seconds: app.grantedAt),
                           app.lastUsedMilliseconds.map { "last used " + CivilTime.formatTimestamp(seconds: $0 / 1000) } ?? "never used",
                           app.active ? "active" : "revoked"].joined(separator: "\t"))
                }
            } catch let error as ExitCode {
                throw error
            } catch {
                printError("error: \(error)")
                throw ExitCode.failure
            }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "revoke",
            abstract: "Revoke every token of an app (of one agency with --agency); the app must be connected again.")

        @OptionGroup var storeOptions: StoreOptions
        @Argument(help: "The client id, as `clients list` shows it.") var clientID: String
        @Option(name: .long, help: "Only this agency's grants.") var agency: String?

        func run() throws {
            do {
                let store = try Store.open(at: storeOptions.store)
                var agencyKey: Int?
                if let agency {
                    guard let key = try store.agencyKey(agency) else {
                        printError("error: unknown agency \(agency)")
                        throw ExitCode.failure
                    }
                    agencyKey = key
                }
                guard let count = try store.revokeOAuthClient(clientID, agencyKey: agencyKey, by: "cli") else {
                    printError("error: no OAuth client \(clientID) (vitals clients list shows them)")
                    throw ExitCode.failure
                }
                printError("revoked \(count) grant(s) of client \(clientID)")
            } catch let error as ExitCode {
                throw error
            } catch {
                printError("error: \(error)")
                throw ExitCode.failure
            }
        }
    }
}
