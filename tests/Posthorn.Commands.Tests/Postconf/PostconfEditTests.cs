namespace Posthorn.Commands.Tests.Postconf;

/// <summary>postconf -e, -X and -# on main.cf, compared with Debian's postconf 3.7.</summary>
public class PostconfEditTests
{
    private const string MainCf =
        "# top comment\nmyorigin = x\n   continued\n# mid\nrelayhost = r\n#mydomain = commented\nrelayhost = r2\n";

    [Fact]
    public void Dash_e_replaces_in_place_keeps_comments_and_appends_new_names_sorted()
    {
        using var pc = new PostconfRunner(MainCf);
        var (status, _, stderr) = pc.Run("-e", "myorigin = new val", "relayhost=z", "smtpd_banner=a  b", "mydomain=d.example");
        Assert.Equal(0, status);
        Assert.Equal("postconf: warning: DIR/main.cf: multiple entries for \"relayhost\"\n", stderr);
        Assert.Equal(
            "# top comment\nmyorigin = new val\n# mid\nrelayhost = z\n#mydomain = commented\nrelayhost = z\nmydomain = d.example\nsmtpd_banner = a  b\n",
            File.ReadAllText(pc.MainCf));
    }

    [Fact]
    public void Name_equals_value_without_dash_e_edits()
    {
        using var pc = new PostconfRunner(MainCf);
        pc.Run("relay_domains=example.com");
        Assert.EndsWith("relay_domains = example.com\n", File.ReadAllText(pc.MainCf), StringComparison.Ordinal);
    }

    [Fact]
    public void Dash_X_removes_every_definition_with_its_continuation_lines()
    {
        using var pc = new PostconfRunner(MainCf);
        pc.Run("-X", "relayhost", "myorigin", "nosuch");
        Assert.Equal("# top comment\n# mid\n#mydomain = commented\n", File.ReadAllText(pc.MainCf));
    }

    [Fact]
    public void Dash_hash_comments_out_each_line()
    {
        using var pc = new PostconfRunner(MainCf);
        pc.Run("-#", "myorigin");
        Assert.StartsWith("# top comment\n#myorigin = x\n#   continued\n# mid\n", File.ReadAllText(pc.MainCf), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "-e", "bad" }, "postconf: fatal: missing '=' after attribute name: \"bad\"\n")]
    [InlineData(new[] { "-X", "relayhost=5" }, "postconf: fatal: specify one of -e -X\n")]
    [InlineData(new[] { "-e", "#x=1" }, "postconf: fatal: -e, -X, or -# accepts no comment input\n")]
    [InlineData(new[] { "-X", "" }, "postconf: fatal: -X or -# requires non-blank parameter names\n")]
    public void Bad_edit_requests_are_fatal_and_change_nothing(string[] args, string message)
    {
        using var pc = new PostconfRunner(MainCf);
        var (status, _, stderr) = pc.Run(args);
        Assert.Equal(1, status);
        Assert.Equal(message, stderr);
        Assert.Equal(MainCf, File.ReadAllText(pc.MainCf));
    }

    [Fact]
    public void Repeated_name_keeps_the_last_request()
    {
        using var pc = new PostconfRunner("");
        var (_, _, stderr) = pc.Run("-e", "a=1", "a=2");
        Assert.Equal("postconf: warning: ignoring earlier request: 'a = 1'\n", stderr);
        Assert.Equal("a = 2\n", File.ReadAllText(pc.MainCf));
    }
}
