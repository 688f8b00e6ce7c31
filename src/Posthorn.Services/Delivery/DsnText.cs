namespace Posthorn.Services.Delivery;

/// <summary>
/// Postfix's dsn_split(): a reason text may start with an RFC 3463 enhanced status code
/// ("5.1.1 User unknown"); split it off, or use the default status when there is none.
/// </summary>
public static class DsnText
{
    public static (string Status, string Text) Split(string defaultStatus, string text)
    {
        var t = text.TrimStart();
        int sp = t.IndexOf(' ', StringComparison.Ordinal);
        var first = sp < 0 ? t : t[..sp];
        if (IsStatus(first) && (first[0] == '4' || first[0] == '5' || first[0] == '2'))
        {
            var rest = sp < 0 ? "" : t[(sp + 1)..].TrimStart();
            return (first, rest.Length == 0 ? DefaultText(first) : rest);
        }
        return (defaultStatus, t.Length == 0 ? DefaultText(defaultStatus) : t);
    }

    public static bool IsStatus(string s)
    {
        var parts = s.Split('.');
        return parts.Length == 3 && parts[0].Length == 1 && char.IsAsciiDigit(parts[0][0])
            && parts.Skip(1).All(p => p.Length is >= 1 and <= 3 && p.All(char.IsAsciiDigit));
    }

    private static string DefaultText(string status) => status[0] switch
    {
        '2' => "Success",
        '4' => "Temporary failure",
        _ => "Unknown error",
    };
}
