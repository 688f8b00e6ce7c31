using System.Text;

namespace Posthorn.Core.Maps;

/// <summary>
/// Splits Postfix's brace-grouped lists (<c>inline:{ a=1, { b = x, y } }</c>,
/// <c>unionmap:{ type:name, ... }</c>): items are separated by commas or whitespace outside
/// braces, and an item wrapped in <c>{ }</c> keeps its commas and spaces (the braces and the
/// whitespace just inside them are removed).
/// </summary>
public static class BraceList
{
    /// <summary>The text inside one pair of outer braces, or null when the braces are missing or unbalanced.</summary>
    public static string? Inner(string text)
    {
        var t = text.Trim();
        if (t.Length < 2 || t[0] != '{' || t[^1] != '}')
            return null;
        return Balanced(t) ? t[1..^1] : null;
    }

    public static bool Balanced(string text)
    {
        int depth = 0;
        foreach (var c in text)
        {
            if (c == '{')
                depth++;
            else if (c == '}' && --depth < 0)
                return false;
        }
        return depth == 0;
    }

    public static List<string> Split(string text)
    {
        var items = new List<string>();
        var cur = new StringBuilder();
        int depth = 0;
        foreach (var c in text)
        {
            if (depth == 0 && (c == ',' || char.IsWhiteSpace(c)))
            {
                Flush();
                continue;
            }
            if (c == '{')
                depth++;
            else if (c == '}')
                depth--;
            cur.Append(c);
        }
        Flush();
        return items;

        void Flush()
        {
            if (cur.Length == 0)
                return;
            var item = cur.ToString();
            cur.Clear();
            if (item.StartsWith('{') && item.EndsWith('}') && item.Length >= 2)
                item = item[1..^1].Trim();
            items.Add(item);
        }
    }
}
