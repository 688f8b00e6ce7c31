using System.Text;
using System.Threading.Channels;

namespace Posthorn.Core.Logging;

/// <summary>
/// The background writer behind <see cref="MailLog"/>: a bounded queue of lines (callers wait
/// when it is full, so nothing is dropped) drained by one task that writes batches to the
/// maillog_file stream and/or stderr (flushed whenever the queue runs empty) and/or syslog.
/// </summary>
internal sealed class MailLogWriter : IDisposable
{
    /// <summary>Lines waiting to be written before callers wait.</summary>
    private const int Capacity = 8192;

    private readonly Channel<object> _queue = Channel.CreateBounded<object>(
        new BoundedChannelOptions(Capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    private Stream? _file;
    private string? _fileName;
    private readonly Stream? _stderr;
    private readonly SyslogSink? _syslog;
    private readonly Task _pump;
    private int _disposed;

    public MailLogWriter(string? logFile, bool toStderr, SyslogTarget? syslog = null)
    {
        _syslog = syslog is null ? null : new SyslogSink(syslog);
        _file = OpenFile(logFile);
        _fileName = logFile;
        _stderr = toStderr ? Console.OpenStandardError() : null;
        _pump = Task.Run(PumpAsync);
    }

    /// <summary>One record: the full maillog_file line, the stderr form, its syslog severity and time.</summary>
    public readonly record struct Line(string FileText, string StderrText, int Severity, DateTime Time);

    /// <summary>The stream for maillog_file: /dev/stdout and /dev/stderr are the process's own.</summary>
    public static Stream? OpenFile(string? logFile)
    {
        if (string.IsNullOrEmpty(logFile))
            return null;
        return logFile switch
        {
            "/dev/stdout" => Console.OpenStandardOutput(),
            "/dev/stderr" => Console.OpenStandardError(),
            _ => AppendFile.Open(logFile),
        };
    }

    public void Enqueue(Line line)
    {
        if (_queue.Writer.TryWrite(line))
            return;
        if (Volatile.Read(ref _disposed) != 0)
            return;
        try
        {
            _queue.Writer.WriteAsync(line).AsTask().GetAwaiter().GetResult();
        }
        catch (ChannelClosedException)
        {
        }
    }

    /// <summary>A request to the pump: write to this file from now on.</summary>
    private sealed record Reopen(Stream? File, TaskCompletionSource Done);

    /// <summary>
    /// Switches to another maillog_file when the name changed or the file was renamed or
    /// removed (log rotation); otherwise keeps the open file. Lines enqueued before go to the
    /// old file, which is then closed. Throws <see cref="IOException"/> when the new file
    /// cannot be opened.
    /// </summary>
    public void SwitchFile(string? logFile)
    {
        if (logFile == _fileName && (string.IsNullOrEmpty(logFile) || logFile.StartsWith("/dev/", StringComparison.Ordinal)
            || (_file is FileStream fs && AppendFile.Identity(fs) is { } open && AppendFile.Identity(logFile) == open)))
            return;
        var file = OpenFile(logFile);
        _fileName = logFile;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            _queue.Writer.WriteAsync(new Reopen(file, done)).AsTask().GetAwaiter().GetResult();
        }
        catch (ChannelClosedException)
        {
            file?.Dispose();
            return;
        }
        done.Task.Wait(TimeSpan.FromSeconds(10));
    }

    /// <summary>Returns when every line enqueued before the call is written (or after 10 seconds of a stuck disk).</summary>
    public void Flush()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            _queue.Writer.WriteAsync(done).AsTask().GetAwaiter().GetResult();
        }
        catch (ChannelClosedException)
        {
            return;
        }
        done.Task.Wait(TimeSpan.FromSeconds(10));
    }

    private async Task PumpAsync()
    {
        var fileBuffer = new MemoryStream();
        var errBuffer = new MemoryStream();
        var reader = _queue.Reader;
        var waiting = new List<TaskCompletionSource>();
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out var item))
            {
                if (item is TaskCompletionSource tcs)
                {
                    waiting.Add(tcs);
                    break;
                }
                if (item is Reopen reopen)
                {
                    WriteOut(fileBuffer, errBuffer);
                    var old = _file;
                    _file = reopen.File;
                    if (!ReferenceEquals(old, _stderr))
                        old?.Dispose();
                    waiting.Add(reopen.Done);
                    break;
                }
                var line = (Line)item;
                if (_file is not null)
                    Append(fileBuffer, line.FileText);
                if (_stderr is not null)
                    Append(errBuffer, line.StderrText);
                _syslog?.Send(line.Severity, line.Time, line.StderrText);
                if (fileBuffer.Length + errBuffer.Length > 64 * 1024)
                    WriteOut(fileBuffer, errBuffer);
            }
            WriteOut(fileBuffer, errBuffer);
            foreach (var w in waiting)
                w.TrySetResult();
            waiting.Clear();
        }
    }

    private static void Append(MemoryStream buffer, string text)
    {
        int max = Encoding.UTF8.GetMaxByteCount(text.Length) + 1;
        var start = (int)buffer.Length;
        buffer.SetLength(start + max);
        int n = Encoding.UTF8.GetBytes(text, 0, text.Length, buffer.GetBuffer(), start);
        buffer.GetBuffer()[start + n] = (byte)'\n';
        buffer.SetLength(start + n + 1);
    }

    private void WriteOut(MemoryStream fileBuffer, MemoryStream errBuffer)
    {
        try
        {
            if (_file is not null && fileBuffer.Length > 0)
            {
                _file.Write(fileBuffer.GetBuffer(), 0, (int)fileBuffer.Length);
                _file.Flush();
            }
            if (_stderr is not null && errBuffer.Length > 0)
            {
                _stderr.Write(errBuffer.GetBuffer(), 0, (int)errBuffer.Length);
                _stderr.Flush();
            }
        }
        catch (IOException)
        {
            // A full disk or a closed stderr must not stop the mail system; the lines are lost.
        }
        fileBuffer.SetLength(0);
        errBuffer.SetLength(0);
    }

    /// <summary>Writes what is queued, then closes the file.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        _queue.Writer.TryComplete();
        _pump.Wait(TimeSpan.FromSeconds(10));
        _file?.Dispose();
        _stderr?.Dispose();
        _syslog?.Dispose();
    }
}
