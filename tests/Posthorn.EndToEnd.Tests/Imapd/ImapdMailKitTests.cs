using System.Text;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MailKit.Security;
using MimeKit;

namespace Posthorn.EndToEnd.Tests.Imapd;

/// <summary>
/// imapd against MailKit's ImapClient (issue 8): BODYSTRUCTURE of nested message/rfc822 parts
/// compared with MimeKit's parse of the same file, partial and MIME-header fetches, SEARCH
/// with CHARSET UTF-8, sizes, UID sets and dates, APPEND with flags and date, COPY/MOVE with
/// COPYUID into the SPECIAL-USE folders, EXPUNGE seen by a concurrent session, and the FETCH
/// cache giving what the first parse gave.
/// </summary>
[Collection("imapd")]
public sealed class ImapdMailKitTests(ImapdSystem imap) : IClassFixture<ImapdSystem>
{
    internal const string Nested = """
        From: Dan <dan@example.net>
        To: u14@example.com
        Subject: Forwarded
        Date: Thu, 05 Nov 2026 08:00:00 +0000
        MIME-Version: 1.0
        Content-Type: multipart/mixed; boundary="outer"

        --outer
        Content-Type: text/plain; charset=us-ascii

        See the attached message.
        --outer
        Content-Type: message/rfc822

        From: Eve <eve@example.org>
        To: dan@example.net
        Subject: Inner
        Date: Wed, 04 Nov 2026 07:00:00 +0000
        MIME-Version: 1.0
        Content-Type: multipart/alternative; boundary="inner"

        --inner
        Content-Type: text/plain; charset=utf-8
        Content-Transfer-Encoding: quoted-printable

        Caf=C3=A9 inner text.
        --inner
        Content-Type: text/html; charset=utf-8

        <p>Inner</p>
        --inner--

        --outer
        Content-Type: image/png; name="dot.png"
        Content-Transfer-Encoding: base64
        Content-Disposition: inline; filename="dot.png"

        iVBORw0KGgo=
        --outer--

        """;

    private static string Crlf(string lf) => lf.Replace("\r\n", "\n").Replace("\n", "\r\n");

    private ImapClient Connect(string user)
    {
        var client = new ImapClient { Timeout = 20_000 };
        client.Connect("127.0.0.1", imap.ImapPort, SecureSocketOptions.None);
        client.Authenticate(user + "@example.com", ImapdSystem.Password);
        return client;
    }

    private static byte[] Section(IMailFolder folder, UniqueId uid, string section)
    {
        using var stream = folder.GetStream(uid, section);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>Compares MailKit's BODYSTRUCTURE tree with MimeKit's entities, part by part.</summary>
    private static void AssertSameStructure(BodyPart part, MimeEntity entity, IMailFolder folder, UniqueId uid)
    {
        Assert.Equal(entity.ContentType.MimeType, part.ContentType.MimeType, ignoreCase: true);
        switch (entity)
        {
            case Multipart multipart:
                var body = Assert.IsType<BodyPartMultipart>(part);
                Assert.Equal(multipart.Count, body.BodyParts.Count);
                for (var i = 0; i < multipart.Count; i++)
                    AssertSameStructure(body.BodyParts[i]!, multipart[i]!, folder, uid);
                break;
            case MessagePart { Message: { } inner }:
                var message = Assert.IsType<BodyPartMessage>(part);
                Assert.Equal(inner.Subject, message.Envelope!.Subject);
                Assert.Equal(inner.From.Mailboxes.Single().Address, message.Envelope.From.Mailboxes.Single().Address);
                var octets = Section(folder, uid, message.PartSpecifier);
                Assert.Equal(octets.Length, (int)message.Octets);
                Assert.Equal(inner.Subject, MimeMessage.Load(new MemoryStream(octets)).Subject);
                AssertSameStructure(message.Body!, inner.Body!, folder, uid);
                break;
            case MimePart leaf:
                var basic = Assert.IsAssignableFrom<BodyPartBasic>(part);
                Assert.Equal((leaf.Headers[HeaderId.ContentTransferEncoding] ?? "7bit").Trim(), basic.ContentTransferEncoding, ignoreCase: true);
                Assert.Equal(leaf.Content!.Stream!.Length, (long)basic.Octets);
                Assert.Equal(leaf.ContentDisposition?.FileName, basic.ContentDisposition?.FileName);
                if (leaf is TextPart)
                {
                    var lines = Encoding.ASCII.GetString(Section(folder, uid, basic.PartSpecifier)).Split("\r\n").Length;
                    Assert.Equal(lines, (int)Assert.IsType<BodyPartText>(part).Lines);
                }
                break;
        }
    }

    [Fact]
    public void Bodystructure_of_nested_message_rfc822_agrees_with_MimeKit()
    {
        imap.Deliver("u14", Nested);
        var expected = MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(Crlf(Nested))));
        using var client = Connect("u14");
        var inbox = client.Inbox;
        inbox.Open(FolderAccess.ReadOnly);
        var summary = inbox.Fetch(0, -1, MessageSummaryItems.BodyStructure | MessageSummaryItems.Envelope | MessageSummaryItems.UniqueId).Single();
        Assert.Equal("Forwarded", summary.Envelope!.Subject);
        AssertSameStructure(summary.Body!, expected.Body!, inbox, summary.UniqueId);

