import Foundation
import RapportCore
import RapportEngine

/// One trail entry as a page shows it: channel icon and label, direction, when, what, outcome.
struct InteractionLine: Sendable {
    let id: String
    let icon: String
    let channel: String
    let channelLabel: String
    let direction: String
    let inbound: Bool
    let when: String
    let subject: String
    let summary: String
    let outcome: String
    let agent: String

    static let icons: [Channel: String] = [
        .phone: "☎", .email: "✉", .webForm: "⌨", .chat: "✎", .sms: "✆", .ivr: "☏", .fax: "℻", .pointOfSale: "¤", .letter: "✍", .social: "☺",
    ]

    init(_ i: Interaction, _ f: WebFormat) {
        id = i.id.uuidString
        icon = Self.icons[i.channel] ?? "•"
        channel = i.channel.rawValue
        channelLabel = f.label("channel", i.channel.rawValue)
        direction = f.label("direction", i.direction.rawValue)
        inbound = i.direction == .inbound
        when = f.dateTime(i.occurredAt)
        subject = i.subject ?? ""
        summary = i.summary ?? ""
        outcome = i.outcome ?? ""
        agent = i.agent ?? ""
    }
}

/// The screen-pop card as the desk and the customer page draw it: greeting first, then what the
/// customer is probably calling about, open requests, delivery, money, the last negotiations, what
/// we already told them, offers with accept/decline, and the questions still to ask.
struct CardView: Sendable {
    struct RequestLine: Sendable { let id: String; let subject: String; let type: String; let status: String; let opened: String }
    struct DeliveryLine: Sendable {
        let order: String; let status: String; let promised: String; let delivered: String; let carrier: String; let tracking: String; let late: Bool
    }
    struct InvoiceLine: Sendable { let number: String; let amount: String; let due: String }
    struct PaymentLine: Sendable { let amount: String; let when: String }
    struct OfferLine: Sendable { let key: String; let name: String; let reason: String; let benefit: String }
    struct SuggestionLine: Sendable { let title: String; let reason: String }
    struct QuestionLine: Sendable {
        let key: String; let wording: String; let choices: [String]; let hasChoices: Bool; let fieldId: String
    }
    struct FactLine: Sendable { let key: String; let value: String; let declined: Bool; let source: String; let when: String }
    struct ConsentLine: Sendable { let purpose: String; let channel: String; let granted: Bool; let state: String; let when: String }
    struct PersonLine: Sendable { let id: String; let name: String; let role: String }
    struct OrganisationLine: Sendable { let id: String; let name: String; let role: String; let contracts: [String]; let balance: String; let overdue: String }
    struct ContractLine: Sendable { let number: String; let status: String; let period: String }
    struct OrderLine: Sendable { let number: String; let status: String; let placed: String; let total: String }

    let partyId: String
    let displayName: String
    let greeting: String
    let kind: String
    let isOrganisation: Bool
    let stage: String
    let tier: String
    let hasTier: Bool
    let valueLine: String
    let probablyCallingAbout: RequestLine?
    let openRequests: [RequestLine]
    let lastDelivery: DeliveryLine?
    let recentOrders: [OrderLine]
    let balance: String
    let creditLimit: String
    let hasAccount: Bool
    let overdue: [InvoiceLine]
    let payments: [PaymentLine]
    let lastInteractions: [InteractionLine]
    let proactiveMessages: [InteractionLine]
    let offers: [OfferLine]
    let suggestions: [SuggestionLine]
    let questions: [QuestionLine]
    let facts: [FactLine]
    let consents: [ConsentLine]
    let contactPersons: [PersonLine]
    let organisations: [OrganisationLine]
    let contracts: [ContractLine]
    let returnsCount: Int

