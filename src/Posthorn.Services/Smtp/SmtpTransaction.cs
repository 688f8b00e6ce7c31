using Posthorn.Core.Addressing;
using Posthorn.Protocols.Smtp;
using Posthorn.Services.Delivery;

namespace Posthorn.Services.SmtpClient;

/// <summary>
/// One mail transaction over a ready connection (smtp_proto.c smtp_xfer): MAIL FROM with SIZE,
/// BODY=8BITMIME, RET/ENVID and SMTPUTF8 as the server offers them, a RCPT TO per recipient with
/// NOTIFY/ORCPT, DATA and the dot-stuffed content; with PIPELINING the MAIL, RCPT and DATA
/// commands go out in one write. A 4xx/5xx on MAIL or DATA fails every recipient, one on RCPT
/// only its recipient; after the end of data an SMTP server gives one reply for all accepted
/// recipients and an LMTP server one each. A message over the server's SIZE is bounced (5.3.4)
/// without being sent; one needing SMTPUTF8 is not sent to a server without it (5.6.7, tried on
/// the next server). A lost connection, a timeout or a malformed reply defers every recipient
/// not yet answered, never reports it delivered.
/// </summary>
internal sealed class SmtpTransaction(SmtpConnection conn, SmtpClientSettings s, DeliveryRequest request)
{
    private readonly Dictionary<DeliveryRecipient, RecipientResult> _results = [];

    /// <summary>True when the conversation ended cleanly and the connection may be cached.</summary>
    public bool Reusable { get; private set; }

    public async Task<IReadOnlyDictionary<DeliveryRecipient, RecipientResult>> RunAsync(IReadOnlyList<DeliveryRecipient> recipients, CancellationToken ct)
    {
        var t = conn.Target;
        if (conn.SizeLimit > 0 && request.ContentSize > conn.SizeLimit)
        {
            FailAll(recipients, "5.3.4", $"message size {request.ContentSize} exceeds size limit {conn.SizeLimit} of server {t.NameAddr}", null);
            Reusable = true;
            return _results;
        }
        if (NeedsSmtpUtf8() && !conn.Keywords.Contains("SMTPUTF8"))
        {
            FailAll(recipients, "5.6.7", "message requires SMTPUTF8, but no server was found that supports SMTPUTF8. "
                + $"The last attempted server was {t.NameAddr}", null, soft: true);
            Reusable = true;
            return _results;
        }
        SmtpStage stage = SmtpStage.Mail;
        var accepted = new List<DeliveryRecipient>();
        bool dotSent = false;
        try
        {
            bool pipelining = conn.Keywords.Contains("PIPELINING");
            conn.Queue(MailCommand());
            if (pipelining)
            {
                foreach (var r in recipients)
                    conn.Queue(RcptCommand(r));
                conn.Queue("DATA\r\n");
            }
            await conn.FlushAsync(s.MailTimeout, stage.While, ct);

            var mail = await conn.ReadReplyAsync(s.MailTimeout, stage.While, ct);
            bool mailOk = mail.Code / 100 == 2;
            if (!mailOk)
                FailAll(recipients, null, Said(mail, SmtpStage.Mail), mail);
            stage = SmtpStage.Rcpt;
            if (pipelining || mailOk)
            {
                foreach (var r in recipients)
                {
                    if (!pipelining)
                    {
                        conn.Queue(RcptCommand(r));
                        await conn.FlushAsync(s.RcptTimeout, stage.While, ct);
                    }
                    var reply = await conn.ReadReplyAsync(s.RcptTimeout, stage.While, ct);
                    if (!mailOk)
                        continue;
                    if (reply.Code / 100 == 2)
                        accepted.Add(r);
                    else
                        Fail(r, null, Said(reply, SmtpStage.Rcpt), reply);
                }
            }

            stage = SmtpStage.Data;
            if (!pipelining && mailOk && accepted.Count > 0)
            {
                conn.Queue("DATA\r\n");
                await conn.FlushAsync(s.DataInitTimeout, stage.While, ct);
            }
            if (pipelining || (mailOk && accepted.Count > 0))
            {
                var data = await conn.ReadReplyAsync(s.DataInitTimeout, stage.While, ct);
                if (data.Code / 100 == 3 && accepted.Count == 0)
                {
                    // Pipelined DATA accepted though no recipient was: end the empty message.
                    conn.Queue(".\r\n");
                    await conn.FlushAsync(s.DataDoneTimeout, SmtpStage.Dot.While, ct);
                    await conn.ReadReplyAsync(s.DataDoneTimeout, SmtpStage.Dot.While, ct);
                }
                else if (data.Code / 100 != 3)
                {
                    if (accepted.Count > 0)
                        FailAll(accepted, null, Said(data, SmtpStage.Data), data);
                    accepted.Clear();
                }
            }
            if (accepted.Count > 0)
            {
                stage = SmtpStage.Body;
                try
                {
                    await SendContentAsync(ct);
                }
                catch (IOException e)
                {
                    // The queue file, not the server, failed: leave the DATA unterminated so
                    // nothing is delivered, drop the connection, and try again later.
                    FailAll(accepted, "4.3.0", $"error reading message content: {e.Message}", null);
                    Reusable = false;
                    return _results;
                }
                dotSent = true;
                stage = SmtpStage.Dot;
                if (!s.Lmtp)
                {
                    var done = await conn.ReadReplyAsync(s.DataDoneTimeout, stage.While, ct);
                    foreach (var r in accepted)
                        Finish(r, done, SmtpStage.Dot);
                }
                else
                {
                    foreach (var r in accepted)
                    {
                        var done = await conn.ReadReplyAsync(s.DataDoneTimeout, stage.While, ct);
                        Finish(r, done, SmtpStage.Dot);
                    }
                }
            }
            Reusable = !conn.HasPendingInput;
        }
        catch (SmtpSessionException e)
        {
            var where = dotSent || e.Where != SmtpStage.Body.While ? SmtpStage.ByWhile(e.Where) : SmtpStage.Body;
            var (status, reason) = Broken(t, e, where);
            foreach (var r in recipients)
                if (!_results.ContainsKey(r))
                    Fail(r, status, reason, null);
        }
        return _results;
    }

