import Foundation

/// An order without its lines: what the card shows.
public struct OrderSummary: Codable, Sendable, Equatable {
    public var id: UUID
    public var number: String
    public var status: OrderStatus
    public var placedAt: Date
    public var totalMinor: Int64
    public var currency: String
}

public struct ContractSummary: Codable, Sendable, Equatable {
    public var id: UUID
    public var number: String
    public var status: ContractStatus
    public var startsOn: CivilDate
    public var endsOn: CivilDate?
}

/// The latest shipment with the number of its order.
public struct Delivery: Codable, Sendable, Equatable {
    public var orderNumber: String
    public var shipment: Shipment
    public init(orderNumber: String, shipment: Shipment) { self.orderNumber = orderNumber; self.shipment = shipment }
}

/// What the card says about money: the account and the invoices that need attention.
public struct AccountStatus: Encodable, Sendable {
    public var account: Account?
    public var overdueInvoices: [InvoiceView]
    public var openInvoices: [InvoiceView]
    /// Sum still due on overdue invoices, per currency (minor units).
    public var overdueMinor: [String: Int64]
    public var recentPayments: [Payment]

    public init(account: Account?, invoices: [Invoice], payments: [Payment], today: CivilDate) {
        self.account = account
        let views = invoices.map { InvoiceView($0, today: today) }
        overdueInvoices = views.filter { $0.status == .overdue }
        openInvoices = views.filter { $0.status == .open }
        var due: [String: Int64] = [:]
        for v in overdueInvoices { due[v.invoice.currency, default: 0] += v.invoice.amountMinor - v.invoice.paidMinor }
        overdueMinor = due
        recentPayments = payments
    }
}

/// Everything a card reads from storage in one go; the engine adds what is computed.
public struct CardData: Sendable {
    public var party: Party
    public var identities: [Identity]
    public var openRequests: [CustomerRequest]
    public var recentOrders: [OrderSummary]
    public var lastDelivery: Delivery?
    public var returns: [OrderReturn]
    public var account: Account?
    public var unpaidInvoices: [Invoice]
    public var recentPayments: [Payment]
    public var lastInteractions: [Interaction]
    public var proactiveMessages: [Interaction]
    public var facts: [Fact]
    public var consents: [Consent]
    public var relationships: [Relationship]
    public var contracts: [ContractSummary]
    /// For a person: the organisations they are a contact of. For an organisation: its contact persons.
    public var contactRoles: [ContactRole]
    public var merges: [MergeRecord]

    public init(party: Party, identities: [Identity], openRequests: [CustomerRequest], recentOrders: [OrderSummary], lastDelivery: Delivery?,
                returns: [OrderReturn], account: Account?, unpaidInvoices: [Invoice], recentPayments: [Payment], lastInteractions: [Interaction],
                proactiveMessages: [Interaction], facts: [Fact], consents: [Consent], relationships: [Relationship], contracts: [ContractSummary],
                contactRoles: [ContactRole], merges: [MergeRecord]) {
        self.party = party; self.identities = identities; self.openRequests = openRequests; self.recentOrders = recentOrders
        self.lastDelivery = lastDelivery; self.returns = returns; self.account = account; self.unpaidInvoices = unpaidInvoices
        self.recentPayments = recentPayments; self.lastInteractions = lastInteractions; self.proactiveMessages = proactiveMessages
        self.facts = facts; self.consents = consents; self.relationships = relationships; self.contracts = contracts
        self.contactRoles = contactRoles; self.merges = merges
    }
}

/// The screen-pop card: the whole story an agent needs in the first second of a contact.
public struct Card: Encodable, Sendable {
    public var party: Party
    public var identities: [Identity]
    public var greeting: Greeting?
    /// The open request most recently opened: what the customer is probably calling about.
    public var probablyCallingAbout: CustomerRequest?
    /// Open requests, most recent first.
    public var openRequests: [CustomerRequest]
    public var lastDelivery: Delivery?
    public var recentOrders: [OrderSummary]
    public var returns: [OrderReturn]
    public var accountStatus: AccountStatus
    public var contracts: [ContractSummary]
    /// The latest interactions on any channel, with their outcome.
    public var lastInteractions: [Interaction]
    /// Messages we sent on our own initiative (outbound), so the agent knows what the customer was told.
    public var proactiveMessages: [Interaction]
    public var facts: [Fact]
    /// The consents in force: the latest answer per purpose and channel.
    public var consents: [Consent]
    public var questionsToAsk: [Question]
    public var suggestions: [Suggestion]
    public var relationships: [Relationship]
    /// For a contact person: each organisation with the person's own preferences and the organisation's status.
    public var organisations: [OrganisationContext]
    /// For an organisation: its contact persons.
    public var contactPersons: [ContactPerson]
    /// Merges into or out of this party (undone ones too), newest first, at most 50.
    public var merges: [MergeRecord]
    /// The party's computed value and tier (nil until value was first computed).
    public var value: PartyValue?
    /// Next-best offers for this customer, best first, each with its benefit and why.
    public var offers: [RankedOffer]

    public init(party: Party, identities: [Identity], greeting: Greeting?, probablyCallingAbout: CustomerRequest?, openRequests: [CustomerRequest],
                lastDelivery: Delivery?, recentOrders: [OrderSummary], returns: [OrderReturn], accountStatus: AccountStatus,
                contracts: [ContractSummary], lastInteractions: [Interaction], proactiveMessages: [Interaction], facts: [Fact],
                consents: [Consent], questionsToAsk: [Question], suggestions: [Suggestion], relationships: [Relationship], organisations: [OrganisationContext],
                contactPersons: [ContactPerson], merges: [MergeRecord], value: PartyValue? = nil, offers: [RankedOffer] = []) {
        self.party = party; self.identities = identities; self.greeting = greeting; self.probablyCallingAbout = probablyCallingAbout
        self.openRequests = openRequests; self.lastDelivery = lastDelivery; self.recentOrders = recentOrders; self.returns = returns
        self.accountStatus = accountStatus; self.contracts = contracts; self.lastInteractions = lastInteractions
        self.proactiveMessages = proactiveMessages; self.facts = facts; self.consents = consents; self.questionsToAsk = questionsToAsk
        self.suggestions = suggestions
        self.relationships = relationships; self.organisations = organisations; self.contactPersons = contactPersons; self.merges = merges
        self.value = value; self.offers = offers
    }
}

public struct OrganisationContext: Encodable, Sendable {
    public var organisation: Party
    /// The person's role there and own preferences (channel, form of address, notes).
    public var role: ContactRole
    public var contracts: [ContractSummary]
    public var accountStatus: AccountStatus
    public var lastDelivery: Delivery?
    public var openRequests: [CustomerRequest]

    public init(organisation: Party, role: ContactRole, contracts: [ContractSummary], accountStatus: AccountStatus, lastDelivery: Delivery?, openRequests: [CustomerRequest]) {
        self.organisation = organisation; self.role = role; self.contracts = contracts; self.accountStatus = accountStatus
        self.lastDelivery = lastDelivery; self.openRequests = openRequests
    }
}

public struct ContactPerson: Encodable, Sendable {
    public var person: Party
    public var role: ContactRole
    public init(person: Party, role: ContactRole) { self.person = person; self.role = role }
}
