import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL

// A small SMTP submission client (RFC 5321) over SwiftNIO with STARTTLS (RFC 3207) and
// AUTH PLAIN / LOGIN (RFC 4954). One `send` is one SMTP session with one recipient.
// Nothing here logs message content or addresses: those are personal data.

// MARK: - Public API

/// Where and how to submit mail.
public struct SMTPSettings: Sendable, Equatable {
    /// Transport security. `startTLS` upgrades when the server offers STARTTLS and otherwise goes on in
    /// plain text; `startTLSRequired` fails with `SMTPError.tlsUnavailable` when it is not offered.
    public enum Security: String, Sendable { case none, startTLS = "starttls", startTLSRequired = "starttls_required" }

    public var host: String
    public var port: Int
    public var security: Security
    public var username: String?
    public var password: String?
    /// Name given in EHLO/HELO.
    public var heloName: String
    /// PEM file of extra trusted roots (e.g. a test's self-signed certificate); nil = system trust store only.
    public var caFile: String?
    /// Limit for connecting and for each command's reply, in seconds.
    public var timeout: TimeInterval

    public init(
        host: String, port: Int, security: Security = .startTLS, username: String? = nil, password: String? = nil,
        heloName: String = "rapport.localhost", caFile: String? = nil, timeout: TimeInterval = 30
    ) {
        self.host = host; self.port = port; self.security = security
        self.username = username; self.password = password
        self.heloName = heloName; self.caFile = caFile; self.timeout = timeout
    }
}

/// One plain-text message to one recipient.
public struct SMTPMessage: Sendable, Equatable {
    public var from: String
    public var fromName: String?
    public var to: String
    public var subject: String
    public var textBody: String
    /// Goes into the Message-ID header (e.g. "<uuid@rapport>"); receivers drop duplicates by it.
    public var messageId: String
    /// Extra headers such as "X-Rapport-Idempotency-Key". Invalid names and the standard headers written
    /// by the client itself (From, To, Subject, Date, Message-ID, MIME-Version, Content-*) are ignored.
    public var headers: [String: String]
    public var date: Date

    public init(
        from: String, fromName: String? = nil, to: String, subject: String, textBody: String,
        messageId: String, headers: [String: String] = [:], date: Date = Date()
    ) {
        self.from = from; self.fromName = fromName; self.to = to
        self.subject = subject; self.textBody = textBody
        self.messageId = messageId; self.headers = headers; self.date = date
    }
}

public enum SMTPError: Error, Sendable, Equatable {
    /// Could not connect, or the connection dropped.
    case connectionFailed(String)
    case timeout
    /// `startTLSRequired` but the server did not offer STARTTLS.
    case tlsUnavailable
    case tls(String)
    case authenticationFailed(code: Int)
    /// Any unexpected reply; `message` is the server's text.
    case rejected(code: Int, message: String)

    /// True when retrying the same message cannot help: 5xx rejections and authentication failures
    /// (except a 4xx "temporary authentication failure"). Timeouts, connection and TLS errors and 4xx
    /// replies are transient.
    public var isPermanent: Bool {
        switch self {
        case .rejected(let code, _): return code >= 500
        case .authenticationFailed(let code): return !(400..<500).contains(code)
        case .connectionFailed, .timeout, .tlsUnavailable, .tls: return false
        }
    }
}

public struct SMTPClient: Sendable {
    private let settings: SMTPSettings
    private let eventLoopGroup: any EventLoopGroup
    private let logger = Logger(label: "rapport.smtp")

    public init(settings: SMTPSettings, eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.settings = settings
        self.eventLoopGroup = eventLoopGroup
    }

