namespace Posthorn.Protocols.Smtp;

/// <summary>
/// The order rules of an SMTP/LMTP mail transaction (RFC 5321 section 4.1.4, RFC 3030 for
/// BDAT), with the replies Postfix's smtpd(8) gives when a client breaks them: MAIL needs
/// HELO/EHLO first when smtpd_helo_required = yes, no nested MAIL, RCPT needs MAIL, DATA and
/// BDAT need an accepted RCPT, no DATA/MAIL/RCPT in the middle of BDAT chunks, at most
/// smtpd_recipient_limit recipients, ETRN and AUTH not inside a
/// transaction. Pure state, no I/O:
/// smtpd asks <see cref="Check"/> before running a command and reports what happened after.
/// </summary>
public sealed class SmtpSequence
{
    private readonly bool _heloRequired;
    private readonly int _recipientLimit;

    /// <param name="heloRequired">smtpd_helo_required.</param>
    /// <param name="recipientLimit">smtpd_recipient_limit (0: no limit).</param>
    public SmtpSequence(bool heloRequired = false, int recipientLimit = 1000)
    {
        _heloRequired = heloRequired;
        _recipientLimit = recipientLimit;
    }

    public static readonly SmtpReply SendHeloFirst = new(503, "5.5.1", "Error: send HELO/EHLO first");
    public static readonly SmtpReply NestedMail = new(503, "5.5.1", "Error: nested MAIL command");
    public static readonly SmtpReply NeedMail = new(503, "5.5.1", "Error: need MAIL command");
    public static readonly SmtpReply NeedRcpt = new(503, "5.5.1", "Error: need RCPT command");
    public static readonly SmtpReply NoValidRecipients = new(554, "5.5.1", "Error: no valid recipients");
    public static readonly SmtpReply DataAfterBdat = new(503, "5.5.1", "Error: DATA after BDAT");
    public static readonly SmtpReply MailAfterBdat = new(503, "5.5.1", "Error: MAIL after BDAT");
    public static readonly SmtpReply RcptAfterBdat = new(503, "5.5.1", "Error: RCPT after BDAT");
    public static readonly SmtpReply TransactionInProgress = new(503, "5.5.1", "Error: MAIL transaction in progress");

    /// <summary>ETRN's replies carry no enhanced status code in Postfix.</summary>
    public static readonly SmtpReply EtrnSendHeloFirst = new(503, null, "Error: send HELO/EHLO first");
    public static readonly SmtpReply EtrnTransactionInProgress = new(503, null, "Error: MAIL transaction in progress");
    public static readonly SmtpReply TooManyRecipients = new(452, "4.5.3", "Error: too many recipients");
    public static readonly SmtpReply AlreadyAuthenticated = new(503, "5.5.1", "Error: already authenticated");
    public static readonly SmtpReply TlsAlreadyActive = new(554, "5.5.1", "Error: TLS already active");

    /// <summary>HELO/EHLO/LHLO was accepted.</summary>
    public bool HeloSeen { get; private set; }

    /// <summary>MAIL FROM was accepted and the transaction is open.</summary>
    public bool InTransaction { get; private set; }

    /// <summary>Recipients accepted in this transaction.</summary>
    public int RecipientCount { get; private set; }

    /// <summary>A BDAT chunk (not LAST) was received: only BDAT, RSET, NOOP, QUIT may follow.</summary>
    public bool InBdat { get; private set; }

    public bool Authenticated { get; private set; }

    public bool TlsActive { get; private set; }

    /// <summary>The reply that refuses <paramref name="verb"/> now, or null when it may run.</summary>
    public SmtpReply? Check(SmtpVerb verb) => verb switch
    {
        SmtpVerb.Mail when InBdat => MailAfterBdat,
        SmtpVerb.Mail when _heloRequired && !HeloSeen => SendHeloFirst,
        SmtpVerb.Mail when InTransaction => NestedMail,
        SmtpVerb.Rcpt when InBdat => RcptAfterBdat,
        SmtpVerb.Rcpt when !InTransaction => NeedMail,
        SmtpVerb.Rcpt when _recipientLimit > 0 && RecipientCount >= _recipientLimit => TooManyRecipients,
        SmtpVerb.Data when InBdat => DataAfterBdat,
        SmtpVerb.Data or SmtpVerb.Bdat when !InTransaction => NeedRcpt,
        SmtpVerb.Data or SmtpVerb.Bdat when RecipientCount == 0 => NoValidRecipients,
        SmtpVerb.Etrn when _heloRequired && !HeloSeen => EtrnSendHeloFirst,
        SmtpVerb.Etrn when InTransaction => EtrnTransactionInProgress,
        SmtpVerb.Auth when _heloRequired && !HeloSeen => SendHeloFirst,
        SmtpVerb.Auth when InTransaction => TransactionInProgress,
        SmtpVerb.Auth when Authenticated => AlreadyAuthenticated,
        SmtpVerb.StartTls when TlsActive => TlsAlreadyActive,
        _ => null,
    };

    /// <summary>HELO/EHLO/LHLO accepted: as RFC 5321 says, it also resets the transaction.</summary>
    public void OnHelo()
    {
        HeloSeen = true;
        Reset();
    }

    public void OnMail()
    {
        InTransaction = true;
        RecipientCount = 0;
    }

    public void OnRcptAccepted() => RecipientCount++;

    /// <summary>A BDAT chunk was read; after LAST (and after DATA) the transaction ends.</summary>
    public void OnBdatChunk(bool last)
    {
        if (last)
            Reset();
        else
            InBdat = true;
    }

    /// <summary>The message was received (DATA ended) or RSET: the transaction closes.</summary>
    public void Reset()
    {
        InTransaction = false;
        InBdat = false;
        RecipientCount = 0;
    }

    public void OnAuthenticated() => Authenticated = true;

    /// <summary>STARTTLS completed: RFC 3207 says the client starts over with EHLO.</summary>
    public void OnTlsStarted()
    {
        TlsActive = true;
        HeloSeen = false;
        Authenticated = false;
        Reset();
    }
}
