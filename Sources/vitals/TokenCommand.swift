import ArgumentParser
import Foundation
import VitalsColumnar
import VitalsStore

/// `vitals token`: API keys (Private Integration Tokens) of an agency.
struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Create, list and revoke API keys. A key fixes the agency and the scopes of every call made with it.",
        subcommands: [Create.self, List.self, Revoke.self]
    )

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create",
            abstract: "Issue a key; it is printed once and stored only as a SHA-256 hash.")

        @OptionGroup var storeOptions: StoreOptions
        @Option(name: .long, help: "The agency, e.g. ag_001.") var agency: String
        @Option(name: .long, help: "Comma-separated scopes (default: the read:* scopes): \(Scope.allCases.map(\.rawValue).joined(separator: ","))")
        var scopes: String?
        @Option(name: .long, help: "Lifetime such as 90d, 12h or 30m (default: no expiry).") var expires: String?
        @Option(name: .long, help: "A note for `token list`, e.g. \"Claude Desktop, Maria\".") var label: String = ""

        func validate() throws {
            _ = try scopeList()
            _ = try expires.map(Self.seconds)
        }

        /// --scopes parsed (default: the read scopes); none is refused.
        func scopeList() throws(ValidationError) -> [Scope] {
            let list: [Scope]
            do { list = try scopes.map(Scope.parseList) ?? Scope.reads } catch { throw ValidationError("\(error)") }
            guard !list.isEmpty else { throw ValidationError("--scopes is empty") }
            return list
        }

        func run() throws {
            do {
                let scopeList = try scopeList()
                let now = Int64(Date().timeIntervalSince1970)
                let lifetime = try expires.map(Self.seconds)
                let (key, record) = try Store.open(at: storeOptions.store).createAPIKey(
                    agencyID: agency, scopes: scopeList, label: label, expiresAt: lifetime.map { now + $0 }, now: now)
                print(key)
                printError("API key \(record.keyID) for \(agency), scopes \(record.scopes.map(\.rawValue).joined(separator: " "))"
                    + (record.expiresAt.map { ", expires \(CivilTime.formatTimestamp(seconds: $0))" } ?? ", no expiry")
                    + ". It is shown once: store it now.")
            } catch let error as ValidationError {
                throw error
            } catch {
                printError("error: \(error)")
                throw ExitCode.failure
            }
        }

        /// `90d`, `12h`, `30m` → seconds.
        static func seconds(_ text: String) throws -> Int64 {
            let units: [Character: Int64] = ["d": 86_400, "h": 3_600, "m": 60]
            guard let unit = text.last.flatMap({ units[$0] }), let count = Int64(text.dropLast()), count > 0 else {
                throw ValidationError("--expires must look like 90d, 12h or 30m, got \"\(text)\"")
            }
            return count * unit
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List keys (never the keys themselves).")

        @OptionGroup var storeOptions: StoreOptions
        @Option(name: .long, help: "Only this agency's keys.") var agency: String?

        func run() throws {
            do {
                let now = Int64(Date().timeIntervalSince1970)
                for key in try Store.open(at: storeOptions.store, readOnly: true).apiKeys(agencyID: agency) {
                    let state = key.revokedAt != nil ? "revoked" : key.expiresAt.map { $0 <= now ? "expired" : "active" } ?? "active"
                    print([key.keyID, key.agencyID, state, key.scopes.map(\.rawValue).joined(separator: ","),
                           "created " + CivilTime.formatTimestamp(seconds: key.createdAt),
                           key.expiresAt.map { "expires " + CivilTime.formatTimestamp(seconds: $0) } ?? "no expiry",
                           key.label].joined(separator: "\t"))
                }
            } catch {
                printError("error: \(error)")
                throw ExitCode.failure
            }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke a key by its id (the part after vk_).")

        @OptionGroup var storeOptions: StoreOptions
        @Argument(help: "The key id, as `token list` shows it.") var keyID: String

        func run() throws {
            do {
                try Store.open(at: storeOptions.store).revokeAPIKey(keyID: keyID)
                printError("API key \(keyID) revoked")
            } catch {
                printError("error: \(error)")
                throw ExitCode.failure
            }
        }
    }
}
