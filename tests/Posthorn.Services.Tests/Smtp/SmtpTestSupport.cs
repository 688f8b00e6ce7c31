using System.Net;
using System.Text;
using Posthorn.Core.Config;
using Posthorn.Core.Logging;
using Posthorn.Services.Delivery;
using Posthorn.Services.SmtpClient;

namespace Posthorn.Services.Tests.SmtpClient;

/// <summary>Configuration, requests and a captured log for the smtp/lmtp client tests.</summary>
internal sealed class SmtpTestSupport : IAsyncDisposable
{
    public const string Content = "From: a@client.test.example\r\nTo: b@test.example\r\nSubject: test\r\n\r\nline one\r\n.leading dot\r\n";

    private readonly string _dir = Directory.CreateTempSubdirectory("smtpclient").FullName;
    private readonly List<IAsyncDisposable> _owned = [];

    public string LogFile => Path.Combine(_dir, "maillog");

    public string Dir => _dir;

    public MailLog Log { get; }

    public SmtpTestSupport() => Log = new MailLog("postfix", "client.test.example", LogFile, false);

    public static MainConfig Config(string extra = "") => MainConfig.FromText(
        "myhostname = client.test.example\ninet_interfaces = 127.0.0.1\nsmtp_connection_cache_on_demand = no\n"
        + "lmtp_connection_cache_on_demand = no\nsmtp_connect_timeout = 5s\n" + extra);

    public SmtpDeliveryAgent Agent(string extra = "", bool lmtp = false, IReadOnlySet<IPAddress>? self = null)
    {
        var agent = new SmtpDeliveryAgent(Config(extra), lmtp, Log, lmtp ? "lmtp" : "smtp", self);
        _owned.Add(agent);
        return agent;
    }

    public static DeliveryRequest Request(string nexthop, params string[] recipients) => Request(nexthop, Content, recipients);

    public static DeliveryRequest Request(string nexthop, string content, string[] recipients, long? size = null) =>
        new("4ABC123", "smtp", nexthop, "sender@client.test.example", DateTimeOffset.Now,
            recipients.Select((r, i) => new DeliveryRecipient(i, r)).ToList(),
            () => new MemoryStream(Encoding.UTF8.GetBytes(content)), size ?? Encoding.UTF8.GetByteCount(content));

    public string ReadLog()
    {
        Log.Flush();
        return File.Exists(LogFile) ? File.ReadAllText(LogFile) : "";
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var o in _owned)
            await o.DisposeAsync();
        Log.Dispose();
        try
        {
            Directory.Delete(_dir, true);
        }
        catch (IOException)
        {
        }
    }
}
