using System.Text;

namespace Posthorn.Services.Cleanup;

/// <summary>The kinds of RFC 5322 lexical tokens Postfix's tok822 parser knows.</summary>
internal enum Rfc822TokenKind
{
    Space,
    Comment,
    QuotedString,
    DomainLiteral,
    Atom,
    Special,
}

/// <summary>One token: its kind and where it lies in the header value.</summary>
internal readonly record struct Rfc822Token(Rfc822TokenKind Kind, int Start, int Length, char Special = '\0')
{
    public int End => Start + Length;
}

/// <summary>
/// An RFC 5322 tokenizer in the manner of Postfix's tok822_scan(): atoms, quoted strings,
/// (nested) comments, domain literals and the specials <c>()&lt;&gt;@,;:\".[]</c>. Unterminated
/// quotes, comments and literals run to the end of the text, as Postfix's parser accepts them.
/// </summary>
internal static class Rfc822Tokens
{
    private const string Specials = "()<>@,;:\\\".[]";

    public static List<Rfc822Token> Scan(string text, int limit = int.MaxValue)
    {
        var tokens = new List<Rfc822Token>();
        int i = 0;
        while (i < text.Length && tokens.Count < limit)
        {
            int start = i;
            char c = text[i];
            if (char.IsWhiteSpace(c))
            {
                while (i < text.Length && char.IsWhiteSpace(text[i]))
                    i++;
                tokens.Add(new(Rfc822TokenKind.Space, start, i - start));
            }
            else if (c == '(')
            {
                int depth = 0;
                for (; i < text.Length; i++)
                {
                    if (text[i] == '\\') { i++; continue; }
                    if (text[i] == '(') depth++;
                    else if (text[i] == ')' && --depth == 0) { i++; break; }
                }
                tokens.Add(new(Rfc822TokenKind.Comment, start, Math.Min(i, text.Length) - start));
            }
            else if (c == '"' || c == '[')
            {
                char close = c == '"' ? '"' : ']';
                for (i++; i < text.Length; i++)
                {
                    if (text[i] == '\\') { i++; continue; }
                    if (text[i] == close) { i++; break; }
                }
                tokens.Add(new(c == '"' ? Rfc822TokenKind.QuotedString : Rfc822TokenKind.DomainLiteral, start, Math.Min(i, text.Length) - start));
            }
            else if (Specials.Contains(c, StringComparison.Ordinal))
            {
                i++;
                tokens.Add(new(Rfc822TokenKind.Special, start, 1, c));
            }
            else
            {
                while (i < text.Length && !char.IsWhiteSpace(text[i]) && !Specials.Contains(text[i], StringComparison.Ordinal))
                    i++;
                tokens.Add(new(Rfc822TokenKind.Atom, start, i - start));
            }
        }
        return tokens;
    }

    /// <summary>Postfix's unquote_822_local(): the internal form of an address (quotes removed from the local part).</summary>
    public static string Unquote(string external)
    {
        if (!external.Contains('"', StringComparison.Ordinal) && !external.Contains('\\', StringComparison.Ordinal))
            return external;
        int at = external.LastIndexOf('@');
        if (at >= 0 && external.IndexOf('"', at) >= 0)
            at = -1;
        var local = at < 0 ? external : external[..at];
        var sb = new StringBuilder(external.Length);
        for (int i = 0; i < local.Length; i++)
        {
            char c = local[i];
            if (c == '"')
                continue;
            if (c == '\\' && i + 1 < local.Length)
                c = local[++i];
            sb.Append(c);
        }
        if (at >= 0)
            sb.Append(external, at, external.Length - at);
        return sb.ToString();
    }

    /// <summary>Postfix's quote_822_local(): quotes a local part that is not a dot-atom.</summary>
    public static string Quote(string internalForm)
    {
        int at = internalForm.LastIndexOf('@');
        var local = at < 0 ? internalForm : internalForm[..at];
        if (local.Length == 0 || IsDotAtom(local))
            return internalForm;
        var sb = new StringBuilder(internalForm.Length + 4).Append('"');
        foreach (char c in local)
        {
            if (c == '"' || c == '\\')
                sb.Append('\\');
            sb.Append(c);
        }
        sb.Append('"');
        if (at >= 0)
            sb.Append(internalForm, at, internalForm.Length - at);
        return sb.ToString();
    }

    private static bool IsDotAtom(string local)
    {
        if (local[0] == '.' || local[^1] == '.' || local.Contains("..", StringComparison.Ordinal))
            return false;
        foreach (char c in local)
        {
            if (c <= ' ' || c == 127 || (c != '.' && Specials.Contains(c, StringComparison.Ordinal)))
                return false;
        }
        return true;
    }
}
