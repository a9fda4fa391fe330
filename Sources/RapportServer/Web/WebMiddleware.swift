import Foundation
import Hummingbird
import Logging
import NIOCore
import RapportCore
import RapportEngine

/// The pages' languages.
enum WebLanguage: String, Sendable, CaseIterable {
    case en, ru

    /// The signed-in user's language; before sign-in, the `lang` query or the browser's first choice.
    static func of(_ principal: Principal?, request: Request) -> WebLanguage {
        if let principal, principal.kind == .user { return WebLanguage(rawValue: principal.language) ?? .en }
        if let query = request.uri.queryParameters.get("lang"), let chosen = WebLanguage(rawValue: query) { return chosen }
        let accept = request.headers[.acceptLanguage]?.lowercased() ?? ""
        return accept.hasPrefix("ru") ? .ru : .en
    }
}

/// Runs on every page: finds the signed-in user from the session cookie (a missing or ended
/// session leaves none), and turns failures into pages in the user's language — a stale session
/// goes to sign-in and back, a refusal or a missing record gets its own page, and an unexpected
/// failure shows only the request id (its details go to the log, never to the screen).
struct WebMiddleware: RouterMiddleware {
    typealias Context = RapportRequestContext
    let services: Services

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let cookie = request.cookies[AccessMiddleware.sessionCookie] {
            context.principal = try? await services.access.principal(sessionSecret: cookie.value)
        }
        let principal = context.principal
        do {
            return try await next(request, context)
        } catch let error as RapportError where error.kind == .unauthorized {
            return WebResponse.redirect("/sign-in?next=" + Self.escape(Self.returnPath(request)))
        } catch let error as RapportError {
            return WebErrors.page(error, principal: principal, request: request, requestId: context.requestId)
        } catch is NIOTooManyBytesError {
            return WebErrors.page(APIErrorMapping.describe(HTTPError(.contentTooLarge)), principal: principal, request: request,
                                  requestId: context.requestId)
        } catch let error as HTTPError {
            return WebErrors.page(APIErrorMapping.describe(error), principal: principal, request: request, requestId: context.requestId)
        } catch is CancellationError {
            // The browser went away (or the server is stopping): nobody to answer, nothing to report.
            throw CancellationError()
        } catch {
            context.logger.error("unhandled page error", metadata: ["error_type": .string(String(describing: type(of: error)))])
            return WebErrors.internalPage(principal: principal, request: request, requestId: context.requestId)
        }
    }

    /// Where to come back after signing in: the page itself for a GET, the form's page for a post.
    static func returnPath(_ request: Request) -> String {
        if request.method == .get { return request.uri.description }
        if let back = request.uri.queryParameters.get("back"), let safe = WebResponse.safeLocal(back) { return safe }
        return "/"
    }

    static func escape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~/"))) ?? "/"
    }
}

/// Error pages: what happened in the user's language, what to do next, and the request id to quote.
enum WebErrors {
    struct ErrorPage: WebPage {
        static let template = "error"
        let titleKey: String
        let message: String
        let requestId: String
        let status: Int
    }

    static func page(_ error: RapportError, principal: Principal?, request: Request, requestId: String) -> Response {
        let language = WebLanguage.of(principal, request: request)
        let status = APIErrorMapping.status(of: error.kind)
        let titleKey: String = switch error.kind {
        case .notFound: "error_not_found"
        case .forbidden: "error_forbidden"
        case .rateLimited: "error_rate_limited"
        case .tooLarge: "error_too_large"
        default: "error_invalid"
        }
        let page = ErrorPage(titleKey: titleKey, message: language == .ru ? error.messageRu : error.message, requestId: requestId,
                             status: Int(status.code))
        var response = WebResponse.page(page, chrome: WebChrome(principal: principal, language: language, path: request.uri.path), status: status)
        if error.kind == .rateLimited, let wait = error.details["retry_after"] { response.headers[.retryAfter] = wait }
        return response
    }

    static func internalPage(principal: Principal?, request: Request, requestId: String) -> Response {
        let language = WebLanguage.of(principal, request: request)
        let text = WebText.table(language)
        let page = ErrorPage(titleKey: "error_internal", message: text["error_internal_message"] ?? "", requestId: requestId, status: 500)
        return WebResponse.page(page, chrome: WebChrome(principal: principal, language: language, path: request.uri.path), status: .internalServerError)
    }
}
