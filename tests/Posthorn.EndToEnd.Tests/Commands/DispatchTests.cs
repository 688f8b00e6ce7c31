using Posthorn.EndToEnd.Tests.Support;

namespace Posthorn.EndToEnd.Tests.Commands;

public class DispatchTests
{
    [Fact]
    public void Help_lists_the_commands()
    {
        var r = PosthornBin.Run("posthorn", ["--help"]);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("postconf", r.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_command_is_a_usage_error_with_status_64()
    {
        var r = PosthornBin.Run("posthorn", ["no-such-command"]);
        Assert.Equal(64, r.ExitCode);
        Assert.Single(r.Stderr.Trim().Split('\n'));
    }

    [Fact]
    public void A_link_named_postconf_runs_postconf()
    {
        using var cfg = new TempConfig("myhostname = mail.example.com\n");
        var r = PosthornBin.Run("postconf", ["-c", cfg.Dir, "-h", "myhostname"]);
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("mail.example.com\n", r.Stdout);
    }

    [Fact]
    public void Missing_config_directory_is_a_one_line_error()
    {
        var r = PosthornBin.Run("postconf", ["-c", "/nonexistent/posthorn", "myhostname"]);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Single(r.Stderr.Trim().Split('\n'));
    }
}