        var forwarded = Assert.IsType<BodyPartMessage>(Assert.IsType<BodyPartMultipart>(summary.Body).BodyParts[1]);
        var innerText = Assert.IsType<BodyPartText>(Assert.IsType<BodyPartMultipart>(forwarded.Body).BodyParts[0]);
        Assert.Equal("2.1", innerText.PartSpecifier);
        var decoded = Assert.IsType<TextPart>(inbox.GetBodyPart(summary.UniqueId, innerText));
        Assert.Equal("Café inner text.", decoded.Text.Trim());
        var attachment = summary.BodyParts.Single(p => p.ContentType.MimeType == "image/png");
        Assert.Equal("3", attachment.PartSpecifier);

        // A second session answers from the cache: the same structure, the same envelope.
        using var again = Connect("u14");
        again.Inbox.Open(FolderAccess.ReadOnly);
        var cached = again.Inbox.Fetch(0, -1, MessageSummaryItems.BodyStructure | MessageSummaryItems.Envelope).Single();
        Assert.Equal(summary.Body!.ToString(), cached.Body!.ToString());
        Assert.Equal(summary.Envelope.ToString(), cached.Envelope!.ToString());
        Assert.True(File.Exists(Path.Combine(imap.MaildirOf("u14"), "posthorn-imapcache")));
    }

    [Fact]
    public void Partial_fetches_mime_headers_and_header_fields_are_the_files_octets()
    {
        imap.Deliver("u15", Nested);
        var full = Encoding.UTF8.GetBytes(Crlf(Nested));
        using var client = Connect("u15");
        var inbox = client.Inbox;
        inbox.Open(FolderAccess.ReadOnly);
        var uid = inbox.Search(SearchQuery.All).Single();

        using (var partial = inbox.GetStream(uid, 0, 100))
        {
            using var copy = new MemoryStream();
            partial.CopyTo(copy);
            Assert.Equal(full[..100], copy.ToArray());
        }
        Assert.Equal("Content-Type: text/plain; charset=us-ascii\r\n\r\n", Encoding.ASCII.GetString(Section(inbox, uid, "1.MIME")));
        Assert.Equal("Subject: Forwarded\r\nFrom: Dan <dan@example.net>\r\n\r\n".Length,
            Section(inbox, uid, "HEADER.FIELDS (SUBJECT FROM)").Length);
        Assert.Equal("From: Dan <dan@example.net>\r\nSubject: Forwarded\r\n\r\n", Encoding.ASCII.GetString(Section(inbox, uid, "HEADER.FIELDS (SUBJECT FROM)")));
        Assert.StartsWith("From: Eve <eve@example.org>\r\n", Encoding.ASCII.GetString(Section(inbox, uid, "2.HEADER")), StringComparison.Ordinal);
        // The line end before a boundary belongs to the boundary (RFC 2046 section 5.1.1).
        Assert.Equal("<p>Inner</p>", Encoding.ASCII.GetString(Section(inbox, uid, "2.2")));
        Assert.Equal(full, Section(inbox, uid, ""));
        Assert.False(inbox.Fetch([uid], MessageSummaryItems.Flags).Single().Flags!.Value.HasFlag(MessageFlags.Seen));
    }

    [Fact]
    public void Search_with_utf8_charset_sizes_uid_sets_and_dates()
    {
        var jan = new DateTimeOffset(2026, 1, 15, 12, 0, 0, TimeSpan.Zero);
        imap.Deliver("u16", "From: a@example.org\nSubject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\nDate: Mon, 02 Feb 2026 09:00:00 +0000\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\nSchöne Grüße aus Köln\n", arrival: jan);
        imap.Deliver("u16", "From: b@example.org\nSubject: menu\nDate: Tue, 03 Mar 2026 09:00:00 +0000\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\nCaf=C3=A9 au lait\n", arrival: jan.AddMonths(2));
        imap.Deliver("u16", "From: c@example.org\nSubject: short\nDate: Wed, 04 Mar 2026 09:00:00 +0000\n\nhi\n", arrival: jan.AddMonths(4));
        imap.Deliver("u16", "From: d@example.org\nSubject: long\nDate: Thu, 05 Mar 2026 09:00:00 +0000\n\n" + new string('x', 9000) + "\n", arrival: jan.AddMonths(6));
        using var client = Connect("u16");
        var inbox = client.Inbox;
        inbox.Open(FolderAccess.ReadOnly);
        var all = inbox.Search(SearchQuery.All);
        Assert.Equal(4, all.Count);
        uint N(UniqueId u) => u.Id - all[0].Id + 1;
        List<uint> Find(SearchQuery q) => inbox.Search(q).Select(N).ToList();

        Assert.Equal([1u], Find(SearchQuery.BodyContains("grüße")));
        Assert.Equal([1u], Find(SearchQuery.SubjectContains("GRÜSSE".Replace("SS", "ß", StringComparison.Ordinal))));
        Assert.Equal([2u], Find(SearchQuery.BodyContains("café")));
        Assert.Equal([1u], Find(SearchQuery.MessageContains("köln")));
        Assert.Equal([4u], Find(SearchQuery.LargerThan(5000)));
        Assert.Equal([1u, 2u, 3u], Find(SearchQuery.SmallerThan(5000)));
        Assert.Equal([2u, 3u], Find(SearchQuery.Uids(new UniqueIdRange(all[1], all[2]))));
        Assert.Equal([1u, 4u], Find(SearchQuery.Not(SearchQuery.Uids(new UniqueIdRange(all[1], all[2])))));
        Assert.Equal([1u, 4u], Find(SearchQuery.DeliveredBefore(jan.AddDays(1).DateTime).Or(SearchQuery.DeliveredAfter(jan.AddMonths(5).DateTime))));
        Assert.Equal([2u, 3u, 4u], Find(SearchQuery.SentSince(new DateTime(2026, 3, 1)).And(SearchQuery.Not(SearchQuery.SubjectContains("nothing")))));
        Assert.Equal([3u], Find(SearchQuery.FromContains("c@example").And(SearchQuery.SentOn(new DateTime(2026, 3, 4)))));
        Assert.Empty(Find(SearchQuery.BodyContains("grüße").And(SearchQuery.LargerThan(5000))));
    }

    [Fact]
    public void Append_with_flags_and_date_round_trips()
    {
        using var client = Connect("u17");
        var inbox = client.Inbox;
        inbox.Open(FolderAccess.ReadWrite);
        var message = MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(Crlf(Nested))));
        var date = new DateTimeOffset(2025, 12, 24, 18, 30, 15, TimeSpan.FromHours(2));
        var uid = inbox.Append(message, MessageFlags.Flagged | MessageFlags.Draft, date);
        Assert.NotNull(uid);
        var summary = inbox.Fetch([uid.Value], MessageSummaryItems.Flags | MessageSummaryItems.InternalDate | MessageSummaryItems.Size).Single();
        Assert.Equal(MessageFlags.Flagged | MessageFlags.Draft, summary.Flags!.Value & ~MessageFlags.Recent);
        Assert.Equal(date, summary.InternalDate);
        using var written = new MemoryStream();
        var crlf = FormatOptions.Default.Clone();
        crlf.NewLineFormat = NewLineFormat.Dos;
        message.WriteTo(crlf, written);
        Assert.Equal(written.Length, (long)summary.Size!.Value);
        Assert.Equal(written.ToArray(), Section(inbox, uid.Value, ""));
        Assert.Equal("Inner", inbox.GetMessage(uid.Value).BodyParts.OfType<MessagePart>().Single().Message!.Subject);
    }

    [Fact]
    public void Copy_and_move_into_special_use_folders_return_copyuid()
    {
        for (var i = 0; i < 3; i++)
            imap.Deliver("u18", ImapdEndToEndTests.Simple.Replace("Lunch plans", "Item " + i));
        using var client = Connect("u18");
        var trash = client.GetFolder(SpecialFolder.Trash)!;
        var junk = client.GetFolder(SpecialFolder.Junk)!;
        Assert.NotNull(client.GetFolder(SpecialFolder.Sent));
        Assert.NotNull(client.GetFolder(SpecialFolder.Drafts));
        var inbox = client.Inbox;
        inbox.Open(FolderAccess.ReadWrite);
        var uids = inbox.Search(SearchQuery.All);

        var copied = inbox.CopyTo([uids[0], uids[1]], trash);
        Assert.Equal([uids[0], uids[1]], copied.Source);
        Assert.Equal(2, copied.Destination.Count);
        trash.Status(StatusItems.UidValidity | StatusItems.Count);
        Assert.Equal(trash.UidValidity, copied.Destination[0].Validity);
        Assert.Equal(2, trash.Count);

        var expunged = new List<int>();
        inbox.MessageExpunged += (_, e) => expunged.Add(e.Index);
        var moved = inbox.MoveTo(uids[2], junk);
        Assert.NotNull(moved);
        Assert.Equal([2], expunged);
        Assert.Equal(2, inbox.Count);
        junk.Open(FolderAccess.ReadOnly);
        Assert.Equal("Item 2", junk.GetMessage(moved.Value).Subject);
    }

    [Fact]
    public void Expunge_in_one_session_reaches_a_concurrent_session_at_its_next_noop()
    {
        for (var i = 0; i < 3; i++)
            imap.Deliver("u19", ImapdEndToEndTests.Simple.Replace("Lunch plans", "Note " + i));
        using var a = Connect("u19");
        using var b = Connect("u19");
        a.Inbox.Open(FolderAccess.ReadWrite);
        b.Inbox.Open(FolderAccess.ReadWrite);
        var expunged = new List<int>();
        b.Inbox.MessageExpunged += (_, e) => expunged.Add(e.Index);
        var first = a.Inbox.Search(SearchQuery.All)[0];
        a.Inbox.AddFlags(first, MessageFlags.Deleted, silent: true);
        a.Inbox.Expunge();
        Assert.Equal(2, a.Inbox.Count);
        b.NoOp();
        Assert.Equal([0], expunged);
        Assert.Equal(2, b.Inbox.Count);
        Assert.Equal(["Note 1", "Note 2"], b.Inbox.Fetch(0, -1, MessageSummaryItems.Envelope).Select(s => s.Envelope!.Subject));
    }
}
