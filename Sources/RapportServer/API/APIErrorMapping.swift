import Foundation
import Hummingbird
import Logging
import NIOCore
import RapportCore

/// The one place where failures become HTTP responses.
///
/// `{"error": {"code": "...", "message": "...", "message_ru": "...", "details": {...}, "request_id": "..."}}`.
/// Unknown errors become a 500 with the request id; their text is logged (type only), never sent.
struct APIErrorMiddleware: RouterMiddleware {
    typealias Context = RapportRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as RapportError {
            // A page address refused before its own handling (the rate limit): a page, not JSON.
            if !Self.isAPI(request) { return WebErrors.page(error, principal: nil, request: request, requestId: context.requestId) }
            return APIErrorMapping.response(error, requestId: context.requestId)
        } catch let error as DecodingError {
            return APIErrorMapping.response(APIErrorMapping.describe(error), requestId: context.requestId)
        } catch is NIOTooManyBytesError {
            return APIErrorMapping.response(APIErrorMapping.describe(HTTPError(.contentTooLarge)), requestId: context.requestId)
        } catch let error as HTTPError {
            if !Self.isAPI(request) {
                // A page address that does not exist: a page, not JSON.
                return WebErrors.page(APIErrorMapping.describe(error), principal: nil, request: request, requestId: context.requestId)
            }
            return APIErrorMapping.response(APIErrorMapping.describe(error), requestId: context.requestId)
        } catch {
            context.logger.error("unhandled error", metadata: ["error_type": .string(String(describing: type(of: error)))])
            return APIErrorMapping.response(RapportError(.invalid, code: "internal_error", message: "an internal error occurred; quote the request id",
                                                         messageRu: "внутренняя ошибка; сообщите идентификатор запроса"),
                                            status: .internalServerError, requestId: context.requestId)
        }
    }
}

extension APIErrorMiddleware {
    static func isAPI(_ request: Request) -> Bool {
        let path = request.uri.path
        return path.hasPrefix("/api/") || path == "/health" || path == "/openapi.yaml"
    }
}

enum APIErrorMapping {
    static func status(of kind: RapportError.Kind) -> HTTPResponse.Status {
        switch kind {
        case .invalid: .badRequest
        case .notFound: .notFound
        case .conflict: .conflict
        case .tooLarge: .contentTooLarge
        case .unauthorized: .unauthorized
        case .forbidden: .forbidden
        case .rateLimited: .tooManyRequests
        }
    }

    struct Body: Encodable {
        struct Inner: Encodable {
            let code: String
            let message: String
            let messageRu: String
            let details: [String: String]
            let requestId: String
        }
        let error: Inner
    }

    static func response(_ error: RapportError, status: HTTPResponse.Status? = nil, requestId: String) -> Response {
        let body = Body(error: .init(code: error.code, message: error.message, messageRu: error.messageRu,
                                     details: error.details, requestId: requestId))
        var response = (try? APIJSON.response(body, status: status ?? Self.status(of: error.kind))) ?? Response(status: .internalServerError)
        if error.kind == .rateLimited, let wait = error.details["retry_after"] { response.headers[.retryAfter] = wait }
        if error.kind == .unauthorized { response.headers[.wwwAuthenticate] = "Bearer realm=\"rapport\"" }
        return response
    }

    static func describe(_ error: HTTPError) -> RapportError {
        switch error.status {
        case .contentTooLarge:
            return RapportError(.tooLarge, code: "body_too_large", message: "the request body is larger than 1 MiB", messageRu: "тело запроса больше 1 МиБ")
        case .notFound:
            return RapportError(.notFound, code: "route_not_found", message: "no such route", messageRu: "нет такого адреса")
        default:
            return RapportError(.invalid, code: "bad_request", message: "the request could not be processed (\(error.status.code))",
                                messageRu: "запрос не может быть обработан (\(error.status.code))")
        }
    }

    /// Names the field that failed to decode, without echoing the value.
    static func describe(_ error: DecodingError) -> RapportError {
        func path(_ context: DecodingError.Context) -> String {
            let p = context.codingPath.map { $0.intValue.map(String.init) ?? APIJSON.snake($0.stringValue) }.joined(separator: ".")
            return p.isEmpty ? "body" : p
        }
        switch error {
        case .dataCorrupted(let c) where c.codingPath.isEmpty:
            return RapportError(.invalid, code: "malformed_json", message: "the body is not valid JSON", messageRu: "тело запроса — некорректный JSON")
        case .dataCorrupted(let c):
            if let underlying = c.underlyingError as? RapportError { return underlying }
            return RapportError.invalidField(path(c), code: "invalid_value", "has an invalid value", "недопустимое значение")
        case .typeMismatch(let type, let c):
            return RapportError.invalidField(path(c), code: "wrong_type", "expected \(Self.typeName(type))", "ожидается \(Self.typeName(type))")
        case .valueNotFound(_, let c):
            return RapportError.missingField(path(c))
        case .keyNotFound(let key, let c):
            return RapportError.missingField((c.codingPath.map { APIJSON.snake($0.stringValue) } + [APIJSON.snake(key.stringValue)]).joined(separator: "."))
        @unknown default:
            return RapportError(.invalid, code: "malformed_json", message: "the body could not be read", messageRu: "тело запроса не прочитано")
        }
    }

    static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type: "an integer"
        case is Bool.Type: "true or false"
        case is Double.Type: "a number"
        default: "an object or array"
        }
    }
}

extension RequestContext {
    /// Hummingbird's request id, from the logger metadata; never traps when a logger keeps no metadata.
    var requestId: String {
        logger[metadataKey: "hb.request.id"]?.description ?? UUID().uuidString.lowercased()
    }
}
