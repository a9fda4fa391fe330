import RapportCore
import Testing

@Suite struct PhoneNumberTests {
    @Test(arguments: ["8 (916) 123-45-67", "+7 916 1234567", "89161234567", "916-123-45-67", "+7 916 123 45 67", "7 916 123 45 67", "+7(916)123-45-67"])
    func callerInNationalFormatMatchesStoredInternationalNumber(_ raw: String) throws {
        // Given a Russian mobile written the way people and switches write it
        // When it is normalised with RU as the default region
        let number = try PhoneNumber(parsing: raw, defaultRegion: .ru)
        // Then it is the E.164 form the card is stored under
        #expect(number.e164 == "+79161234567")
    }

    @Test func extensionIsKeptApartFromTheNumber() throws {
        let number = try PhoneNumber(parsing: "+7 495 100-20-30 доб. 123")
        #expect(number.e164 == "+74951002030")
        #expect(number.extensionDigits == "123")
        #expect(try PhoneNumber(parsing: "(495) 100-20-30 ext 7").extensionDigits == "7")
    }

    @Test(arguments: ["+44 7700 900123", "00 44 7700 900123", "810 44 7700 900123"])
    func internationalNumbersKeepTheirCountryCode(_ raw: String) throws {
        #expect(try PhoneNumber(parsing: raw, defaultRegion: .ru).e164 == "+447700900123")
    }

    @Test func defaultRegionDecidesHowNationalNumbersAreRead() throws {
        #expect(try PhoneNumber(parsing: "07700 900123", defaultRegion: .gb).e164 == "+447700900123")
        #expect(try PhoneNumber(parsing: "(212) 555-0100", defaultRegion: .us).e164 == "+12125550100")
    }

    @Test func dashesOfEveryKindAndOtherNumberingPlansAreRead() throws {
        #expect(try PhoneNumber(parsing: "8 (916) 123–45–67").e164 == "+79161234567")
        #expect(try PhoneNumber(parsing: "8 029 123-45-67", defaultRegion: .by).e164 == "+375291234567")
        #expect(try PhoneNumber(parsing: "49 30 1234567", defaultRegion: .de).e164 == "+49301234567")
        #expect(try PhoneNumber(parsing: "030 1234567", defaultRegion: .de).e164 == "+49301234567")
    }

    @Test(arguments: ["12345", "call me", "+7 916 123", "8 916 123 45 67 89", "", "+0 123 456 789"])
    func nonsenseIsRejectedWithAClearCode(_ raw: String) {
        #expect(throws: RapportError.self) { try PhoneNumber(parsing: raw) }
        do { _ = try PhoneNumber(parsing: raw) } catch let e as RapportError { #expect(e.code == "invalid_phone") } catch { Issue.record("unexpected \(error)") }
    }
}

@Suite struct IdentityNormalizerTests {
    let normalizer = IdentityNormalizer()

    @Test func emailIsTrimmedAndLowerCased() throws {
        #expect(try normalizer.normalize(kind: .email, value: "  Ivan.Petrov@Example.RU ") == "ivan.petrov@example.ru")
    }

    @Test(arguments: ["ivan@", "@example.ru", "a b@c.ru", "ivan.example.ru", "ivan@example", "ivan@@example.ru"])
    func malformedEmailIsRejected(_ raw: String) {
        #expect(throws: RapportError.self) { try normalizer.normalize(kind: .email, value: raw) }
    }

    @Test func messengerHandleIsQualifiedByItsNetwork() throws {
        #expect(try normalizer.normalize(kind: .messenger, value: "@Ivan_P", network: "Telegram") == "telegram:ivan_p")
        #expect(throws: RapportError.self) { try normalizer.normalize(kind: .messenger, value: "@ivan") }
    }
}

@Suite struct RussianTaxIdTests {
    @Test(arguments: ["7707083893", "500100732259"])
    func validINNPasses(_ inn: String) throws {
        try RussianTaxId.validateINN(inn)
    }

    @Test(arguments: ["7707083894", "500100732258", "770708389", "77070838930", "77O7083893"])
    func innWithWrongChecksumOrLengthIsRejected(_ inn: String) {
        #expect(throws: RapportError.self) { try RussianTaxId.validateINN(inn) }
    }

    @Test func kppFormatIsChecked() throws {
        try RussianTaxId.validateKPP("773601001")
        try RussianTaxId.validateKPP("7736AB001")
        #expect(throws: RapportError.self) { try RussianTaxId.validateKPP("77360100") }
        #expect(throws: RapportError.self) { try RussianTaxId.validateKPP("7736ab001") }
    }
}
