/// What one run wrote: rows and bytes per file, and how long it took.
public struct DataGenSummary: Sendable, Equatable {
    /// One written CSV file.
    public struct File: Sendable, Equatable {
        /// File name inside the output directory (`logins.csv`).
        public var name: String
        /// Data rows, the header not counted.
        public var rows: Int
        /// File size in bytes, header included.
        public var bytes: Int
    }

    /// Every file written, in writing order.
    public var files: [File]
    /// Wall-clock seconds of the whole run.
    public var elapsedSeconds: Double

    /// Rows of `name`, or `nil` when no such file was written.
    public func rows(of name: String) -> Int? {
        files.first { $0.name == name }?.rows
    }

    /// Rows of logins.csv plus feature_usage.csv.
    public var eventRows: Int {
        (rows(of: "logins.csv") ?? 0) + (rows(of: "feature_usage.csv") ?? 0)
    }

    /// Event rows per second of the whole run (0 when it took no measurable time).
    public var eventRowsPerSecond: Double {
        elapsedSeconds > 0 ? Double(eventRows) / elapsedSeconds : 0
    }
}
