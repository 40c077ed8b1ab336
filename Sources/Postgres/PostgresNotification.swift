/// A `NOTIFY` received on a channel this session listens to.
public struct PostgresNotification: Sendable, Equatable {
    public let channel: String
    /// The payload text (`''` when the sender gave none).
    public let payload: String
    /// The server process that sent it (`pg_backend_pid()` of the notifier).
    public let senderPID: Int32

    public init(channel: String, payload: String, senderPID: Int32) {
        self.channel = channel
        self.payload = payload
        self.senderPID = senderPID
    }
}
