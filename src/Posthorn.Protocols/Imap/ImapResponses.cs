using System.Globalization;

namespace Posthorn.Protocols.Imap;

/// <summary>The mailbox state SELECT/EXAMINE reports (RFC 3501 section 6.3.1, CONDSTORE's HIGHESTMODSEQ).</summary>
public sealed record ImapMailboxState(uint Exists, uint Recent, uint UidValidity, uint UidNext, uint? FirstUnseen, IReadOnlyList<string> Flags, IReadOnlyList<string> PermanentFlags, ulong? HighestModSeq = null);

/// <summary>
/// Formatters for the untagged data responses and response codes the server sends (RFC 3501
/// section 7, UIDPLUS's APPENDUID/COPYUID, ESEARCH RFC 4731, NAMESPACE RFC 2342, ID RFC 2971,
/// LIST-EXTENDED and SPECIAL-USE attributes), so that their wire form lives in one place.
/// Mailbox names are given as store names and encoded for the wire here.
/// </summary>
public static class ImapResponses
{
    /// <summary>The untagged responses of a successful SELECT/EXAMINE, in Dovecot's order.</summary>
    public static void Select(ImapResponseWriter w, ImapMailboxState s, bool condStore)
    {
        w.Start().Atom("FLAGS").Flags(s.Flags).EndLine();
        w.Untagged(ImapStatus.Ok, "Flags permitted.", "PERMANENTFLAGS (" + string.Join(' ', s.PermanentFlags) + ")");
        w.UntaggedLine(N(s.Exists) + " EXISTS");
        w.UntaggedLine(N(s.Recent) + " RECENT");
        if (s.FirstUnseen is { } unseen)
        {
            w.Untagged(ImapStatus.Ok, "First unseen.", "UNSEEN " + N(unseen));
        }

        w.Untagged(ImapStatus.Ok, "UIDs valid", "UIDVALIDITY " + N(s.UidValidity));
        w.Untagged(ImapStatus.Ok, "Predicted next UID", "UIDNEXT " + N(s.UidNext));
        if (s.HighestModSeq is { } modseq)
        {
            w.Untagged(ImapStatus.Ok, "Highest", "HIGHESTMODSEQ " + modseq.ToString(CultureInfo.InvariantCulture));
        }
        else if (condStore)
        {
            w.Untagged(ImapStatus.Ok, "Mailbox does not support mod-sequences", "NOMODSEQ");
        }
    }

    /// <summary>"* LIST (\HasNoChildren \Sent) "/" name" (or LSUB).</summary>
    public static void List(ImapResponseWriter w, string verb, IEnumerable<string> attributes, char separator, string name, bool utf8Accept)
    {
        w.Start().Atom(verb).Flags(attributes).String(separator.ToString()).String(ImapMailboxName.ToWire(name, utf8Accept)).EndLine();
    }

    /// <summary>"* STATUS name (MESSAGES 231 UIDNEXT 44292)".</summary>
    public static void Status(ImapResponseWriter w, string name, IEnumerable<KeyValuePair<string, ulong>> items, bool utf8Accept)
    {
        w.Start().Atom("STATUS").String(ImapMailboxName.ToWire(name, utf8Accept)).OpenList();
        foreach (var (key, value) in items)
        {
            w.Atom(key).Atom(value.ToString(CultureInfo.InvariantCulture));
        }

        w.CloseList().EndLine();
    }

    /// <summary>"* SEARCH 2 84 882" (with "(MODSEQ n)" appended when CONDSTORE asked for it).</summary>
    public static void Search(ImapResponseWriter w, IEnumerable<uint> numbers, ulong? highestModSeq = null)
    {
        w.Start().Atom("SEARCH");
        foreach (var n in numbers)
        {
            w.Number(n);
        }

        if (highestModSeq is { } m)
        {
            w.OpenList().Atom("MODSEQ").Atom(m.ToString(CultureInfo.InvariantCulture)).CloseList();
        }

        w.EndLine();
    }

    /// <summary>ESEARCH (RFC 4731) for SEARCH RETURN (MIN MAX ALL COUNT): "* ESEARCH (TAG "a") UID MIN 2 COUNT 3".</summary>
    public static void ESearch(ImapResponseWriter w, string tag, bool uid, IReadOnlyList<string> options, IReadOnlyList<uint> numbers)
    {
        w.Start().Atom("ESEARCH").OpenList().Atom("TAG").String(tag).CloseList();
        if (uid)
        {
            w.Atom("UID");
        }

        var all = options.Count == 0 ? ["ALL"] : options;
        foreach (var option in all)
        {
            switch (option)
            {
                case "MIN" when numbers.Count > 0:
                    w.Atom("MIN").Number(numbers.Min());
                    break;
                case "MAX" when numbers.Count > 0:
                    w.Atom("MAX").Number(numbers.Max());
                    break;
                case "ALL" when numbers.Count > 0:
                    w.Atom("ALL").Atom(ImapSequenceSet.FromNumbers(numbers).ToString());
                    break;
                case "COUNT":
                    w.Atom("COUNT").Number(numbers.Count);
                    break;
            }
        }

        w.EndLine();
    }

    /// <summary>The APPENDUID response code (RFC 4315): "APPENDUID 38505 3955".</summary>
    public static string AppendUid(uint uidValidity, uint uid) => $"APPENDUID {N(uidValidity)} {N(uid)}";

    /// <summary>The COPYUID response code (RFC 4315): "COPYUID 38505 304,319:320 3956:3958".</summary>
    public static string CopyUid(uint uidValidity, IEnumerable<uint> sourceUids, IEnumerable<uint> destinationUids) =>
        $"COPYUID {N(uidValidity)} {ImapSequenceSet.FromNumbers(sourceUids)} {ImapSequenceSet.FromNumbers(destinationUids)}";

    /// <summary>"* NAMESPACE (("" "/")) NIL NIL": one personal namespace, no others.</summary>
    public static void Namespace(ImapResponseWriter w, string prefix, char separator) =>
        w.Start().Atom("NAMESPACE").OpenList().OpenList().String(prefix).String(separator.ToString()).CloseList().CloseList().Nil().Nil().EndLine();

    /// <summary>"* ID ("name" "Posthorn" ...)" or "* ID NIL".</summary>
    public static void Id(ImapResponseWriter w, IReadOnlyList<KeyValuePair<string, string>>? fields)
    {
        w.Start().Atom("ID");
        if (fields is null || fields.Count == 0)
        {
            w.Nil();
        }
        else
        {
            w.OpenList();
            foreach (var (key, value) in fields)
            {
                w.String(key).String(value);
            }

            w.CloseList();
        }

        w.EndLine();
    }

    /// <summary>"* n EXPUNGE".</summary>
    public static void Expunge(ImapResponseWriter w, uint sequenceNumber) => w.UntaggedLine(N(sequenceNumber) + " EXPUNGE");

    /// <summary>"* ENABLED CONDSTORE" (RFC 5161).</summary>
    public static void Enabled(ImapResponseWriter w, IEnumerable<string> capabilities) =>
        w.UntaggedLine(string.Join(" ", capabilities.Prepend("ENABLED")));

    private static string N(uint n) => n.ToString(CultureInfo.InvariantCulture);
}
