import Foundation

/// A fresh temporary directory for one test.
func makeTemporaryDirectory() -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("vitals-columnar-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Writes `bytes` to a new temporary file and returns its path.
func writeTemporaryFile(_ bytes: [UInt8], name: String = "test.csv") -> String {
    let url = makeTemporaryDirectory().appendingPathComponent(name)
    _ = FileManager.default.createFile(atPath: url.path, contents: Data(bytes))
    return url.path
}

func writeTemporaryFile(_ text: String, name: String = "test.csv") -> String {
    writeTemporaryFile(Array(text.utf8), name: name)
}
