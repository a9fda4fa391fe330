import Foundation
import Hummingbird
import Logging

/// Per-request state. The signed-in user (or API token) will live here, set by an
/// authentication middleware, so handlers do not change when sign-in arrives.
public struct RapportRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Who is acting; nil until authentication exists.
    public var actor: String?

    public init(source: Source) {
        self.coreContext = .init(source: source)
        self.actor = nil
    }

    /// Request bodies above 1 MiB are refused with 413.
    public var maxUploadSize: Int { APIJSON.maxBodyBytes }
}
