import ArgumentParser

/// The `vitals` command: ingest, inspect, score, query, evaluate, serve.
@main
struct Vitals: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vitals",
        abstract: "Customer-success analytics for agencies: ingest events, score accounts, answer questions.",
        subcommands: [IngestCommand.self, InfoCommand.self, CompactCommand.self, ScoreCommand.self, QueryCommand.self, EvalCommand.self, ServeCommand.self, TokenCommand.self, ClientsCommand.self, AlertsCommand.self, AuditCommand.self, ReportCommand.self]
    )

    /// Answers `vitals query TOOL --help` with that tool's own help, which
    /// the argument parser cannot (it answers `--help` before any command
    /// runs); everything else is parsed and run as usual.
    static func main() async {
        if let tool = ToolHelp.requested(in: Array(CommandLine.arguments.dropFirst())) {
            print(ToolHelp.render(tool))
            return
        }
        await main(nil)
    }
}
