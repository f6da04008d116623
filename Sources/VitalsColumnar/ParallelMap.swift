import Dispatch
import Foundation

/// Runs `body(0 ..< count)` on all cores and returns the results in index order.
/// Each index writes only its own slot, so no locking is needed.
public func parallelMap<T: Sendable>(_ count: Int, _ body: @Sendable (Int) -> T) -> [T] {
    guard count > 1 else { return (0 ..< count).map(body) }
    let slots = UnsafeMutablePointer<T?>.allocate(capacity: count)
    slots.initialize(repeating: nil, count: count)
    defer {
        slots.deinitialize(count: count)
        slots.deallocate()
    }
    let shared = SlotPointer(base: slots)
    DispatchQueue.concurrentPerform(iterations: count) { index in
        shared.base[index] = body(index)
    }
    return (0 ..< count).map { slots[$0]! }
}

/// ``parallelMap(_:_:)`` where each worker keeps state of its own between
/// indices (a reused buffer, a compression context): one worker per core,
/// each taking the next index left until none is.
public func parallelMap<T: Sendable, State>(_ count: Int, state makeState: @Sendable () -> State,
                                            _ body: @Sendable (inout State, Int) -> T) -> [T] {
    let workers = min(count, ProcessInfo.processInfo.activeProcessorCount)
    guard workers > 1 else {
        var state = makeState()
        return (0 ..< count).map { body(&state, $0) }
    }
    let slots = UnsafeMutablePointer<T?>.allocate(capacity: count)
    slots.initialize(repeating: nil, count: count)
    defer {
        slots.deinitialize(count: count)
        slots.deallocate()
    }
    let shared = SlotPointer(base: slots), next = NextIndex()
    DispatchQueue.concurrentPerform(iterations: workers) { _ in
        var state = makeState()
        while let index = next.take(below: count) { shared.base[index] = body(&state, index) }
    }
    return (0 ..< count).map { slots[$0]! }
}

/// The next index a worker takes.
private final class NextIndex: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0

    func take(below count: Int) -> Int? {
        lock.withLock {
            guard next < count else { return nil }
            defer { next += 1 }
            return next
        }
    }
}

/// A pointer handed to worker threads that each write a distinct slot.
private struct SlotPointer<T>: @unchecked Sendable {
    let base: UnsafeMutablePointer<T?>
}

/// Runs `body` on a thread of its own, beside the caller, who goes on with
/// other work and then waits for it with ``result()``.
public final class Beside<T: Sendable, Failure: Error>: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    /// Written once by the thread before it signals `done`, read after waiting.
    private var outcome: Result<T, Failure>?

    public init(_ body: @escaping @Sendable () throws(Failure) -> T) {
        let thread = Thread { [self] in
            do throws(Failure) { outcome = .success(try body()) } catch { outcome = .failure(error) }
            done.signal()
        }
        thread.start()
    }

    /// Set once the caller has waited (the semaphore signals once).
    private var waited = false

    /// Waits for `body` and returns what it returned, or throws what it
    /// threw; again, at once, on a second call (from the same caller).
    public func result() throws(Failure) -> T {
        if !waited {
            done.wait()
            waited = true
        }
        return try outcome!.get()
    }
}
