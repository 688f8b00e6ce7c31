using System.Globalization;
using System.Text;
using Posthorn.Core.Config;

namespace Posthorn.Core.Logging;

/// <summary>
/// Postfix-format logging: <c>Mon dd hh:mm:ss HOST SYSLOG_NAME/SERVICE[PID]: message</c>, to the
/// file named by <c>maillog_file</c> (as Postfix 3.4+'s postlogd writes it) and/or to stderr
/// (<c>postfix start-fg</c>). Severity prefixes are Postfix's: "warning: ", "error: ",
/// "fatal: ", "panic: ". Thread-safe; one instance serves every in-process service.
/// </summary>
public sealed class MailLog : IDisposable
{
    private readonly object _gate = new();
    private readonly Stream? _file;
    private readonly bool _stderr;
    private readonly string _host;
    private readonly string _syslogName;
    private readonly int _pid = Environment.ProcessId;

    public MailLog(string syslogName, string hostName, string? logFile, bool toStderr)
    {
        _syslogName = syslogName;
        _host = ShortHost(hostName);
        _stderr = toStderr;
        if (!string.IsNullOrEmpty(logFile))
        {
            if (logFile is "/dev/stdout" or "/dev/stderr")
                _file = logFile == "/dev/stdout" ? Console.OpenStandardOutput() : Console.OpenStandardError();
            else
                _file = new FileStream(logFile, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.None);
        }
    }

    /// <summary>A log as main.cf configures it (syslog_name, myhostname, maillog_file).</summary>
    public static MailLog FromConfig(MainConfig config, bool toStderr) =>
        new(config.Get("syslog_name"), config.Get("myhostname"), config.Get("maillog_file"), toStderr);

    /// <summary>A log that writes nowhere; for tests and tools that only print.</summary>
    public static MailLog Null { get; } = new("posthorn", "localhost", null, false);

    public void Info(string service, string message) => Write(service, message);

    public void Warning(string service, string message) => Write(service, "warning: " + message);

    public void Error(string service, string message) => Write(service, "error: " + message);

    public void Fatal(string service, string message) => Write(service, "fatal: " + message);

    public void Panic(string service, string message) => Write(service, "panic: " + message);

    /// <summary>The line as it is written, without the trailing newline.</summary>
    public string Format(string service, string message, DateTime localTime) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{localTime.ToString("MMM dd HH:mm:ss", CultureInfo.InvariantCulture)} {_host} {_syslogName}/{service}[{_pid}]: {message}");

    private void Write(string service, string message)
    {
        if (_file is null && !_stderr)
            return;
        var line = Format(service, message, DateTime.Now) + "\n";
        var bytes = Encoding.UTF8.GetBytes(line);
        lock (_gate)
        {
            if (_file is not null)
            {
                _file.Write(bytes);
                _file.Flush();
            }
            if (_stderr)
            {
                using var err = Console.OpenStandardError();
                err.Write(bytes);
            }
        }
    }

    private static string ShortHost(string host)
    {
        int dot = host.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 ? host[..dot] : host;
    }

    public void Dispose() => _file?.Dispose();
}
