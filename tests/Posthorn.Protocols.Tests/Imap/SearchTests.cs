using Posthorn.Protocols.Imap;

namespace Posthorn.Protocols.Tests.Imap;

public class SearchParserTests
{
    private static SearchCommand Search(string line) => Assert.IsType<SearchCommand>(ImapCommandParserTests.Parse(line));

    [Fact]
    public void Parses_the_rfc3501_examples()
    {
        var s = Search("A282 SEARCH FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\"");
        Assert.Equal(
            new SearchAnd([new SearchFlag("\\Flagged", true), new SearchDate(SearchDateField.Internal, SearchDateComparison.Since, new DateOnly(1994, 2, 1)), new SearchNot(new SearchHeader("From", "Smith"))]).ToString(),
            s.Key.ToString());
        var c = Search("A284 SEARCH CHARSET UTF-8 TEXT {6+}\r\nXXXXXX");
        Assert.Equal("UTF-8", c.Charset);
        Assert.Equal(new SearchText("XXXXXX", true), c.Key);
    }

    [Theory]
    [InlineData("ALL", "SearchAll")]
    [InlineData("ANSWERED", "\\Answered,True")]
    [InlineData("DELETED", "\\Deleted,True")]
    [InlineData("DRAFT", "\\Draft,True")]
    [InlineData("FLAGGED", "\\Flagged,True")]
    [InlineData("RECENT", "\\Recent,True")]
    [InlineData("SEEN", "\\Seen,True")]
    [InlineData("UNANSWERED", "\\Answered,False")]
    [InlineData("UNDELETED", "\\Deleted,False")]
    [InlineData("UNDRAFT", "\\Draft,False")]
    [InlineData("UNFLAGGED", "\\Flagged,False")]
    [InlineData("UNSEEN", "\\Seen,False")]
    [InlineData("OLD", "\\Recent,False")]
    [InlineData("KEYWORD $Junk", "$Junk,True")]
    [InlineData("UNKEYWORD $Junk", "$Junk,False")]
    public void Parses_flag_keys(string key, string expected)
    {
        var k = Search("a SEARCH " + key).Key;
        Assert.Equal(expected, k is SearchFlag f ? $"{f.Flag},{f.Present}" : k.GetType().Name);
    }

    [Theory]
    [InlineData("BCC x", "Bcc")]
    [InlineData("CC x", "Cc")]
    [InlineData("FROM x", "From")]
    [InlineData("TO x", "To")]
    [InlineData("SUBJECT x", "Subject")]
    [InlineData("HEADER X-Mailer x", "X-Mailer")]
    public void Parses_header_keys(string key, string field) =>
        Assert.Equal(new SearchHeader(field, "x"), Search("a SEARCH " + key).Key);

    [Theory]
    [InlineData("BEFORE 1-Feb-1994", SearchDateField.Internal, SearchDateComparison.Before)]
    [InlineData("ON \"1-Feb-1994\"", SearchDateField.Internal, SearchDateComparison.On)]
    [InlineData("SINCE 01-feb-1994", SearchDateField.Internal, SearchDateComparison.Since)]
    [InlineData("SENTBEFORE 1-Feb-1994", SearchDateField.Sent, SearchDateComparison.Before)]
    [InlineData("SENTON 1-Feb-1994", SearchDateField.Sent, SearchDateComparison.On)]
    [InlineData("SENTSINCE 1-Feb-1994", SearchDateField.Sent, SearchDateComparison.Since)]
    public void Parses_date_keys(string key, SearchDateField field, SearchDateComparison comparison) =>
        Assert.Equal(new SearchDate(field, comparison, new DateOnly(1994, 2, 1)), Search("a SEARCH " + key).Key);

    [Fact]
    public void Parses_remaining_keys()
    {
        Assert.Equal(new SearchSize(true, 100), Search("a SEARCH LARGER 100").Key);
        Assert.Equal(new SearchSize(false, 5), Search("a SEARCH SMALLER 5").Key);
        Assert.Equal(new SearchText("hello", false), Search("a SEARCH BODY hello").Key);
        Assert.Equal("1:5,7", ((SearchSet)Search("a SEARCH UID 1:5,7").Key).Set.ToString());
        Assert.False(((SearchSet)Search("a SEARCH 2:*").Key).Uid);
        Assert.Equal(new SearchModSeq(620162338), Search("a SEARCH MODSEQ \"/flags/\\\\draft\" all 620162338").Key);
        Assert.Equal(new SearchModSeq(5), Search("a SEARCH MODSEQ 5").Key);
        Assert.Equal(new SearchAnd([new SearchFlag("\\Recent", true), new SearchFlag("\\Seen", false)]).ToString(), Search("a SEARCH NEW").Key.ToString());
    }

