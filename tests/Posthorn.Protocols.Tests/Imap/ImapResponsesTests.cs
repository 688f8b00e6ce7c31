using Posthorn.Protocols.Imap;

namespace Posthorn.Protocols.Tests.Imap;

public class ImapResponsesTests
{
    private static string Run(Action<ImapResponseWriter> write)
    {
        var w = new ImapResponseWriter();
        write(w);
        return w.ToString();
    }

    [Fact]
    public void Select_responses_follow_rfc3501_example() =>
        Assert.Equal(
            "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Flags permitted.\r\n"
            + "* 172 EXISTS\r\n* 1 RECENT\r\n* OK [UNSEEN 12] First unseen.\r\n* OK [UIDVALIDITY 3857529045] UIDs valid\r\n"
            + "* OK [UIDNEXT 4392] Predicted next UID\r\n* OK [NOMODSEQ] Mailbox does not support mod-sequences\r\n",
            Run(w => ImapResponses.Select(w, new ImapMailboxState(172, 1, 3857529045, 4392, 12,
                ["\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft"], ["\\Deleted", "\\Seen", "\\*"]), condStore: true)));

    [Fact]
    public void List_encodes_names_in_modified_utf7() =>
        Assert.Equal("* LIST (\\HasNoChildren \\Drafts) \"/\" \"Entw&APw-rfe\"\r\n",
            Run(w => ImapResponses.List(w, "LIST", ["\\HasNoChildren", "\\Drafts"], '/', "Entw\u00fcrfe", utf8Accept: false)));

    [Fact]
    public void Status_search_and_esearch()
    {
        Assert.Equal("* STATUS \"blurdybloop\" (MESSAGES 231 UIDNEXT 44292)\r\n",
            Run(w => ImapResponses.Status(w, "blurdybloop", [new("MESSAGES", 231), new("UIDNEXT", 44292)], false)));
        Assert.Equal("* SEARCH 2 84 882\r\n", Run(w => ImapResponses.Search(w, [2, 84, 882])));
        Assert.Equal("* SEARCH\r\n", Run(w => ImapResponses.Search(w, [])));
        Assert.Equal("* SEARCH 2 (MODSEQ 917162500)\r\n", Run(w => ImapResponses.Search(w, [2], 917162500)));
        Assert.Equal("* ESEARCH (TAG \"A282\") UID MIN 2 COUNT 3\r\n", Run(w => ImapResponses.ESearch(w, "A282", true, ["MIN", "COUNT"], [2, 10, 11])));
        Assert.Equal("* ESEARCH (TAG \"a\") ALL 1:3,7\r\n", Run(w => ImapResponses.ESearch(w, "a", false, [], [1, 2, 3, 7])));
    }

    [Fact]
    public void Uidplus_codes()
    {
        Assert.Equal("APPENDUID 38505 3955", ImapResponses.AppendUid(38505, 3955));
        Assert.Equal("COPYUID 38505 304,319:320 3956:3958", ImapResponses.CopyUid(38505, [304, 319, 320], [3956, 3957, 3958]));
    }

    [Fact]
    public void Namespace_id_expunge_enabled()
    {
        Assert.Equal("* NAMESPACE ((\"\" \"/\")) NIL NIL\r\n", Run(w => ImapResponses.Namespace(w, "", '/')));
        Assert.Equal("* ID (\"name\" \"Posthorn\")\r\n", Run(w => ImapResponses.Id(w, [new("name", "Posthorn")])));
        Assert.Equal("* ID NIL\r\n", Run(w => ImapResponses.Id(w, null)));
        Assert.Equal("* 3 EXPUNGE\r\n", Run(w => ImapResponses.Expunge(w, 3)));
        Assert.Equal("* ENABLED CONDSTORE\r\n", Run(w => ImapResponses.Enabled(w, ["CONDSTORE"])));
    }
}
