import Foundation
import Hummingbird
import NIOCore
import RapportEngine

/// Server-Sent Events: `event: <name>` and `data: <JSON>` per message, a comment every 15 s so
/// proxies keep the connection open. The stream ends when the client goes away, or after `limit`:
/// the browser reconnects by itself (`retry`), and the reconnection checks the session again, so a
/// signed-out user or a revoked token does not keep a stream for ever.
enum LiveStream {
    static let heartbeat: Duration = .seconds(15)

    static func frame(_ message: LiveMessage) -> ByteBuffer {
        let data: Data?
        switch message {
        case .offer(let offer): data = try? APIJSON.encoder.encode(offer)
        case .agentState(let agent): data = try? APIJSON.encoder.encode(agent)
        case .wallboard(let board): data = try? APIJSON.encoder.encode(board)
        }
        return ByteBuffer(string: "event: \(message.name)\ndata: \(String(decoding: data ?? Data("{}".utf8), as: UTF8.self))\n\n")
    }

    static func response(first: LiveMessage, stream: AsyncStream<LiveMessage>, limit: Duration) -> Response {
        let (frames, continuation) = AsyncStream.makeStream(of: ByteBuffer.self, bufferingPolicy: .bufferingNewest(256))
        continuation.yield(ByteBuffer(string: "retry: 2000\n\n"))
        continuation.yield(frame(first))
        let forward = Task {
            for await message in stream { continuation.yield(frame(message)) }
            continuation.finish()
        }
        let beat = Task {
            while !Task.isCancelled {
                try await Task.sleep(for: heartbeat)
                continuation.yield(ByteBuffer(string: ": keep-alive\n\n"))
            }
        }
        let end = Task {
            try await Task.sleep(for: limit)
            continuation.finish()
        }
        continuation.onTermination = { _ in
            forward.cancel()
            beat.cancel()
            end.cancel()
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-cache",
                                               HeaderName("X-Accel-Buffering")!: "no"],
                        body: ResponseBody(asyncSequence: frames))
    }
}
