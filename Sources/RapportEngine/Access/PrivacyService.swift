import Foundation
import RapportCore
import RapportStorage

/// Everything Rapport holds about one person, as the data subject's copy (GDPR art. 15, 152-FZ art. 14).
public struct SubjectExport: Encodable, Sendable {
    public var exportedAt: Date
    public var party: Party
    public var identities: [Identity]
    public var contactRoles: [ContactRole]
    public var relationships: [Relationship]
    public var account: Account?
    public var contracts: [Contract]
    public var orders: [Order]
    public var shipments: [Shipment]
    public var returns: [OrderReturn]
    public var invoices: [Invoice]
    public var payments: [Payment]
    public var requests: [CustomerRequest]
    public var interactions: [Interaction]
    /// Contact-centre contacts (calls, chats) with their times, queue, agent, outcome and survey.
    public var contacts: [ServiceContact]
    /// Messages decided for this person (sent, waiting, or not sent and why).
    public var messages: [OutboundMessage]
    public var facts: [Fact]
    public var consents: [Consent]
    public var merges: [MergeRecord]
    public var erasures: [Erasure]
    /// Events about this person's records.
    public var events: [SubjectEvent]
}

/// Data-subject requests (export, erasure) and retention.
public struct PrivacyService: Sendable {
    let store: PrivacyStore
    let parties: PartyService
    let commerce: CommerceService
    let requests: RequestService
    let interactions: InteractionService
    let profile: ProfileService
    let merges: MergeService
    let settings: ProfileStore
    let clock: any Clock

    static let retentionKey = "retention_rules"

    let contacts: ContactCentreStore
    let outbox: ProactiveStore

    public init(store: PrivacyStore, parties: PartyService, commerce: CommerceService, requests: RequestService,
                interactions: InteractionService, profile: ProfileService, merges: MergeService, settings: ProfileStore,
                contacts: ContactCentreStore, outbox: ProactiveStore, clock: any Clock) {
        self.contacts = contacts; self.outbox = outbox
        self.store = store; self.parties = parties; self.commerce = commerce; self.requests = requests
        self.interactions = interactions; self.profile = profile; self.merges = merges; self.settings = settings; self.clock = clock
    }

    /// Reads every page of a paged list.
    static func all<T: Sendable>(_ page: (PageRequest) async throws -> Page<T>) async throws -> [T] {
        var out: [T] = [], cursor: String? = nil
        repeat {
            let p = try await page(try PageRequest(limit: PageRequest.maxLimit, cursor: cursor))
            out += p.items
            cursor = p.nextCursor
        } while cursor != nil
        return out
    }

    public func export(_ partyId: UUID) async throws -> SubjectExport {
        let record = try await parties.get(partyId)
        let orders = try await Self.all { try await commerce.orders(partyId: partyId, status: nil, page: $0) }
        var shipments: [Shipment] = [], returns: [OrderReturn] = []
        for order in orders {
            shipments += try await Self.all { try await commerce.shipments(orderId: order.id, page: $0) }
            returns += try await Self.all { try await commerce.returns(orderId: order.id, page: $0) }
        }
        let trail = try await Self.all { try await interactions.timeline(partyId: partyId, channels: [], page: $0) }
        let contracts = try await Self.all { try await commerce.contracts(partyId: partyId, page: $0) }
        let requestList = try await Self.all { try await requests.list(partyId: partyId, status: nil, page: $0) }
        let account: Account?
        do { account = try await parties.account(partyId: partyId) } catch let error as RapportError where error.code == "account_not_found" { account = nil }
        let related = [partyId] + trail.map(\.id) + orders.map(\.id) + contracts.map(\.id) + requestList.map(\.id)
        return SubjectExport(
            exportedAt: clock.now(), party: record.party, identities: record.identities,
            contactRoles: try await parties.contactRoles(of: partyId), relationships: try await parties.relationships(of: partyId),
            account: account, contracts: contracts, orders: orders, shipments: shipments, returns: returns,
            invoices: try await Self.all { try await commerce.invoices(partyId: partyId, page: $0) },
            payments: try await Self.all { try await commerce.payments(partyId: partyId, page: $0) },
            requests: requestList, interactions: trail,
            contacts: try await Self.all { try await contacts.contacts(state: nil, queueId: nil, agentId: nil, partyId: partyId, page: $0) },
            messages: try await Self.all { try await outbox.messages(MessageQuery(partyId: partyId, page: $0)) },
            facts: try await profile.facts(partyId: partyId, history: true),
            consents: try await profile.consents(partyId: partyId, history: true),
            merges: try await merges.merges(of: partyId), erasures: try await store.erasures(of: partyId),
            events: try await store.events(about: related))
    }

    public func erase(_ partyId: UUID, requestedBy: UUID?, reference: String?) async throws -> Erasure {
        let reference = try Validate.optionalText(reference?.trimmingCharacters(in: .whitespacesAndNewlines).nilIfEmpty, "reference", max: 100)
        return try await store.erase(partyId, requestedBy: requestedBy, reference: reference, at: clock.now())
    }

    public func retentionRules() async throws -> [RetentionRule] {
        try await settings.setting(Self.retentionKey, as: [RetentionRule].self) ?? []
    }

    public func setRetentionRules(_ rules: [RetentionRule]) async throws -> [RetentionRule] {
        try RetentionRule.validate(rules)
        try await settings.setSetting(Self.retentionKey, rules, at: clock.now())
        return rules
    }

    /// Applies the stored rules now.
    public func applyRetention() async throws -> RetentionReport {
        try await store.applyRetention(try await retentionRules(), at: clock.now())
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
