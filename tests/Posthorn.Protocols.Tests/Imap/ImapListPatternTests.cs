using Posthorn.Protocols.Imap;

namespace Posthorn.Protocols.Tests.Imap;

public class ImapListPatternTests
{
    [Theory]
    [InlineData("", "*", "INBOX", true)]
    [InlineData("", "*", "a/b/c", true)]
    [InlineData("", "%", "a", true)]
    [InlineData("", "%", "a/b", false)]
    [InlineData("", "a/%", "a/b", true)]
    [InlineData("", "a/%", "a/b/c", false)]
    [InlineData("a/", "%", "a/b", true)]
    [InlineData("a/", "/x", "/x", true)]
    [InlineData("", "inbox", "INBOX", true)]
    [InlineData("", "Inbox/%", "INBOX/Sent", true)]
    [InlineData("", "Sent", "sent", false)]
    [InlineData("", "S*t", "Sent", true)]
    [InlineData("", "S*t", "Sen", false)]
    [InlineData("", "*%*%", "", true)]
    [InlineData("", "", "", true)]
    [InlineData("", "", "a", false)]
    [InlineData("~/Mail/", "%", "~/Mail/foo", true)]
    public void Matches_like_rfc3501_says(string reference, string pattern, string name, bool expected) =>
        Assert.Equal(expected, new ImapListPattern(reference, pattern, '/').Matches(name));

    [Fact]
    public void Pathological_patterns_stay_fast()
    {
        var pattern = new ImapListPattern("", string.Concat(Enumerable.Repeat("*a", 200)) + "b", '/');
        var watch = System.Diagnostics.Stopwatch.StartNew();
        Assert.False(pattern.Matches(new string('a', 1000)));
        Assert.True(watch.ElapsedMilliseconds < 500);
        Assert.False(new ImapListPattern("", new string('*', 2000), '/').Matches("a"));
    }
}
