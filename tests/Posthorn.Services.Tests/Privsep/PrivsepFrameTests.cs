using System.Text;
using Posthorn.Services.Delivery;
using Posthorn.Services.Privsep;

namespace Posthorn.Services.Tests.Privsep;

public sealed class PrivsepFrameTests
{
    private static DeliverAsRequest Request(string body) =>
        new(DeliverAsKind.Maildir, 1000, 1000, "/var/mail/x/", "sender@example.org", ["fcntl", "dotlock"], 20, 1, 500,
            new Dictionary<string, string> { ["RECIPIENT"] = "alice@example.com" }, "/bin/sh", 10)
        { Content = Encoding.UTF8.GetBytes(body) };

    [Fact]
    public void Request_survives_a_frame_round_trip_with_its_body_outside_the_json()
    {
        var r = Request("Subject: x\n\nbody\n");
        var json = DeliverAsJson.Write(r);
        Assert.DoesNotContain("body", Encoding.UTF8.GetString(json), StringComparison.Ordinal);
        using var s = new MemoryStream(PrivsepFrame.Encode(7, json, r.Content.Span));

        var frame = PrivsepFrame.Read(s)!;
        var back = DeliverAsJson.Read<DeliverAsRequest>(frame.Json)! with { Content = frame.Body };

        Assert.Equal(7u, frame.Id);
        Assert.Equal(r.Kind, back.Kind);
        Assert.Equal(r.Target, back.Target);
        Assert.Equal("alice@example.com", back.Environment!["RECIPIENT"]);
        Assert.Equal(r.Content.ToArray(), back.Content.ToArray());
    }

    [Fact]
    public void Several_frames_in_a_stream_are_read_one_by_one_then_end_of_stream_is_null()
    {
        using var s = new MemoryStream();
        for (uint id = 1; id <= 3; id++)
            s.Write(PrivsepFrame.Encode(id, DeliverAsJson.Write(new DeliverAsResponse(DeliveryOutcome.Delivered, "2.0.0", $"r{id}")), []));
        s.Position = 0;

        var ids = new List<uint>();
        while (PrivsepFrame.Read(s) is { } f)
        {
            ids.Add(f.Id);
            Assert.Equal($"r{f.Id}", DeliverAsJson.Read<DeliverAsResponse>(f.Json)!.Reason);
            Assert.True(f.Body.IsEmpty);
        }
        Assert.Equal([1u, 2u, 3u], ids);
    }

    [Fact]
    public async Task Async_reader_reads_what_the_encoder_wrote()
    {
        using var s = new MemoryStream(PrivsepFrame.Encode(42, "{}"u8, "xyz"u8));
        var f = await PrivsepFrame.ReadAsync(s, CancellationToken.None);
        Assert.Equal(42u, f!.Id);
        Assert.Equal("xyz"u8.ToArray(), f.Body.ToArray());
        Assert.Null(await PrivsepFrame.ReadAsync(s, CancellationToken.None));
    }

    [Fact]
    public void Truncated_frame_is_an_error_not_a_short_message()
    {
        var bytes = PrivsepFrame.Encode(1, "{}"u8, "message"u8);
        using var s = new MemoryStream(bytes[..^3]);
        Assert.Throws<EndOfStreamException>(() => PrivsepFrame.Read(s));
        using var h = new MemoryStream(bytes[..5]);
        Assert.Throws<EndOfStreamException>(() => PrivsepFrame.Read(h));
    }

    [Theory]
    [InlineData(new byte[] { 0, 0, 0, 4, 0, 0, 0, 1, 0, 0, 0, 0 })]          // shorter than its own id and json length
    [InlineData(new byte[] { 0x7F, 0xFF, 0xFF, 0xFF, 0, 0, 0, 1, 0, 0, 0, 0 })] // above MaxLength
    [InlineData(new byte[] { 0, 0, 0, 10, 0, 0, 0, 1, 0, 0, 0, 3 })]         // json longer than the frame
    public void Impossible_lengths_are_rejected(byte[] header)
    {
        using var s = new MemoryStream(header);
        Assert.Throws<InvalidDataException>(() => PrivsepFrame.Read(s));
    }
}
