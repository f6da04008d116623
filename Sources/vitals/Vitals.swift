import ArgumentParser

/// The `vitals` command: ingest, inspect (and later score, query, serve).
@main
struct Vitals: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vitals",
        abstract: "Customer-success analytics for agencies: ingest events, score accounts, answer questions.",
        subcommands: [IngestCommand.self, InfoCommand.self]
    )
}
