using System.Text;
using Posthorn.Core.Config;
using Posthorn.Core.Logging;
using Posthorn.Services.Delivery;
using Posthorn.Services.Master;
using Posthorn.Services.PipeDelivery;

namespace Posthorn.Services.Tests.PipeDelivery;

/// <summary>pipe(8): commands run with the message on stdin, results mapped as pipe_command does.</summary>
public sealed class PipeDeliveryAgentTests : IDisposable
{
    private const string Content = "From: a@example.com\r\nSubject: hi\r\n\r\nFrom the start\r\n.dot line\r\n";
    private readonly string _dir;

    public PipeDeliveryAgentTests()
    {
        _dir = Directory.CreateTempSubdirectory("pipe").FullName;
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(_dir, (UnixFileMode)0x1FF); // 0777: the command may run as nobody
    }

    public void Dispose() => Directory.Delete(_dir, true);

    /// <summary>The user tests run commands as: ourselves, or nobody when the tests run as root.</summary>
    private static UnixAccount? TestUser(string _) =>
        UnixAccount.IsRoot ? UnixAccount.Find("nobody") : UnixAccount.Find(Environment.UserName);

    private static PipeDeliveryAgent Agent(string service, string config, params string[] args) =>
        new(service, args, MainConfig.FromText("recipient_delimiter = +\n" + config), MailLog.Null, TestUser);

    private static DeliveryRequest Request(params string[] recipients) =>
        new("4PIPE1", "filter", "Example.COM", "sender@example.com", DateTimeOffset.Now,
            recipients.Select((r, i) => new DeliveryRecipient(i, r)).ToList(),
            () => new MemoryStream(Encoding.ASCII.GetBytes(Content)), Content.Length);

    private static string Sh(string script) => script;

