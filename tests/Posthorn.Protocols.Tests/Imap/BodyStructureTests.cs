using System.Text;
using MimeKit;
using Posthorn.Protocols.Imap;

namespace Posthorn.Protocols.Tests.Imap;

public class BodyStructureTests
{
    private static ImapMessageStructure Parse(string raw) => ImapMessageStructure.Parse(Encoding.UTF8.GetBytes(raw));

    private static string Body(string raw, bool extensible)
    {
        var w = new ImapResponseWriter();
        ImapBodyStructureWriter.Write(w, Parse(raw), extensible);
        return w.ToString();
    }

    private static string Envelope(string raw)
    {
        var w = new ImapResponseWriter();
        ImapEnvelopeWriter.Write(w, Parse(raw).Message);
        return w.ToString();
    }

    private static string Lines(int count, int lastLength, int length) =>
        string.Concat(Enumerable.Range(0, count).Select(i => new string('a', i == count - 1 ? lastLength : length) + "\r\n"));

    [Fact]
    public void Matches_the_rfc3501_body_example()
    {
        var raw = "From: a@b\r\nMIME-Version: 1.0\r\nContent-Type: MULTIPART/MIXED; BOUNDARY=\"b\"\r\n\r\n"
            + "--b\r\nContent-Type: TEXT/PLAIN; CHARSET=US-ASCII\r\nContent-Transfer-Encoding: 7BIT\r\n\r\n" + Lines(23, 50, 48) + "\r\n"
            + "--b\r\nContent-Type: TEXT/PLAIN; CHARSET=US-ASCII; NAME=cc.diff\r\nContent-ID: <960723163407.20117h@cac.washington.edu>\r\n"
            + "Content-Description: Compiler diff\r\nContent-Transfer-Encoding: BASE64\r\n\r\n" + Lines(73, 88, 60) + "\r\n--b--\r\n";
        Assert.Equal(
            "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 1152 23)(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\" \"NAME\" \"cc.diff\") "
            + "\"<960723163407.20117h@cac.washington.edu>\" \"Compiler diff\" \"BASE64\" 4554 73) \"MIXED\")",
            Body(raw, extensible: false));
    }

    [Fact]
    public void Matches_the_rfc3501_envelope_example()
    {
        var raw = "Date: Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\r\nFrom: Terry Gray <gray@cac.washington.edu>\r\n"
            + "Subject: IMAP4rev1 WG mtg summary and\r\n minutes\r\nTo: imap@cac.washington.edu\r\n"
            + "cc: minutes@CNRI.Reston.VA.US, John Klensin <KLENSIN@MIT.EDU>\r\nMessage-Id: <B27397-0100000@cac.washington.edu>\r\n\r\nbody\r\n";
        Assert.Equal(
            "(\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" \"IMAP4rev1 WG mtg summary and minutes\" ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
            + "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
            + "((NIL NIL \"imap\" \"cac.washington.edu\")) ((NIL NIL \"minutes\" \"CNRI.Reston.VA.US\")(\"John Klensin\" NIL \"KLENSIN\" \"MIT.EDU\")) "
            + "NIL NIL \"<B27397-0100000@cac.washington.edu>\")",
            Envelope(raw));
    }

    [Fact]
    public void Envelope_uses_sender_and_reply_to_when_present_and_writes_groups()
    {
        var raw = "From: a@x.org\r\nSender: s@x.org\r\nReply-To: r@x.org\r\nTo: Team: m1@x.org, m2@x.org;\r\nSubject: =?utf-8?q?caf=C3=A9?=\r\nIn-Reply-To: <p@x>\r\n\r\n";
        var e = Envelope(raw);
        Assert.Contains("\"=?utf-8?q?caf=C3=A9?=\"", e);
        Assert.Contains("((NIL NIL \"s\" \"x.org\")) ((NIL NIL \"r\" \"x.org\"))", e);
        Assert.Contains("((NIL NIL \"Team\" NIL)(NIL NIL \"m1\" \"x.org\")(NIL NIL \"m2\" \"x.org\")(NIL NIL NIL NIL))", e);
        Assert.EndsWith("NIL NIL \"<p@x>\" NIL)", e);
    }