    /// One SMTP session: connect, EHLO, STARTTLS (+EHLO again) when configured, AUTH when a username is set
    /// (PLAIN if offered, else LOGIN), MAIL FROM, RCPT TO, DATA, QUIT. Returns the server's reply text to the
    /// end of DATA (e.g. "250 OK queued as ...").
    public func send(_ message: SMTPMessage) async throws -> String {
        // Everything that can fail without the network is done before connecting.
        let tlsContext = settings.security == .none ? nil : try makeTLSContext()
        let payload = SMTPFormat.dotStuffed(SMTPFormat.render(message)) + ".\r\n"
        let from = SMTPFormat.envelopeAddress(message.from), to = SMTPFormat.envelopeAddress(message.to)
        let host = settings.host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))

        let session = try await connect(host: host)
        do {
            let reply = try await converse(
                session, tlsContext: tlsContext, host: host, from: from, to: to, payload: payload)
            await session.quit()
            logger.debug("smtp message accepted", metadata: ["smtp.host": "\(host)", "smtp.code": "\(reply.code)"])
            return reply.description
        } catch let error as SMTPError {
            // Server texts may quote addresses: for a reply only its code is logged.
            var logged = "\(error)"
            switch error {
            case .rejected(let code, _), .authenticationFailed(let code):
                logged = "reply \(code)"
                await session.quit()  // still in step with the server: say goodbye
            case .tlsUnavailable: await session.quit()
            case .connectionFailed, .timeout, .tls: session.close()
            }
            logger.debug("smtp send failed", metadata: ["smtp.host": "\(host)", "smtp.error": "\(logged)"])
            throw error
        } catch {
            session.close()
            throw error  // CancellationError
        }
    }

    // MARK: Session steps

    private func converse(
        _ session: SMTPSession, tlsContext: NIOSSLContext?, host: String, from: String, to: String, payload: String
    ) async throws -> SMTPReply {
        try await session.exchange().expect(220)  // greeting
        var extensions = try await hello(session)

        if let tlsContext {
            if extensions["STARTTLS"] != nil {
                try await session.exchange("STARTTLS").expect(220)
                // SNI must not carry an IP literal; NIOSSL then checks the certificate against the peer's IP.
                let isIPLiteral = (try? SocketAddress(ipAddress: host, port: 0)) != nil
                try await session.startTLS(tlsContext, serverHostname: isIPLiteral ? nil : host)
                extensions = try await hello(session)  // RFC 3207: forget everything learnt before TLS
            } else if settings.security == .startTLSRequired {
                throw SMTPError.tlsUnavailable
            }
        }

        if let username = settings.username {
            try await authenticate(session, username: username, password: settings.password ?? "", extensions: extensions)
        }

        // Non-ASCII addresses need SMTPUTF8 (RFC 6531); without it the server decides (and usually rejects).
        let utf8 = !(from + to).allSatisfy(\.isASCII) && extensions["SMTPUTF8"] != nil
        try await session.exchange("MAIL FROM:<\(from)>" + (utf8 ? " SMTPUTF8" : "")).expect(250)
        try await session.exchange("RCPT TO:<\(to)>").expect(250, 251)
        try await session.exchange("DATA").expect(354)
        return try await session.exchange(raw: payload).expect(250)
    }

    /// EHLO, falling back to HELO for servers that do not know it. Returns the extensions (keyword → parameters).
    private func hello(_ session: SMTPSession) async throws -> [String: String] {
        let name = SMTPFormat.headerSafe(settings.heloName).replacingOccurrences(of: " ", with: "")
        let reply = try await session.exchange("EHLO \(name)")
        if reply.code == 250 {
            var extensions: [String: String] = [:]
            for line in reply.lines.dropFirst() {  // the first line is the server's greeting
                let parts = line.split(separator: " ", maxSplits: 1)
                guard let keyword = parts.first else { continue }
                // "AUTH=PLAIN LOGIN" is an old spelling of "AUTH PLAIN LOGIN".
                let key = keyword.uppercased().hasPrefix("AUTH=") ? "AUTH" : keyword.uppercased()
                let params = keyword.uppercased().hasPrefix("AUTH=") ? String(line.dropFirst(5)) : parts.dropFirst().joined()
                extensions[key] = params.uppercased()
            }
            return extensions
        }
        guard (500...504).contains(reply.code) || reply.code == 550 else { throw reply.rejection }
        try await session.exchange("HELO \(name)").expect(250)
        return [:]
    }

    /// AUTH PLAIN (initial response in the command) or, when only LOGIN is offered, AUTH LOGIN.
    private func authenticate(_ session: SMTPSession, username: String, password: String, extensions: [String: String]) async throws {
        let mechanisms = Set((extensions["AUTH"] ?? "").split(separator: " ").map(String.init))
        func b64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }
        func check(_ reply: SMTPReply, _ expected: Int) throws {
            guard reply.code == expected else { throw SMTPError.authenticationFailed(code: reply.code) }
        }
        if mechanisms.contains("PLAIN") {
            try check(try await session.exchange("AUTH PLAIN " + b64("\0\(username)\0\(password)")), 235)
        } else if mechanisms.contains("LOGIN") {
            try check(try await session.exchange("AUTH LOGIN"), 334)
            try check(try await session.exchange(b64(username)), 334)
            try check(try await session.exchange(b64(password)), 235)
        } else {
            // 504 is what a server answers to an unsupported mechanism; credentials were configured in vain.
            throw SMTPError.rejected(code: 504, message: "server offers no supported AUTH mechanism (PLAIN, LOGIN)")
        }
        logger.debug("smtp authenticated", metadata: ["smtp.auth": "\(mechanisms.contains("PLAIN") ? "PLAIN" : "LOGIN")"])
    }

    // MARK: Connection

    private var timeoutAmount: TimeAmount {
        .nanoseconds(Int64(min(max(settings.timeout, 0.001), 86_400) * 1_000_000_000))
    }

    private func connect(host: String) async throws -> SMTPSession {
        let timeout = timeoutAmount
        let bootstrap = ClientBootstrap(group: eventLoopGroup)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let decoder = SMTPReplyDecoder()
                    try channel.pipeline.syncOperations.addHandlers(
                        ByteToMessageHandler(decoder), SMTPResponseHandler(decoder: decoder, timeout: timeout))
                }
            }
        do {
            let channel = try await bootstrap.connect(host: host, port: settings.port).get()
            logger.debug("smtp connected", metadata: ["smtp.host": "\(host)", "smtp.port": "\(settings.port)"])
            return SMTPSession(channel: channel)
        } catch {
            throw SMTPError.classify(error)
        }
    }

    /// System trust roots, plus the certificates of `caFile` when given.
    private func makeTLSContext() throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        do {
            if let caFile = settings.caFile {
                configuration.additionalTrustRoots = [.certificates(try NIOSSLCertificate.fromPEMFile(caFile))]
            }
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw SMTPError.tls("cannot set up TLS (CA file \(settings.caFile ?? "-")): \(error)")
        }
    }
}

