import Glibc

/// One HTTP/1.1 `GET` to a program's own health endpoint, with plain POSIX sockets and one deadline for the
/// whole exchange: what `consumer probe` and `api probe` run for a container's health check, where the image
/// has neither curl nor wget (`docs/deployment.md`, "Health checks").
public struct HealthProbe: Sendable {
    /// The address to connect to, numeric or a name.
    public var host: String
    /// The port.
    public var port: Int
    /// The path to request, beginning with `/`.
    public var path: String
    /// The deadline for connecting, sending and reading the status line together.
    public var timeout: Duration

    /// A probe of `http://host:port/path`.
    public init(host: String = "127.0.0.1", port: Int, path: String = "/readyz", timeout: Duration = .seconds(2)) {
        self.host = host
        self.port = port
        self.path = path
        self.timeout = timeout
    }

    /// The URL the probe requests, for messages.
    public var url: String { "http://\(host.contains(":") ? "[\(host)]" : host):\(port)\(path)" }

    /// Requests the path and returns the response's status code, whatever it is.
    /// - Throws: ``HealthProbeError`` when no status line arrives within ``timeout``.
    public func status() throws(HealthProbeError) -> Int {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        let socket = try connect(before: deadline)
        defer { close(socket) }
        let request =
            "GET \(path) HTTP/1.1\r\nHost: \(host)\r\nUser-Agent: foodcount-probe\r\nConnection: close\r\n\r\n"
        var bytes = Array(request.utf8)[...]
        while !bytes.isEmpty {
            try wait(socket, for: Int16(POLLOUT), before: deadline, doing: "sending the request")
            let sent = bytes.withUnsafeBytes { send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent >= 0 else {
                if errno == EINTR || errno == EAGAIN { continue }
                throw error(.io, "sending the request failed: \(systemError())")
            }
            bytes = bytes.dropFirst(sent)
        }
        var head: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 512)
        while !head.contains(0x0A) && head.count < 4_096 {
            try wait(socket, for: Int16(POLLIN), before: deadline, doing: "waiting for the answer")
            let count = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if count < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                throw error(.io, "reading the answer failed: \(systemError())")
            }
            if count == 0 { break }
            head += buffer[0..<count]
        }
        let line = String(decoding: head.prefix { $0 != 0x0D && $0 != 0x0A }, as: UTF8.self)
        guard let status = Self.statusCode(line) else {
            throw error(.badResponse, "the answer is not HTTP: \(line.isEmpty ? "nothing" : "'\(line.prefix(80))'")")
        }
        return status
    }

    /// Probes once.
    /// - Parameter program: The prefix of the line (`consumer probe`).
    /// - Returns: Whether the answer's status is 2xx, and one line saying what answered, or why nothing did.
    public func check(program: String) -> (healthy: Bool, line: String) {
        let healthy: Bool
        let line: String
        do {
            let code = try status()
            healthy = (200...299).contains(code)
            line = "\(program): GET \(url) answered \(code)\(healthy ? "" : ", not 2xx: unhealthy")"
        } catch {
            healthy = false
            line = "\(program): unhealthy: \(error)"
        }
        return (healthy, line)
    }

    /// The status code of an HTTP/1.x status line (`HTTP/1.1 503 Service Unavailable` is 503), or `nil`.
    public static func statusCode(_ line: String) -> Int? {
        let fields = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard fields.count >= 2, fields[0].hasPrefix("HTTP/1."), fields[1].count == 3,
            let code = Int(fields[1]), (100...599).contains(code)
        else { return nil }
        return code
    }

    private func connect(before deadline: ContinuousClock.Instant) throws(HealthProbeError) -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
            hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let resolved = getaddrinfo(host, String(port), &hints, &list)
        guard resolved == 0, let first = list else {
            throw error(.refused, "cannot resolve \(host): \(String(cString: gai_strerror(resolved)))")
        }
        defer { freeaddrinfo(list) }
        let socket = Glibc.socket(first.pointee.ai_family, first.pointee.ai_socktype, first.pointee.ai_protocol)
        guard socket >= 0 else { throw error(.io, "cannot create a socket: \(systemError())") }
        _ = fcntl(socket, F_SETFL, fcntl(socket, F_GETFL) | O_NONBLOCK)
        if Glibc.connect(socket, first.pointee.ai_addr, first.pointee.ai_addrlen) != 0 {
            guard errno == EINPROGRESS else {
                let reason = systemError()
                close(socket)
                throw error(.refused, "cannot connect: \(reason)")
            }
            do {
                try wait(socket, for: Int16(POLLOUT), before: deadline, doing: "connecting")
            } catch {
                close(socket)
                throw error
            }
            var failure: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            _ = getsockopt(socket, SOL_SOCKET, SO_ERROR, &failure, &length)
            if failure != 0 {
                close(socket)
                throw error(.refused, "cannot connect: \(String(cString: strerror(failure)))")
            }
        }
        return socket
    }

    /// Waits until the socket is ready for `events`, or throws a timeout when the deadline passes first.
    private func wait(_ socket: Int32, for events: Int16, before deadline: ContinuousClock.Instant, doing what: String)
        throws(HealthProbeError)
    {
        while true {
            let left = ContinuousClock.now.duration(to: deadline)
            guard left > .zero else {
                throw error(.timeout, "no answer within \(timeout.wholeMillisecondsText) ms (\(what))")
            }
            let milliseconds = Int32(clamping: max(1, Int(left / .milliseconds(1))))
            var descriptor = pollfd(fd: socket, events: events, revents: 0)
            let ready = poll(&descriptor, 1, milliseconds)
            if ready > 0 { return }
            if ready < 0 && errno != EINTR { throw error(.io, "poll failed: \(systemError())") }
        }
    }

    private func error(_ code: HealthProbeError.Code, _ message: String) -> HealthProbeError {
        HealthProbeError(code: code, url: url, message: message)
    }

    private func systemError() -> String { String(cString: strerror(errno)) }
}

/// Why a ``HealthProbe`` got no status code.
public struct HealthProbeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, stable for scripts and tests.
    public enum Code: String, Sendable {
        /// Nothing listens there, or the name does not resolve.
        case refused
        /// No status line before the deadline.
        case timeout
        /// Something answered, but not with an HTTP status line.
        case badResponse = "bad_response"
        /// A socket call failed.
        case io
    }

    /// What went wrong.
    public let code: Code
    /// The URL that was probed.
    public let url: String
    /// What happened, in words.
    public let message: String

    /// One line: `GET http://127.0.0.1:8081/readyz: cannot connect: Connection refused`.
    public var description: String { "GET \(url): \(message)" }
}

extension Duration {
    fileprivate var wholeMillisecondsText: String { String(Int(self / .milliseconds(1))) }
}
