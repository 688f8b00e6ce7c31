using Posthorn.EndToEnd.Tests.Support;

namespace Posthorn.EndToEnd.Tests.Maps;

/// <summary>
/// Bad table input through the built commands: each bad line gives Postfix's kind of warning
/// naming <c>file, line N</c> and the rest of the table still answers; a missing table file
/// is a one-line fatal error.
/// </summary>
public sealed class BadInputTests
{
    private static CommandResult Postmap(TempConfig cfg, params string[] args) => PosthornBin.Run("postmap", ["-c", cfg.Dir, .. args]);

    private static string Write(TempConfig cfg, string name, string text)
    {
        var p = Path.Combine(cfg.Dir, name);
        File.WriteAllText(p, text);
        return p;
    }

    [Fact]
    public void Line_without_value_warns_and_the_rest_loads()
    {
        using var cfg = new TempConfig();
        var src = Write(cfg, "t", "a 1\nnovalue\nb 2\n");
        var r = Postmap(cfg, "hash:" + src);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains($"postmap: warning: {src}, line 2: expected format: key whitespace value", r.Stderr, StringComparison.Ordinal);
        Assert.Equal("2\n", Postmap(cfg, "-q", "b", "hash:" + src).Stdout);
    }

    [Fact]
    public void Bad_regular_expression_warns_and_the_rest_loads()
    {
        using var cfg = new TempConfig();
        var src = Write(cfg, "r", "/[unclosed/ x\n/^ok$/ yes\n");
        var r = Postmap(cfg, "-q", "ok", "regexp:" + src);
        Assert.Equal((0, "yes\n"), (r.ExitCode, r.Stdout));
        Assert.StartsWith($"postmap: warning: regexp map {src}, line 1: ", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_cidr_warns_and_the_rest_loads()
    {
        using var cfg = new TempConfig();
        var src = Write(cfg, "c", "1.2.3.4/33 bad\n10.0.0.0/8 ten\n");
        var r = Postmap(cfg, "-q", "10.1.1.1", "cidr:" + src);
        Assert.Equal((0, "ten\n"), (r.ExitCode, r.Stdout));
        Assert.Equal($"postmap: warning: cidr map {src}, line 1: bad mask length in \"1.2.3.4/33\": skipping this rule\n", r.Stderr);
    }

    [Fact]
    public void Unterminated_if_warns_and_the_rest_loads()
    {
        using var cfg = new TempConfig();
        var src = Write(cfg, "p", "/^a$/ A\nif /^u/\n/v$/ uv\n");
        var r = Postmap(cfg, "-q", "a", "pcre:" + src);
        Assert.Equal((0, "A\n"), (r.ExitCode, r.Stdout));
        Assert.Equal($"postmap: warning: pcre map {src}, line 2: IF has no matching ENDIF\n", r.Stderr);
    }

    [Fact]
    public void Missing_table_file_is_a_clear_error()
    {
        using var cfg = new TempConfig();
        var r = Postmap(cfg, "-q", "x", $"hash:{cfg.Dir}/none");
        Assert.Equal((1, $"postmap: fatal: open database {cfg.Dir}/none.db: No such file or directory\n"), (r.ExitCode, r.Stderr));
        r = Postmap(cfg, $"hash:{cfg.Dir}/none");
        Assert.Equal((1, $"postmap: fatal: open {cfg.Dir}/none: No such file or directory\n"), (r.ExitCode, r.Stderr));
    }

    [Fact]
    public void Newaliases_takes_sendmail_style_C_and_rebuilds_alias_database()
    {
        using var cfg = new TempConfig();
        var src = Write(cfg, "aliases", "postmaster: root\n");
        File.WriteAllText(cfg.MainCf, $"alias_database = hash:{src}\n");
        var r = PosthornBin.Run("newaliases", ["-C", cfg.Dir]);
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("root\n", PosthornBin.Run("postalias", ["-c", cfg.Dir, "-q", "postmaster", src]).Stdout);
    }
}
