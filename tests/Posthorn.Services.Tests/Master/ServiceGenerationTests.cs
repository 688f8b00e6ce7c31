using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Posthorn.Core.Config;
using Posthorn.Core.Logging;
using Posthorn.Services.Master;

namespace Posthorn.Services.Tests.Master;

public sealed class ServiceGenerationTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("posthorn-gen-").FullName;
    private readonly ConcurrentQueue<ServiceContext> _started = new();
    private readonly ConcurrentQueue<string> _stopped = new();

    public void Dispose() => Directory.Delete(_dir, true);

    /// <summary>A fake service that records its start and its stop.</summary>
    private sealed class FakeService(ServiceGenerationTests owner) : IMailService
    {
        public async Task RunAsync(ServiceContext context, CancellationToken stopping)
        {
            owner._started.Enqueue(context);
            try
            {
                await Task.Delay(Timeout.Infinite, stopping);
            }
            catch (OperationCanceledException)
            {
                owner._stopped.Enqueue(context.Entry.Id);
            }
        }
    }

    private ServiceCatalog Catalog => new([new("fake", _ => new FakeService(this))]);

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private static readonly MainConfig Main = MainConfig.FromText("inet_interfaces = loopback-only\ninet_protocols = ipv4\n");

    private static MasterCfFile Master(string text) => MasterCfFile.Parse("/etc/posthorn/master.cf", text);

    private static void WaitFor(Func<bool> condition)
    {
        for (int i = 0; i < 200 && !condition(); i++)
            Thread.Sleep(10);
        Assert.True(condition());
    }

    [Fact]
    public void Service_sees_its_entry_overrides_and_bound_listeners()
    {
        int port = FreePort();
        var master = Master($"{port} inet n - n - - fake -o syslog_name=posthorn/submission\n");
        using var gen = ServiceGeneration.Prepare(Main, master, Catalog, MailLog.Null, null, new HashSet<string>(), strict: true);
        gen.Start(new ServiceDirectory());
        WaitFor(() => _started.Count == 1);
        var ctx = _started.Single();
        Assert.Equal("posthorn/submission", ctx.Config.Get("syslog_name"));
        Assert.Equal("posthorn/submission", ctx.Log.SyslogName);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, port), Assert.Single(ctx.Listeners).LocalEndPoint);
        using (var client = new TcpClient())
            client.Connect(IPAddress.Loopback, port);
        gen.Stop(TimeSpan.FromSeconds(5));
        Assert.Equal([$"{port}/inet"], _stopped);
        gen.Listeners.Dispose();
    }

    [Fact]
    public void Reload_hands_an_unchanged_listener_to_the_next_generation()
    {
        int port = FreePort(), other = FreePort();
        var first = ServiceGeneration.Prepare(Main, Master($"{port} inet n - n - - fake\n"), Catalog, MailLog.Null, null, new HashSet<string>(), true);
        var socket = first.Listeners.Get(new IPEndPoint(IPAddress.Loopback, port), 1, null);
        using var second = ServiceGeneration.Prepare(Main, Master($"{port} inet n - n - - fake\n{other} inet n - n - - fake\n"), Catalog, MailLog.Null,
            first.Listeners, new HashSet<string>(), false);
        Assert.Same(socket, second.Listeners.Get(new IPEndPoint(IPAddress.Loopback, port), 1, null));
        first.Listeners.Dispose();
        first.Dispose();
        using (var client = new TcpClient())
            client.Connect(IPAddress.Loopback, port);
        second.Listeners.Dispose();
    }

    [Fact]
    public void Skipped_commands_are_logged_once_over_reloads()
    {
        var logPath = Path.Combine(_dir, "maillog");
        using var log = new MailLog("posthorn", "host.example.com", logPath, false);
        var reported = new HashSet<string>();
        var master = Master("pickup unix n - y 60 1 pickup\nanvil unix - - y - 1 anvil\nx unix - - y - 1 frobnicate\n");
        for (int i = 0; i < 2; i++)
            ServiceGeneration.Prepare(Main, master, Catalog, log, null, reported, false).Dispose();
        log.Flush();
        var lines = File.ReadAllLines(logPath);
        Assert.Equal(2, lines.Length);
        Assert.EndsWith("warning: /etc/posthorn/master.cf:1: service pickup/unix: command pickup is not available in this Posthorn build; skipped", lines[0], StringComparison.Ordinal);
        Assert.Contains(":3: service x/unix: unknown command frobnicate; skipped", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_inet_address_is_fatal_at_start_up_and_skipped_on_reload()
    {
        var master = Master("nosuchservice inet n - n - - fake\n");
        var e = Assert.Throws<ConfigException>(() =>
            ServiceGeneration.Prepare(Main, master, Catalog, MailLog.Null, null, new HashSet<string>(), strict: true));
        Assert.Contains(":1: service nosuchservice/inet: unknown service: nosuchservice/tcp", e.Message, StringComparison.Ordinal);
        using var gen = ServiceGeneration.Prepare(Main, master, Catalog, MailLog.Null, null, new HashSet<string>(), strict: false);
        Assert.Equal(0, gen.ServiceCount);
    }

    [Fact]
    public void Failed_bind_names_the_address_like_postfix()
    {
        using var busy = new TcpListener(IPAddress.Loopback, 0);
        busy.Start();
        int port = ((IPEndPoint)busy.LocalEndpoint).Port;
        var e = Assert.Throws<ConfigException>(() => ServiceGeneration.Prepare(Main, Master($"{port} inet n - n - - fake\n"), Catalog,
            MailLog.Null, null, new HashSet<string>(), strict: true));
        Assert.Contains($"bind 127.0.0.1 port {port}: ", e.Message, StringComparison.Ordinal);
    }
}