    [Fact]
    public void Parses_or_not_and_groups()
    {
        var k = Search("a SEARCH OR (SEEN FROM bob) NOT (DELETED) UID 5").Key;
        var and = Assert.IsType<SearchAnd>(k);
        var or = Assert.IsType<SearchOr>(and.Keys[0]);
        Assert.IsType<SearchAnd>(or.Left);
        Assert.Equal(new SearchNot(new SearchFlag("\\Deleted", true)), or.Right);
        Assert.IsType<SearchSet>(and.Keys[1]);
    }

    [Fact]
    public void Unsupported_charsets_are_flagged_for_badcharset()
    {
        Assert.True(Search("a SEARCH CHARSET utf-8 ALL").CharsetSupported);
        Assert.True(Search("a SEARCH ALL").CharsetSupported);
        Assert.False(Search("a SEARCH CHARSET KOI8-R ALL").CharsetSupported);
    }

    [Fact]
    public void Uid_search_with_return_options()
    {
        var s = Search("a UID SEARCH RETURN (MIN COUNT) UNSEEN");
        Assert.True(s.Uid);
        Assert.Equal(["MIN", "COUNT"], s.ReturnOptions);
    }

    [Theory]
    [InlineData("a SEARCH")]
    [InlineData("a SEARCH FROB")]
    [InlineData("a SEARCH FROM")]
    [InlineData("a SEARCH OR SEEN")]
    [InlineData("a SEARCH NOT")]
    [InlineData("a SEARCH SINCE 31-Feb-2020")]
    [InlineData("a SEARCH SINCE 1-Foo-2020")]
    [InlineData("a SEARCH LARGER x")]
    [InlineData("a SEARCH UID x")]
    [InlineData("a SEARCH ()")]
    [InlineData("a SEARCH 0")]
    public void Rejects_bad_search_keys(string line) =>
        Assert.NotEqual("(parsed)", ImapCommandParserTests.Error(line));
}

public class SearchEvaluatorTests
{
    private sealed class Message : IImapSearchable
    {
        public uint SequenceNumber { get; init; } = 1;

        public uint Uid { get; init; } = 10;

        public IReadOnlyCollection<string> Flags { get; init; } = ["\\Seen", "$Junk"];

        public DateTimeOffset InternalDate { get; init; } = new(1994, 2, 1, 23, 30, 0, TimeSpan.FromHours(-8));

        public long Size { get; init; } = 1000;

        public ulong ModSeq { get; init; } = 7;

        public DateTimeOffset? SentDate { get; init; } = new DateTimeOffset(1994, 1, 31, 1, 0, 0, TimeSpan.FromHours(9));

        public bool BodyRead { get; private set; }

        public IEnumerable<string> HeaderValues(string field) =>
            field.Equals("from", StringComparison.OrdinalIgnoreCase) ? ["John Smith <smith@example.org>"]
            : field.Equals("subject", StringComparison.OrdinalIgnoreCase) ? ["Café Meeting"] : [];

        public string HeaderText() => "From: John Smith <smith@example.org>\r\nSubject: Café Meeting\r\n";

        public string BodyText()
        {
            BodyRead = true;
            return "Let us MEET at noon.";
        }
    }

    private static bool Eval(string criteria, Message? m = null)
    {
        var s = Assert.IsType<SearchCommand>(ImapCommandParserTests.Parse("a SEARCH " + criteria));
        return ImapSearchEvaluator.Matches(s.Key, m ?? new Message(), 5, 20);
    }

