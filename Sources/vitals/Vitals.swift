import ArgumentParser

/// The `vitals` command: ingest, inspect, score, query, evaluate, serve.
@main
struct Vitals: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vitals",
        abstract: "Customer-success analytics for agencies: ingest events, score accounts, answer questions.",
        subcommands: [IngestCommand.self, InfoCommand.self, ScoreCommand.self, QueryCommand.self, EvalCommand.self, ServeCommand.self, TokenCommand.self, ClientsCommand.self, AuditCommand.self]
    )
}
