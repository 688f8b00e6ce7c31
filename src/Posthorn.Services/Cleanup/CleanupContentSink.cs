namespace Posthorn.Services.Cleanup;

/// <summary>
/// Where cleanup sends the message content as it is processed: header lines (physical lines,
/// continuation lines start with a space or tab), the end of the header block, then body lines.
/// The queue file writer implements this; tests collect into memory.
/// </summary>
public interface ICleanupContentSink
{
    void HeaderLine(string line);

    void EndOfHeaders();

    void BodyLine(string line);
}

/// <summary>A sink that keeps everything in memory (tests, small messages).</summary>
public sealed class CollectingContentSink : ICleanupContentSink
{
    public List<string> Headers { get; } = [];

    public List<string> Body { get; } = [];

    public bool HeadersEnded { get; private set; }

    public void HeaderLine(string line) => Headers.Add(line);

    public void EndOfHeaders() => HeadersEnded = true;

    public void BodyLine(string line) => Body.Add(line);
}
