using System.Globalization;
using System.Text;

namespace Posthorn.Services.Smtpd;

/// <summary>
/// The per-command counters smtpd(8) logs at disconnect ("disconnect from name[addr] ehlo=1
/// mail=1 rcpt=0/1 data=0/1 commands=2/4"): success and total per command in Postfix's command
/// table order, "unknown" last (unrecognized and malformed commands), then commands=; a count
/// shows "/total" only when some failed; no commands at all logs "commands=0/0".
/// </summary>
public sealed class SmtpdCommandStats
{
    /// <summary>Postfix's smtpd command table order.</summary>
    public static readonly string[] Names =
        ["helo", "ehlo", "xclient", "xforward", "starttls", "auth", "mail", "rcpt", "data", "bdat", "rset", "noop", "vrfy", "etrn", "quit", "help", "unknown"];

    private readonly int[] _success = new int[Names.Length];
    private readonly int[] _total = new int[Names.Length];

    /// <summary>The index of a command name, "unknown" when not in the table.</summary>
    public static int IndexOf(string name)
    {
        int i = Array.IndexOf(Names, name.ToLowerInvariant());
        return i < 0 ? Names.Length - 1 : i;
    }

    public void Count(string name, bool success)
    {
        int i = IndexOf(name);
        _total[i]++;
        if (success)
            _success[i]++;
    }

    /// <summary>" ehlo=1 mail=1 ... commands=5" (with the leading space).</summary>
    public string Format(bool bareLfNote = false)
    {
        var sb = new StringBuilder();
        int all = 0, allTotal = 0;
        for (int i = 0; i < Names.Length; i++)
        {
            if (_total[i] == 0)
                continue;
            sb.Append(CultureInfo.InvariantCulture, $" {Names[i]}={_success[i]}");
            if (_success[i] != _total[i])
                sb.Append(CultureInfo.InvariantCulture, $"/{_total[i]}");
            all += _success[i];
            allTotal += _total[i];
        }
        sb.Append(CultureInfo.InvariantCulture, $" commands={all}");
        if (all != allTotal || allTotal == 0)
            sb.Append(CultureInfo.InvariantCulture, $"/{allTotal}");
        if (bareLfNote)
            sb.Append(" notes=bare_lf");
        return sb.ToString();
    }
}
