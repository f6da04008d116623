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
        discussion: "Until API keys land, --agency (or VITALS_AGENCY) fixes the agency every call is scoped to."
    )

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var scoring: ScoringOptions
    @Flag(name: .long, help: "Speak MCP over standard input and output.") var stdio = false
    @Option(name: .long, help: "The agency every call is scoped to, e.g. ag_001.") var agency: String?

    func run() async throws {
        guard stdio else {
            printError("error: choose a transport: --stdio (streamable HTTP comes with the next step)")
            throw ExitCode.validationFailure
        }
        guard let agencyID = agency ?? ProcessInfo.processInfo.environment["VITALS_AGENCY"] else {
            printError("error: give --agency AG (or set VITALS_AGENCY): every call is scoped to one agency")
            throw ExitCode.validationFailure
        }
        let context: ToolContext
        do {
            context = try ToolContext(store: try Store.open(at: storeOptions.store, readOnly: true), config: try scoring.load())
        } catch let error as ExitCode {
            throw error
        } catch {
            printError("error: \(error)")
            throw ExitCode.failure
        }
        guard context.dataset.agencyKey(agencyID) != nil else {
            printError("error: unknown agency \(agencyID)")
            throw ExitCode.failure
        }
        try await VitalsMCPServer(context: context, agencyID: agencyID).runStdio()
    }
}
