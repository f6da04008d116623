import Foundation
import VitalsColumnar

/// The work of ``EventParsing/parse(_:ids:features:partBytes:into:)``, shared by
/// one worker per core. A worker takes, in this order of preference:
///
/// 1. an encoding job of an epoch given out (``EventBatchCodec/Job``), so
///    that encoded epochs free their parts' pages soon;
/// 2. the next part to parse; once parsed, the worker that finds no one
///    else assembling takes every part now next in its file's order
///    (``EventParsing/FileAssembly``) into the file's ``EpochStream``, and
///    queues the jobs of the epochs it gives out;
/// 3. nothing: it waits while another worker may still queue jobs, and
///    stops when none can.
///
/// Encoded groups of epochs go to the writer through a ``BatchFeed`` in
/// the order they are stored: a file's groups in the order its epochs
/// were given out, the files one after the other (a file's group that is
/// done waits for the ones before it).
///
/// A part that fails stops every worker; the caller then parses the files
/// whole for the first bad row's `file:line`.
final class StreamedParse: @unchecked Sendable {
    typealias ParsedPart = EventParsing.ParsedPart
    typealias Job = (batch: Int, job: EventBatchCodec.Job)

    /// The epochs given out together, and their jobs' results.
    private struct Group {
        let file: Int
        var selections: [EventSelection]
        let jobs: [Job]
        var results: [Result<[EncodedSegment], ZstdError>?]
        var remaining: Int
        /// Set once every job is done, until the batches are fed.
        var batches: [EncodedBatch]?
    }

    private let files: [(path: String, kind: EventKind)]
    private let tasks: [(file: Int, part: CSVPart)]
    private let known: ByteStringDictionary
    private let feed: BatchFeed
    /// Each file's first task, and its number of parts.
    private let firstTask: [Int], partCounts: [Int]

    private let condition = NSCondition()
    // Under `condition`:
    private var nextTask = 0
    private var parsing = 0
    private var assembling = false
    private var failed = false
    private var encodeError: StoreError?
    /// Parsed parts waiting for the ones before them, by file and part.
    private var ready: [[Int: ParsedPart]]
    private var nextPart: [Int]
    private var queue: [(group: Int, job: Int)] = []
    private var head = 0
    private var groups: [Group] = []
    /// Each file's groups in the order they were made; whether all of a
    /// file's groups are made; the next group to feed (file, index).
    private var fileGroups: [[Int]]
    private var assembled: [Bool]
    private var feeding = (file: 0, index: 0)
    // Only the worker assembling touches these (`assembling` is its token).
    private var assemblies: [EventParsing.FileAssembly]
    private var streams: [EpochStream]

    init(files: [(path: String, kind: EventKind)], tasks: [(file: Int, part: CSVPart)], headerLines: [Int], known: ByteStringDictionary,
         feed: BatchFeed) {
        self.files = files
        self.tasks = tasks
        self.known = known
        self.feed = feed
        firstTask = files.indices.map { f in tasks.firstIndex { $0.file == f } ?? tasks.count }
        partCounts = files.indices.map { f in tasks.count { $0.file == f } }
        ready = Array(repeating: [:], count: files.count)
        nextPart = Array(repeating: 0, count: files.count)
        assemblies = headerLines.map { EventParsing.FileAssembly(known: known, headerLines: $0) }
        streams = files.map { _ in EpochStream(seconds: EventBatchCodec.epochSeconds) }
        fileGroups = files.map { _ in [] }
        assembled = partCounts.map { $0 == 0 }
    }

    /// One worker's loop (see the type's comment).
    func runWorker(ids: EventIDs) {
        // A worker keeps one builder from part to part (its buffers' pages stay mapped).
        var builder = EventColumnsBuilder(hasItems: false)
        var encoder = ColumnSegmentEncoder()
        condition.lock()
        defer {
            condition.broadcast()
            condition.unlock()
        }
        while !failed {
            if head < queue.count {
                let (g, j) = queue[head]
                head += 1
                let job = groups[g].jobs[j], rows = groups[g].selections[job.batch], kind = files[groups[g].file].kind
                condition.unlock()
                let result = EventBatchCodec.run(job.job, of: rows, kind: kind, encoder: &encoder)
                condition.lock()
                groups[g].results[j] = result
                groups[g].remaining -= 1
                if groups[g].remaining == 0 { finish(group: g) }
            } else if nextTask < tasks.count {
                let t = nextTask
                nextTask += 1
                parsing += 1
                condition.unlock()
                let part = parse(t, builder: &builder, ids: ids)
                condition.lock()
                parsing -= 1
                guard let part else {
                    failed = true
                    return
                }
                ready[tasks[t].file][t - firstTask[tasks[t].file]] = part
                if !assembling {
                    assembling = true
                    assembleReadyParts()
                    assembling = false
                }
                condition.broadcast()
            } else if parsing > 0 || assembling {
                condition.wait()
            } else {
                return
            }
        }
    }

