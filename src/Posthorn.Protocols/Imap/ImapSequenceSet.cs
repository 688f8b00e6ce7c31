using System.Globalization;
using System.Text;

namespace Posthorn.Protocols.Imap;

/// <summary>
/// An IMAP sequence set (RFC 3501 section 9, sequence-set; RFC 9051): numbers, ranges "a:b" in
/// either order, "*" for the largest number in use, joined by commas. The same type serves
/// message sequence numbers and UIDs; <see cref="Resolve"/> turns it into sorted, merged ranges
/// against the mailbox's current maximum (message count or highest UID).
/// </summary>
public sealed class ImapSequenceSet
{
    /// <summary>Stands for "*" in <see cref="Ranges"/>.</summary>
    public const uint Star = 0;

    private ImapSequenceSet(IReadOnlyList<(uint Start, uint End)> ranges) => Ranges = ranges;

    /// <summary>The ranges as written; <see cref="Star"/> stands for "*".</summary>
    public IReadOnlyList<(uint Start, uint End)> Ranges { get; }

    /// <summary>Parses a sequence set; false for anything malformed, including 0.</summary>
    public static bool TryParse(string text, out ImapSequenceSet set)
    {
        set = new ImapSequenceSet([]);
        if (text.Length == 0)
        {
            return false;
        }

        var ranges = new List<(uint, uint)>();
        foreach (var part in text.Split(','))
        {
            var colon = part.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                if (!TryNumber(part, out var n))
                {
                    return false;
                }

                ranges.Add((n, n));
                continue;
            }

            if (!TryNumber(part[..colon], out var a) || !TryNumber(part[(colon + 1)..], out var b))
            {
                return false;
            }

            ranges.Add((a, b));
        }

        set = new ImapSequenceSet(ranges);
        return true;
    }

    /// <summary>A set from explicit numbers (for responses such as COPYUID).</summary>
    public static ImapSequenceSet FromNumbers(IEnumerable<uint> numbers)
    {
        var ranges = new List<(uint, uint)>();
        foreach (var n in numbers.Where(n => n > 0).Distinct().Order())
        {
            if (ranges.Count > 0 && ranges[^1].Item2 + 1 == n)
            {
                ranges[^1] = (ranges[^1].Item1, n);
            }
            else
            {
                ranges.Add((n, n));
            }
        }

        return new ImapSequenceSet(ranges);
    }

    private static bool TryNumber(string text, out uint n)
    {
        if (text == "*")
        {
            n = Star;
            return true;
        }

        // nz-number: no leading zero, 1..4294967295.
        return uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out n) && n > 0 && text[0] != '0';
    }

    /// <summary>True when the set names <paramref name="n"/>, with "*" standing for <paramref name="max"/>.</summary>
    public bool Contains(uint n, uint max)
    {
        foreach (var (start, end) in Ranges)
        {
            var a = start == Star ? max : start;
            var b = end == Star ? max : end;
            if (a > b)
            {
                (a, b) = (b, a);
            }

            if (n >= a && n <= b)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Sorted, merged ranges clipped to 1..<paramref name="max"/> ("*" is <paramref name="max"/>).</summary>
    public IReadOnlyList<(uint Start, uint End)> Resolve(uint max)
    {
        var list = new List<(uint Start, uint End)>();
        foreach (var (start, end) in Ranges)
        {
            var a = start == Star ? max : start;
            var b = end == Star ? max : end;
            if (a > b)
            {
                (a, b) = (b, a);
            }

            b = Math.Min(b, max);
            if (a <= b && a > 0)
            {
                list.Add((a, b));
            }
        }

        list.Sort();
        var merged = new List<(uint Start, uint End)>();
        foreach (var r in list)
        {
            if (merged.Count > 0 && (ulong)merged[^1].End + 1 >= r.Start)
            {
                merged[^1] = (merged[^1].Start, Math.Max(merged[^1].End, r.End));
            }
            else
            {
                merged.Add(r);
            }
        }

        return merged;
    }

    /// <summary>Every number of the set in ascending order, clipped to <paramref name="max"/>.</summary>
    public IEnumerable<uint> Enumerate(uint max)
    {
        foreach (var (start, end) in Resolve(max))
        {
            for (var n = start; n <= end && n != 0; n++)
            {
                yield return n;
                if (n == uint.MaxValue)
                {
                    break;
                }
            }
        }
    }

    /// <summary>True when a message sequence set names a number above the message count (RFC 3501: BAD), "*" aside.</summary>
    public bool ExceedsMessageCount(uint count) =>
        Ranges.Any(r => (r.Start != Star && r.Start > count) || (r.End != Star && r.End > count));

    /// <inheritdoc/>
    public override string ToString()
    {
        var sb = new StringBuilder();
        foreach (var (start, end) in Ranges)
        {
            if (sb.Length > 0)
            {
                sb.Append(',');
            }

            sb.Append(start == Star ? "*" : start.ToString(CultureInfo.InvariantCulture));
            if (end != start)
            {
                sb.Append(':').Append(end == Star ? "*" : end.ToString(CultureInfo.InvariantCulture));
            }
        }

        return sb.ToString();
    }
}