// MARK: - Session

/// The async face of one connection: each exchange writes a command and waits for its reply.
private struct SMTPSession: Sendable {
    let channel: any Channel

    /// Sends `command` + CRLF (`raw` bytes as they are; nothing, for the greeting) and waits for the reply,
    /// within the timeout.
    func exchange(_ command: String? = nil, raw: String? = nil) async throws -> SMTPReply {
        let bytes = command.map { $0 + "\r\n" } ?? raw
        let reply = channel.eventLoop.makePromise(of: SMTPReply.self)
        channel.writeAndFlush(SMTPRequest(bytes: bytes, reply: reply), promise: nil)
        return try await withTaskCancellationHandler {
            do { return try await reply.futureResult.get() } catch {
                try Task.checkCancellation()
                throw SMTPError.classify(error)
            }
        } onCancel: { [channel] in
            channel.close(promise: nil)
        }
    }

    /// Puts TLS at the front of the pipeline. Plain-text bytes that came after the STARTTLS reply would
    /// otherwise be read as if they had come over TLS (the STARTTLS injection attack), so they fail it.
    func startTLS(_ context: NIOSSLContext, serverHostname: String?) async throws {
        do {
            try await channel.eventLoop.submit { [channel] in
                let responses = try channel.pipeline.syncOperations.handler(type: SMTPResponseHandler.self)
                guard responses.isIdle else { throw SMTPError.tls("server sent data after the STARTTLS reply") }
                let tls = try NIOSSLClientHandler(context: context, serverHostname: serverHostname)
                try channel.pipeline.syncOperations.addHandler(tls, position: .first)
            }.get()
        } catch {
            throw SMTPError.classify(error)
        }
    }

