import Foundation
import RapportCore
import Testing

@Suite struct NameKeyTests {
    @Test func cyrillicAndLatinSpellingsOfOneNameFoldToOneKey() {
        #expect(NameKey.word("Иванов") == NameKey.word("Ivanov"))
        #expect(NameKey.word("Фёдоров") == NameKey.word("Федоров"))
        #expect(NameKey.word("Фёдоров") == NameKey.word("Fyodorov"))
        #expect(NameKey.word("Юрий") == NameKey.word("Yuri"))
        #expect(NameKey.word("Юрий") == NameKey.word("Iurii"))
        #expect(NameKey.word("Хабаров") == NameKey.word("Khabarov"))
        #expect(NameKey.word("Наталья") == NameKey.word("Natalya"))
        #expect(NameKey.word("Щукин") == NameKey.word("Shchukin"))
        #expect(NameKey.word("PETROV") == NameKey.word("petrov"))
    }

    @Test func differentNamesStayDifferent() {
        #expect(NameKey.word("Иванов") != NameKey.word("Иванова"))
        #expect(NameKey.word("Petrov") != NameKey.word("Petrenko"))
    }

    @Test func fullNameKeyIgnoresWordOrder() {
        #expect(NameKey.name(["Петров", "Иван", nil]) == NameKey.name(["Ivan", "Petrov"]))
        #expect(NameKey.name([nil, nil]) == nil)
    }
}

@Suite struct IdentificationDecisionTests {
    let a = UUID(), b = UUID()
    func evidence(_ attribute: MatchAttribute) -> MatchEvidence { MatchEvidence(attribute: attribute, detail: attribute.rawValue) }

    @Test func aCertainRuleIdentifiesAndOtherMatchesAreListed() {
        let result = IdentificationDecision.decide(rules: MatchingConfiguration.standard.rules, found: [
            .identity: [a: evidence(.identity)], .orderNumber: [b: evidence(.orderNumber)],
        ])
        #expect(result.status == .identified)
        #expect(result.partyId == a)
        #expect(result.matchedBy?.rule == "exact_identity")
        #expect(result.candidates.map(\.partyId) == [b])
    }

    @Test func onlyCandidateRulesNeedConfirmation() {
        let result = IdentificationDecision.decide(rules: MatchingConfiguration.standard.rules, found: [
            .nameBirthDate: [a: evidence(.nameBirthDate)], .nameTranslitBirthDate: [a: evidence(.nameTranslitBirthDate)],
        ])
        #expect(result.status == .candidates)
        #expect(result.partyId == nil)
        #expect(result.candidates.map(\.rule) == ["name_and_birth_date"])
        #expect(result.reason == "needs_confirmation")
    }

    @Test func twoPartiesByOneCertainRuleAreAmbiguousNeverAGuess() {
        let result = IdentificationDecision.decide(rules: MatchingConfiguration.standard.rules, found: [
            .orderNumber: [a: evidence(.orderNumber), b: evidence(.orderNumber)],
        ])
        #expect(result.status == .candidates)
        #expect(result.partyId == nil)
        #expect(result.reason == "ambiguous")
        #expect(Set(result.candidates.map(\.partyId)) == [a, b])
    }

    @Test func ruleOrderAndSwitchesAreData() {
        var rules = MatchingConfiguration.standard.rules
        rules.swapAt(0, 2)  // order number before the exact identity
        let found: [MatchAttribute: [UUID: MatchEvidence]] = [.identity: [a: evidence(.identity)], .orderNumber: [b: evidence(.orderNumber)]]
        #expect(IdentificationDecision.decide(rules: rules, found: found).partyId == b)
        for i in rules.indices where rules[i].attributes == [.orderNumber] { rules[i].enabled = false }
        #expect(IdentificationDecision.decide(rules: rules, found: found).partyId == a)
    }

