using Posthorn.Core.Maps;

namespace Posthorn.Core.Tests.Maps;

public class RegexpTableTests
{
    // The example of regexp_table(5).
    private const string ManualExample = """
        # Disallow sender-specified routing. This is a must if you relay mail
        # for other domains.
        /[%!@].*[%!@]/       550 Sender-specified routing rejected

        # Postmaster is OK, that way they can talk to us about how to fix
        # their problem.
        /^postmaster@/       OK

        # Protect your outgoing majordomo exploders
        if !/^owner-/
        /^(.*)-outgoing@(.*)$/  550 Use ${1}@${2} instead
        endif
        """;

    [Theory]
    [InlineData("regexp")]
    [InlineData("pcre")]
    public void Manual_example_answers(string type)
    {
        using var f = new MapFixture();
        var t = f.Open($"{type}:" + f.Write("access", ManualExample));
        Assert.Equal("550 Sender-specified routing rejected", t.Lookup("a%b@c"));
        Assert.Equal("OK", t.Lookup("Postmaster@example.com"));
        Assert.Equal("550 Use list@example.com instead", t.Lookup("list-outgoing@example.com"));
        Assert.Null(t.Lookup("owner-list-outgoing@example.com"));
        Assert.Null(t.Lookup("user@example.com"));
        Assert.Empty(f.Warnings);
    }

    [Fact]
    public void Matching_is_case_insensitive_and_the_i_flag_toggles_it()
    {
        using var f = new MapFixture();
        var t = f.Open("regexp:" + f.Write("r", "/^Foo/i exact\n/^foo/ folded\n"));
        Assert.Equal("exact", t.Lookup("Foobar"));
        Assert.Equal("folded", t.Lookup("FOObar"));
    }

    [Fact]
    public void Substitution_sees_the_original_case_of_the_key()
    {
        using var f = new MapFixture();
        var t = f.Open("regexp:" + f.Write("r", "/^(.*)@Example\\.com$/ $1@example.net\n"));
        Assert.Equal("John.Doe@example.net", t.Lookup("John.Doe@EXAMPLE.com"));
    }

    [Fact]
    public void Any_delimiter_and_negation_work()
    {
        using var f = new MapFixture();
        var t = f.Open("regexp:" + f.Write("r", "!#^a# not-a\n"));
        Assert.Equal("not-a", t.Lookup("b"));
        Assert.Null(t.Lookup("abc"));
    }

    [Fact]
    public void Posix_character_classes_are_understood()
    {
        using var f = new MapFixture();
        var t = f.Open("regexp:" + f.Write("r", "/^[[:digit:]]+$/ number\n/^[]a]$/ bracket\n"));
        Assert.Equal("number", t.Lookup("12345"));
        Assert.Equal("bracket", t.Lookup("]"));
    }

    [Fact]
    public void Bad_regular_expression_warns_with_file_and_line_and_the_rest_loads()
    {
        using var f = new MapFixture();
        var path = f.Write("r", "/[unclosed/ x\n/^ok$/ yes\n");
        var t = f.Open("regexp:" + path);
        Assert.Equal("yes", t.Lookup("ok"));
        var w = Assert.Single(f.Warnings);
        Assert.StartsWith($"regexp map {path}, line 1: ", w, StringComparison.Ordinal);
    }

    [Fact]
    public void Pcre_compile_error_names_the_offset()
    {
        using var f = new MapFixture();
        var path = f.Write("p", "/[unclosed/ x\n");
        f.Open("pcre:" + path);
        Assert.StartsWith($"pcre map {path}, line 1: error in regex at offset", Assert.Single(f.Warnings), StringComparison.Ordinal);
    }

    [Fact]
    public void Unterminated_if_warns_and_is_closed_at_the_end()
    {
        using var f = new MapFixture();
        var path = f.Write("r", "/^a/ A\nif /^u/\n/v/ uv\n");
        var t = f.Open("regexp:" + path);
        Assert.Equal("uv", t.Lookup("uv"));
        Assert.Null(t.Lookup("xv"));
        Assert.Equal([$"regexp map {path}, line 2: IF has no matching ENDIF"], f.Warnings);
    }

    [Fact]
    public void Missing_result_out_of_range_index_and_stray_endif_warn_as_postfix()
    {
        using var f = new MapFixture();
        var path = f.Write("r", "/^bar/\n/(a)/ $2\n!/(b)/ $1\nendif\n");
        var t = f.Open("regexp:" + path);
        Assert.Equal("", t.Lookup("bar"));
        Assert.Equal(
        [
            $"regexp map {path}, line 1: no replacement text: using empty string",
            $"regexp map {path}, line 2: out of range replacement index \"2\": skipping this rule",
            $"regexp map {path}, line 3: $number found in negative match replacement text: skipping this rule",
            $"regexp map {path}, line 4: ignoring ENDIF without matching IF",
        ], f.Warnings);
    }

    [Fact]
    public void Pcre_supports_lookahead_and_x_flag()
    {
        using var f = new MapFixture();
        var t = f.Open("pcre:" + f.Write("p", "/^(?!owner-)(.*)-outgoing@(.*)/ 550 Use ${1}@${2} instead\n/ ^ s p a c e d $ /x spaced\n"));
        Assert.Equal("550 Use l@d instead", t.Lookup("l-outgoing@d"));
        Assert.Null(t.Lookup("owner-l-outgoing@d"));
        Assert.Equal("spaced", t.Lookup("spaced"));
    }

    [Fact]
    public void Continuation_lines_join_a_long_rule()
    {
        using var f = new MapFixture();
        var t = f.Open("regexp:" + f.Write("r", "/^a$/ first\n  second\n"));
        Assert.Equal("first  second", t.Lookup("a"));
    }

    [Fact]
    public void Regexp_matches_first_pattern_but_not_second()
    {
        using var f = new MapFixture();
        var t = f.Open("regexp:" + f.Write("r", "/^a/!/b$/ a-not-b\n"));
        Assert.Equal("a-not-b", t.Lookup("ax"));
        Assert.Null(t.Lookup("ab"));
    }

    [Fact]
    public void Pcre_rejects_the_two_pattern_form_as_postfix()
    {
        using var f = new MapFixture();
        var path = f.Write("p", "/^a/!/b$/ a-not-b\n");
        Assert.Null(f.Open("pcre:" + path).Lookup("ax"));
        Assert.Equal([$"pcre map {path}, line 1: unknown regexp option \"!\": skipping this rule"], f.Warnings);
    }
}
