import ArgumentParser

/// The `--store` option every command shares.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: "Path of the store file (one SQLite file).")
    var store: String = "vitals.db"
}