    /// Best-effort QUIT, then close.
    func quit() async {
        _ = try? await exchange("QUIT")
        close()
    }

    func close() { channel.close(promise: nil) }
}

// MARK: - Replies and channel handlers

/// A complete (possibly multi-line) reply: its code and the text of each line.
struct SMTPReply: Sendable, Equatable, CustomStringConvertible {
    var code: Int
    var lines: [String]

    var description: String { "\(code) " + lines.joined(separator: " ") }
    var rejection: SMTPError { .rejected(code: code, message: lines.joined(separator: "\n")) }

    @discardableResult
    func expect(_ codes: Int...) throws -> SMTPReply {
        guard codes.contains(code) else { throw rejection }
        return self
    }
}

/// Outbound message of the pipeline: bytes to write (nil: just wait, as for the greeting) and where the reply goes.
struct SMTPRequest: Sendable {
    var bytes: String?
    var reply: EventLoopPromise<SMTPReply>
}

/// Splits the byte stream into lines and gathers "250-..." continuation lines up to the final "250 ..." line.
final class SMTPReplyDecoder: ByteToMessageDecoder {
    typealias InboundOut = SMTPReply
    private static let maxLineLength = 4096, maxLines = 500
    private var pending: SMTPReply?
    /// Bytes received but not yet part of a complete reply (read by the STARTTLS injection check).
    private(set) var bufferedBytes = 0

    func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        defer { bufferedBytes = buffer.readableBytes + (pending == nil ? 0 : 1) }
        let view = buffer.readableBytesView
        guard let newline = view.firstIndex(of: UInt8(ascii: "\n")) else {
            guard view.count <= Self.maxLineLength else { throw SMTPError.connectionFailed("reply line too long") }
            return .needMoreData
        }
        var line = buffer.readString(length: newline - view.startIndex + 1) ?? ""
        while line.hasSuffix("\n") || line.hasSuffix("\r") || line.hasSuffix("\r\n") { line.removeLast() }

        // "ddd-text" continues a reply, "ddd text" or a bare "ddd" ends it.
        let scalars = Array(line.unicodeScalars.prefix(4))
        guard scalars.count >= 3, scalars[0..<3].allSatisfy({ ("0"..."9").contains($0) }),
              let code = Int(String(line.prefix(3))),
              pending == nil || pending?.code == code
        else { throw SMTPError.connectionFailed("malformed server reply") }
        let isLast = scalars.count == 3 || scalars[3] != "-"
        var reply = pending ?? SMTPReply(code: code, lines: [])
        reply.lines.append(String(line.dropFirst(4)))
        guard reply.lines.count <= Self.maxLines else { throw SMTPError.connectionFailed("server reply too long") }
        if isLast {
            pending = nil
            context.fireChannelRead(wrapInboundOut(reply))
        } else {
            pending = reply
        }
        return .continue
    }

    func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}

/// Pairs replies with requests in order, runs each request's timeout and turns channel failures into
/// `SMTPError`s for whoever is waiting (or will wait) for a reply.
final class SMTPResponseHandler: ChannelDuplexHandler {
    typealias InboundIn = SMTPReply
    typealias OutboundIn = SMTPRequest
    typealias OutboundOut = ByteBuffer

