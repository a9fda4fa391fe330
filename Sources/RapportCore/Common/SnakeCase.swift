import Foundation

/// camelCase property names → snake_case column and JSON names, remembered: converting the same
/// few hundred keys on every row and every response showed up in profiles.
public enum SnakeCase {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var known: [String: String] = [:]

    public static func of(_ key: String) -> String {
        if let hit = lock.withLock({ known[key] }) { return hit }
        var out = ""
        for ch in key {
            if ch.isUppercase { out += "_" + ch.lowercased() } else { out.append(ch) }
        }
        lock.withLock { known[key] = out }
        return out
    }

    /// A coding key with a given name.
    public struct Key: CodingKey {
        public let stringValue: String
        public let intValue: Int?
        public init(stringValue: String) { self.stringValue = stringValue; intValue = nil }
        public init?(intValue: Int) { stringValue = String(intValue); self.intValue = intValue }
    }

    /// For `JSONEncoder.keyEncodingStrategy = .custom(...)`.
    @Sendable public static func jsonKey(_ path: [any CodingKey]) -> any CodingKey {
        guard let last = path.last else { return Key(stringValue: "") }
        if last.intValue != nil { return last }
        return Key(stringValue: of(last.stringValue))
    }
}
