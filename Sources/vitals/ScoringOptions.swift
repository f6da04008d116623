import ArgumentParser
import VitalsAnalytics

/// `--config`: the optional scoring config file.
struct ScoringOptions: ParsableArguments {
    @Option(name: .long, help: "Scoring config (JSON: weights, bands, windows, core_adoption); default DESIGN.md's.")
    var config: String?

    func load() throws -> ScoringConfig {
        guard let config else { return .standard }
        do {
            return try ScoringConfig.load(path: config)
        } catch {
            printError("error: \(error)")
            throw ExitCode.failure
        }
    }
}

/// Parses a `YYYY-MM-DD` option; commands call it from `validate()` first,
/// so that a bad date is refused before anything is opened.
func parseDay(_ text: String?, option: String) throws(ValidationError) -> AsOf? {
    guard let text else { return nil }
    guard let day = AsOf(text) else { throw ValidationError("\(option) must be a date YYYY-MM-DD, got \"\(text)\"") }
    return day
}
