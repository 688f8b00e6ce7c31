using System.Globalization;
using Posthorn.Core.Config;

namespace Posthorn.Core.Logging;

/// <summary>
/// Postfix-format logging. A record is <c>SYSLOG_NAME/SERVICE[PID]: message</c>, with Postfix's
/// severity prefixes ("warning: ", "error: ", "fatal: ", "panic: "). To the file named by
/// <c>maillog_file</c> each line goes as Postfix 3.7's postlogd writes one (msg_logger(3)):
/// <c>Mmm dd hh:mm:ss HOST SYSLOG_NAME/SERVICE[PID]: message</c>, local time, HOST the first
/// label of <c>myhostname</c>. To stderr (<c>postfix start-fg</c>) the record goes without the
/// time and host. Writing is done by one background writer behind a bounded queue, so callers
/// never wait on the disk unless the queue is full (then they wait; no line is dropped);
/// <see cref="Fatal"/>, <see cref="Panic"/>, <see cref="Flush"/> and <see cref="Dispose"/>
/// return only when everything logged before them is written. Thread-safe; one instance (and
/// its <see cref="WithSyslogName"/> views) serves every in-process service.
/// </summary>
public sealed class MailLog : IDisposable
{
    private readonly MailLogWriter? _writer;
    private readonly bool _ownsWriter;
    private readonly string _host;
    private readonly string _syslogName;
    private readonly int _pid = Environment.ProcessId;

    public MailLog(string syslogName, string hostName, string? logFile, bool toStderr, SyslogTarget? syslog = null)
    {
        _syslogName = syslogName;
        _host = ShortHost(hostName);
        if (!string.IsNullOrEmpty(logFile) || toStderr || syslog is not null)
        {
            _writer = new MailLogWriter(logFile, toStderr, syslog);
            _ownsWriter = true;
        }
    }

    private MailLog(MailLog parent, string syslogName)
    {
        _writer = parent._writer;
        _host = parent._host;
        _syslogName = syslogName;
    }

    /// <summary>
    /// A log as main.cf configures it (syslog_name, myhostname, maillog_file): with an empty
    /// maillog_file records go to syslog (/dev/log, facility syslog_facility), as Postfix's do.
    /// </summary>
    public static MailLog FromConfig(MainConfig config, bool toStderr)
    {
        var file = config.Get("maillog_file");
        var syslog = file.Length == 0 && File.Exists(DevLog) ? new SyslogTarget(DevLog, SyslogTarget.FacilityOf(config.Get("syslog_facility"))) : null;
        return new(config.Get("syslog_name"), config.Get("myhostname"), file, toStderr, syslog);
    }

    private const string DevLog = "/dev/log";

    /// <summary>A log that writes nowhere; for tests and tools that only print.</summary>
    public static MailLog Null { get; } = new("posthorn", "localhost", null, false);

    /// <summary>The syslog_name this log tags its records with.</summary>
    public string SyslogName => _syslogName;

    /// <summary>
    /// A view that writes through the same writer under another syslog_name, for a service
    /// whose master.cf entry overrides it (<c>-o syslog_name=posthorn/submission</c>).
    /// Disposing the view does nothing.
    /// </summary>
    public MailLog WithSyslogName(string syslogName) => syslogName == _syslogName ? this : new MailLog(this, syslogName);

    public void Info(string service, string message) => Write(service, message, SyslogSink.Info);

    public void Warning(string service, string message) => Write(service, "warning: " + message, SyslogSink.Warning);

    public void Error(string service, string message) => Write(service, "error: " + message, SyslogSink.Error);

    /// <summary>Logs a fatal error and waits until it (and everything before it) is written.</summary>
    public void Fatal(string service, string message)
    {
        Write(service, "fatal: " + message, SyslogSink.Critical);
        Flush();
    }

    public void Panic(string service, string message)
    {
        Write(service, "panic: " + message, SyslogSink.Critical);
        Flush();
    }

    /// <summary>
    /// Opens <paramref name="logFile"/> anew when it is another name or the open file was
    /// renamed or removed (postfix reload after log rotation), and writes there from now on. Throws <see cref="IOException"/> when it
    /// cannot be opened; the old file stays in use then. Does nothing for a log that writes
    /// nowhere.
    /// </summary>
    public void Reopen(string? logFile)
    {
        if (_writer is null || !_ownsWriter)
            return;
        _writer.SwitchFile(logFile);
    }

    /// <summary>Waits until every line logged so far is written.</summary>
    public void Flush() => _writer?.Flush();

    /// <summary>The record without time and host, as it goes to stderr: <c>posthorn/smtpd[123]: message</c>.</summary>
    public string FormatRecord(string service, string message) =>
        string.Create(CultureInfo.InvariantCulture, $"{_syslogName}/{service}[{_pid}]: {message}");

    /// <summary>The line as it is written to maillog_file, without the trailing newline.</summary>
    public string Format(string service, string message, DateTime localTime) =>
        FormatTime(localTime) + " " + _host + " " + FormatRecord(service, message);

    /// <summary>msg_logger's time stamp: strftime "%b %d %H:%M:%S" in the C locale.</summary>
    public static string FormatTime(DateTime localTime) =>
        localTime.ToString("MMM dd HH:mm:ss", CultureInfo.InvariantCulture);

    private void Write(string service, string message, int severity)
    {
        if (_writer is null)
            return;
        var record = FormatRecord(service, message);
        var now = DateTime.Now;
        _writer.Enqueue(new MailLogWriter.Line(FormatTime(now) + " " + _host + " " + record, record, severity, now));
    }

    private static string ShortHost(string host)
    {
        int dot = host.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 ? host[..dot] : host;
    }

    public void Dispose()
    {
        if (_ownsWriter)
            _writer?.Dispose();
    }
}