    [Theory]
    [InlineData("ALL", true)]
    [InlineData("SEEN", true)]
    [InlineData("UNSEEN", false)]
    [InlineData("seen keyword $junk", true)]
    [InlineData("UNKEYWORD $Junk", false)]
    [InlineData("FLAGGED", false)]
    [InlineData("NEW", false)]
    [InlineData("OLD", true)]
    [InlineData("FROM SMITH", true)]
    [InlineData("FROM jones", false)]
    [InlineData("SUBJECT \"café\"", true)]
    [InlineData("HEADER subject \"\"", true)]
    [InlineData("HEADER X-Missing \"\"", false)]
    [InlineData("BODY meet", true)]
    [InlineData("BODY smith", false)]
    [InlineData("TEXT smith", true)]
    [InlineData("LARGER 999", true)]
    [InlineData("LARGER 1000", false)]
    [InlineData("SMALLER 1000", false)]
    [InlineData("SMALLER 1001", true)]
    [InlineData("ON 1-Feb-1994", true)]
    [InlineData("BEFORE 2-Feb-1994", true)]
    [InlineData("BEFORE 1-Feb-1994", false)]
    [InlineData("SINCE 1-Feb-1994", true)]
    [InlineData("SINCE 2-Feb-1994", false)]
    [InlineData("SENTON 31-Jan-1994", true)]
    [InlineData("SENTBEFORE 31-Jan-1994", false)]
    [InlineData("SENTSINCE 31-Jan-1994", true)]
    [InlineData("1", true)]
    [InlineData("2:*", false)]
    [InlineData("*", false)]
    [InlineData("UID 10", true)]
    [InlineData("UID 11:*", false)]
    [InlineData("NOT SEEN", false)]
    [InlineData("OR FLAGGED SEEN", true)]
    [InlineData("OR FLAGGED DELETED", false)]
    [InlineData("(SEEN LARGER 10) (FROM smith)", true)]
    [InlineData("MODSEQ 7", true)]
    [InlineData("MODSEQ 8", false)]
    public void Evaluates_keys(string criteria, bool expected) =>
        Assert.Equal(expected, Eval(criteria));

    [Fact]
    public void Star_is_the_last_message()
    {
        var last = new Message { SequenceNumber = 5, Uid = 20 };
        Assert.True(Eval("*", last));
        Assert.True(Eval("UID *", last));
    }

    [Fact]
    public void Flag_searches_do_not_read_the_body()
    {
        var m = new Message();
        Eval("OR SEEN FLAGGED", m);
        Assert.False(m.BodyRead);
    }
}

public class ImapSequenceSetTests
{
    [Theory]
    [InlineData("1", true)]
    [InlineData("1:*", true)]
    [InlineData("*:4,7,9:10", true)]
    [InlineData("4294967295", true)]
    [InlineData("0", false)]
    [InlineData("01", false)]
    [InlineData("1:", false)]
    [InlineData("1,,2", false)]
    [InlineData("", false)]
    [InlineData("4294967296", false)]
    [InlineData("a", false)]
    public void Parses_sequence_sets(string text, bool valid) =>
        Assert.Equal(valid, ImapSequenceSet.TryParse(text, out _));

    [Fact]
    public void Resolves_star_reversed_ranges_and_overlaps()
    {
        Assert.True(ImapSequenceSet.TryParse("*:4,2,3,9:7", out var set));
        Assert.Equal([(2u, 8u)], set.Resolve(8));
        Assert.Equal([2u, 3u, 4u, 5u], set.Enumerate(5));
        Assert.True(set.Contains(6, 6));
        Assert.False(set.Contains(1, 6));
    }

    [Fact]
    public void Star_in_uid_range_above_max_uid_still_names_the_last_message()
    {
        // RFC 3501 6.4.8: "UID range of 559:*" includes the highest UID even when it is below 559.
        Assert.True(ImapSequenceSet.TryParse("559:*", out var set));
        Assert.Equal([(100u, 100u)], set.Resolve(100));
        Assert.True(set.Contains(100, 100));
    }

    [Fact]
    public void Detects_numbers_beyond_the_message_count()
    {
        Assert.True(ImapSequenceSet.TryParse("1:6", out var set));
        Assert.True(set.ExceedsMessageCount(5));
        Assert.True(ImapSequenceSet.TryParse("1:*", out var star));
        Assert.False(star.ExceedsMessageCount(5));
    }

    [Fact]
    public void Builds_compact_sets_from_numbers() =>
        Assert.Equal("1:3,5,7:8", ImapSequenceSet.FromNumbers([8, 1, 2, 3, 5, 7, 2]).ToString());
}
