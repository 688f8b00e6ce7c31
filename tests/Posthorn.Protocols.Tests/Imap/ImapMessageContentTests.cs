using System.Text;
using Posthorn.Protocols.Imap;

namespace Posthorn.Protocols.Tests.Imap;

public class ImapMessageContentTests
{
    private const string Multipart =
        "From: a@example.org\r\nSubject: Caf=?utf-8?q?=C3=A9?=\r\nDate: Tue, 1 Feb 1994 21:52:25 -0800\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
        + "--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nH=C3=A9llo world\r\n"
        + "--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\nAAECAw==\r\n--b--\r\n";

    private static ImapMessageInfo Info(string raw) => new(1, 7, [], DateTimeOffset.UnixEpoch, raw.Length);

    private static string Fetch(ImapMessageContent content, string raw, string items)
    {
        var command = Assert.IsType<FetchCommand>(ImapCommandParserTests.Parse("a FETCH 1 " + items));
        var w = new ImapResponseWriter();
        ImapFetchWriter.Write(w, Info(raw), command.Items, content);
        return w.ToString();
    }

    private static string FetchFull(string raw, string items) =>
        Fetch(new ImapMessageContent(() => ImapMessageStructure.Parse(Encoding.UTF8.GetBytes(raw))), raw, items);

    public static TheoryData<string> Messages => new()
    {
        Multipart,
        "Subject: no body\r\n",
        "\r\nbody with an empty header\r\n",
        "Subject: folded\r\n continued\r\nX-Empty:\r\n\r\nline\r\n\r\nafter a blank line\r\n",
        "not a header line\r\nSubject: x\r\n\r\nbody\r\n",
        "Subject: tab\r\n\tcontinuation\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\ninner body\r\n",
    };

    [Theory]
    [MemberData(nameof(Messages))]
    public void Header_only_items_equal_what_the_full_parse_gives(string raw)
    {
        const string Items = "(ENVELOPE BODY.PEEK[HEADER] BODY.PEEK[HEADER.FIELDS (SUBJECT DATE)] BODY.PEEK[HEADER.FIELDS.NOT (SUBJECT)] BODY.PEEK[TEXT] RFC822.HEADER BODY.PEEK[]<3.20>)";
        var bytes = Encoding.UTF8.GetBytes(raw);
        var parses = 0;
        var lazy = new ImapMessageContent(() =>
        {
            parses++;
            return bytes;
        });
        Assert.Equal(FetchFull(raw, Items), Fetch(lazy, raw, Items));
        Assert.Equal(1, parses);
    }

    [Theory]
    [MemberData(nameof(Messages))]
    public void A_header_prefix_answers_header_items_without_reading_the_message(string raw)
    {
        var bytes = Encoding.UTF8.GetBytes(raw);
        var end = raw.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var prefix = end < 0 ? bytes : bytes[..(end + 4)];
        var content = new ImapMessageContent(() => throw new InvalidOperationException("the whole message was read"), () => prefix);
        const string Items = "(ENVELOPE BODY.PEEK[HEADER.FIELDS (SUBJECT)] RFC822.HEADER)";
        Assert.Equal(FetchFull(raw, Items), Fetch(content, raw, Items));
    }

    [Fact]
    public void Cached_envelope_and_bodystructure_are_written_as_rendered()
    {
        var content = ImapMessageContent.FromBytes(Encoding.UTF8.GetBytes(Multipart));
        content.Render(utf8Accept: false);
        var cached = new ImapMessageContent(() => throw new InvalidOperationException("the message was read"))
        {
            Envelope = content.Envelope,
            BodyStructure = content.BodyStructure,
        };
        const string Items = "(UID ENVELOPE BODYSTRUCTURE FLAGS)";
        Assert.Equal(FetchFull(Multipart, Items), Fetch(cached, Multipart, Items));
    }

    [Fact]
    public void Header_bytes_end_with_the_empty_line()
    {
        var content = ImapMessageContent.FromBytes(Encoding.UTF8.GetBytes(Multipart));
        var header = Encoding.UTF8.GetString(content.HeaderBytes);
        Assert.EndsWith("boundary=b\r\n\r\n", header, StringComparison.Ordinal);
        Assert.StartsWith("From: a@example.org\r\n", header, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Subject: s\r\n\r\nplain caf\u00e9 text\r\n", "CAF\u00c9", true)]
    [InlineData("Subject: s\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\ncaf=E9\r\n", "caf\u00e9", true)]
    [InlineData(Multipart, "h\u00e9llo", true)]
    [InlineData(Multipart, "AAECAw", false)]
    public void Body_search_decodes_what_needs_decoding(string raw, string needle, bool found)
    {
        var message = new ImapSearchableMessage(Info(raw), ImapMessageContent.FromBytes(Encoding.UTF8.GetBytes(raw)));
        Assert.Equal(found, message.BodyText().Contains(needle, StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [InlineData("Subject")]
    [InlineData("subject")]
    [InlineData("Received")]
    [InlineData("X-Empty")]
    [InlineData("To")]
    [InlineData("Missing")]
    public void Header_search_values_equal_mimekits_decoded_values(string field)
    {
        const string Raw = "Received: from a\r\n\tby b\r\nSubject: =?utf-8?q?Caf=C3=A9?= and\r\n  =?iso-8859-1?q?cr=E8me?=\r\nReceived: second\r\n"
            + "X-Empty:\r\nTo: \"J. Doe\" <j@example.org>,\r\n k@example.org\r\n\r\nSubject: in the body\r\n";
        var bytes = Encoding.UTF8.GetBytes(Raw);
        var mimeKit = ImapMessageStructure.Parse(bytes).Message.Headers
            .Where(h => h.Field.Equals(field, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).ToList();
        Assert.Equal(mimeKit, RawHeaderFields.Values(bytes, field));
    }
}
