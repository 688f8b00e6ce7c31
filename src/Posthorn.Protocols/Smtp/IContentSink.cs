namespace Posthorn.Protocols.Smtp;

/// <summary>
/// Where the DATA and BDAT readers stream message content as it arrives (smtpd passes the queue
/// file writer's AppendContent), so that no message is ever buffered whole.
/// </summary>
public interface IContentSink
{
    void Write(ReadOnlySpan<byte> content);
}
