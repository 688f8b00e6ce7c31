using System.IO.Pipes;
using System.Text;
using Posthorn.Services.Delivery;
using Posthorn.Services.Local;
using Posthorn.Services.Master;
using Posthorn.Services.Privsep;

namespace Posthorn.Services.Tests.Privsep;

/// <summary>
/// The privsep helper and its client connected in-process by two pipes: requests are
/// pipelined and answered by id; mailboxes are written by pool threads as the requested user.
/// The tests that switch credentials need root (as on CI) and return early otherwise.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class PrivsepHelperTests : IDisposable
{
    private const uint Nobody = 65534;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "posthorn-privsep-" + Guid.NewGuid().ToString("N"));
    private readonly AnonymousPipeServerStream _toHelper = new(PipeDirection.Out);
    private readonly AnonymousPipeServerStream _fromHelper = new(PipeDirection.In);
    private readonly Thread _helper;
    private readonly PrivsepClient _client;

    public PrivsepHelperTests()
    {
        Directory.CreateDirectory(_dir);
        File.SetUnixFileMode(_dir, (UnixFileMode)0x1FF);
        var input = new AnonymousPipeClientStream(PipeDirection.In, _toHelper.ClientSafePipeHandle);
        var output = new AnonymousPipeClientStream(PipeDirection.Out, _fromHelper.ClientSafePipeHandle);
        _helper = new Thread(() =>
        {
            PrivsepHelper.Run(input, output, maxThreads: 4);
            output.Dispose();
            input.Dispose();
        });
        _helper.Start();
        _client = new PrivsepClient(_toHelper, _fromHelper);
    }

    public void Dispose()
    {
        _client.Dispose();
        _helper.Join(TimeSpan.FromSeconds(30));
        _fromHelper.Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static bool IsRoot => Libc.geteuid() == 0;

    private static DeliverAsRequest Request(DeliverAsKind kind, string target, string content, uint uid = Nobody) =>
        new(kind, uid, uid, target, "sender@example.org", ["fcntl", "dotlock"], 2, 1, 500,
            new Dictionary<string, string> { ["RECIPIENT"] = "alice@example.com" }, "/bin/sh", 10)
        { Content = Encoding.UTF8.GetBytes(content) };

    [Fact]
    public async Task Twenty_pipelined_Maildir_deliveries_land_owned_by_the_user()
    {
        if (!IsRoot)
            return;
        var tasks = Enumerable.Range(1, 20)
            .Select(i => _client.DeliverAsync(Request(DeliverAsKind.Maildir, Path.Combine(_dir, $"u{i % 5}", "Maildir") + "/", $"Subject: {i}\n\nbody\n"), CancellationToken.None))
            .ToList();
        var answers = await Task.WhenAll(tasks);

        Assert.All(answers, a => Assert.Equal("delivered to maildir", a.Reason));
        var files = Directory.GetFiles(_dir, "*", SearchOption.AllDirectories);
        Assert.Equal(20, files.Length);
        Assert.All(files, f => Assert.Equal(Nobody, FileOwner.Get(f)!.Value.Uid));
        Assert.Equal(Nobody, FileOwner.Get(Path.Combine(_dir, "u1", "Maildir", "new"))!.Value.Uid);
    }

    [Fact]
    public async Task Mbox_delivery_appends_with_From_line_as_the_user()
    {
        if (!IsRoot)
            return;
        var path = Path.Combine(_dir, "alice");
        var a = await _client.DeliverAsync(Request(DeliverAsKind.Mbox, path, "Return-Path: <sender@example.org>\nSubject: x\n\nFrom me\n"), CancellationToken.None);

        Assert.Equal(DeliveryOutcome.Delivered, a.Outcome);
        var text = File.ReadAllText(path);
        Assert.StartsWith("From sender@example.org  ", text, StringComparison.Ordinal);
        Assert.Contains("\n>From me\n", text, StringComparison.Ordinal);
        Assert.Equal(Nobody, FileOwner.Get(path)!.Value.Uid);
    }

    [Fact]
    public async Task A_mailbox_the_user_may_not_write_fails_and_nothing_is_written_as_root()
    {
        if (!IsRoot)
            return;
        var closed = Path.Combine(_dir, "closed");
        Directory.CreateDirectory(closed);
        File.SetUnixFileMode(closed, (UnixFileMode)0x1ED);
        var mbox = await _client.DeliverAsync(Request(DeliverAsKind.Mbox, Path.Combine(closed, "alice"), "x\n"), CancellationToken.None);
        var maildir = await _client.DeliverAsync(Request(DeliverAsKind.Maildir, Path.Combine(closed, "Maildir") + "/", "x\n"), CancellationToken.None);

        Assert.Equal(DeliveryOutcome.Bounced, mbox.Outcome);
        Assert.Equal("5.2.0", mbox.Dsn);
        Assert.StartsWith("cannot open file: ", mbox.Reason, StringComparison.Ordinal);
        Assert.StartsWith("maildir delivery failed: ", maildir.Reason, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(closed));
    }

    [Fact]
    public async Task A_slow_command_does_not_hold_up_a_mailbox_delivery_sent_after_it()
    {
        if (!IsRoot)
            return;
        var marker = Path.Combine(_dir, "id.out");
        var slow = _client.DeliverAsync(Request(DeliverAsKind.Command, $"sleep 1; id -u > {marker}", "x\n"), CancellationToken.None);
        var fast = _client.DeliverAsync(Request(DeliverAsKind.Mbox, Path.Combine(_dir, "bob"), "x\n"), CancellationToken.None);

        Assert.Equal(DeliveryOutcome.Delivered, (await fast).Outcome);
        Assert.False(slow.IsCompleted);
        Assert.Equal(DeliveryOutcome.Delivered, (await slow).Outcome);
        Assert.Equal("65534", File.ReadAllText(marker).Trim());
    }

    [Fact]
    public async Task Pipe_request_returns_the_raw_exit_status_and_output()
    {
        if (!IsRoot)
            return;
        var r = Request(DeliverAsKind.Pipe, "/bin/sh", "message\n") with { Argv = ["/bin/sh", "-c", "cat; id -u; exit 75"] };
        var a = await _client.DeliverAsync(r, CancellationToken.None);

        Assert.Equal(75, a.ExitStatus);
        Assert.False(a.TimedOut);
        Assert.Equal("message\n65534\n", a.Output);
    }

    [Fact]
    public async Task Helper_refuses_to_deliver_as_root()
    {
        var path = Path.Combine(_dir, "x");
        var a = await _client.DeliverAsync(Request(DeliverAsKind.Mbox, path, "x\n", uid: 0), CancellationToken.None);

        Assert.Equal(DeliveryOutcome.Deferred, a.Outcome);
        Assert.Equal("4.3.5", a.Dsn);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task A_bad_request_is_answered_and_the_helper_goes_on()
    {
        await _toHelper.WriteAsync(PrivsepFrame.Encode(999, "not json"u8, []));
        var a = await _client.DeliverAsync(Request(DeliverAsKind.Mbox, Path.Combine(_dir, "y"), "x\n", uid: 0), CancellationToken.None);
        Assert.Equal("4.3.5", a.Dsn);
    }

    [Fact]
    public async Task Requests_after_the_helper_is_gone_are_deferred()
    {
        _toHelper.Dispose();
        var a = await _client.DeliverAsync(Request(DeliverAsKind.Mbox, Path.Combine(_dir, "z"), "x\n"), CancellationToken.None);
        Assert.Equal(DeliveryOutcome.Deferred, a.Outcome);
        Assert.Equal("4.3.0", a.Dsn);
    }
}
