namespace Posthorn.Protocols.Smtp;

/// <summary>
/// An <see cref="IContentSink"/> over a method, so smtpd can stream DATA straight into the queue
/// file: <c>new DelegateContentSink(writer.AppendContent)</c>.
/// </summary>
public sealed class DelegateContentSink(Action<ReadOnlySpan<byte>> write) : IContentSink
{
    public void Write(ReadOnlySpan<byte> content) => write(content);
}
