using System.Text;

namespace Posthorn.Services.Cleanup;

/// <summary>
/// Finds the addresses in an address-list header value (From, To, Cc, Sender, Reply-To,
/// Resent-*) the way Postfix's tok822_parse()/tok822_grep(TOK822_ADDR) does — the route-addr
/// inside <c>&lt;&gt;</c>, or the bare addr-spec of a mailbox; group names are not addresses —
/// and rewrites each one in place, keeping display names, comments and folding. Only the first
/// <c>header_address_token_limit</c> tokens are parsed; when an address was rewritten, text
/// past that limit is dropped as Postfix drops it.
/// </summary>
internal static class HeaderAddressList
{
    /// <summary>An address found in a value: the token range it spans.</summary>
    private readonly record struct Span(int FirstToken, int LastToken);

    /// <summary>The addresses in a header value, in internal (unquoted) form.</summary>
    public static List<string> Extract(string value, int tokenLimit = int.MaxValue)
    {
        var tokens = Rfc822Tokens.Scan(value, tokenLimit);
        return Find(tokens).Select(s => Rfc822Tokens.Unquote(Text(value, tokens, s))).ToList();
    }

    /// <summary>
    /// Applies <paramref name="rewrite"/> (internal form in, internal form out) to each address;
    /// returns the new value, or null when no address changed.
    /// </summary>
    public static string? Rewrite(string value, Func<string, string> rewrite, int tokenLimit)
    {
        var tokens = Rfc822Tokens.Scan(value, tokenLimit);
        bool truncated = tokens.Count > 0 && tokens[^1].End < value.Length;
        var sb = new StringBuilder(value.Length + 16);
        int copied = 0;
        bool changed = false;
        foreach (var span in Find(tokens))
        {
            var external = Text(value, tokens, span);
            var rewritten = Rfc822Tokens.Quote(rewrite(Rfc822Tokens.Unquote(external)));
            if (rewritten == external)
                continue;
            changed = true;
            int start = tokens[span.FirstToken].Start;
            sb.Append(value, copied, start - copied).Append(rewritten);
            copied = tokens[span.LastToken].End;
        }
        if (!changed)
            return null;
        int end = truncated ? tokens[^1].End : value.Length;
        sb.Append(value, copied, end - copied);
        return sb.ToString();
    }

    /// <summary>The address text without comments; words separated by white space keep one space, as tok822 externalizes them.</summary>
    private static string Text(string value, List<Rfc822Token> tokens, Span span)
    {
        var sb = new StringBuilder();
        bool space = false;
        bool lastWord = false;
        for (int i = span.FirstToken; i <= span.LastToken; i++)
        {
            var t = tokens[i];
            if (t.Kind is Rfc822TokenKind.Space or Rfc822TokenKind.Comment)
            {
                space = true;
                continue;
            }
            bool word = t.Kind is Rfc822TokenKind.Atom or Rfc822TokenKind.QuotedString;
            if (space && word && lastWord)
                sb.Append(' ');
            sb.Append(value, t.Start, t.Length);
            space = false;
            lastWord = word;
        }
        return sb.ToString();
    }

    private static List<Span> Find(List<Rfc822Token> tokens)
    {
        var list = new List<Span>();
        int segmentStart = 0;
        int angleOpen = -1;
        bool sawAngle = false;
        for (int i = 0; i <= tokens.Count; i++)
        {
            char c = i == tokens.Count ? ',' : tokens[i].Special;
            if (angleOpen >= 0)
            {
                if (c == '>')
                {
                    AddRouteAddr(tokens, angleOpen + 1, i - 1, list);
                    angleOpen = -1;
                    sawAngle = true;
                }
                else if (i == tokens.Count)
                {
                    AddRouteAddr(tokens, angleOpen + 1, i - 1, list);
                }
                continue;
            }
            if (c == '<')
            {
                angleOpen = i;
                continue;
            }
            if (c is not (',' or ';' or ':'))
                continue;
            if (!sawAngle && c != ':')
                AddSpan(tokens, segmentStart, i - 1, list);
            segmentStart = i + 1;
            sawAngle = false;
        }
        return list;
    }

    private static void AddRouteAddr(List<Rfc822Token> tokens, int first, int last, List<Span> list)
    {
        // A source route "@a,@b:" before the mailbox is not part of the address.
        for (int i = first; i <= last; i++)
        {
            if (tokens[i].Special == ':')
            {
                first = i + 1;
                break;
            }
        }
        AddSpan(tokens, first, last, list);
    }

    private static void AddSpan(List<Rfc822Token> tokens, int first, int last, List<Span> list)
    {
        while (first <= last && tokens[first].Kind is Rfc822TokenKind.Space or Rfc822TokenKind.Comment)
            first++;
        while (last >= first && tokens[last].Kind is Rfc822TokenKind.Space or Rfc822TokenKind.Comment)
            last--;
        if (first <= last)
            list.Add(new Span(first, last));
    }
}