    /// <summary>The DSN status and reason for a broken conversation, as smtp_stream_except words them.</summary>
    internal static (string Status, string Reason) Broken(SmtpTarget t, SmtpSessionException e, SmtpStage stage) => e.Kind switch
    {
        SmtpBreak.Timeout => ("4.4.2", $"conversation with {t.NameAddr} timed out while {stage.While}"),
        SmtpBreak.Protocol => ("4.5.0", $"host {t.NameAddr} said: {e.Detail} (in reply to {stage.InReplyTo})"),
        _ => ("4.4.2", $"lost connection with {t.NameAddr} while {stage.While}"),
    };

    private bool NeedsSmtpUtf8() =>
        request.SmtpUtf8 && (!System.Text.Ascii.IsValid(request.Sender) || request.Recipients.Any(r => !System.Text.Ascii.IsValid(r.Address)));

    private string MailCommand()
    {
        var p = new MailParameters
        {
            Size = request.ContentSize,
            Body = request.EightBit ? BodyType.EightBitMime : BodyType.None,
            Ret = request.Return == Bounce.DsnReturn.Headers ? DsnRet.Hdrs : request.EnvelopeId is not null ? DsnRet.Full : DsnRet.None,
            Envid = request.EnvelopeId,
            SmtpUtf8 = request.SmtpUtf8,
        };
        return SmtpClientCommands.Mail(Quote(request.Sender), p, conn.Keywords);
    }

    private string RcptCommand(DeliveryRecipient r)
    {
        var p = new RcptParameters
        {
            Notify = (Protocols.Smtp.DsnNotify)(int)r.Notify,
            OrcptType = r.DsnOriginalRecipient is null ? null : OrcptType(r.DsnOriginalRecipient),
            OrcptAddress = r.DsnOriginalRecipient is null ? null : OrcptAddress(r.DsnOriginalRecipient),
        };
        return SmtpClientCommands.Rcpt(Quote(r.Address), p, conn.Keywords);
    }

