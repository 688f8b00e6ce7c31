using System.Net;
using System.Text;
using Posthorn.Services.SmtpClient;

namespace Posthorn.Services.Tests.SmtpClient;

/// <summary>8BITMIME to 7BIT conversion for servers without 8BITMIME (smtp(8), disable_mime_output_conversion).</summary>
public sealed class MimeDowngradeTests
{
    private static string Convert(string message)
    {
        using var s = MimeDowngrade.Open(new MemoryStream(Encoding.UTF8.GetBytes(message)));
        using var r = new StreamReader(s, Encoding.UTF8);
        return r.ReadToEnd();
    }

    private const string EightBitText =
        "From: a@example.com\r\nTo: b@example.com\r\nSubject: caf\u00e9 test\r\nMIME-Version: 1.0\r\n"
        + "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nUn caf\u00e9, s'il vous pla\u00eet.\r\n";

    [Fact]
    public void Converts_an_8bit_text_body_to_quoted_printable()
    {
        var converted = Convert(EightBitText);
        Assert.Contains("Content-Transfer-Encoding: quoted-printable\r\n", converted, StringComparison.Ordinal);
        Assert.DoesNotContain("Content-Transfer-Encoding: 8bit", converted, StringComparison.Ordinal);
        Assert.Contains("Un caf=C3=A9, s'il vous pla=C3=AEt.", converted, StringComparison.Ordinal);
        Assert.StartsWith("From: a@example.com\r\nTo: b@example.com\r\nSubject: caf\u00e9 test\r\nMIME-Version: 1.0\r\n", converted, StringComparison.Ordinal);
        Assert.True(Ascii.IsValid(converted.Split("\r\n\r\n", 2)[1]));
    }

    [Fact]
    public void Converts_8bit_parts_of_a_multipart_and_relabels_the_container()
    {
        var message = "From: a@example.com\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"XX\"\r\n"
            + "Content-Transfer-Encoding: 8bit\r\n\r\npreamble\r\n--XX\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nascii only\r\n"
            + "--XX\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nna\u00efve\r\n"
            + "--XX\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: 8bit\r\n\r\n\u00ff\u00fe\r\n--XX--\r\n";
        var converted = Convert(message);
        Assert.Contains("Content-Transfer-Encoding: 7bit\r\n", converted, StringComparison.Ordinal);
        Assert.Contains("\r\nascii only\r\n", converted, StringComparison.Ordinal);
        Assert.Contains("na=C3=AFve", converted, StringComparison.Ordinal);
        Assert.Contains("Content-Transfer-Encoding: base64", converted, StringComparison.Ordinal);
        Assert.Contains("w7/Dvg", converted, StringComparison.Ordinal);
        Assert.DoesNotContain("8bit", converted, StringComparison.Ordinal);
        Assert.True(Ascii.IsValid(converted));
    }

    [Fact]
    public void Leaves_mail_without_8bit_bytes_or_without_an_8bit_declaration_unchanged()
    {
        var sevenBit = "From: a@example.com\nSubject: plain\n\nhello\n";
        Assert.Equal(sevenBit, Convert(sevenBit));
        var undeclared = "From: a@example.com\r\nSubject: no MIME\r\n\r\nr\u00e9sum\u00e9\r\n";
        Assert.Equal(undeclared, Convert(undeclared));
    }

    [Fact]
    public async Task Client_downgrades_for_a_server_without_8BITMIME()
    {
        await using var t = new SmtpTestSupport();
        await using var server = new TestSmtpServer(IPAddress.Loopback) { Keywords = ["PIPELINING", "SIZE 10240000", "ENHANCEDSTATUSCODES"] };
        var request = SmtpTestSupport.Request($"[127.0.0.1]:{server.Port}", EightBitText, ["b@test.example"]) with { EightBit = true };
        await t.Agent().DeliverAsync(request, CancellationToken.None);

        var m = Assert.Single(server.Messages);
        Assert.Contains("Content-Transfer-Encoding: quoted-printable", m.Content, StringComparison.Ordinal);
        Assert.Contains("Un caf=C3=A9", m.Content, StringComparison.Ordinal);
        Assert.DoesNotContain(server.Commands, c => c.Contains("BODY=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Client_sends_8bit_unchanged_with_disable_mime_output_conversion()
    {
        await using var t = new SmtpTestSupport();
        await using var server = new TestSmtpServer(IPAddress.Loopback) { Keywords = ["PIPELINING"] };
        var request = SmtpTestSupport.Request($"[127.0.0.1]:{server.Port}", EightBitText, ["b@test.example"]) with { EightBit = true };
        await t.Agent("disable_mime_output_conversion = yes\n").DeliverAsync(request, CancellationToken.None);

        var m = Assert.Single(server.Messages);
        Assert.Contains("Content-Transfer-Encoding: 8bit", m.Content, StringComparison.Ordinal);
        Assert.Contains("Un caf\u00e9", m.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Client_sends_8bit_unchanged_to_a_server_with_8BITMIME()
    {
        await using var t = new SmtpTestSupport();
        await using var server = new TestSmtpServer(IPAddress.Loopback);
        var request = SmtpTestSupport.Request($"[127.0.0.1]:{server.Port}", EightBitText, ["b@test.example"]) with { EightBit = true };
        await t.Agent().DeliverAsync(request, CancellationToken.None);

        Assert.Contains("Un caf\u00e9", Assert.Single(server.Messages).Content, StringComparison.Ordinal);
    }
}
