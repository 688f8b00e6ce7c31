using System.Text;
using Posthorn.Services.Delivery;
using Posthorn.Services.Privsep;

namespace Posthorn.Services.Tests.Privsep;

public sealed class DeliverAsTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "posthorn-deliveras-" + Guid.NewGuid().ToString("N"));

    public DeliverAsTests() => Directory.CreateDirectory(_root);

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static DeliverAsRequest Request(DeliverAsKind kind, string target, string content, uint uid = 1000) =>
        new(kind, uid, uid, target, "sender@example.org", Encoding.UTF8.GetBytes(content), ["fcntl", "dotlock"], 2, 1, 500,
            new Dictionary<string, string> { ["RECIPIENT"] = "alice@example.com" }, "/bin/sh", 10);

    [Fact]
    public void Request_survives_a_JSON_line_round_trip()
    {
        var r = Request(DeliverAsKind.Command, "cat", "Subject: x\n\nbody\n");
        var line = DeliverAsJson.Write(r);
        Assert.DoesNotContain("\n", line, StringComparison.Ordinal);
        var back = DeliverAsJson.Read<DeliverAsRequest>(line)!;
        Assert.Equal(r.Kind, back.Kind);
        Assert.Equal(r.Content, back.Content);
        Assert.Equal("alice@example.com", back.Environment!["RECIPIENT"]);
    }

    [Fact]
    public async Task Mbox_request_appends_with_From_line()
    {
        var path = Path.Combine(_root, "alice");
        var result = await DeliverAsExecutor.RunAsync(Request(DeliverAsKind.Mbox, path, "Return-Path: <sender@example.org>\nSubject: x\n\nFrom me\n"), CancellationToken.None);
        Assert.Equal(DeliveryOutcome.Delivered, result.Outcome);
        var text = File.ReadAllText(path);
        Assert.StartsWith("From sender@example.org  ", text, StringComparison.Ordinal);
        Assert.Contains("\n>From me\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Maildir_request_delivers_into_new()
    {
        var dir = Path.Combine(_root, "Maildir") + "/";
        var result = await DeliverAsExecutor.RunAsync(Request(DeliverAsKind.Maildir, dir, "Subject: x\n\nbody\n"), CancellationToken.None);
        Assert.Equal("delivered to maildir", result.Reason);
        Assert.Single(Directory.GetFiles(Path.Combine(dir, "new")));
    }

    [Fact]
    public async Task Command_request_runs_with_exactly_the_given_environment()
    {
        var outFile = Path.Combine(_root, "out");
        var result = await DeliverAsExecutor.RunAsync(Request(DeliverAsKind.Command, $"env > {outFile}", "x\n"), CancellationToken.None);
        Assert.Equal(DeliveryOutcome.Delivered, result.Outcome);
        var env = File.ReadAllText(outFile);
        Assert.Contains("RECIPIENT=alice@example.com", env, StringComparison.Ordinal);
        Assert.DoesNotContain("HOME=", env, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Privsep_helper_refuses_to_deliver_as_root()
    {
        var line = DeliverAsJson.Write(Request(DeliverAsKind.Mbox, Path.Combine(_root, "x"), "x\n", uid: 0));
        var output = new StringWriter();
        await PrivsepHelper.RunAsync(new StringReader(line + "\n"), output, "/nonexistent/posthorn");
        var response = DeliverAsJson.Read<DeliverAsResponse>(output.ToString().Trim())!;
        Assert.Equal(DeliveryOutcome.Deferred, response.Outcome);
        Assert.Equal("4.3.5", response.Dsn);
        Assert.False(File.Exists(Path.Combine(_root, "x")));
    }

    [Fact]
    public async Task Privsep_helper_answers_a_bad_line_without_stopping()
    {
        var output = new StringWriter();
        await PrivsepHelper.RunAsync(new StringReader("not json\n"), output, "/nonexistent/posthorn");
        var response = DeliverAsJson.Read<DeliverAsResponse>(output.ToString().Trim())!;
        Assert.Equal(DeliveryOutcome.Deferred, response.Outcome);
    }
}