    private let decoder: SMTPReplyDecoder
    private let timeout: TimeAmount
    private var waiting = CircularBuffer<(reply: EventLoopPromise<SMTPReply>, timer: Scheduled<Void>)>()
    private var unsolicited = CircularBuffer<SMTPReply>()
    private var failure: SMTPError?

    init(decoder: SMTPReplyDecoder, timeout: TimeAmount) {
        self.decoder = decoder
        self.timeout = timeout
    }

    /// Nothing received that is not yet consumed, and nothing awaited.
    var isIdle: Bool { waiting.isEmpty && unsolicited.isEmpty && decoder.bufferedBytes == 0 }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        if let failure {
            request.reply.fail(failure)
            promise?.fail(failure)
            return
        }
        // A reply that came unasked (the greeting, or e.g. "421 closing") answers this request; in lock-step
        // SMTP anything but the greeting then fails the session, so the command need not go out.
        if let early = unsolicited.popFirst() {
            request.reply.succeed(early)
            promise?.succeed(())
            return
        }
        let timer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [context] in
            self.fail(.timeout, context: context)
        }
        waiting.append((request.reply, timer))
        if let bytes = request.bytes {
            context.write(wrapOutboundOut(ByteBuffer(string: bytes)), promise: promise)
        } else {
            promise?.succeed(())
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let reply = unwrapInboundIn(data)
        if let next = waiting.popFirst() {
            next.timer.cancel()
            next.reply.succeed(reply)
        } else if unsolicited.count < 8 {
            unsolicited.append(reply)
        } else {
            fail(.connectionFailed("server sent too many unsolicited replies"), context: context)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(SMTPError.classify(error), context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(.connectionFailed("connection closed by server"), context: context)
        context.fireChannelInactive()
    }

    /// The first failure wins and is final: it is given to every pending and future request.
    private func fail(_ error: SMTPError, context: ChannelHandlerContext) {
        if failure == nil { failure = error }
        while let next = waiting.popFirst() {
            next.timer.cancel()
            next.reply.fail(failure ?? error)
        }
        if context.channel.isActive { context.close(promise: nil) }
    }
}

extension SMTPError {
    /// Maps NIO, NIOSSL and decoder errors to the public error type.
    static func classify(_ error: any Error) -> SMTPError {
        switch error {
        case let error as SMTPError: return error
        case let error as NIOSSLError where error == .uncleanShutdown:
            return .connectionFailed("connection closed without TLS close_notify")
        case let error as NIOSSLError: return .tls(String(describing: error))
        case let error as NIOSSLExtraError: return .tls(String(describing: error))
        case let error as BoringSSLError: return .tls(String(describing: error))
        case let error as ChannelError:
            if case .connectTimeout = error { return .timeout }
            return .connectionFailed(String(describing: error))
        default: return .connectionFailed(String(describing: error))
        }
    }
}

// MARK: - Message formatting

/// RFC 5322 / MIME rendering of an `SMTPMessage`: 7-bit headers, base64 UTF-8 body, CRLF line endings.
enum SMTPFormat {
    /// Header values and envelope parts lose CR/LF (each run becomes one space), so nothing can inject lines.
    static func headerSafe(_ value: String) -> String {
        value.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\r" || $0 == "\n" || $0 == "\r\n" })
            .joined(separator: " ")
    }

    /// An address for MAIL FROM / RCPT TO / headers: no line breaks, angle brackets or surrounding spaces.
    static func envelopeAddress(_ address: String) -> String {
        headerSafe(address).filter { $0 != "<" && $0 != ">" }.trimmingCharacters(in: .whitespaces)
    }

    static func render(_ message: SMTPMessage) -> String {
        let from = envelopeAddress(message.from)
        var messageId = headerSafe(message.messageId).trimmingCharacters(in: .whitespaces)
        if !messageId.hasPrefix("<") { messageId = "<\(messageId)>" }
        var headers = [
            "Date: \(date(message.date))",
            "From: " + (message.fromName.map { "\(displayName($0)) <\(from)>" } ?? from),
            "To: \(envelopeAddress(message.to))",
            "Subject: \(encodedWords(headerSafe(message.subject), used: 9))",
            "Message-ID: \(messageId)",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: base64",
        ]
        let reserved: Set<String> = ["date", "from", "to", "subject", "message-id", "mime-version",
                                     "content-type", "content-transfer-encoding"]
        for (name, value) in message.headers.sorted(by: { $0.key < $1.key }) {
            let validName = !name.isEmpty && name.utf8.allSatisfy { $0 > 32 && $0 < 127 && $0 != UInt8(ascii: ":") }
            guard validName, !reserved.contains(name.lowercased()) else { continue }
            headers.append("\(name): \(encodedWords(headerSafe(value), used: name.utf8.count + 2))")
        }
        // Text is canonicalised to CRLF line breaks before base64 (RFC 2045 §6.8).
        let body = message.textBody.replacingOccurrences(of: "\r\n", with: "\n")
            .replacingOccurrences(of: "\r", with: "\n").replacingOccurrences(of: "\n", with: "\r\n")
        let encoded = Data(body.utf8).base64EncodedString()
        var lines: [Substring] = []
        var rest = Substring(encoded)
        while !rest.isEmpty { lines.append(rest.prefix(76)); rest = rest.dropFirst(76) }
        return headers.joined(separator: "\r\n") + "\r\n\r\n" + lines.joined(separator: "\r\n") + "\r\n"
    }

    /// RFC 5321 §4.5.2: a line starting with "." gets a second one. Input uses CRLF line endings.
    static func dotStuffed(_ text: String) -> String {
        text.components(separatedBy: "\r\n").map { $0.hasPrefix(".") ? "." + $0 : $0 }.joined(separator: "\r\n")
    }

    /// Text that is not plain printable ASCII (or could be mistaken for an encoded word, or is very long)
    /// becomes RFC 2047 `=?UTF-8?B?...?=` words, folded onto continuation lines so that no line passes 78
    /// characters; `used` is what the header's first line already holds ("Subject: ").
    static func encodedWords(_ text: String, used: Int = 0) -> String {
        let plain = text.unicodeScalars.allSatisfy { ($0.value >= 0x20 && $0.value < 0x7F) || $0 == "\t" }
        guard !plain || text.contains("=?") || text.utf8.count > 900 else { return text }
        // A word is at most 75 characters: 12 of syntax and 60 of base64, i.e. 45 bytes of UTF-8. The first
        // word gets what is left of its line. Characters are never split between words.
        var words: [String] = []
        var chunk = ""
        var limit = max((78 - used - 12) / 4, 1) * 3
        for character in text {
            if !chunk.isEmpty && chunk.utf8.count + character.utf8.count > min(limit, 45) {
                words.append(chunk); chunk = ""; limit = 45
            }
            chunk.append(character)
        }
        if !chunk.isEmpty { words.append(chunk) }
        return words.map { "=?UTF-8?B?\(Data($0.utf8).base64EncodedString())?=" }.joined(separator: "\r\n ")
    }

    /// A display name as an atom phrase, a quoted string, or encoded words.
    static func displayName(_ name: String) -> String {
        let name = headerSafe(name)
        let encoded = encodedWords(name, used: 6)  // "From: "
        guard encoded == name else { return encoded }
        let specials = Set("()<>[]:;@\\,.\"")
        guard name.contains(where: { specials.contains($0) }) else { return name }
        return "\"" + name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// RFC 5322 date-time in UTC, e.g. "Tue, 14 Jan 2025 09:05:00 +0000".
    static func date(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ n: Int?) -> String { let n = n ?? 0; return n < 10 ? "0\(n)" : "\(n)" }
        return "\(days[(c.weekday ?? 1) - 1]), \(two(c.day)) \(months[(c.month ?? 1) - 1]) \(c.year ?? 1970) "
            + "\(two(c.hour)):\(two(c.minute)):\(two(c.second)) +0000"
    }
}
