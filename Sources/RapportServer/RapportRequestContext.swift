import Foundation
import Hummingbird
import Logging
import NIOCore
import RapportCore
import RapportEngine

/// Per-request state: who is acting (set by `AccessMiddleware` from a session cookie or an API
/// token), where the request came from, and which parties it touched (for the audit trail).
public struct RapportRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Who is acting; nil on the public routes (health, the API description, sign-in).
    public var principal: Principal?
    /// The peer's IP address (rate limits, sign-in throttling); never logged.
    public let remoteIP: String?
    /// Parties this request read or changed, noted by handlers whose route does not name the party.
    public let touched: TouchedParties

    public init(source: Source) {
        self.coreContext = .init(source: source)
        self.principal = nil
        self.remoteIP = source.channel.remoteAddress?.ipAddress
        self.touched = TouchedParties()
    }

    /// Request bodies above 1 MiB are refused with 413.
    public var maxUploadSize: Int { APIJSON.maxBodyBytes }

    /// The acting principal; routes behind `AccessMiddleware` always have one.
    func acting() throws -> Principal {
        guard let principal else { throw AccessError.notSignedIn }
        return principal
    }
}

extension RapportRequestContext {
    /// Account managers change only their own accounts (orders and contracts name the party in the body).
    func requireMayChange(_ partyId: UUID?, _ services: Services) async throws {
        guard let partyId else { return }
        touched.note(partyId)
        try await services.access.requireMayChange(try acting(), party: partyId)
    }

    /// Only administrators and supervisors decide who manages an account.
    func requireMayAssignManager(_ input: PartyInput) throws {
        guard input.accountManagerId != nil else { return }
        let p = try acting()
        guard p.role == .administrator || p.role == .supervisor || (p.kind == .token && p.can(.userManage)) else {
            throw AccessError.forbidden(.userManage)
        }
    }
}

/// The parties one request touched, noted by handlers (identify, inbound, an interaction read).
public final class TouchedParties: @unchecked Sendable {
    private let lock = NSLock()
    private var ids: [UUID] = []

    func note(_ id: UUID?) {
        guard let id else { return }
        lock.withLock { if !ids.contains(id) && ids.count < 50 { ids.append(id) } }
    }

    var all: [UUID] { lock.withLock { ids } }
}
