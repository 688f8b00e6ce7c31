namespace Posthorn.Services.Smtpd.Restrictions;

/// <summary>
/// DSN status helpers as smtpd uses them: dsn_split() takes an optional leading "X.Y.Z " from a
/// reply text, and smtpd_dsn_fix() turns an address-status code (X.1.Y) into the sender or
/// recipient flavour of the stage that rejects.
/// </summary>
internal static class SmtpdDsn
{
    /// <summary>Splits "5.7.1 text" into its status and text; otherwise the default status and the whole text.</summary>
    public static (string Status, string Text) Split(string defaultStatus, string text)
    {
        var t = text.TrimStart();
        if (t.Length >= 5 && IsValid(t.AsSpan(0, Math.Max(5, t.IndexOf(' ') < 0 ? t.Length : t.IndexOf(' ')))))
        {
            int sp = t.IndexOf(' ');
            return sp < 0 ? (t, "") : (t[..sp], t[(sp + 1)..].TrimStart());
        }
        return (defaultStatus, t);
    }

    /// <summary>X.Y.Z with X in 2, 4, 5; Y up to 3 digits; Z up to 3 digits.</summary>
    public static bool IsValid(ReadOnlySpan<char> s)
    {
        if (s.Length < 5 || (s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.')
            return false;
        var rest = s[2..];
        int dot = rest.IndexOf('.');
        if (dot < 1 || dot > 3)
            return false;
        var a = rest[..dot];
        var b = rest[(dot + 1)..];
        if (b.Length < 1 || b.Length > 3)
            return false;
        foreach (var c in a)
            if (!char.IsAsciiDigit(c))
                return false;
        foreach (var c in b)
            if (!char.IsAsciiDigit(c))
                return false;
        return true;
    }

    private static readonly (string Micro, string Sender, string Recipient)[] Map =
    [
        ("1", "4.1.7", "4.1.1"),
        ("2", "4.1.8", "4.1.2"),
        ("3", "4.1.7", "4.1.3"),
        ("4", "4.1.7", "4.1.4"),
        ("5", "4.1.0", "4.1.5"),
        ("6", "4.1.7", "4.1.6"),
        ("7", "4.1.7", "4.1.3"),
        ("8", "4.1.8", "4.1.2"),
    ];

    public static string Fix(string status, string replyClass)
    {
        if (status.Length < 5 || !char.IsAsciiDigit(status[0]) || string.CompareOrdinal(status, 1, ".1.", 0, 3) != 0)
            return status;
        var micro = status[4..];
        string result;
        if (replyClass == ReplyClass.Sender)
            result = Map.FirstOrDefault(m => m.Micro == micro).Sender ?? "4.1.0";
        else if (replyClass == ReplyClass.Recipient)
            result = Map.FirstOrDefault(m => m.Micro == micro).Recipient ?? "4.1.0";
        else
            result = "4.0.0";
        return status[0] + result[1..];
    }
}

/// <summary>The names smtpd uses for what it rejects ("Client host rejected: ...").</summary>
public static class ReplyClass
{
    public const string Client = "Client host";
    public const string ReverseClient = "Unverified Client host";
    public const string Helo = "Helo command";
    public const string Sender = "Sender address";
    public const string Recipient = "Recipient address";
    public const string Etrn = "Etrn command";
    public const string Data = "Data command";
    public const string EndOfData = "End-of-data";
}
