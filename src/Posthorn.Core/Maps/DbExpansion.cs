using System.Text;

namespace Posthorn.Core.Maps;

/// <summary>
/// The <c>%</c> expansions of Postfix's SQL and LDAP tables (sqlite_table(5), db_common):
/// <c>%%</c>, <c>%s</c> the key, <c>%u</c> its local part (the whole key without <c>@</c>),
/// <c>%d</c> its domain, <c>%1</c>..<c>%9</c> domain labels from the right; in result_format
/// <c>%S %U %D</c> and the same digits refer to the input key. A part that does not exist
/// (no domain for <c>%d</c>, an empty local part, too few labels) suppresses the query or
/// the result: <see cref="Expand"/> returns null.
/// </summary>
internal static class DbExpansion
{
    public static string QuoteSql(string s) => s.Replace("'", "''", StringComparison.Ordinal);

    public static string? Expand(string format, string value, string? inputKey, Func<string, string> quote)
    {
        var sb = new StringBuilder(format.Length + value.Length);
        for (int i = 0; i < format.Length; i++)
        {
            char c = format[i];
            if (c != '%' || i + 1 >= format.Length)
            {
                sb.Append(c);
                continue;
            }
            char d = format[++i];
            bool input = char.IsUpper(d) && inputKey is not null;
            var subject = input ? inputKey! : value;
            int at = subject.LastIndexOf('@');
            switch (char.ToLowerInvariant(d))
            {
                case '%':
                    sb.Append('%');
                    break;
                case 's':
                    sb.Append(quote(subject));
                    break;
                case 'u':
                    if (at == 0)
                        return null;
                    sb.Append(quote(at < 0 ? subject : subject[..at]));
                    break;
                case 'd':
                    if (at < 0 || at == subject.Length - 1)
                        return null;
                    sb.Append(quote(subject[(at + 1)..]));
                    break;
                case >= '1' and <= '9':
                    {
                        if (at < 0)
                            return null;
                        var labels = subject[(at + 1)..].Split('.');
                        int n = d - '0';
                        if (n > labels.Length)
                            return null;
                        sb.Append(quote(labels[^n]));
                        break;
                    }
                default:
                    sb.Append('%').Append(d);
                    break;
            }
        }
        return sb.ToString();
    }
}

/// <summary>
/// The <c>name = value</c> configuration files of database tables (sqlite_table(5)):
/// comments and blank lines skipped, continuation lines joined, the last definition wins.
/// </summary>
internal sealed class DbConfigFile
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public string? Get(string name) => _values.TryGetValue(name, out var v) ? v : null;

    public static DbConfigFile Load(string path, Action<string> warn)
    {
        var cf = new DbConfigFile();
        TextReader reader;
        try
        {
            reader = new StreamReader(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TableOpenException($"open {path}: {Errors.Describe(e)}");
        }
        using (reader)
        {
            foreach (var line in SourceLines.Read(reader))
            {
                int eq = line.Text.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0)
                {
                    warn($"{path}, line {line.Number}: missing '=' after attribute name: \"{line.Text.Trim()}\"");
                    continue;
                }
                cf._values[line.Text[..eq].Trim()] = line.Text[(eq + 1)..].Trim();
            }
        }
        return cf;
    }
}
