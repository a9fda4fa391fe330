import Foundation

/// The source of "now". Injected everywhere so that tests and the demo control time.
public protocol Clock: Sendable {
    func now() -> Date
}

public struct SystemClock: Clock {
    public init() {}
    public func now() -> Date { Date() }
}
