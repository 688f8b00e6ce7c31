using System.Text;
using Posthorn.Protocols.Imap;

namespace Posthorn.Protocols.Tests.Imap;

public class ImapFetchWriterTests
{
    private const string Raw =
        "From: a@example.org\r\nSubject: Caf=?utf-8?q?=C3=A9?=\r\nDate: Tue, 1 Feb 1994 21:52:25 -0800\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
        + "--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nH=C3=A9llo world\r\n"
        + "--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\nAAECAw==\r\n--b--\r\n";

    private static readonly ImapMessageInfo Info = new(3, 42, ["\\Seen"], new DateTimeOffset(1994, 2, 1, 21, 52, 25, TimeSpan.FromHours(-8)), Raw.Length, 9);

    private static string Fetch(string items)
    {
        var command = Assert.IsType<FetchCommand>(ImapCommandParserTests.Parse("a FETCH 3 " + items));
        var w = new ImapResponseWriter();
        var parsed = 0;
        ImapFetchWriter.Write(w, Info, command.Items, () =>
        {
            parsed++;
            return ImapMessageStructure.Parse(Encoding.UTF8.GetBytes(Raw));
        });
        Assert.True(parsed <= 1);
        return w.ToString();
    }

    [Fact]
    public void Writes_metadata_without_parsing_the_message() =>
        Assert.Equal("* 3 FETCH (FLAGS (\\Seen) INTERNALDATE \" 1-Feb-1994 21:52:25 -0800\" RFC822.SIZE " + Raw.Length + " UID 42 MODSEQ (9))\r\n",
            Fetch("(FLAGS INTERNALDATE RFC822.SIZE UID MODSEQ)"));

    [Fact]
    public void Writes_sections_as_literals_with_partial_origin()
    {
        Assert.Equal("* 3 FETCH (BODY[1] {16}\r\nH=C3=A9llo world)\r\n", Fetch("BODY.PEEK[1]"));
        Assert.Equal("* 3 FETCH (BODY[1]<2> {3}\r\nC3=)\r\n", Fetch("BODY.PEEK[1]<2.3>"));
        Assert.Equal("* 3 FETCH (BODY[1]<999> \"\")\r\n", Fetch("BODY[1]<999.3>"));
        Assert.Equal("* 3 FETCH (BODY[7] NIL)\r\n", Fetch("BODY[7]"));
    }

    [Fact]
    public void Binary_decodes_transfer_encodings()
    {
        Assert.Equal("* 3 FETCH (BINARY[2] {4}\r\n\0\x01\x02\x03)\r\n", Fetch("BINARY.PEEK[2]"));
        Assert.Equal("* 3 FETCH (BINARY.SIZE[1] 12)\r\n", Fetch("BINARY.SIZE[1]"));
    }

    [Fact]
    public void Writes_rfc822_forms_and_structures()
    {
        Assert.StartsWith("* 3 FETCH (RFC822.HEADER {", Fetch("RFC822.HEADER"));
        Assert.Contains("ENVELOPE (\"Tue, 1 Feb 1994 21:52:25 -0800\" \"Caf=?utf-8?q?=C3=A9?=\"", Fetch("ENVELOPE"));
        Assert.Contains("BODYSTRUCTURE ((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"quoted-printable\" 16 1 NIL NIL NIL NIL)", Fetch("BODYSTRUCTURE"));
        Assert.EndsWith("\"mixed\"))\r\n", Fetch("BODY"));
        Assert.Contains("RFC822 {" + Raw.Length + "}\r\n", Fetch("RFC822"));
    }

    [Fact]
    public void Searchable_message_decodes_headers_and_bodies()
    {
        var m = new ImapSearchableMessage(Info, () => ImapMessageStructure.Parse(Encoding.UTF8.GetBytes(Raw)));
        Assert.Equal(["Café"], m.HeaderValues("subject"));
        Assert.Contains("Héllo world", m.BodyText(), StringComparison.Ordinal);
        Assert.Equal(new DateTimeOffset(1994, 2, 1, 21, 52, 25, TimeSpan.FromHours(-8)), m.SentDate);
        Assert.True(ImapSearchEvaluator.Matches(new SearchText("HÉLLO", false), m, 3, 42));
        Assert.True(ImapSearchEvaluator.Matches(new SearchHeader("Subject", "café"), m, 3, 42));
    }

    [Fact]
    public void Capabilities_depend_on_login_and_tls()
    {
        var before = ImapCapabilities.Format(loggedIn: false, tlsAvailable: true, tlsActive: false, plaintextAllowed: false, ["PLAIN"]);
        Assert.StartsWith("IMAP4rev1 SASL-IR LITERAL+", before);
        Assert.EndsWith("STARTTLS AUTH=PLAIN LOGINDISABLED", before);
        var after = ImapCapabilities.Format(loggedIn: true, tlsAvailable: true, tlsActive: true, plaintextAllowed: true, ["PLAIN"]);
        Assert.DoesNotContain("AUTH=", after);
        Assert.DoesNotContain("STARTTLS", after);
    }
}