    /// The files parsed (their batches went to the feed); nil when a part failed.
    func result() throws(StoreError) -> [EventParsing.ParsedEvents]? {
        if let encodeError { throw encodeError }
        if failed { return nil }
        precondition(feeding.file == files.count, "every file's batches are fed once the workers stop")
        return files.indices.map { f in
            EventParsing.ParsedEvents(features: assemblies[f].features, newFeatureLines: assemblies[f].newFeatureLines,
                                      rows: assemblies[f].rows)
        }
    }

    /// Parses task `t`'s part into `builder`'s buffers; nil when it fails.
    private func parse(_ t: Int, builder: inout EventColumnsBuilder, ids: EventIDs) -> ParsedPart? {
        let kind = files[tasks[t].file].kind, known = known
        return try? { () throws(StoreError) -> ParsedPart in
            let reader = try CSVReader.opening(tasks[t].part)
            var partFeatures = known, newFeatureLines: [Int] = []
            builder.reset(hasItems: kind.hasItems, reservingCapacity: reader.fileSize / 16)
            try EventParsing.fill(&builder, from: reader, kind: kind, ids: ids, features: &partFeatures, newFeatureLines: &newFeatureLines)
            let columns = builder.buildKeepingBuffers(partitionCount: ids.accounts.count)
            return ParsedPart(columns: columns, features: partFeatures, newFeatureLines: newFeatureLines,
                              rows: reader.rowsRead, lines: reader.linesRead)
        }()
    }

    /// Takes every part that is next in its file's order into the file's
    /// stream, outside the lock, and queues the jobs of the epochs given
    /// out. Called and returns with the lock held, by the one worker assembling.
    private func assembleReadyParts() {
        while let f = files.indices.first(where: { nextPart[$0] < partCounts[$0] && ready[$0][nextPart[$0]] != nil }) {
            let part = ready[f].removeValue(forKey: nextPart[f])!
            nextPart[f] += 1
            let last = nextPart[f] == partCounts[f]
            condition.unlock()
            var selections = streams[f].add(assemblies[f].take(part))
            if last { selections += streams[f].finish() }
            let jobs = EventBatchCodec.jobs(selections, kind: files[f].kind)
            condition.lock()
            if !selections.isEmpty {
                queue += jobs.indices.map { (groups.count, $0) }
                fileGroups[f].append(groups.count)
                groups.append(Group(file: f, selections: selections, jobs: jobs, results: Array(repeating: nil, count: jobs.count),
                                    remaining: jobs.count))
                condition.broadcast()
            }
            if last {
                assembled[f] = true
                feedDoneGroups()
            }
        }
    }

    /// Feeds every group that is done and next in the stored order.
    /// Called with the lock held.
    private func feedDoneGroups() {
        while !failed && feeding.file < files.count {
            let order = fileGroups[feeding.file]
            if feeding.index < order.count {
                guard let batches = groups[order[feeding.index]].batches else { return }
                for batch in batches { feed.put(.batch(file: feeding.file, batch)) }
                groups[order[feeding.index]].batches = []
                feeding.index += 1
            } else if assembled[feeding.file] {
                feeding = (feeding.file + 1, 0)
            } else {
                return
            }
        }
    }

    /// A group whose jobs are all done: its batches, and its parts released.
    private func finish(group g: Int) {
        do throws(StoreError) {
            groups[g].batches = try EventBatchCodec.batches(groups[g].selections, kind: files[groups[g].file].kind, jobs: groups[g].jobs,
                                                            results: groups[g].results.map { $0! })
        } catch {
            encodeError = error
            failed = true
        }
        groups[g].selections = []
        groups[g].results = []
        feedDoneGroups()
    }
}
