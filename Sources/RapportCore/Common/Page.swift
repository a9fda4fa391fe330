/// One page of a list, newest or lowest key first, with an opaque cursor for the next page.
public struct Page<Item: Sendable>: Sendable {
    public let items: [Item]
    /// Pass back as `cursor` to get the next page; `nil` when this is the last page.
    public let nextCursor: String?

    public init(items: [Item], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}

/// What a list call asks for: how many, and from where.
public struct PageRequest: Sendable {
    public static let maxLimit = 500
    public let limit: Int
    public let cursor: String?

    public init(limit: Int? = nil, cursor: String? = nil) throws {
        let l = limit ?? 50
        guard (1...Self.maxLimit).contains(l) else {
            throw RapportError.invalidField("limit", code: "invalid_limit", "must be between 1 and \(Self.maxLimit)", "должно быть от 1 до \(Self.maxLimit)")
        }
        self.limit = l
        self.cursor = cursor
    }
}
