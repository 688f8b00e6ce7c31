using System.Globalization;

namespace Posthorn.Core.Users;

/// <summary>
/// Parses Dovecot's passwd-file format (doc.dovecot.org, "Passwd-file"): one user per line,
/// <c>user:password:uid:gid:gecos:home:shell:extra_fields</c>; trailing fields may be left out;
/// fields after the eighth are joined back with ':' into the extra fields; '#' lines and blank
/// lines are ignored. A bad line (no user name, non-numeric uid or gid, a duplicate user) is
/// skipped with a <c>FILE:LINE: problem</c> warning, as Postfix reports table errors, and
/// never stops the rest of the file from loading. User names are matched case-insensitively
/// (Dovecot's default <c>auth_username_format = %Lu</c>).
/// </summary>
public static class PasswdFile
{
    /// <summary>Parses text; <paramref name="source"/> names the file in warnings.</summary>
    public static UserDatabase Parse(string text, string source)
    {
        var users = new Dictionary<string, UserEntry>(StringComparer.OrdinalIgnoreCase);
        var warnings = new List<string>();
        int lineNo = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNo++;
            var line = raw.TrimEnd('\r');
            if (line.Trim().Length == 0 || line.TrimStart().StartsWith('#'))
                continue;
            var where = $"{source}:{lineNo}";
            var entry = ParseLine(line, where, out var problem);
            if (entry is null)
            {
                warnings.Add($"{where}: {problem}; line ignored");
                continue;
            }
            if (!users.TryAdd(entry.User, entry))
                warnings.Add($"{where}: duplicate entry for user \"{entry.User}\"; line ignored");
        }
        return new UserDatabase(users, warnings, source);
    }

    /// <summary>Reads and parses a file. A missing or unreadable file is an <see cref="IOException"/>.</summary>
    public static UserDatabase Load(string path) => Parse(File.ReadAllText(path), path);

    private static UserEntry? ParseLine(string line, string where, out string problem)
    {
        var f = line.Split(':');
        problem = "";
        var user = f[0].Trim();
        if (user.Length == 0)
        {
            problem = "missing user name";
            return null;
        }
        if (user.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            problem = $"bad user name \"{user}\"";
            return null;
        }
        if (f.Length < 2)
        {
            problem = "missing ':' after user name";
            return null;
        }
        string Field(int i) => i < f.Length ? f[i] : "";
        if (!TryId(Field(2), out var uid))
        {
            problem = $"bad uid \"{Field(2)}\"";
            return null;
        }
        if (!TryId(Field(3), out var gid))
        {
            problem = $"bad gid \"{Field(3)}\"";
            return null;
        }
        var extra = f.Length > 7 ? string.Join(':', f[7..]) : "";
        return new UserEntry(user, Field(1), uid, gid, Field(4), Field(5), Field(6), ParseExtra(extra), where);
    }

    private static bool TryId(string text, out int? id)
    {
        id = null;
        if (text.Length == 0)
            return true;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var v))
            return false;
        id = v;
        return true;
    }

    /// <summary>Space-separated <c>key=value</c> pairs; a bare key maps to "".</summary>
    internal static Dictionary<string, string> ParseExtra(string text)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in text.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int eq = item.IndexOf('=', StringComparison.Ordinal);
            if (eq < 0)
                d[item] = "";
            else
                d[item[..eq]] = item[(eq + 1)..];
        }
        return d;
    }
}
