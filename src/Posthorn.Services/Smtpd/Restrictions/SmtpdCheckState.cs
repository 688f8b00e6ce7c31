using System.Net;

namespace Posthorn.Services.Smtpd.Restrictions;

/// <summary>
/// What the restrictions see of one SMTP session (Postfix's SMTPD_STATE, the parts smtpd_check
/// reads), plus what evaluating them leaves behind for the session: a DISCARD, HOLD, FILTER,
/// REDIRECT, BCC or PREPEND from an access table, and the deferred decisions of
/// defer_if_permit / defer_if_reject. The session owns one instance and updates the facts as
/// commands arrive.
/// </summary>
public sealed class SmtpdCheckState
{
    public SmtpdCheckState(string clientName, IPAddress clientAddress, string? reverseClientName = null)
    {
        ClientName = clientName;
        ReverseClientName = reverseClientName ?? clientName;
        ClientAddress = clientAddress.IsIPv4MappedToIPv6 ? clientAddress.MapToIPv4() : clientAddress;
        ClientAddressText = ClientAddress.ToString();
    }

    /// <summary>The verified client host name, or "unknown".</summary>
    public string ClientName { get; set; }

    /// <summary>The unverified reverse name, or "unknown".</summary>
    public string ReverseClientName { get; set; }

    /// <summary>Why the client name is "unknown": OK, temporary (4) or permanent (5) lookup failure.</summary>
    public PeerNameStatus ClientNameStatus { get; set; } = PeerNameStatus.Ok;

    public PeerNameStatus ReverseNameStatus { get; set; } = PeerNameStatus.Ok;

    public IPAddress ClientAddress { get; }

    public string ClientAddressText { get; }

    /// <summary>"name[address]", as Postfix logs a client.</summary>
    public string NameAddress => $"{ClientName}[{ClientAddressText}]";

    public string? HeloName { get; set; }

    /// <summary>The envelope sender: null before MAIL FROM, "" for the null sender.</summary>
    public string? Sender { get; set; }

    public string? Recipient { get; set; }

    public int RecipientCount { get; set; }

    /// <summary>SMTP or ESMTP (ESMTPS, ESMTPA ... are for Received: headers, not logging here).</summary>
    public string Protocol { get; set; } = "SMTP";

    /// <summary>The stage being checked: CONNECT, HELO, EHLO, MAIL, RCPT, DATA, END-OF-MESSAGE, ETRN, VRFY.</summary>
    public string Where { get; set; } = "CONNECT";

    public string? QueueId { get; set; }

    public string? SaslMethod { get; set; }

    public string? SaslUsername { get; set; }

    public string? SaslSender { get; set; }

    public bool TlsActive { get; set; }

    /// <summary>An access table said HANGUP: the session drops the connection.</summary>
    public bool Hangup { get; set; }

    /// <summary>The ETRN domain being checked.</summary>
    public string? EtrnName { get; set; }

    /// <summary>The reply text of the last rejection (Postfix's error_text).</summary>
    internal string ErrorText { get; set; } = "";

    /// <summary>The error classes of the rejections so far (Postfix's error_mask), for notify_classes notices.</summary>
    internal HashSet<ErrorClass> Errors { get; } = [];

    /// <summary>The client sent commands ahead of replies where PIPELINING does not allow it.</summary>
    public bool IllegalPipelining { get; set; }

    // Results an access table leaves for the session and cleanup.
    public bool Discard { get; set; }

    public string? HoldReason { get; set; }

    public string? Filter { get; set; }

    public string? Redirect { get; set; }

    public List<string> Bcc { get; } = [];

    public List<string> Prepend { get; } = [];

    // Evaluation state (smtpd_check's recursion, warn_if_reject, defer_if_*).
    internal int Recursion { get; set; }

    internal int WarnIfReject { get; set; }

    internal DeferredDecision DeferIfPermit { get; } = new();

    internal DeferredDecision DeferIfReject { get; } = new();

    internal bool DeferIfPermitClient { get; set; }

    internal bool DeferIfPermitHelo { get; set; }

    internal bool DeferIfPermitSender { get; set; }

    internal bool SenderRcptMapChecked { get; set; }

    internal bool RecipientRcptMapChecked { get; set; }

    /// <summary>Forget the per-transaction results (RSET, or a new MAIL FROM).</summary>
    public void ResetTransaction()
    {
        Sender = null;
        Recipient = null;
        RecipientCount = 0;
        Discard = false;
        HoldReason = null;
        Filter = null;
        Redirect = null;
        Bcc.Clear();
        Prepend.Clear();
        DeferIfPermitSender = false;
    }
}

/// <summary>The outcome of a client name lookup, as smtpd's SMTPD_PEER_CODE_*.</summary>
public enum PeerNameStatus
{
    Ok,
    Temporary,
    Permanent,
    Forged,
}

/// <summary>A decision postponed by defer_if_permit or defer_if_reject; the first reason wins.</summary>
internal sealed class DeferredDecision
{
    public bool Active { get; set; }

    public int Code { get; private set; }

    public string Dsn { get; private set; } = "";

    public string Reason { get; private set; } = "";

    public ErrorClass Class { get; private set; }

    public void Set(ErrorClass cls, int code, string dsn, string reason)
    {
        if (Active)
            return;
        Active = true;
        Class = cls;
        Code = code;
        Dsn = dsn;
        Reason = reason;
    }
}

/// <summary>Postfix's MAIL_ERROR_* classes, which decide what warn_if_reject may soften and what notify_classes reports.</summary>
public enum ErrorClass
{
    Policy,
    Protocol,
    Bounce,
    Software,
    Resource,
    Data,
}
