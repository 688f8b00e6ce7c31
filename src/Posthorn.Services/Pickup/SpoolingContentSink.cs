using System.Text;
using Posthorn.Services.Cleanup;

namespace Posthorn.Services.Pickup;

/// <summary>
/// Takes cleanup's output lines and spools them, CR LF terminated, to a temporary file that
/// is removed on close, so that the envelope — known only when cleanup finishes — can be
/// written into the queue file before the content, and no message is held in memory whole.
/// </summary>
internal sealed class SpoolingContentSink : ICleanupContentSink, IDisposable
{
    private readonly FileStream _spool;
    private static readonly byte[] Crlf = "\r\n"u8.ToArray();

    public SpoolingContentSink(string directory)
    {
        var path = Path.Combine(directory, ".pickup." + Environment.ProcessId + "." + Guid.NewGuid().ToString("N")[..12]);
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            Share = FileShare.None,
            Options = FileOptions.DeleteOnClose,
        };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        _spool = new FileStream(path, options);
    }

    public void HeaderLine(string line) => Write(line);

    public void EndOfHeaders() => _spool.Write(Crlf);

    public void BodyLine(string line) => Write(line);

    /// <summary>Copies the spooled content, from the start, to <paramref name="append"/>.</summary>
    public void CopyTo(Action<ReadOnlySpan<byte>> append)
    {
        _spool.Flush();
        _spool.Position = 0;
        var buffer = new byte[64 * 1024];
        int n;
        while ((n = _spool.Read(buffer, 0, buffer.Length)) > 0)
            append(buffer.AsSpan(0, n));
    }

    private void Write(string line)
    {
        _spool.Write(Encoding.UTF8.GetBytes(line));
        _spool.Write(Crlf);
    }

    public void Dispose() => _spool.Dispose();
}