    @Test func aCertainRuleDecidesEvenForAPartyAnEarlierCandidateRuleFound() {
        let rules = [MatchingRule(name: "by_name", attributes: [.nameTranslit], outcome: .candidate),
                     MatchingRule(name: "by_phone", attributes: [.identity], outcome: .certain)]
        let result = IdentificationDecision.decide(rules: rules, found: [.nameTranslit: [a: evidence(.nameTranslit), b: evidence(.nameTranslit)],
                                                                        .identity: [a: evidence(.identity)]])
        #expect(result.status == .identified)
        #expect(result.partyId == a)
        #expect(result.matchedBy?.rule == "by_phone")
        #expect(result.candidates.map(\.partyId) == [b])
    }

    @Test func aRuleWithTwoAttributesNeedsBothOnTheSameParty() {
        let rules = [MatchingRule(name: "phone_and_order", attributes: [.identity, .orderNumber], outcome: .certain)]
        #expect(IdentificationDecision.decide(rules: rules, found: [.identity: [a: evidence(.identity)], .orderNumber: [b: evidence(.orderNumber)]]).status == .unknown)
        let both = IdentificationDecision.decide(rules: rules, found: [.identity: [a: evidence(.identity)], .orderNumber: [a: evidence(.orderNumber)]])
        #expect(both.partyId == a)
        #expect(both.matchedBy?.evidence.map(\.attribute) == [.identity, .orderNumber])
    }

    @Test func invalidConfigurationsAreRefused() {
        #expect(throws: RapportError.self) { try MatchingConfiguration(rules: [], unknownContact: .createProspect).validate() }
        #expect(throws: RapportError.self) {
            try MatchingConfiguration(rules: [MatchingRule(name: "x", attributes: [], outcome: .certain)], unknownContact: .createProspect).validate()
        }
        #expect(throws: RapportError.self) {
            try MatchingConfiguration(rules: [MatchingRule(name: "x", attributes: [.identity], outcome: .certain),
                                              MatchingRule(name: "x", attributes: [.orderNumber], outcome: .certain)], unknownContact: .createProspect).validate()
        }
    }

    @Test func quotedNumbersAreFoundInText() {
        let clues = ContactClues(text: "Где мой заказ FL-10001? Договор №SV-2025-07, спасибо")
        #expect(clues.quotedNumbers.contains("FL-10001"))
        #expect(clues.quotedNumbers.contains("SV-2025-07"))
        #expect(!clues.quotedNumbers.contains("спасибо"))
    }
}

@Suite struct ProfileTests {
    let now = Date(timeIntervalSince1970: 1_795_000_000)

    func question(_ key: String, scripts: [String] = [], stale: Int? = nil) -> Question {
        Question(key: key, wordingEn: key, wordingRu: key, answerType: .text, scripts: scripts, staleAfterDays: stale, createdAt: now, updatedAt: now)
    }

    func fact(_ key: String, daysAgo: Double, status: FactStatus = .answered) -> Fact {
        Fact(id: UUID(), partyId: UUID(), key: key, value: status == .answered ? "x" : nil, status: status, source: .agent, channel: .email,
             interactionId: nil, agent: nil, recordedAt: now.addingTimeInterval(-daysAgo * 86_400))
    }

    @Test func answeredQuestionsAreNotAskedAgainOnAnyChannel() {
        let bank = [question("children_count"), question("employer"), question("income", scripts: ["mortgage"])]
        let asked = QuestionsToAsk.select(bank, facts: [fact("children_count", daysAgo: 2)], script: "inbound_call", now: now)
        #expect(asked.map(\.key) == ["employer"])
        #expect(QuestionsToAsk.select(bank, facts: [], script: "mortgage", now: now).map(\.key) == ["children_count", "employer", "income"])
    }

    @Test func staleAnswersAndStaleRefusalsMayBeAskedAgain() {
        let bank = [question("preferred_contact_time", stale: 365)]
        #expect(QuestionsToAsk.select(bank, facts: [fact("preferred_contact_time", daysAgo: 30)], script: nil, now: now).isEmpty)
        #expect(QuestionsToAsk.select(bank, facts: [fact("preferred_contact_time", daysAgo: 30, status: .declined)], script: nil, now: now).isEmpty)
        #expect(QuestionsToAsk.select(bank, facts: [fact("preferred_contact_time", daysAgo: 400)], script: nil, now: now).count == 1)
    }

