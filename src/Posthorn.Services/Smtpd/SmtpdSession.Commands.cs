using System.Globalization;
using Posthorn.Core.Addressing;
using Posthorn.Protocols.Smtp;
using Posthorn.Services.Cleanup;

namespace Posthorn.Services.Smtpd;

/// <summary>HELO/EHLO, MAIL, RCPT, RSET, VRFY and ETRN as Postfix's smtpd.c answers them.</summary>
public sealed partial class SmtpdSession
{
    private CleanupQueueWriter? _writer;
    private MailParameters? _mail;
    private string? _sender;
    private readonly List<CleanupRecipient> _recipients = [];

    private async ValueTask<bool> HeloAsync(SmtpCommand cmd, bool esmtp, CancellationToken ct)
    {
        AbortTransaction();
        var helo = cmd.Argument;
        if (!_s.DelayReject)
        {
            var err = await _server.Restrictions.CheckHeloAsync(_check, helo, ct).ConfigureAwait(false);
            if (err is not null)
            {
                await ReplyAsync(err).ConfigureAwait(false);
                return false;
            }
        }
        _check.HeloName = helo;
        _esmtp = esmtp;
        _check.Protocol = esmtp ? "ESMTP" : "SMTP";
        _sequence.OnHelo();
        if (!esmtp)
        {
            await ReplyAsync("250 " + _s.MyHostname).ConfigureAwait(false);
            return true;
        }
        var ehlo = new EhloKeywords(_s.DiscardEhloKeywords);
        var keywords = EhloKeywords.Standard(_s.MessageSizeLimit, vrfy: !_s.DisableVrfy, startTls: StartTlsOffered,
            authMechanisms: AuthMechanisms, brokenSaslAuthClients: Security.BrokenSaslAuthClients, smtpUtf8: _s.SmtpUtf8);
        var discarded = keywords.Where(ehlo.IsDiscarded).ToList();
        if (discarded.Count > 0 && !ehlo.SilentDiscard)
            _server.Log.Info(Process, $"discarding EHLO keywords: {string.Join(' ', discarded.Select(k => k.Split(' ')[0]))}");
        await ReplyAsync(ehlo.Build(_s.MyHostname, keywords)).ConfigureAwait(false);
        return true;
    }

    private async ValueTask<bool> MailAsync(SmtpCommand cmd, CancellationToken ct)
    {
        if (_sequence.Check(SmtpVerb.Mail) is { } seq)
        {
            await ReplyAsync(seq).ConfigureAwait(false);
            return false;
        }
        var p = cmd.Mail ?? new MailParameters();
        var address = MailAddress.ParsePath(cmd.Path ?? "", MailAddressRole.Sender, out var syntax, _s.StrictRfc821, p.SmtpUtf8 || !_s.SmtpUtf8);
        if (address is null)
        {
            await ReplyAsync(syntax ?? "501 5.1.7 Bad sender address syntax").ConfigureAwait(false);
            return false;
        }
        if (_s.StrictSmtpUtf8 && !p.SmtpUtf8 && address.RequiresSmtpUtf8)
        {
            await ReplyAsync(SmtpReplies.MustDeclareSmtpUtf8).ConfigureAwait(false);
            return false;
        }
        long size = p.Size ?? 0;
        if (_server.Restrictions.CheckSize(_check, size) is { } tooBig)
        {
            await ReplyAsync(tooBig).ConfigureAwait(false);
            return false;
        }
        if (!_server.HasQueueSpace(size))
        {
            NoteError(Restrictions.ErrorClass.Resource);
            await ReplyAsync(SmtpReplies.InsufficientStorage).ConfigureAwait(false);
            return false;
        }
        if (!_s.DelayReject)
        {
            var err = await _server.Restrictions.CheckMailAsync(_check, address.Address, ct).ConfigureAwait(false);
            if (err is not null)
            {
                await ReplyAsync(err).ConfigureAwait(false);
                return false;
            }
        }
        _check.ResetTransaction();
        _check.Sender = address.Address;
        _sender = address.Address;
        _mail = p;
        _sequence.OnMail();
        await ReplyAsync(SmtpReplies.MailOk.ToArray()).ConfigureAwait(false);
        return true;
    }