    [Fact]
    public async Task Delivers_the_message_on_stdin_with_expanded_arguments()
    {
        var output = Path.Combine(_dir, "out");
        var agent = Agent("filter", "", "flags=R", "user=tester", "argv=/bin/sh", "-c",
            Sh("cat > \"$0\"; printf '%s\\n' \"$@\" > \"$0.args\""), output,
            "${sender}", "${recipient}", "${user}", "${extension}", "${domain}", "${nexthop}", "${queue_id}", "${size}");
        var result = await agent.DeliverAsync(Request("joe+box@example.com"), CancellationToken.None);

        var r = Assert.Single(result.Recipients);
        Assert.Equal(DeliveryOutcome.Delivered, r.Outcome);
        Assert.Equal("delivered via filter service", r.Reason);
        Assert.Equal("relayed", r.DsnAction);
        Assert.Equal("filter", r.Relay);
        Assert.Equal("Return-Path: <sender@example.com>\n" + Content.Replace("\r\n", "\n", StringComparison.Ordinal), await File.ReadAllTextAsync(output));
        Assert.Equal(["sender@example.com", "joe+box@example.com", "joe", "box", "example.com", "Example.COM", "4PIPE1", Content.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)],
            (await File.ReadAllLinesAsync(output + ".args")));
    }

    [Fact]
    public async Task Repeats_recipient_arguments_once_per_recipient()
    {
        var output = Path.Combine(_dir, "args");
        var agent = Agent("filter", "", "user=tester", "argv=/bin/sh", "-c", "cat >/dev/null; printf '%s\\n' \"$@\" > \"$0\"", output, "-r", "${recipient}");
        await agent.DeliverAsync(Request("a@example.com", "b@example.com"), CancellationToken.None);

        Assert.Equal(["-r", "a@example.com", "b@example.com"], await File.ReadAllLinesAsync(output));
    }

    [Fact]
    public async Task EX_TEMPFAIL_defers_with_the_command_output()
    {
        var agent = Agent("filter", "", "user=tester", "argv=/bin/sh", "-c", "echo busy; exit 75");
        var r = Assert.Single((await agent.DeliverAsync(Request("a@example.com"), CancellationToken.None)).Recipients);

        Assert.Equal(DeliveryOutcome.Deferred, r.Outcome);
        Assert.Equal("4.3.0", r.DsnStatus);
        Assert.Equal("temporary failure. Command output: busy", r.Reason);
    }

    [Fact]
    public async Task EX_NOUSER_bounces_as_user_unknown()
    {
        var agent = Agent("filter", "", "user=tester", "argv=/bin/sh", "-c", "exit 67");
        var r = Assert.Single((await agent.DeliverAsync(Request("a@example.com"), CancellationToken.None)).Recipients);

        Assert.Equal(DeliveryOutcome.Bounced, r.Outcome);
        Assert.Equal("5.1.1", r.DsnStatus);
        Assert.Equal("user unknown", r.Reason);
    }

    [Fact]
    public async Task Another_exit_status_bounces_with_the_output()
    {
        var agent = Agent("filter", "", "user=tester", "argv=/bin/sh", "-c", "echo oops >&2; exit 1");
        var r = Assert.Single((await agent.DeliverAsync(Request("a@example.com"), CancellationToken.None)).Recipients);

        Assert.Equal(DeliveryOutcome.Bounced, r.Outcome);
        Assert.Equal("Command died with status 1: \"/bin/sh\". Command output: oops", r.Reason);
    }

    [Fact]
    public async Task A_DSN_status_in_the_output_decides()
    {
        var agent = Agent("filter", "", "user=tester", "argv=/bin/sh", "-c", "echo 4.2.2 mailbox full; exit 1");
        var r = Assert.Single((await agent.DeliverAsync(Request("a@example.com"), CancellationToken.None)).Recipients);

        Assert.Equal(DeliveryOutcome.Deferred, r.Outcome);
        Assert.Equal("4.2.2", r.DsnStatus);
        Assert.Equal("mailbox full", r.Reason);
    }

    [Fact]
    public async Task A_command_over_the_time_limit_is_killed_and_bounces()
    {
        var agent = Agent("slow", "slow_time_limit = 1s", "user=tester", "argv=/bin/sleep", "30");
        var r = Assert.Single((await agent.DeliverAsync(Request("a@example.com"), CancellationToken.None)).Recipients);

        Assert.Equal(DeliveryOutcome.Bounced, r.Outcome);
        Assert.Equal("Command time limit exceeded: \"/bin/sleep\"", r.Reason);
    }

    [Fact]
    public async Task A_message_over_size_bounces()
    {
        var agent = Agent("filter", "", "size=10", "user=tester", "argv=/bin/cat");
        var r = Assert.Single((await agent.DeliverAsync(Request("a@example.com"), CancellationToken.None)).Recipients);

        Assert.Equal(DeliveryOutcome.Bounced, r.Outcome);
        Assert.Equal("5.2.3", r.DsnStatus);
    }

    [Fact]
    public async Task Refuses_to_run_as_root_and_defers()
    {
        var agent = new PipeDeliveryAgent("filter", ["user=root", "argv=/bin/cat"], MainConfig.FromText(""), MailLog.Null,
            _ => new UnixAccount("root", 0, 0, "/root"));
        var r = Assert.Single((await agent.DeliverAsync(Request("a@example.com"), CancellationToken.None)).Recipients);

        Assert.Equal(DeliveryOutcome.Deferred, r.Outcome);
        Assert.Equal("mail system configuration error", r.Reason);
    }

    [Theory]
    [InlineData(new[] { "argv=/bin/cat" }, "missing user= command-line attribute")]
    [InlineData(new[] { "user=tester" }, "missing argv= command-line attribute")]
    [InlineData(new[] { "flags=Z", "user=tester", "argv=/bin/cat" }, "unknown flag: Z (ignored)")]
    [InlineData(new[] { "bogus=1", "user=tester", "argv=/bin/cat" }, "unknown attribute name: bogus=1")]
    public void Reports_attribute_mistakes_in_Postfix_words(string[] args, string message)
    {
        var e = Assert.Throws<ConfigException>(() => PipeAttributes.Parse(args, MainConfig.FromText(""), _ => new UnixAccount("tester", 1000, 1000, "/")));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void Flags_dot_and_greater_quote_lines_and_eol_replaces_line_ends()
    {
        var attrs = PipeAttributes.Parse(["flags=.>", "eol=\\r\\n", "user=tester", "argv=/bin/cat"], MainConfig.FromText(""), _ => new UnixAccount("tester", 1000, 1000, "/"));
        var w = new PipeContentWriter(attrs);
        var bytes = w.Convert(Encoding.ASCII.GetBytes("From me\r\n.x\r\nplain\r\nlast")).Concat(w.Finish()).ToArray();

        Assert.Equal(">From me\r\n..x\r\nplain\r\nlast\r\n.\r\n", Encoding.ASCII.GetString(bytes));
    }
}