    [Fact]
    public void Non_mime_message_is_text_plain_us_ascii()
    {
        const string raw = "From: a@b\r\nSubject: plain\r\n\r\nline one\r\nline two\r\n";
        Assert.Equal("(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 20 2)", Body(raw, false));
        Assert.Equal("(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 20 2 NIL NIL NIL NIL)", Body(raw, true));
    }

    private const string Nested =
        "From: outer@example.org\r\nSubject: outer\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n"
        + "This is a preamble.\r\n"
        + "--outer\r\nContent-Type: multipart/alternative; boundary=\"alt\"\r\n\r\n"
        + "--alt\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nplain text\r\nsecond line\r\n"
        + "--alt\r\nContent-Type: text/html; charset=utf-8\r\nContent-Language: en, de\r\n\r\n<p>html</p>\r\n"
        + "--alt--\r\n"
        + "--outer\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment; filename=\"inner.eml\"\r\n\r\n"
        + "From: Inner <inner@example.org>\r\nSubject: inner\r\nContent-Type: text/plain\r\n\r\ninner body\r\n"
        + "\r\n--outer\r\nContent-Type: application/octet-stream; name=\"x.bin\"\r\nContent-Transfer-Encoding: base64\r\nContent-Location: http://x/y\r\n\r\nAAEC\r\n"
        + "--outer--\r\nepilogue\r\n";

    [Fact]
    public void Multipart_alternative_inside_mixed_with_nested_message()
    {
        var structure = Parse(Nested);
        var body = Body(Nested, extensible: false);
        var inner = Assert.IsType<MessagePart>(((Multipart)structure.Message.Body!)[1]).Message!;
        Assert.Equal(
            "(((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 23 2)(\"text\" \"html\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 11 1) \"alternative\")"
            + "(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 89 "
            + "(NIL \"inner\" ((\"Inner\" NIL \"inner\" \"example.org\")) ((\"Inner\" NIL \"inner\" \"example.org\")) ((\"Inner\" NIL \"inner\" \"example.org\")) NIL NIL NIL NIL NIL) "
            + "(\"text\" \"plain\" NIL NIL NIL \"7bit\" 12 1) 5)"
            + "(\"application\" \"octet-stream\" (\"name\" \"x.bin\") NIL NIL \"base64\" 4) \"mixed\")",
            body);
        Assert.Equal("inner", inner.Subject);
    }

    [Fact]
    public void Bodystructure_adds_extension_data()
    {
        var body = Body(Nested, extensible: true);
        Assert.Contains("\"7bit\" 11 1 NIL NIL (\"en\" \"de\") NIL)", body);
        Assert.Contains("5 NIL (\"attachment\" (\"filename\" \"inner.eml\")) NIL NIL)", body);
        Assert.Contains("\"base64\" 4 NIL NIL NIL \"http://x/y\")", body);
        Assert.EndsWith("\"alternative\" (\"boundary\" \"alt\") NIL NIL NIL)(\"message\"", body[..(body.IndexOf("(\"message\"", StringComparison.Ordinal) + 10)]);
        Assert.EndsWith(" \"mixed\" (\"boundary\" \"outer\") NIL NIL NIL)", body);
    }

    [Fact]
    public void Sizes_agree_with_what_MimeKit_decodes()
    {
        var structure = Parse(Nested);
        var alt = (Multipart)((Multipart)structure.Message.Body!)[0]!;
        var plain = (TextPart)alt[0];
        var section = structure.GetSection(new BodySection([1, 1], SectionText.None, []))!.Value;
        Assert.Equal(plain.Text.ReplaceLineEndings("\r\n"), Encoding.UTF8.GetString(section.Span));
        var inner = ((MessagePart)((Multipart)structure.Message.Body!)[1]).Message!;
        var innerRaw = new MemoryStream();
        var options = FormatOptions.Default.Clone();
        options.NewLineFormat = NewLineFormat.Dos;
        inner.WriteTo(options, innerRaw);
        Assert.Equal(innerRaw.ToArray(), structure.GetSection(new BodySection([2], SectionText.None, []))!.Value.ToArray());
    }

