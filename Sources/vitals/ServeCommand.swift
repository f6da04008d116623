import ArgumentParser
import Foundation
import VitalsMCP
import VitalsStore
import VitalsTools

/// `vitals serve`: the MCP server.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the MCP tools (stdio for local clients).",
        discussion: """
            The API key in VITALS_API_KEY (from `vitals token create`) fixes the agency and the scopes of every call; \
            the tools its scopes do not allow are not listed.
            """
    )

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var scoring: ScoringOptions
    @Flag(name: .long, help: "Speak MCP over standard input and output.") var stdio = false
    @Option(name: .long, help: "Only these tool categories, comma-separated: \(VitalsMCPServer.allToolsets.joined(separator: ","))")
    var toolsets: String?
    @Flag(name: .customLong("read-only"), help: "Serve no tool that changes anything.") var readOnly = false

    func run() async throws {
        guard stdio else {
            printError("error: choose a transport: --stdio (streamable HTTP comes with the next step)")
            throw ExitCode.validationFailure
        }
        guard let key = ProcessInfo.processInfo.environment["VITALS_API_KEY"], !key.isEmpty else {
            printError("error: set VITALS_API_KEY to an API key of your agency (create one with `vitals token create --agency AG`)")
            throw ExitCode.validationFailure
        }
        var chosen: Set<String>?
        if let toolsets {
            chosen = Set(toolsets.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) })
            if let unknown = chosen!.first(where: { !VitalsMCPServer.allToolsets.contains($0) }) {
                printError("error: unknown toolset \(unknown); the toolsets are \(VitalsMCPServer.allToolsets.joined(separator: ","))")
                throw ExitCode.validationFailure
            }
        }
        let server: VitalsMCPServer
        do {
            let store = try Store.open(at: storeOptions.store, readOnly: true)
            let credential = try store.authenticate(key: key)
            server = VitalsMCPServer(context: try ToolContext(store: store, config: try scoring.load()), credential: credential,
                                     toolsets: chosen, readOnly: readOnly)
        } catch let error as ExitCode {
            throw error
        } catch {
            printError("error: \(error)")
            throw ExitCode.failure
        }
        try await server.runStdio()
    }
}