    init(_ card: Card, _ f: WebFormat, today: CivilDate) {
        let p = card.party
        partyId = p.id.uuidString
        displayName = p.displayName
        greeting = card.greeting.map { $0.name } ?? p.displayName
        kind = f.label("kind", p.kind.rawValue)
        isOrganisation = p.kind == .organisation
        stage = f.label("stage", p.lifecycleStage.rawValue)
        let tierName = card.value?.tier ?? p.valueTier ?? ""
        tier = tierName.isEmpty ? "" : f.label("tier", tierName)
        hasTier = !tierName.isEmpty
        valueLine = card.value.map { v in
            "\(f.text["value_actual"] ?? "") \(f.money(v.actualMinor, "RUB")) · \(f.text["value_potential"] ?? "") \(f.money(v.potentialMinor, "RUB")) · RFM \(v.recencyScore)\(v.frequencyScore)\(v.monetaryScore) · #\(v.rank)"
        } ?? ""
        func request(_ r: CustomerRequest) -> RequestLine {
            RequestLine(id: r.id.uuidString, subject: r.subject, type: f.label("request", r.type.rawValue), status: f.label("status", r.status.rawValue),
                        opened: f.dateTime(r.openedAt))
        }
        probablyCallingAbout = card.probablyCallingAbout.map(request)
        openRequests = card.openRequests.map(request)
        lastDelivery = card.lastDelivery.map { d in
            let s = d.shipment
            return DeliveryLine(order: d.orderNumber, status: f.label("shipment", s.status.rawValue), promised: f.date(s.promisedOn),
                                delivered: f.date(s.deliveredOn), carrier: s.carrier ?? "", tracking: s.trackingUrl ?? s.trackingNumber ?? "",
                                late: s.deliveredOn == nil && (s.promisedOn.map { $0 < today } ?? false) || s.status == .delayed)
        }
        recentOrders = card.recentOrders.map {
            OrderLine(number: $0.number, status: f.label("order", $0.status.rawValue), placed: f.date($0.placedAt), total: f.money($0.totalMinor, $0.currency))
        }
        let account = card.accountStatus
        hasAccount = account.account != nil || !account.overdueInvoices.isEmpty
        balance = account.account.map { f.money($0.balanceMinor, $0.currency) } ?? ""
        creditLimit = account.account.map { f.money($0.creditLimitMinor, $0.currency) } ?? ""
        overdue = account.overdueInvoices.map {
            InvoiceLine(number: $0.invoice.number, amount: f.money($0.invoice.amountMinor - $0.invoice.paidMinor, $0.invoice.currency),
                        due: f.date($0.invoice.dueOn))
        }
        payments = account.recentPayments.prefix(5).map { PaymentLine(amount: f.money($0.amountMinor, $0.currency), when: f.date($0.paidAt)) }
        lastInteractions = card.lastInteractions.map { InteractionLine($0, f) }
        proactiveMessages = card.proactiveMessages.map { InteractionLine($0, f) }
        offers = card.offers.map { o in
            OfferLine(key: o.key, name: f.pick(o.name, o.nameRu), reason: f.pick(o.reason, o.reasonRu),
                      benefit: o.benefitMinor.map { f.money($0, o.currency ?? "RUB") } ?? "")
        }
        suggestions = card.suggestions.map { SuggestionLine(title: f.pick($0.title, $0.titleRu), reason: f.pick($0.reason, $0.reasonRu)) }
        questions = card.questionsToAsk.map { q in
            QuestionLine(key: q.key, wording: f.pick(q.wordingEn, q.wordingRu), choices: q.choices ?? [], hasChoices: !(q.choices ?? []).isEmpty,
                         fieldId: "q-" + q.key)
        }
        facts = card.facts.map { fact in
            FactLine(key: fact.key, value: fact.value ?? "", declined: fact.status == .declined, source: f.label("source", fact.source.rawValue),
                     when: f.date(fact.recordedAt))
        }
        consents = card.consents.map { c in
            ConsentLine(purpose: f.label("purpose", c.purpose), channel: c.channel.map { f.label("channel", $0.rawValue) } ?? (f.text["any_channel"] ?? ""),
                        granted: c.granted, state: f.text[c.granted ? "consent_given" : "consent_withdrawn"] ?? "", when: f.date(c.recordedAt))
        }
        contactPersons = card.contactPersons.map { PersonLine(id: $0.person.id.uuidString, name: $0.person.displayName, role: $0.role.role) }
        organisations = card.organisations.map { o in
            OrganisationLine(id: o.organisation.id.uuidString, name: o.organisation.displayName, role: o.role.role + (o.role.formOfAddress.map { " · " + $0 } ?? ""),
                             contracts: o.contracts.map { "\($0.number) (\(f.label("contract", $0.status.rawValue)))" },
                             balance: o.accountStatus.account.map { f.money($0.balanceMinor, $0.currency) } ?? "",
                             overdue: o.accountStatus.overdueInvoices.isEmpty ? "" : String(o.accountStatus.overdueInvoices.count))
        }
        contracts = card.contracts.map {
            ContractLine(number: $0.number, status: f.label("contract", $0.status.rawValue), period: "\($0.startsOn) – \($0.endsOn?.description ?? "…")")
        }
        returnsCount = card.returns.count
    }
}
