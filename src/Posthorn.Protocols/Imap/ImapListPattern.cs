namespace Posthorn.Protocols.Imap;

/// <summary>
/// LIST/LSUB pattern matching (RFC 3501 section 6.3.8, RFC 9051 6.3.9): the reference and the
/// mailbox pattern are joined, then "*" matches any characters and "%" any characters except the
/// hierarchy separator. "INBOX" matches case-insensitively. Matching simulates the pattern as a
/// small automaton, so its cost is bounded by name length times pattern length; patterns longer
/// than <see cref="MaxPatternLength"/> match nothing.
/// </summary>
public sealed class ImapListPattern
{
    /// <summary>The longest pattern accepted.</summary>
    public const int MaxPatternLength = 1024;

    private readonly string _pattern;
    private readonly char _separator;

    /// <summary>Builds the canonical pattern from LIST's reference and mailbox arguments.</summary>
    public ImapListPattern(string reference, string pattern, char separator)
    {
        _separator = separator;
        _pattern = reference.Length == 0 || pattern.StartsWith(separator) ? pattern : reference + pattern;
        if (_pattern.StartsWith("INBOX", StringComparison.OrdinalIgnoreCase) && (_pattern.Length == 5 || _pattern[5] == separator))
        {
            _pattern = "INBOX" + _pattern[5..];
        }
    }

    /// <summary>The joined pattern.</summary>
    public string Pattern => _pattern;

    /// <summary>True when the mailbox name matches.</summary>
    public bool Matches(string name)
    {
        if (_pattern.Length > MaxPatternLength)
        {
            return false;
        }

        if (name.StartsWith("INBOX", StringComparison.OrdinalIgnoreCase) && (name.Length == 5 || name[5] == _separator))
        {
            name = "INBOX" + name[5..];
        }

        var m = _pattern.Length;
        var states = new bool[m + 1];
        var next = new bool[m + 1];
        states[0] = true;
        Close(states);
        foreach (var c in name)
        {
            Array.Clear(next);
            var any = false;
            for (var i = 0; i < m; i++)
            {
                if (!states[i])
                {
                    continue;
                }

                var p = _pattern[i];
                if (p == '*' || (p == '%' && c != _separator))
                {
                    next[i] = true; // the wildcard absorbs c and stays
                    any = true;
                }
                else if (p == c)
                {
                    next[i + 1] = true;
                    any = true;
                }
            }

            if (!any)
            {
                return false;
            }

            Close(next);
            (states, next) = (next, states);
        }

        return states[m];
    }

    /// <summary>Wildcards may match nothing: a state on a wildcard also reaches the state after it.</summary>
    private void Close(bool[] states)
    {
        for (var i = 0; i < _pattern.Length; i++)
        {
            if (states[i] && _pattern[i] is '*' or '%')
            {
                states[i + 1] = true;
            }
        }
    }
}
