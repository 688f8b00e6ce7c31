using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Posthorn.Core.Logging;

/// <summary>Where syslog records go: a datagram socket (normally /dev/log) and the facility (postconf(5) syslog_facility).</summary>
public sealed record SyslogTarget(string SocketPath, int Facility)
{
    /// <summary>The facility code of a syslog_facility name (mail, daemon, local0 ...); mail when unknown.</summary>
    public static int FacilityOf(string name) => name.ToLowerInvariant() switch
    {
        "kern" => 0,
        "user" => 1,
        "mail" => 2,
        "daemon" => 3,
        "auth" => 4,
        "syslog" => 5,
        "lpr" => 6,
        "news" => 7,
        "uucp" => 8,
        "cron" => 9,
        "authpriv" => 10,
        "ftp" => 11,
        var n when n.StartsWith("local", StringComparison.Ordinal) && n.Length == 6 && n[5] is >= '0' and <= '7' => 16 + (n[5] - '0'),
        _ => 2,
    };
}

/// <summary>
/// Sends records to the local syslog daemon as syslog(3) does, one datagram a record:
/// <c>&lt;PRI&gt;Mmm dd hh:mm:ss posthorn/smtpd[PID]: message</c>. Used when maillog_file is
/// empty, as Postfix logs to syslog then. A missing or refusing socket loses the record,
/// as syslog(3) does; the connection is retried for later records.
/// </summary>
internal sealed class SyslogSink : IDisposable
{
    /// <summary>Syslog severities for MailLog's levels, as Postfix's msg_syslog maps them.</summary>
    public const int Info = 6, Warning = 4, Error = 3, Critical = 2;

    private readonly SyslogTarget _target;
    private Socket? _socket;

    public SyslogSink(SyslogTarget target) => _target = target;

    /// <summary>The datagram for one record.</summary>
    public static string Format(int facility, int severity, DateTime localTime, string record) =>
        string.Create(CultureInfo.InvariantCulture, $"<{facility * 8 + severity}>{MailLog.FormatTime(localTime)} {record}");

    public void Send(int severity, DateTime localTime, string record)
    {
        var bytes = Encoding.UTF8.GetBytes(Format(_target.Facility, severity, localTime, record));
        for (int attempt = 0; attempt < 2; attempt++)
        {
            try
            {
                if (_socket is null)
                {
                    _socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
                    _socket.Connect(new UnixDomainSocketEndPoint(_target.SocketPath));
                }
                _socket.Send(bytes);
                return;
            }
            catch (SocketException)
            {
                _socket?.Dispose();
                _socket = null;
            }
        }
    }

    public void Dispose() => _socket?.Dispose();
}
