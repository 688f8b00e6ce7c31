using Posthorn.Core.Config;

namespace Posthorn.Core.Tests.Config;

/// <summary>postconf(5) "PARAMETER EXPANSION", checked against Debian's postconf 3.7 -x.</summary>
public class ParameterExpanderTests
{
    private static string X(string mainCf, string name) => MainConfig.FromText(mainCf).Get(name);

    [Theory]
    [InlineData("a = x\nb = $a", "x")]
    [InlineData("a = x\nb = ${a}", "x")]
    [InlineData("a = x\nb = $(a)", "x")]
    [InlineData("a = x\nb = ${ a }", "x")]
    [InlineData("a = x\nb = $a.$a", "x.x")]
    [InlineData("b = a$$b", "a$b")]
    [InlineData("b = [$nosuch][${nosuch}]", "[][]")]
    public void Expands_names(string text, string expected) => Assert.Equal(expected, X(text, "b"));

    [Theory]
    [InlineData("a = x\nb = ${a?yes}", "yes")]
    [InlineData("b = ${nosuch?yes}", "")]
    [InlineData("a =\nb = ${a?yes}", "")]
    [InlineData("a = x\nb = ${a:no}", "")]
    [InlineData("b = ${nosuch:no}", "no")]
    [InlineData("a = x\nb = ${a?{set}:{unset}}", "set")]
    [InlineData("b = ${a?{set}:{unset}}", "unset")]
    [InlineData("b = ${a?{set}:unset x}", "unset x")]
    [InlineData("b = ${a:{ spaced }}", " spaced ")]
    [InlineData("a = x\nb = ${a?$a$a}", "xx")]
    [InlineData("a = x\nb = ${a??foo:{b}ar}", "?foo:{b}ar")]
    public void Expands_conditionals(string text, string expected) => Assert.Equal(expected, X(text, "b"));

    [Theory]
    [InlineData("b = ${{abc} == {abc} ? {eq} : {ne}}", "eq")]
    [InlineData("b = ${{abc} != {abc} ? {eq} : {ne}}", "ne")]
    [InlineData("b = ${{10} > {9}}", "true")]
    [InlineData("b = ${{10} < {9}}", "")]
    [InlineData("b = ${{10} >= {9a}?{T}:{F}}", "F")]
    [InlineData("b = ${{9} <= {9}?{T}:{F}}", "T")]
    [InlineData("b = ${{ 1} == {1}}", "")]
    [InlineData("b = ${{a}<{b}?  {yes}  :  {no} }", "yes")]
    [InlineData("b = ${{3.10} <=level {3.9}?x:y}", "")]
    [InlineData("b = ${{3.10} >level {3.9}}", "true")]
    [InlineData("b = ${{3} ==level {3.0.0}}", "true")]
    [InlineData("b = ${{2} !=level {2.0}?{x}:{y}}", "y")]
    [InlineData("b = ${{1} >=level {2}?{x}:{y}}", "y")]
    [InlineData("b = ${{1} <level {2}?x:y}", "x:y")]
    public void Evaluates_relational_expressions(string text, string expected) => Assert.Equal(expected, X(text, "b"));

    [Theory]
    [InlineData("", "subnet")]
    [InlineData("compatibility_level = 2\n", "host")]
    [InlineData("compatibility_level = 3.6\n", "host")]
    public void Postfix_3_7_defaults_depend_on_compatibility_level(string text, string expected) =>
        Assert.Equal(expected, X(text, "mynetworks_style"));

    [Fact]
    public void Default_of_relay_domains_follows_mydestination_at_level_0() =>
        Assert.Equal("a, b", X("mydestination = a, b\n", "relay_domains"));

    [Fact]
    public void Loop_is_an_error_naming_the_parameter_not_a_stack_overflow()
    {
        var c = MainConfig.FromText("a = $b\nb = ${a}\n");
        var e = Assert.Throws<ConfigException>(() => c.Get("a"));
        Assert.Contains("parameter a", e.Message, StringComparison.Ordinal);
        Assert.Contains("$a -> $b -> $a", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Loop_through_a_conditional_is_detected()
    {
        var c = MainConfig.FromText("a = ${b?x}\nb = $a\n");
        Assert.Throws<ConfigException>(() => c.Get("a"));
    }

    [Theory]
    [InlineData("b = ${a", "truncated macro reference: \"${a\"")]
    [InlineData("b = x $", "empty macro name: \"x $\"")]
    [InlineData("b = ${{a} =~ {b}}", "\"==\" or \"!=\"\" or \"<\"\" or \"<=\"\" or \">=\"\" or \">\" expected at: \"...a}>>>=~ {b}\"")]
    [InlineData("b = ${myhostname?{ab} x}", "\":\" expected at: \"...ab}>>>x\"")]
    [InlineData("b = ${nosuch:{a}:b}", "unexpected input at: \"...a}>>>:b\"")]
    [InlineData("b = ${{x}<level{3}}", "malformed compatibility level syntax: \"x\"")]
    [InlineData("b = ${a b}", "attribute name syntax error at: \"...a>>> b\"")]
    public void Syntax_errors_use_postfix_words(string text, string message)
    {
        var e = Assert.Throws<ConfigException>(() => X(text, "b"));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void Undefined_names_are_reported_to_the_caller()
    {
        var c = MainConfig.FromText("");
        var seen = new List<string>();
        c.Expand("$nosuch ${nosuch:x} ${myorigin}", null, seen.Add);
        Assert.Equal(["nosuch", "nosuch"], seen);
    }

    [Fact]
    public void Lists_split_on_commas_and_whitespace()
    {
        var c = MainConfig.FromText("mydestination = a,b  c,\n\td ,, e\n");
        Assert.Equal(["a", "b", "c", "d", "e"], c.GetList("mydestination"));
    }

    [Fact]
    public void Override_values_may_refer_to_parameters()
    {
        var c = MainConfig.FromText("myhostname = h.example\n").WithOverrides([new("smtpd_banner", "$myhostname hi")]);
        Assert.Equal("h.example hi", c.Get("smtpd_banner"));
    }
}

public class ParameterExpanderLimitTests
{
    [Fact]
    public void Loop_through_a_computed_default_is_an_error_not_a_stack_overflow()
    {
        var c = MainConfig.FromText("mydomain = $myhostname\n");
        Assert.Throws<ConfigException>(() => c.Get("mydomain"));
    }

    [Fact]
    public void Deep_nesting_is_an_error_not_a_stack_overflow()
    {
        var text = "b = " + string.Concat(Enumerable.Repeat("${a?", 5000)) + "x" + new string('}', 5000) + "\na = 1\n";
        var e = Assert.Throws<ConfigException>(() => MainConfig.FromText(text).Get("b"));
        Assert.StartsWith("unreasonable macro call nesting", e.Message, StringComparison.Ordinal);
    }
}
