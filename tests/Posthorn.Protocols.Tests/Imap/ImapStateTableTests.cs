using Posthorn.Protocols.Imap;

namespace Posthorn.Protocols.Tests.Imap;

public class ImapStateTableTests
{
    [Theory]
    [InlineData("a CAPABILITY", true, true, true)]
    [InlineData("a NOOP", true, true, true)]
    [InlineData("a LOGOUT", true, true, true)]
    [InlineData("a ID NIL", true, true, true)]
    [InlineData("a STARTTLS", true, false, false)]
    [InlineData("a LOGIN u p", true, false, false)]
    [InlineData("a AUTHENTICATE PLAIN", true, false, false)]
    [InlineData("a SELECT INBOX", false, true, true)]
    [InlineData("a EXAMINE INBOX", false, true, true)]
    [InlineData("a CREATE x", false, true, true)]
    [InlineData("a DELETE x", false, true, true)]
    [InlineData("a RENAME x y", false, true, true)]
    [InlineData("a SUBSCRIBE x", false, true, true)]
    [InlineData("a UNSUBSCRIBE x", false, true, true)]
    [InlineData("a LIST \"\" *", false, true, true)]
    [InlineData("a LSUB \"\" *", false, true, true)]
    [InlineData("a STATUS x (MESSAGES)", false, true, true)]
    [InlineData("a APPEND x {1+}\r\nx", false, true, true)]
    [InlineData("a ENABLE CONDSTORE", false, true, true)]
    [InlineData("a IDLE", false, true, true)]
    [InlineData("a NAMESPACE", false, true, true)]
    [InlineData("a CHECK", false, false, true)]
    [InlineData("a CLOSE", false, false, true)]
    [InlineData("a UNSELECT", false, false, true)]
    [InlineData("a EXPUNGE", false, false, true)]
    [InlineData("a UID EXPUNGE 1", false, false, true)]
    [InlineData("a SEARCH ALL", false, false, true)]
    [InlineData("a FETCH 1 FLAGS", false, false, true)]
    [InlineData("a STORE 1 FLAGS ()", false, false, true)]
    [InlineData("a COPY 1 x", false, false, true)]
    [InlineData("a MOVE 1 x", false, false, true)]
    [InlineData("a UID FETCH 1 FLAGS", false, false, true)]
    public void Follows_rfc3501_section_6(string line, bool notAuthenticated, bool authenticated, bool selected)
    {
        var command = ImapCommandParserTests.Parse(line);
        Assert.Equal(notAuthenticated, ImapStateTable.IsAllowed(command, ImapState.NotAuthenticated));
        Assert.Equal(authenticated, ImapStateTable.IsAllowed(command, ImapState.Authenticated));
        Assert.Equal(selected, ImapStateTable.IsAllowed(command, ImapState.Selected));
        Assert.False(ImapStateTable.IsAllowed(command, ImapState.Logout));
    }
}
