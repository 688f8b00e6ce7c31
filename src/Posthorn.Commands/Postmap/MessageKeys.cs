using System.Text;

namespace Posthorn.Commands.Postmap;

/// <summary>
/// Lookup keys from a message on standard input for <c>postmap -h -q -</c> and <c>-b -q -</c>
/// (postmap(1)): each logical header line (continuation lines kept with their newlines) with
/// <c>-h</c>, each body line with <c>-b</c>. MIME parts are not told apart (<c>-m</c> is accepted).
/// </summary>
internal static class MessageKeys
{
    public static IEnumerable<string> Read(TextReader input, bool headers, bool body)
    {
        StringBuilder? header = null;
        bool inBody = false;
        string? line;
        while ((line = input.ReadLine()) is not null)
        {
            if (inBody)
            {
                if (body)
                    yield return line;
                continue;
            }
            if (line.Length > 0 && (line[0] == ' ' || line[0] == '\t') && header is not null)
            {
                header.Append('\n').Append(line);
                continue;
            }
            if (header is not null && headers)
                yield return header.ToString();
            header = null;
            if (line.Length == 0 || !LooksLikeHeader(line))
            {
                inBody = true;
                if (line.Length > 0 && body)
                    yield return line;
                continue;
            }
            header = new StringBuilder(line);
        }
        if (header is not null && headers)
            yield return header.ToString();
    }

    private static bool LooksLikeHeader(string line)
    {
        int colon = line.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
            return false;
        for (int i = 0; i < colon; i++)
        {
            if (line[i] <= ' ' || line[i] > '~')
                return false;
        }
        return true;
    }
}
