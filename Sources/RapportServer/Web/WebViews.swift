import Foundation
import Hummingbird
import Mustache
import NIOCore
import RapportCore

/// The page templates (`Resources/templates/<stem>.mustache`, one per `…Page` view model plus
/// partials) and the static files (`Resources/static`), loaded once from the bundle.
struct WebViews: Sendable {
    let library: MustacheLibrary
    let assets: [String: (type: String, body: ByteBuffer)]

    static let shared = WebViews()

    init() {
        var library = MustacheLibrary()
        var assets: [String: (type: String, body: ByteBuffer)] = [:]
        for (name, text) in Self.files(in: "templates", extension: "mustache") {
            do {
                try library.register(text, named: name)
            } catch {
                // A broken template is a build defect: WebPageTests renders every template and fails on it.
                try? library.register("template \(name) failed to parse", named: name)
            }
        }
        for (name, text) in Self.files(in: "static", extension: nil) {
            let type = name.hasSuffix(".css") ? "text/css; charset=utf-8" : name.hasSuffix(".js") ? "text/javascript; charset=utf-8"
                : name.hasSuffix(".svg") ? "image/svg+xml" : "text/plain; charset=utf-8"
            assets[name] = (type, ByteBuffer(string: text))
        }
        self.library = library
        self.assets = assets
    }

    /// Every file of one resource folder, by name (templates without their extension).
    static func files(in folder: String, extension ext: String?) -> [(String, String)] {
        guard let url = Bundle.module.url(forResource: folder, withExtension: nil),
              let names = try? FileManager.default.contentsOfDirectory(atPath: url.path) else { return [] }
        return names.sorted().compactMap { name in
            guard ext == nil || name.hasSuffix("." + ext!),
                  let text = try? String(contentsOf: url.appendingPathComponent(name), encoding: .utf8) else { return nil }
            return (ext == nil ? name : String(name.dropLast(ext!.count + 1)), text)
        }
    }

    /// The names of the loaded templates (tests render each).
    static var templateNames: [String] { files(in: "templates", extension: "mustache").map(\.0) }

    func render(_ object: Any, template: String) -> String {
        library.render(object, withTemplate: template) ?? ""
    }
}

/// What every page is rendered with, besides its own view model: the language's texts (`t.<key>`),
/// the CSRF token for forms, the signed-in user and the navigation. Names the page does not
/// define fall through to the view model, so templates name its fields directly.
struct WebFrame: MustacheParent {
    let fields: [String: Any]
    let chrome: WebChrome
    let chromeFields: [String: Any]

    /// The view model is turned into dictionaries once, here: the template engine would otherwise
    /// reflect on a struct for every name it looks up, which is most of a page's render time.
    init(page: Any, chrome: WebChrome) {
        self.fields = WebFrame.flatten(page) as? [String: Any] ?? [:]
        self.chrome = chrome
        self.chromeFields = ["path": chrome.path]
    }

    func child(named name: String) -> Any? {
        switch name {
        case "t": return chrome.text
        case "csrf": return chrome.csrf
        case "lang": return chrome.language.rawValue
        case "chrome": return chromeFields
        default: return fields[name]
        }
    }

    /// Structs become `[String: Any]` (nil optionals left out, as the engine treats them: not
    /// there), arrays arrays of the same; text, numbers, flags and dictionaries stay as they are.
    static func flatten(_ value: Any) -> Any? {
        switch value {
        case is String, is Int, is Bool, is Double, is [String: String], is [String: Any]: return value
        default: break
        }
        let mirror = Mirror(reflecting: value)
        switch mirror.displayStyle {
        case .optional:
            // A nil field is kept as "absent" rather than left out: left out, the template engine would
            // look the name up in the enclosing objects and could find someone else's value.
            guard let wrapped = mirror.children.first?.value else { return WebAbsent() }
            return flatten(wrapped)
        case .collection, .set:
            return mirror.children.compactMap { flatten($0.value) }.filter { !($0 is WebAbsent) }
        case .struct, .class:
            var fields: [String: Any] = [:]
            for child in mirror.children {
                if let label = child.label, let v = flatten(child.value) { fields[label] = v }
            }
            return fields
        default:
            return value
        }
    }
}

/// The parts of the layout that depend on who is looking.
struct WebChrome: Sendable {
    struct NavItem: Sendable { let href: String; let label: String; let current: Bool }
    let language: WebLanguage
    let text: [String: String]
    let csrf: String
    let userName: String?
    let nav: [NavItem]
    let path: String
    var otherLanguage: String { language == .en ? "ru" : "en" }
    var otherLanguageLabel: String { language == .en ? "Русский" : "English" }
    var signedIn: Bool { userName != nil }