    private async ValueTask<bool> RcptAsync(SmtpCommand cmd, CancellationToken ct)
    {
        if (_sequence.Check(SmtpVerb.Rcpt) is { } seq)
        {
            await ReplyAsync(seq).ConfigureAwait(false);
            return false;
        }
        bool utf8 = _mail?.SmtpUtf8 == true || !_s.SmtpUtf8;
        var address = MailAddress.ParsePath(cmd.Path ?? "", MailAddressRole.Recipient, out var syntax, _s.StrictRfc821, utf8);
        if (address is null)
        {
            await ReplyAsync(syntax ?? "501 5.1.3 Bad recipient address syntax").ConfigureAwait(false);
            return false;
        }
        if (_s.StrictSmtpUtf8 && _mail?.SmtpUtf8 != true && address.RequiresSmtpUtf8)
        {
            await ReplyAsync(SmtpReplies.MustDeclareSmtpUtf8).ConfigureAwait(false);
            return false;
        }
        var err = await _server.Restrictions.CheckRcptAsync(_check, address.Address, ct).ConfigureAwait(false);
        if (err is not null)
        {
            await ReplyAsync(err).ConfigureAwait(false);
            return false;
        }
        if (_writer is null)
        {
            // Postfix's cleanup pauses here when the queue manager falls behind (in_flow_delay).
            await _server.InFlowDelayAsync(ct).ConfigureAwait(false);
            try
            {
                _writer = CleanupQueueWriter.Open(_server.Cleanup, _server.Queue, _server.Log);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _server.Log.Warning(Process, $"cannot create a queue file: {e.Message}");
                NoteError(Restrictions.ErrorClass.Resource);
                await ReplyAsync("451 4.3.0 Error: queue file write error").ConfigureAwait(false);
                return false;
            }
            _check.QueueId = _writer.QueueId;
            _server.Log.Info(Process, _check.SaslUsername is null
                ? $"{_writer.QueueId}: client={_check.NameAddress}"
                : $"{_writer.QueueId}: client={_check.NameAddress}, sasl_method={_check.SaslMethod}, sasl_username={_check.SaslUsername}");
        }
        var r = cmd.Rcpt ?? new RcptParameters();
        string? orcpt = r.OrcptType is null ? null : r.OrcptType + ";" + r.OrcptAddress;
        _recipients.Add(new CleanupRecipient(address.Address, address.Address, (int)r.Notify, orcpt));
        _check.RecipientCount++;
        _sequence.OnRcptAccepted();
        await ReplyAsync(SmtpReplies.RcptOk.ToArray()).ConfigureAwait(false);
        return true;
    }

    private async ValueTask<bool> RsetAsync()
    {
        AbortTransaction();
        await ReplyAsync(SmtpReplies.Ok.ToArray()).ConfigureAwait(false);
        return true;
    }

    private async ValueTask<bool> VrfyAsync(SmtpCommand cmd, CancellationToken ct)
    {
        if (_s.DisableVrfy)
        {
            await ReplyAsync(SmtpReplies.VrfyDisabled).ConfigureAwait(false);
            return false;
        }
        var arg = cmd.Argument;
        bool smtputf8 = false;
        if (_s.SmtpUtf8 && arg.EndsWith(" SMTPUTF8", StringComparison.OrdinalIgnoreCase))
        {
            arg = arg[..^9].TrimEnd();
            smtputf8 = true;
        }
        var address = MailAddress.ParsePath(arg, MailAddressRole.Recipient, out _, strictRfc821: false, smtpUtf8: true);
        if (address is null)
        {
            await ReplyAsync(SmtpReplies.BadRecipientAddress).ConfigureAwait(false);
            return false;
        }
        if (!smtputf8 && _s.StrictSmtpUtf8 && address.RequiresSmtpUtf8)
        {
            await ReplyAsync(SmtpReplies.MustDeclareSmtpUtf8).ConfigureAwait(false);
            return false;
        }
        var err = await _server.Restrictions.CheckRcptAsync(_check, address.Address, ct).ConfigureAwait(false);
        if (err is not null)
        {
            await ReplyAsync(err).ConfigureAwait(false);
            return false;
        }
        await ReplyAsync("252 2.0.0 " + arg).ConfigureAwait(false);
        return true;
    }