    [Theory]
    [InlineData("1.1", "plain text\r\nsecond line")]
    [InlineData("1.2", "<p>html</p>")]
    [InlineData("1.2.MIME", "Content-Type: text/html; charset=utf-8\r\nContent-Language: en, de\r\n\r\n")]
    [InlineData("2", "From: Inner <inner@example.org>\r\nSubject: inner\r\nContent-Type: text/plain\r\n\r\ninner body\r\n")]
    [InlineData("2.HEADER", "From: Inner <inner@example.org>\r\nSubject: inner\r\nContent-Type: text/plain\r\n\r\n")]
    [InlineData("2.TEXT", "inner body\r\n")]
    [InlineData("2.1", "inner body\r\n")]
    [InlineData("2.HEADER.FIELDS (SUBJECT)", "Subject: inner\r\n\r\n")]
    [InlineData("3", "AAEC")]
    [InlineData("HEADER.FIELDS (FROM SUBJECT)", "From: outer@example.org\r\nSubject: outer\r\n\r\n")]
    [InlineData("HEADER.FIELDS.NOT (FROM SUBJECT MIME-VERSION)", "Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n")]
    public void Extracts_sections_byte_exactly(string spec, string expected)
    {
        Assert.True(FetchItemParserTestsAccess.TryParseSection(spec, out var section));
        Assert.Equal(expected, Encoding.UTF8.GetString(Parse(Nested).GetSection(section)!.Value.Span));
    }

    [Theory]
    [InlineData("4")]
    [InlineData("1.3")]
    [InlineData("1.1.1")]
    [InlineData("3.HEADER")]
    [InlineData("1.TEXT")]
    public void Missing_sections_are_null(string spec)
    {
        Assert.True(FetchItemParserTestsAccess.TryParseSection(spec, out var section));
        Assert.Null(Parse(Nested).GetSection(section));
    }

    [Fact]
    public void Whole_header_and_text_of_the_message()
    {
        const string raw = "Subject: x\r\nFrom: a@b\r\n\r\nbody\r\n";
        var s = Parse(raw);
        Assert.Equal(raw, Encoding.UTF8.GetString(s.GetSection(BodySection.Whole)!.Value.Span));
        Assert.Equal("Subject: x\r\nFrom: a@b\r\n\r\n", Encoding.UTF8.GetString(s.GetSection(new BodySection([], SectionText.Header, []))!.Value.Span));
        Assert.Equal("body\r\n", Encoding.UTF8.GetString(s.GetSection(new BodySection([], SectionText.Text, []))!.Value.Span));
        Assert.Equal("body\r\n", Encoding.UTF8.GetString(s.GetSection(new BodySection([1], SectionText.None, []))!.Value.Span));
    }

    [Fact]
    public void Text_rfc822_headers_is_a_text_part_without_subparts()
    {
        const string raw = "Content-Type: multipart/report; report-type=delivery-status; boundary=r\r\n\r\n"
            + "--r\r\nContent-Type: text/plain\r\n\r\nfailed\r\n--r\r\nContent-Type: text/rfc822-headers\r\n\r\nSubject: x\r\nFrom: a@b\r\n\r\n--r--\r\n";
        var body = Body(raw, false);
        Assert.Contains("(\"text\" \"rfc822-headers\" NIL NIL NIL \"7bit\" 23 2) \"report\")", body);
        Assert.Null(Parse(raw).GetSection(new BodySection([2], SectionText.Header, [])));
        Assert.Null(Parse(raw).GetSection(new BodySection([2, 1], SectionText.None, [])));
    }

    [Fact]
    public void Header_fields_keep_folded_lines()
    {
        const string raw = "Subject: a\r\n folded\r\nX-A: 1\r\n\r\n";
        var s = Parse(raw);
        Assert.Equal("Subject: a\r\n folded\r\n\r\n", Encoding.UTF8.GetString(s.GetSection(new BodySection([], SectionText.HeaderFields, ["subject"]))!.Value.Span));
    }
}

internal static class FetchItemParserTestsAccess
{
    public static bool TryParseSection(string text, out BodySection section) => FetchItemParser.TryParseSection(text, out section);
}
