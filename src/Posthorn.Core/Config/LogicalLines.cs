namespace Posthorn.Core.Config;

/// <summary>
/// The logical-line rules Postfix's readlline() applies to main.cf, master.cf and table source
/// files: a logical line starts with non-whitespace text; a following line that starts with
/// whitespace continues it (the newline is dropped, the continuation's text is kept as it is);
/// empty lines and lines whose first non-whitespace character is '#' are skipped, also between
/// continuation lines. Text that starts with whitespace where no logical line is open draws
/// the warning "logical line must not start with whitespace" and is skipped.
/// </summary>
public static class LogicalLines
{
    /// <summary>Yields (first physical line number, logical line) pairs, surrounding whitespace trimmed.</summary>
    public static IEnumerable<(int Line, string Text)> Read(string text) => Read(text, null);

    /// <summary>As <see cref="Read(string)"/>; <paramref name="warn"/> receives the text of a skipped line.</summary>
    public static IEnumerable<(int Line, string Text)> Read(string text, Action<int, string>? warn)
    {
        var lines = text.Split('\n');
        System.Text.StringBuilder? current = null;
        int start = 0;
        bool orphan = false;
        for (int i = 0; i < lines.Length; i++)
        {
            var raw = lines[i].EndsWith('\r') ? lines[i][..^1] : lines[i];
            var trimmed = raw.TrimStart();
            if (trimmed.Length == 0 || trimmed[0] == '#')
                continue;
            bool continuation = char.IsWhiteSpace(raw[0]);
            if (continuation)
            {
                if (current is not null)
                    current.Append(raw);
                else if (!orphan)
                {
                    warn?.Invoke(i + 1, raw);
                    orphan = true;
                }
                continue;
            }
            orphan = false;
            if (current is not null)
                yield return (start, current.ToString().Trim());
            current = new System.Text.StringBuilder(raw);
            start = i + 1;
        }
        if (current is not null)
            yield return (start, current.ToString().Trim());
    }
}