    private async ValueTask<bool> EtrnAsync(SmtpCommand cmd, CancellationToken ct)
    {
        if (_sequence.Check(SmtpVerb.Etrn) is { } seq)
        {
            await ReplyAsync(seq).ConfigureAwait(false);
            return false;
        }
        var domain = cmd.Argument;
        if (domain.Length > 0 && domain[0] is '@' or '#')
            domain = domain[1..];
        if (!IsValidHostname(domain))
        {
            await ReplyAsync(SmtpReplies.EtrnInvalidParameter).ConfigureAwait(false);
            return false;
        }
        var err = await _server.Restrictions.CheckEtrnAsync(_check, domain, ct).ConfigureAwait(false);
        if (err is not null)
        {
            await ReplyAsync(err).ConfigureAwait(false);
            return false;
        }
        if (!_server.IsFastFlushDomain(domain))
        {
            // flush(8)'s answer for a destination outside fast_flush_domains.
            await ReplyAsync($"459 <{domain}>: service unavailable").ConfigureAwait(false);
            return false;
        }
        if (!_server.TriggerQmgr('F'))
        {
            // Postfix's reply when the flush service cannot be reached.
            await ReplyAsync("458 Unable to queue messages").ConfigureAwait(false);
            return false;
        }
        await ReplyAsync("250 Queuing started").ConfigureAwait(false);
        return true;
    }

    /// <summary>Postfix's valid_hostname(): labels of letters, digits and hyphens, at most 255 bytes.</summary>
    internal static bool IsValidHostname(string name)
    {
        if (name.Length is 0 or > 255)
            return false;
        foreach (var label in name.TrimEnd('.').Split('.'))
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-')
                return false;
            foreach (char c in label)
                if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
                    return false;
        }
        return !name.All(c => char.IsAsciiDigit(c) || c == '.');
    }

    /// <summary>Drops the transaction in progress: the queue file (if any) is removed.</summary>
    private void AbortTransaction()
    {
        _writer?.Abort();
        _writer?.Dispose();
        _writer = null;
        _mail = null;
        _sender = null;
        _recipients.Clear();
        _bdat = null;
        _bdatFailed = false;
        _dataStarted = false;
        _check.ResetTransaction();
        _check.QueueId = null;
        _sequence.Reset();
    }

    /// <summary>client_port, and sasl_method / sasl_username after AUTH (as Postfix's smtpd sends cleanup).</summary>
    private Dictionary<string, string>? EnvelopeAttributes()
    {
        var a = new Dictionary<string, string>();
        if (_clientPort > 0)
            a[Core.Queue.QueueAttributes.ClientPort] = _clientPort.ToString(CultureInfo.InvariantCulture);
        if (_check.SaslUsername is not null)
        {
            a[Core.Queue.QueueAttributes.SaslMethod] = _check.SaslMethod ?? "";
            a[Core.Queue.QueueAttributes.SaslUsername] = _check.SaslUsername;
        }
        return a.Count == 0 ? null : a;
    }

    private CleanupSubmission BuildSubmission()
    {
        var client = new CleanupClient(_check.ClientName, _check.ClientAddressText, _check.HeloName, _esmtp ? "ESMTP" : "SMTP",
            _tls, _check.SaslUsername);
        var p = _mail ?? new MailParameters();
        return new CleanupSubmission(_sender ?? "", _recipients.ToList(), client, _server.HeaderRewrite.IsLocal(client))
        {
            ContentFilter = _s.ContentFilter.Length > 0 ? _s.ContentFilter : null,
            DsnEnvid = p.Envid,
            DsnRet = p.Ret switch { DsnRet.Full => "FULL", DsnRet.Hdrs => "HDRS", _ => null },
            Encoding = p.Body switch { BodyType.EightBitMime => "8bit", BodyType.SevenBit => "7bit", BodyType.BinaryMime => "binary", _ => null },
            SmtpUtf8 = p.SmtpUtf8,
            Attributes = EnvelopeAttributes(),
            Discard = _check.Discard,
            HoldReason = _check.HoldReason,
            Redirect = _check.Redirect,
            Filter = _check.Filter,
            Bcc = _check.Bcc.ToList(),
            Prepend = _check.Prepend.ToList(),
        };
    }
}
