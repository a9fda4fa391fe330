import Foundation
import RapportCore

/// S3, S4, S5, S9: the business events the shop and the airline post, the rules that turn them
/// into messages, bookings on today's flights, and the consents the rules rely on.
extension DemoDataSet {
    static let demoFlight = "SU1234"
    static let demoConnection = "SU1480"

    func loadProactive(today: CivilDate, now: Date) async throws {
        let pro = services.proactive, p = services.parties, pf = services.profile
        func type(_ key: String, _ description: String, _ fields: [EventField]) async throws {
            _ = try await pro.createEventType(EventTypeInput(key: key, description: description, fields: fields))
        }
        let order = EventField(name: "order_number", type: .string, maxLength: 20)
        let flight = [EventField(name: "flight_number", type: .string, maxLength: 8), EventField(name: "flight_date", type: .date)]
        try await type("order.confirmed", "An order was confirmed / Заказ подтверждён", [order])
        try await type("shipment.dispatched", "An order left the warehouse / Заказ отправлен",
                       [order, EventField(name: "tracking_url", type: .string, maxLength: 100), EventField(name: "carrier", type: .string, required: false)])
        try await type("order.delayed", "An order will arrive later / Заказ задерживается",
                       [order, EventField(name: "new_date", type: .date), EventField(name: "reason", type: .string, required: false)])
        try await type("flight.gate_changed", "Boarding moved to another gate / Изменён выход на посадку",
                       flight + [EventField(name: "gate", type: .string, maxLength: 4), EventField(name: "departs_at", type: .datetime)])
        try await type("flight.delayed", "A flight leaves later / Рейс задерживается", flight + [EventField(name: "new_departure", type: .datetime)])
        try await type("flight.cancelled", "A flight is cancelled / Рейс отменён", flight)
        try await type("flight.connection_missed", "A passenger misses a connection and is rebooked / Пассажир опоздал на стыковку и пересажен",
                       [EventField(name: "booking_ref", type: .string, maxLength: 8)] + flight
                       + [EventField(name: "lands_at", type: .datetime), EventField(name: "new_flight", type: .string, maxLength: 8),
                          EventField(name: "new_departure", type: .datetime), EventField(name: "boarding_pass_desk", type: .string, maxLength: 40)])

        func rule(_ input: ProactiveRuleInput) async throws { _ = try await pro.createRule(input, by: "demo") }
        let quiet = QuietHours(start: "22:00", end: "08:00")
        try await rule(ProactiveRuleInput(key: "order-confirmation", name: "Order confirmation / Подтверждение заказа", eventType: "order.confirmed",
            audience: .order, purpose: "service", channels: [.email, .sms],
            template: MessageTemplate(ru: MessageText(subject: "Заказ {{order.number}} принят", body: "{{party.greeting}}, спасибо! Ваш заказ {{order.number}} принят."),
                                      en: MessageText(subject: "Order {{order.number}} confirmed", body: "Thank you! Your order {{order.number}} is confirmed."))))
        try await rule(ProactiveRuleInput(key: "shipment-notice", name: "Shipment notice / Заказ отправлен", eventType: "shipment.dispatched",
            audience: .order, purpose: "service", channels: [.email, .sms],
            template: MessageTemplate(ru: MessageText(subject: "Заказ {{order.number}} в пути", body: "Заказ {{order.number}} отправлен. Отследить: {{event.tracking_url}}"),
                                      en: MessageText(subject: "Order {{order.number}} is on its way", body: "Order {{order.number}} has shipped. Track it: {{event.tracking_url}}")),
            smsMaxParts: 4))
        try await rule(ProactiveRuleInput(key: "order-delay", name: "Delay warning / Предупреждение о задержке", eventType: "order.delayed",
            audience: .order, purpose: "service", channels: [.sms, .email],
            template: MessageTemplate(ru: MessageText(subject: "Заказ {{order.number}} задерживается",
                                                      body: "{{party.greeting}}, заказ {{order.number}} задерживается, новая дата: {{event.new_date}}. Извините!"),
                                      en: MessageText(subject: "Order {{order.number}} is delayed",
                                                      body: "Order {{order.number}} is delayed; new delivery date {{event.new_date}}. We are sorry.")),
            quietHours: quiet))
        let travel = "service_notifications"
        try await rule(ProactiveRuleInput(key: "gate-change", name: "Gate change / Смена выхода", eventType: "flight.gate_changed", audience: .flight,
            purpose: travel, channels: [.sms, .email],
            template: MessageTemplate(ru: MessageText(subject: "Рейс {{event.flight_number}}: выход {{event.gate}}", body: "Рейс {{event.flight_number}}: посадка через выход {{event.gate}}, вылет {{event.departs_at}}."),
                                      en: MessageText(subject: "Flight {{event.flight_number}}: gate {{event.gate}}", body: "Flight {{event.flight_number}} now boards at gate {{event.gate}}, departs {{event.departs_at}}."))))
        try await rule(ProactiveRuleInput(key: "flight-delay", name: "Flight delay / Задержка рейса", eventType: "flight.delayed", audience: .flight,
            purpose: travel, channels: [.sms, .email],
            template: MessageTemplate(ru: MessageText(subject: "Рейс {{event.flight_number}} задерживается", body: "Рейс {{event.flight_number}} задерживается. Новое время вылета: {{event.new_departure}}."),
                                      en: MessageText(subject: "Flight {{event.flight_number}} delayed", body: "Flight {{event.flight_number}} is delayed. New departure: {{event.new_departure}}."))))
        try await rule(ProactiveRuleInput(key: "flight-cancelled", name: "Flight cancelled / Отмена рейса", eventType: "flight.cancelled", audience: .flight,
            purpose: travel, channels: [.sms, .email],
            template: MessageTemplate(ru: MessageText(subject: "Рейс {{event.flight_number}} отменён", body: "Рейс {{event.flight_number}} {{event.flight_date}} отменён. Мы свяжемся с вами для пересадки."),
                                      en: MessageText(subject: "Flight {{event.flight_number}} cancelled", body: "Flight {{event.flight_number}} on {{event.flight_date}} is cancelled. We will rebook you."))))
        try await rule(ProactiveRuleInput(key: "connection-rebooked", name: "Missed connection: new flight / Новая стыковка",
            eventType: "flight.connection_missed", audience: .booking, purpose: travel, channels: [.sms, .email],
            template: MessageTemplate(ru: MessageText(subject: "Новый рейс {{event.new_flight}}", body: "Вы пересажены на рейс {{event.new_flight}}, вылет {{event.new_departure}}. Посадочный: {{event.boarding_pass_desk}}."),
                                      en: MessageText(subject: "Your new flight {{event.new_flight}}", body: "You are rebooked on {{event.new_flight}}, departing {{event.new_departure}}. Boarding pass: {{event.boarding_pass_desk}}.")),
            sendAtField: "lands_at"))
        try await rule(ProactiveRuleInput(key: "friend-birthday", name: "Birthday reminder / Напоминание о дне рождения", dateTrigger: .relatedBirthday,
            daysBefore: 7, relationshipKinds: [.friend], purpose: "marketing", channels: [.email],
            template: MessageTemplate(ru: MessageText(subject: "{{related.date}} — день рождения: {{related.name}}",
                                                      body: "{{party.greeting}}, {{related.date}} у {{related.name}} день рождения. Букеты из нашего каталога доставим вовремя."),
                                      en: MessageText(subject: "{{related.name}}'s birthday is on {{related.date}}",
                                                      body: "{{related.name}}'s birthday is on {{related.date}}. Our catalogue has flowers for it.")),
            quietHours: quiet, frequencyCap: FrequencyCap(max: 2, windowHours: 24 * 7)))
        try await rule(ProactiveRuleInput(key: "contract-renewal", name: "Contract renewal / Продление договора", dateTrigger: .contractRenewal,
            daysBefore: 30, purpose: "service", channels: [.email],
            template: MessageTemplate(ru: MessageText(subject: "Договор {{contract.number}} заканчивается {{contract.ends_on}}",
                                                      body: "Договор {{contract.number}} действует до {{contract.ends_on}}. Ответьте на это письмо, чтобы продлить его."))))

        // S4: today's flight SU1234 — Pavel (mobile, agreed to service SMS), John (e-mail only,
        // agreed by e-mail), Daria (mobile, no consent: nothing is sent and the reason is kept).
        let daria = try await p.create(PartyInput(kind: .person, surname: "Кириллова", givenName: "Дарья", language: "ru", lifecycleStage: .customer,
                                                  identities: [IdentityInput(kind: .phone, value: "+7 926 555 66 77")]))
        var passengers: [(UUID, String)] = [(daria.party.id, "KDX7Q2")]
        if let pavel = try await p.owner(of: .phone, address: "8 (926) 777-11-22") { passengers.append((pavel.partyId, "PVL4N8")) }
        if let john = try await p.owner(of: .email, address: "john.miller@example.com") {
            passengers.append((john.partyId, "JMR2K5"))
            _ = try await pf.recordConsent(partyId: john.partyId, ConsentInput(purpose: travel, channel: .email, granted: true, source: .selfService,
                                                                               textVersion: "travel-2026-03", recordedAt: now.addingTimeInterval(-86_400 * 20)))
        }
        for (party, ref) in passengers {
            _ = try await pro.createBooking(BookingInput(partyId: party, bookingRef: ref, flightNumber: Self.demoFlight, flightDate: today,
                                                         origin: "SVO", destination: "LED", seat: nil))
        }
        // Pavel connects in St Petersburg to SU1480.
        if let pavel = passengers.first(where: { $0.1 == "PVL4N8" }) {
            _ = try await pro.createBooking(BookingInput(partyId: pavel.0, bookingRef: "PVL4N8", flightNumber: Self.demoConnection, flightDate: today,
                                                         origin: "LED", destination: "KGD", seat: nil))
        }
        // S3: Anna agreed to offers by e-mail, so her friend's birthday reminder can go next year.
        if let anna = try await p.owner(of: .email, address: "anna.sokolova@example.ru") {
            _ = try await pf.recordConsent(partyId: anna.partyId, ConsentInput(purpose: "marketing", channel: .email, granted: true, source: .selfService,
                                                                               textVersion: "marketing-2026-01", recordedAt: now.addingTimeInterval(-3600)))
        }
        // S9: Oleg joins the survey dialogue for a discount coupon.
        if let oleg = try await p.owner(of: .email, address: "oleg.nikolaev@example.ru") {
            _ = try await pf.recordConsent(partyId: oleg.partyId, ConsentInput(purpose: "surveys", granted: true, source: .selfService,
                                                                               textVersion: "surveys-2026-02", reward: "Coupon SURVEY10: 10% off / скидка 10%",
                                                                               document: "web form 2026-11 / веб-форма", recordedAt: now.addingTimeInterval(-7200)))
        }
    }
}