    static let navigation: [(href: String, key: String, needs: Capability)] = [
        ("/desk", "nav_desk", .customerRead),
        ("/wallboard", "nav_wallboard", .contactCentreMonitor),
        ("/marketing", "nav_marketing", .campaignManage),
        ("/calls", "nav_calls", .callingList),
        ("/admin", "nav_admin", .userManage),
    ]

    init(principal: Principal?, language: WebLanguage, path: String) {
        self.language = language
        self.text = WebText.table(language)
        self.csrf = principal?.csrfToken ?? ""
        self.userName = principal?.displayName
        self.path = path
        let text = self.text
        self.nav = principal.map { p in
            var items = Self.navigation.filter { p.can($0.needs) }
            // Who sets up proactive rules without managing users (marketers) reaches the rules' page directly.
            if !p.can(.userManage) && p.can(.proactiveManage) { items.append(("/admin/rules", "nav_rules", .proactiveManage)) }
            return items.map { NavItem(href: $0.href, label: text[$0.key] ?? $0.key, current: path.hasPrefix($0.href)) }
        } ?? []
    }
}

/// One page: its view model names the template of the same stem and the title's text key.
protocol WebPage {
    static var template: String { get }
    var titleKey: String { get }
    /// A title that is data (a customer's name); the text key's title otherwise.
    var titleText: String? { get }
}

extension WebPage {
    var titleText: String? { nil }
}

struct LayoutPage {
    let title: String
    let body: String
    let chrome: WebChrome
    let signedIn: Bool
    let nav: [WebChrome.NavItem]
    let userName: String?
    let otherLanguage: String
    let otherLanguageLabel: String
    let path: String
}

enum WebResponse {
    /// Pages may run their own script and style files, draw inline SVG, and open live streams to
    /// their own origin; nothing else (no inline script, no framing, forms post only here).
    static let contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        + "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

    static func page(_ page: some WebPage, chrome: WebChrome, status: HTTPResponse.Status = .ok) -> Response {
        let views = WebViews.shared
        let body = views.render(WebFrame(page: page, chrome: chrome), template: type(of: page).template)
        let title = page.titleText ?? chrome.text[page.titleKey] ?? page.titleKey
        let layout = LayoutPage(title: title, body: body, chrome: chrome, signedIn: chrome.signedIn, nav: chrome.nav, userName: chrome.userName,
                                otherLanguage: chrome.otherLanguage, otherLanguageLabel: chrome.otherLanguageLabel, path: chrome.path)
        return html(views.render(WebFrame(page: layout, chrome: chrome), template: "layout"), status: status)
    }

    /// A piece of a page (the card, the wallboard's live part) fetched by the page's script.
    static func fragment(_ object: Any, template: String, chrome: WebChrome) -> Response {
        html(WebViews.shared.render(WebFrame(page: object, chrome: chrome), template: template), status: .ok)
    }

    static func html(_ text: String, status: HTTPResponse.Status) -> Response {
        Response(status: status, headers: [.contentType: "text/html; charset=utf-8", .contentSecurityPolicy: contentSecurityPolicy],
                 body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// After a form post: back to a page (303, so a reload does not post again).
    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: safeLocal(location) ?? "/"])
    }

    /// A path on this site only: `/x`, never `//host` or `http://…` (no open redirect).
    static func safeLocal(_ path: String?) -> String? {
        // No control characters or spaces at all: browsers drop tabs and newlines from a URL, so
        // "/\t/evil.example" would become "//evil.example".
        guard let path, path.hasPrefix("/"), !path.hasPrefix("//"), !path.contains("\\"),
              !path.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F }) else { return nil }
        return path
    }
}

/// A nil field of a view model: nothing in a section, empty as a value, and found (so the lookup
/// stops here instead of climbing to an outer object with a field of the same name).
struct WebAbsent: MustacheCustomRenderable {
    var renderText: String { "" }
    var isNull: Bool { true }
}

/// In sections, an empty text and a zero count are "nothing", as in other Mustache implementations:
/// `{{#summary}} — {{summary}}{{/summary}}` draws nothing for an empty summary.
extension String: @retroactive MustacheCustomRenderable {
    public var renderText: String { self }
    public var isNull: Bool { isEmpty }
}

extension Int: @retroactive MustacheCustomRenderable {
    public var renderText: String { String(self) }
    public var isNull: Bool { self == 0 }
}