    @Test func answersAreCheckedAgainstTheQuestionType() throws {
        var q = question("children_count")
        q.answerType = .number
        #expect(try q.canonical(" 2 ") == "2")
        #expect(throws: RapportError.self) { try q.canonical("two") }
        q.answerType = .choice
        q.choices = ["morning", "evening"]
        #expect(try q.canonical("Morning") == "morning")
        #expect(throws: RapportError.self) { try q.canonical("night") }
        q.answerType = .boolean
        #expect(try q.canonical("да") == "true")
    }

    @Test func childTurning17ThisMonthSuggestsAnEducationLoan() throws {
        let today = try CivilDate(year: 2026, month: 11, day: 27)
        let son = try RelationshipInput(kind: .child, relatedName: "Алексей", relatedBirthDate: try CivilDate(year: 2009, month: 11, day: 30))
            .make(partyId: UUID(), id: UUID(), now: now)
        let suggestions = LifeEventSuggestions.suggest([son], rules: LifeEventRule.standard, today: today)
        #expect(suggestions.map(\.offer) == ["education_loan"])
        #expect(suggestions.first?.eventDate == (try CivilDate(year: 2026, month: 11, day: 30)))
        var older = son
        older.relatedBirthDate = try CivilDate(year: 2008, month: 5, day: 1)
        #expect(LifeEventSuggestions.suggest([older], rules: LifeEventRule.standard, today: today).isEmpty)
        var friend = son
        friend.kind = .friend
        #expect(LifeEventSuggestions.suggest([friend], rules: LifeEventRule.standard, today: today).isEmpty)
    }

    @Test func greetingUsesGivenNameAndPatronymic() {
        let ivan = Party(id: UUID(), kind: .person, displayName: "", surname: "Петров", givenName: "Иван", patronymic: "Сергеевич",
                         lifecycleStage: .customer, stageChangedAt: now, createdAt: now, updatedAt: now)
        #expect(Greeting.of(ivan) == Greeting(name: "Иван Сергеевич", form: "given_name_patronymic"))
        #expect(Greeting.of(ivan, preferredFormOfAddress: "Господин Петров")?.form == "form_of_address")
    }

    @Test func mergeFillsGapsAndTheNewestValueWinsAConflict() throws {
        let old = Party(id: UUID(), kind: .person, displayName: "", surname: "Петров", givenName: "Иван", language: "ru",
                        lifecycleStage: .prospect, stageChangedAt: now, createdAt: now, updatedAt: now)
        var newer = old
        newer.id = UUID()
        newer.language = "en"
        newer.birthDate = try CivilDate(year: 1980, month: 4, day: 12)
        newer.lifecycleStage = .customer
        newer.updatedAt = now.addingTimeInterval(60)
        let (merged, conflicts) = try old.merged(with: newer, rule: .newestWins, now: now)
        #expect(merged.birthDate == newer.birthDate)
        #expect(merged.language == "en")
        #expect(merged.lifecycleStage == .customer)
        #expect(conflicts == [FieldConflict(field: "language", kept: "en", discarded: "ru")])
        let (kept, _) = try old.merged(with: newer, rule: .survivorWins, now: now)
        #expect(kept.language == "ru")
    }
}

@Suite struct SearchQueryTests {
    @Test func wordsAreFoldedAndPhonesAreOneTerm() throws {
        #expect(try SearchQuery(parsing: "Фёдоров").groups == [[NameKey.word("fedorov")]])
        #expect(try SearchQuery(parsing: "8 (916) 123-45-67").groups == [["89161234567", "79161234567"]])
        #expect(try SearchQuery(parsing: "7707083893").groups == [["7707083893", "77707083893"]])
        #expect(try SearchQuery(parsing: "45-67").groups == [["4567"]])
        #expect(try SearchQuery(parsing: "8916123").groups == [["8916123", "916123"]])
        #expect(try SearchQuery(parsing: "Ivan.Petrov@Example.ru").email == "ivan.petrov@example.ru")
    }

    @Test func emptyOrTooShortQueriesAreRefused() {
        #expect(throws: RapportError.self) { try SearchQuery(parsing: "  ") }
        #expect(throws: RapportError.self) { try SearchQuery(parsing: "a") }
        #expect(throws: RapportError.self) { try SearchQuery(parsing: "!!!") }
    }
}
