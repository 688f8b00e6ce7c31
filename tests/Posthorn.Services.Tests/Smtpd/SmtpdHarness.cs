using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Text;
using Posthorn.Core.Config;
using Posthorn.Core.Logging;
using Posthorn.Core.Queue;
using Posthorn.Services.Master;
using Posthorn.Services.Smtpd;
using Posthorn.Services.Smtpd.Restrictions;
using Posthorn.Services.Tests.Smtpd.Restrictions;

namespace Posthorn.Services.Tests.Smtpd;

/// <summary>An smtpd over a temporary queue directory, with its log in a file; sessions run over in-memory pipes.</summary>
internal sealed class SmtpdFixture : IDisposable
{
    public const string BaseConfig = """
        myhostname = mail.example.com
        mydomain = example.com
        myorigin = $mydomain
        mydestination = $myhostname, localhost.$mydomain, localhost, $mydomain
        inet_interfaces = 127.0.0.1
        mynetworks = 127.0.0.0/8
        append_dot_mydomain = no
        local_recipient_maps =
        smtpd_error_sleep_time = 0
        smtputf8_enable = yes
        smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
        """;

    private readonly string _logPath;

    public SmtpdFixture(string extraConfig = "")
    {
        Dir = System.IO.Directory.CreateTempSubdirectory("smtpd-test").FullName;
        _logPath = Path.Combine(Dir, "maillog");
        Config = MainConfig.FromText(BaseConfig + $"\nqueue_directory = {Dir}/queue\n" + extraConfig + "\n");
        LogWriter = new MailLog("postfix", "mail", _logPath, false);
        Directory = new ServiceDirectory();
        Server = new SmtpdServer(Config, LogWriter, "smtpd", "smtp", Directory, new TestDns(),
            (ip, _) => ValueTask.FromResult(ip.Equals(IPAddress.Loopback)
                ? new ClientNames("localhost", "localhost", PeerNameStatus.Ok, PeerNameStatus.Ok)
                : new ClientNames("unknown", "unknown", PeerNameStatus.Permanent, PeerNameStatus.Permanent)));
        Server.Queue.EnsureDirectories();
    }

    public string Dir { get; }

    public MainConfig Config { get; }

    public MailLog LogWriter { get; }

    public ServiceDirectory Directory { get; }

    public SmtpdServer Server { get; }

    public string Log
    {
        get
        {
            LogWriter.Flush();
            return File.Exists(_logPath) ? File.ReadAllText(_logPath) : "";
        }
    }

    public SmtpdClient Connect(string address = "127.0.0.1") => new(Server, IPAddress.Parse(address));

    /// <summary>Queue files in a queue (incoming, hold ...).</summary>
    public List<string> Files(string queue = QueueNames.Incoming)
    {
        var dir = Path.Combine(Dir, "queue", queue);
        return System.IO.Directory.Exists(dir) ? System.IO.Directory.GetFiles(dir, "*", SearchOption.AllDirectories).ToList() : [];
    }

    public void Dispose()
    {
        LogWriter.Dispose();
        try
        {
            System.IO.Directory.Delete(Dir, true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>The client side of an in-memory session: send lines, read whole replies.</summary>
internal sealed class SmtpdClient : IAsyncDisposable
{
    private readonly Pipe _toServer = new();
    private readonly Pipe _toClient = new();
    private readonly SmtpdSession _session;
    private readonly CancellationTokenSource _cts = new(TimeSpan.FromSeconds(30));

    public SmtpdClient(SmtpdServer server, IPAddress address, string? early = null)
    {
        if (early is not null)
            _toServer.Writer.WriteAsync(Encoding.UTF8.GetBytes(early)).AsTask().GetAwaiter().GetResult();
        _session = new SmtpdSession(server, _toServer.Reader, _toClient.Writer, address, 40000);
        Run = Task.Run(async () =>
        {
            await _session.RunAsync(_cts.Token);
            await _toClient.Writer.CompleteAsync();
        });
    }

    public Task Run { get; }

    public async Task SendAsync(string text)
    {
        await _toServer.Writer.WriteAsync(Encoding.UTF8.GetBytes(text));
    }

    public async Task SendBytesAsync(byte[] bytes) => await _toServer.Writer.WriteAsync(bytes);

    public async Task CloseAsync() => await _toServer.Writer.CompleteAsync();

    /// <summary>One reply (all its lines, joined with \n), or null at the end of output.</summary>
    public async Task<string?> ReadReplyAsync()
    {
        var lines = new List<string>();
        while (true)
        {
            var line = await ReadLineAsync();
            if (line is null)
                return lines.Count == 0 ? null : string.Join("\n", lines);
            lines.Add(line);
            if (line.Length < 4 || line[3] != '-')
                return string.Join("\n", lines);
        }
    }

    public async Task<string?> CommandAsync(string line)
    {
        await SendAsync(line + "\r\n");
        return await ReadReplyAsync();
    }

    private async Task<string?> ReadLineAsync()
    {
        var reader = _toClient.Reader;
        while (true)
        {
            var result = await reader.ReadAsync(_cts.Token);
            var buffer = result.Buffer;
            var pos = buffer.PositionOf((byte)'\n');
            if (pos is not null)
            {
                var line = Encoding.UTF8.GetString(buffer.Slice(0, pos.Value).ToArray()).TrimEnd('\r');
                reader.AdvanceTo(buffer.GetPosition(1, pos.Value));
                return line;
            }
            reader.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
                return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _toServer.Writer.CompleteAsync();
        try
        {
            await Run.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
        }
        _session.Dispose();
        _cts.Dispose();
    }
}
