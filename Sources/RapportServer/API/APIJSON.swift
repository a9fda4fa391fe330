import Foundation
import Hummingbird
import NIOCore
import RapportCore

/// The API's JSON: snake_case keys, ISO 8601 times in UTC.
enum APIJSON {
    static let maxBodyBytes = 1 << 20

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.keyEncodingStrategy = .custom(SnakeCase.jsonKey)
        let style = Date.ISO8601FormatStyle.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted)
        e.dateEncodingStrategy = .custom { date, encoder in
            var c = encoder.singleValueContainer()
            try c.encode(style.format(date))
        }
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.keyDecodingStrategy = .convertFromSnakeCase
        d.dateDecodingStrategy = .custom { decoder in
            let c = try decoder.singleValueContainer()
            let text = try c.decode(String.self)
            if let date = try? Date(text, strategy: .iso8601) { return date }
            if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return date }
            let field = decoder.codingPath.last.map { APIJSON.snake($0.stringValue) } ?? "date"
            throw RapportError.invalidField(field, code: "invalid_datetime", "expected an ISO 8601 time such as 2026-11-27T10:00:00Z",
                                            "ожидается время в формате ISO 8601, например 2026-11-27T10:00:00Z")
        }
        return d
    }()

    static func snake(_ key: String) -> String {
        var out = ""
        for ch in key {
            if ch.isUppercase { out += "_" + ch.lowercased() } else { out.append(ch) }
        }
        return out
    }

    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try encoder.encode(value)
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func noContent() -> Response {
        Response(status: .noContent)
    }
}

extension Request {
    /// The JSON body as `T`; malformed JSON, wrong types and bodies over 1 MiB become clear 4xx errors.
    func decodeJSON<T: Decodable>(_ type: T.Type) async throws -> T {
        let buffer = try await body.collect(upTo: APIJSON.maxBodyBytes)
        guard buffer.readableBytes > 0 else {
            throw RapportError(.invalid, code: "empty_body", message: "a JSON body is required", messageRu: "требуется тело запроса в формате JSON")
        }
        do {
            return try APIJSON.decoder.decode(T.self, from: Data(buffer.readableBytesView))
        } catch let error as RapportError {
            throw error
        } catch let error as DecodingError {
            throw APIErrorMapping.describe(error)
        }
    }

    func uuidParameter(_ name: String, context: RapportRequestContext) throws -> UUID {
        try UUID(validating: try context.parameters.require(name), field: name)
    }

    func query(_ name: String) -> String? {
        uri.queryParameters.get(name)
    }

    func uuidQuery(_ name: String) throws -> UUID? {
        try query(name).map { try UUID(validating: $0, field: name) }
    }

    func enumQuery<E: ClosedVocabulary>(_ name: String, as type: E.Type) throws -> E? {
        try query(name).map { try E(validating: $0, field: name) }
    }

    func pageRequest() throws -> PageRequest {
        var limit: Int?
        if let text = query("limit") {
            guard let value = Int(text) else {
                throw RapportError.invalidField("limit", code: "invalid_limit", "must be a whole number", "должно быть целым числом")
            }
            limit = value
        }
        return try PageRequest(limit: limit, cursor: query("cursor"))
    }
}

/// A whole list: `{"items": [...]}`.
struct ListBody<T: Encodable & Sendable>: Encodable { let items: [T] }

/// The list envelope: `{"items": [...], "next_cursor": "..."}`.
struct PageBody<Item: Encodable & Sendable>: Encodable {
    let items: [Item]
    let nextCursor: String?

    init(_ page: Page<Item>) {
        items = page.items
        nextCursor = page.nextCursor
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(items, forKey: .items)
        try c.encode(nextCursor, forKey: .nextCursor)  // explicit null on the last page
    }

    enum CodingKeys: String, CodingKey { case items, nextCursor }
}
