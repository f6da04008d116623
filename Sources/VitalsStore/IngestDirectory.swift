import Foundation

/// The rules of a dataset directory (DESIGN.md's CSV contract): which files
/// an ingest reads, in which order, and which the first ingest into a store
/// cannot do without.
struct IngestDirectory: Sendable {
    /// Files the ingest reads, in the order it reads them; others are ignored.
    /// Entities come before the rows that name them.
    static let knownFiles = ["agencies.csv", "accounts.csv", "users.csv", "workflows.csv",
                             "logins.csv", "feature_usage.csv", "mrr.csv", "payments.csv", "feedback.csv"]

    /// The event files and their kinds, in the order they are read.
    static let eventFiles: [(name: String, kind: EventKind)] = [("logins.csv", .login), ("feature_usage.csv", .featureUsage)]

    /// A store without accounts and users has nothing for the other files to refer to.
    static let requiredForFirstIngest = ["accounts.csv", "users.csv"]

    /// The directory's path, as given.
    let path: String

    /// - Throws: ``StoreError/badDirectory(_:)`` when `path` is not a directory.
    init(_ path: String) throws(StoreError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .badDirectory("\(path): no such directory")
        }
        self.path = path
    }

    /// The path of `name` in the directory, or nil when it is absent.
    func file(_ name: String) -> String? {
        let file = (path as NSString).appendingPathComponent(name)
        return FileManager.default.fileExists(atPath: file) ? file : nil
    }

    /// The bytes of the event files the directory has.
    var eventBytes: Int {
        Self.eventFiles.compactMap { file($0.name) }.reduce(0) { total, path in
            var info = stat()
            return total + (stat(path, &info) == 0 ? Int(info.st_size) : 0)
        }
    }

    /// Refuses a first ingest (`entities` empty) without accounts and users.
    func checkRequiredFiles(for entities: StoreEntities) throws(StoreError) {
        guard entities.accounts.isEmpty else { return }
        for required in Self.requiredForFirstIngest where file(required) == nil {
            throw .badDirectory("\(path): \(required) is required for the first ingest into a store")
        }
    }
}