    private static string OrcptType(string orcpt)
    {
        int semi = orcpt.IndexOf(';', StringComparison.Ordinal);
        return semi > 0 ? orcpt[..semi] : "rfc822";
    }

    private static string OrcptAddress(string orcpt)
    {
        int semi = orcpt.IndexOf(';', StringComparison.Ordinal);
        return semi > 0 ? orcpt[(semi + 1)..] : orcpt;
    }

    /// <summary>An internal-form address in RFC 5321 external form (quoted local part when needed).</summary>
    internal static string Quote(string address)
    {
        if (address.Length == 0)
            return "";
        int at = address.LastIndexOf('@');
        var a = at < 0 ? new MailAddress(address, null) : new MailAddress(address[..at], address[(at + 1)..]);
        return a.Quoted;
    }

    private async Task SendContentAsync(CancellationToken ct)
    {
        var stuffer = new DotStuffer();
        var sink = new QueueSink(conn);
        var buffer = new byte[65536];
        // smtp_proto.c: a server without 8BITMIME gets 8-bit MIME parts converted to 7 bit.
        bool downgrade = !s.DisableMimeOutputConversion && !conn.Keywords.Contains("8BITMIME");
        await using (var content = downgrade ? MimeDowngrade.Open(request.OpenContent()) : request.OpenContent())
        {
            int n;
            while ((n = await content.ReadAsync(buffer, ct)) > 0)
            {
                stuffer.Write(buffer.AsSpan(0, n), sink);
                if (conn.QueuedBytes >= 65536)
                    await conn.FlushAsync(s.DataXferTimeout, SmtpStage.Body.While, ct);
            }
        }
        stuffer.Finish(sink);
        await conn.FlushAsync(s.DataXferTimeout, SmtpStage.Body.While, ct);
    }

    private void Finish(DeliveryRecipient r, SmtpReply reply, SmtpStage stage)
    {
        if (reply.Code / 100 != 2)
        {
            Fail(r, null, Said(reply, stage), reply);
            return;
        }
        var t = conn.Target;
        bool relayed = !s.Lmtp && !conn.Keywords.Contains("DSN") && (r.Notify & Bounce.DsnNotify.Success) != 0;
        _results[r] = new RecipientResult(r, DeliveryOutcome.Delivered, SmtpHandshake.Status(reply, "2.0.0"),
            SmtpHandshake.Text(reply), t.NameAddrPort, t.Host, "smtp", SmtpHandshake.Text(reply), relayed ? "relayed" : "delivered");
    }

    private string Said(SmtpReply reply, SmtpStage stage) =>
        $"host {conn.Target.NameAddr} said: {SmtpHandshake.Text(reply)} (in reply to {stage.InReplyTo})";

    private void FailAll(IEnumerable<DeliveryRecipient> recipients, string? status, string reason, SmtpReply? reply, bool soft = false)
    {
        foreach (var r in recipients)
            if (!_results.ContainsKey(r))
                Fail(r, status, reason, reply, soft);
    }

    private void Fail(DeliveryRecipient r, string? status, string reason, SmtpReply? reply, bool soft = false)
    {
        var t = conn.Target;
        status ??= reply is null ? "4.0.0" : SmtpHandshake.Status(reply, reply.Code / 100 == 5 ? "5.0.0" : "4.0.0");
        if (reply is not null && reply.Code / 100 != 5 && status[0] == '5')
            status = "4" + status[1..];
        bool permanent = !soft && (reply is null ? status[0] == '5' : reply.Code / 100 == 5);
        if (!permanent && !soft && status[0] == '5')
            status = "4" + status[1..];
        _results[r] = new RecipientResult(r, permanent ? DeliveryOutcome.Bounced : DeliveryOutcome.Deferred, status, reason,
            t.NameAddrPort, reply is null ? null : t.Host, reply is null ? null : "smtp",
            reply is null ? null : SmtpHandshake.Text(reply), permanent ? "failed" : "delayed");
    }

    private sealed class QueueSink(SmtpConnection conn) : IContentSink
    {
        public void Write(ReadOnlySpan<byte> content) => conn.QueueBytes(content);
    }
}
