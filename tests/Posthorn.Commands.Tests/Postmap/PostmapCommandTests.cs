using Posthorn.Commands;
using Posthorn.Commands.Common;

namespace Posthorn.Commands.Tests.Postmap;

/// <summary>Runs postmap, postalias and newaliases in memory on a temporary configuration directory.</summary>
public sealed class PostmapCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "posthorn-postmap-" + Guid.NewGuid().ToString("N")[..12]);

    public PostmapCommandTests()
    {
        Directory.CreateDirectory(_dir);
        File.WriteAllText(Path.Combine(_dir, "main.cf"), "");
    }

    public void Dispose() => Directory.Delete(_dir, true);

    private string Write(string name, string text)
    {
        var p = Path.Combine(_dir, name);
        File.WriteAllText(p, text);
        return p;
    }

    private (int Code, string Out, string Err) Run(string command, string stdin, params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        var all = new List<string> { "-c", _dir };
        all.AddRange(args);
        if (command == "newaliases")
            all = ["-C", _dir, .. args];
        int code = CommandRegistry.Find(command)!.Run(new CommandContext(command, all, new StringReader(stdin), o, e));
        return (code, o.ToString(), e.ToString());
    }

    private (int Code, string Out, string Err) Postmap(params string[] args) => Run("postmap", "", args);

    [Fact]
    public void Builds_hash_and_query_exit_codes_follow_postfix()
    {
        var src = Write("virtual", "Joe@Example.com joe\n");
        Assert.Equal(0, Postmap("hash:" + src).Code);
        Assert.True(File.Exists(src + ".db"));
        Assert.Equal((0, "joe\n", ""), Postmap("-q", "joe@example.com", "hash:" + src));
        Assert.Equal(1, Postmap("-q", "nobody", "hash:" + src).Code);
    }

    [Fact]
    public void Bare_file_name_uses_default_database_type()
    {
        var src = Write("t", "a 1\n");
        Assert.Equal(0, Postmap(src).Code);
        Assert.True(File.Exists(src + ".db"));
    }

    [Fact]
    public void Query_from_stdin_prints_key_tab_value_for_found_keys()
    {
        var src = Write("t", "a 1\nb 2\n");
        Postmap("hash:" + src);
        var r = Run("postmap", "a\nzz\nb\n", "-q", "-", "hash:" + src);
        Assert.Equal((0, "a\t1\nb\t2\n"), (r.Code, r.Out));
        Assert.Equal(1, Run("postmap", "zz\n", "-q", "-", "hash:" + src).Code);
    }

    [Fact]
    public void Warns_about_lines_without_value_and_duplicates()
    {
        var src = Write("t", "a 1\nnovalue\nA 2\n");
        var r = Postmap("hash:" + src);
        Assert.Equal(0, r.Code);
        Assert.Equal($"postmap: warning: {src}, line 2: expected format: key whitespace value\npostmap: warning: {src}.db: duplicate entry: \"a\"\n", r.Err.ReplaceLineEndings("\n"));
        Assert.Equal("1\n", Postmap("-q", "a", "hash:" + src).Out);
    }

    [Fact]
    public void Replace_and_ignore_duplicates_flags()
    {
        var src = Write("t", "a 1\na 2\n");
        Assert.Equal(("2\n", ""), (Postmap("-r", "hash:" + src).Out + Postmap("-q", "a", "hash:" + src).Out, ""));
        var w = Postmap("-w", "hash:" + src);
        Assert.Equal("", w.Err);
        Assert.Equal("1\n", Postmap("-q", "a", "hash:" + src).Out);
    }

    [Fact]
    public void Fold_flag_keeps_case()
    {
        var src = Write("t", "Key v\n");
        Postmap("-f", "hash:" + src);
        Assert.Equal(1, Postmap("-f", "-q", "key", "hash:" + src).Code);
        Assert.Equal("v\n", Postmap("-f", "-q", "Key", "hash:" + src).Out);
    }

    [Fact]
    public void Delete_and_incremental_update()
    {
        var src = Write("t", "a 1\nb 2\n");
        Postmap("cdb:" + src);
        Assert.Equal(0, Postmap("-d", "a", "cdb:" + src).Code);
        Assert.Equal(1, Postmap("-d", "a", "cdb:" + src).Code);
        Assert.Equal(1, Postmap("-q", "a", "cdb:" + src).Code);
        Assert.Equal(0, Run("postmap", "c 3\n", "-i", "cdb:" + src).Code);
        Assert.Equal("b\t2\nc\t3\n", Postmap("-s", "cdb:" + src).Out);
    }

    [Fact]
    public void Quoted_keys_are_stored_and_listed_with_their_quotes()
    {
        var src = Write("t", "\"sp ace\" 3\n");
        Postmap("hash:" + src);
        Assert.Equal("\"sp ace\"\t3\n", Postmap("-s", "hash:" + src).Out);
        Assert.Equal("3\n", Postmap("-q", "\"sp ace\"", "hash:" + src).Out);
        Assert.Equal(1, Postmap("-q", "sp ace", "hash:" + src).Code);
    }

    [Fact]
    public void F_flag_stores_file_contents_as_base64_and_decodes_on_query()
    {
        var pem = Write("cert.pem", "CERT\n");
        var src = Write("sni", $"example.com {pem}\n");
        Postmap("-F", "hash:" + src);
        Assert.Equal("Q0VSVAo=\n", Postmap("-q", "example.com", "hash:" + src).Out);
        Assert.Equal("CERT\n\n", Postmap("-F", "-q", "example.com", "hash:" + src).Out);
    }

    [Fact]
    public void Header_and_body_query_modes()
    {
        var re = Write("checks", "/^subject:/ HDR\n/^body/ BODY\n");
        var msg = "Subject: hi\n there\nFrom: x\n\nbody1\nbody2\n";
        Assert.Equal("Subject: hi\n there\tHDR\n", Run("postmap", msg, "-h", "-q", "-", "regexp:" + re).Out);
        Assert.Equal("body1\tBODY\nbody2\tBODY\n", Run("postmap", msg, "-b", "-q", "-", "regexp:" + re).Out);
    }

    [Fact]
    public void Errors_are_postfix_fatal_messages()
    {
        Assert.Equal((1, $"postmap: fatal: open {_dir}/none: No such file or directory\n"), Trim(Postmap("hash:" + _dir + "/none")));
        Assert.Equal((1, $"postmap: fatal: open database {_dir}/none.db: No such file or directory\n"), Trim(Postmap("-q", "x", "hash:" + _dir + "/none")));
        Assert.Equal((1, "postmap: fatal: unsupported dictionary type: regexp does not support bulk-mode creation.\n"), Trim(Postmap("regexp:" + Write("r", "/a/ b\n"))));
        Assert.Equal((1, "postmap: fatal: unsupported dictionary type: foo\n"), Trim(Postmap("-q", "x", "foo:bar")));
        Assert.Equal((1, "postmap: fatal: specify only one of -s or -q or -d\n"), Trim(Postmap("-s", "-q", "a", "hash:x")));
        Assert.StartsWith("postmap: fatal: usage: postmap [-bfFhimnNoprsuUvw]", Postmap().Err, StringComparison.Ordinal);
        Assert.Equal((1, "postmap: fatal: table fail:x: query error: Application error\n"), Trim(Postmap("-q", "a", "fail:x")));
    }

    private static (int, string) Trim((int Code, string Out, string Err) r) => (r.Code, r.Err.ReplaceLineEndings("\n"));

    [Fact]
    public void Postalias_builds_aliases_and_lists_with_colons()
    {
        var src = Write("aliases", "Root: joe, \"|/bin/x y\"\nbad line\n");
        var r = Run("postalias", "", src);
        Assert.Equal($"postalias: warning: {src}, line 2: need name:value pair\n", r.Err.ReplaceLineEndings("\n"));
        Assert.Equal("joe, \"|/bin/x y\"\n", Run("postalias", "", "-q", "ROOT", src).Out);
        Assert.Equal("@\n", Run("postalias", "", "-q", "@", src).Out);
        Assert.Equal("root:\tjoe, \"|/bin/x y\"\n", Run("postalias", "root\n", "-q", "-", src).Out);
    }

    [Fact]
    public void Newaliases_rebuilds_alias_database()
    {
        var src = Write("aliases", "postmaster: root\n");
        File.WriteAllText(Path.Combine(_dir, "main.cf"), $"alias_database = hash:{src}, cdb:{src}\n");
        Assert.Equal(0, Run("newaliases", "", "-x").Code);
        Assert.True(File.Exists(src + ".db"));
        Assert.True(File.Exists(src + ".cdb"));
    }
}
