namespace Posthorn.Services.Cleanup;

/// <summary>The class of a header block, deciding which *_header_checks apply.</summary>
internal enum HeaderClass
{
    /// <summary>The message's own headers: header_checks (MIME headers: mime_header_checks).</summary>
    Primary,

    /// <summary>The headers of a multipart body part: mime_header_checks.</summary>
    Multipart,

    /// <summary>The headers of an attached message/rfc822: nested_header_checks (MIME headers: mime_header_checks).</summary>
    Nested,
}

/// <summary>
/// Follows the MIME structure of a message line by line, as Postfix's mime_state does for
/// cleanup(8), so that header checks know which header blocks are MIME part headers or
/// attached-message headers. multipart/* bodies are split at their boundaries; a
/// message/rfc822 part (and each part of multipart/digest) starts a nested header block.
/// Boundaries are cut to mime_boundary_length_limit and matched as prefixes; nesting deeper
/// than mime_nesting_limit is treated as plain body text;
/// disable_mime_input_processing turns all of this off.
/// </summary>
internal sealed class MimeTracker
{
    private readonly bool _disabled;
    private readonly int _nestingLimit;
    private readonly List<(string Boundary, bool Digest)> _stack = [];
    private string _type = "text/plain";
    private string? _boundary;

    private readonly int _boundaryLimit;

    public MimeTracker(bool disabled, int nestingLimit, int boundaryLimit)
    {
        _disabled = disabled;
        _nestingLimit = nestingLimit;
        _boundaryLimit = boundaryLimit;
    }

    /// <summary>True while the lines are part or nested-message headers (after the primary headers).</summary>
    public bool InHeaderBlock { get; private set; }

    public HeaderClass BlockClass { get; private set; } = HeaderClass.Primary;

    /// <summary>Notes a complete logical header of the current header block.</summary>
    public void OnHeader(string header)
    {
        if (_disabled || !HeaderOptions.NameOf(header).Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
            return;
        var value = header[(header.IndexOf(':', StringComparison.Ordinal) + 1)..].Replace('\n', ' ').Trim();
        int semi = value.IndexOf(';', StringComparison.Ordinal);
        _type = (semi < 0 ? value : value[..semi]).Trim().ToLowerInvariant();
        _boundary = semi < 0 ? null : Parameter(value[(semi + 1)..], "boundary");
    }

    /// <summary>The current header block ended (its blank line, or a non-header line).</summary>
    public void EndOfHeaderBlock()
    {
        InHeaderBlock = false;
        if (_disabled)
            return;
        if (_type.StartsWith("multipart/", StringComparison.Ordinal) && _boundary is { Length: > 0 } && _stack.Count < _nestingLimit)
        {
            var boundary = _boundaryLimit > 0 && _boundary.Length > _boundaryLimit ? _boundary[.._boundaryLimit] : _boundary;
            _stack.Add((boundary, _type == "multipart/digest"));
        }
        else if (_type == "message/rfc822" && _stack.Count < _nestingLimit)
        {
            StartBlock(HeaderClass.Nested, "text/plain");
        }
    }

    /// <summary>A body line: returns true when it is a boundary line (which may start a part's header block).</summary>
    public bool OnBodyLine(string line)
    {
        if (_disabled || _stack.Count == 0 || !line.StartsWith("--", StringComparison.Ordinal))
            return false;
        for (int i = _stack.Count - 1; i >= 0; i--)
        {
            var (boundary, digest) = _stack[i];
            if (string.CompareOrdinal(line, 2, boundary, 0, boundary.Length) != 0 || line.Length < boundary.Length + 2)
                continue;
            bool close = line.Length >= boundary.Length + 4 && line.AsSpan(boundary.Length + 2, 2).SequenceEqual("--");
            _stack.RemoveRange(close ? i : i + 1, _stack.Count - (close ? i : i + 1));
            if (!close)
                StartBlock(HeaderClass.Multipart, digest ? "message/rfc822" : "text/plain");
            return true;
        }
        return false;
    }

    private void StartBlock(HeaderClass cls, string defaultType)
    {
        InHeaderBlock = true;
        BlockClass = cls;
        _type = defaultType;
        _boundary = null;
    }

    private static string? Parameter(string parameters, string name)
    {
        foreach (var part in SplitParameters(parameters))
        {
            int eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq < 0 || !part[..eq].Trim().Equals(name, StringComparison.OrdinalIgnoreCase))
                continue;
            var v = part[(eq + 1)..].Trim();
            if (v.Length >= 2 && v[0] == '"' && v[^1] == '"')
                v = v[1..^1].Replace("\\\"", "\"", StringComparison.Ordinal);
            return v;
        }
        return null;
    }

    private static IEnumerable<string> SplitParameters(string s)
    {
        int start = 0;
        bool quoted = false;
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] == '"') quoted = !quoted;
            else if (s[i] == ';' && !quoted)
            {
                yield return s[start..i];
                start = i + 1;
            }
        }
        yield return s[start..];
    }
}
