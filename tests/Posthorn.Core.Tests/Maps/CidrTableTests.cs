using Posthorn.Core.Maps;

namespace Posthorn.Core.Tests.Maps;

public class CidrTableTests
{
    // The example of cidr_table(5).
    private const string ManualExample = """
        # Rule order matters. Put more specific allowlist entries
        # before more general denylist entries.
        192.168.1.1             OK
        192.168.0.0/16          REJECT
        2001:db8::1             OK
        2001:db8::/32           REJECT
        """;

    [Fact]
    public void Manual_example_answers()
    {
        using var f = new MapFixture();
        var t = f.Open("cidr:" + f.Write("c", ManualExample));
        Assert.Equal("OK", t.Lookup("192.168.1.1"));
        Assert.Equal("REJECT", t.Lookup("192.168.7.9"));
        Assert.Equal("OK", t.Lookup("2001:db8::1"));
        Assert.Equal("REJECT", t.Lookup("2001:db8:ffff::2"));
        Assert.Null(t.Lookup("10.0.0.1"));
        Assert.Null(t.Lookup("not-an-address"));
        Assert.Null(t.Lookup("[192.168.1.1]"));
        Assert.Null(t.Lookup("192.168"));
    }

    [Fact]
    public void Negation_and_if_endif()
    {
        using var f = new MapFixture();
        var t = f.Open("cidr:" + f.Write("c", "if 172.16.0.0/12\n172.16.1.0/24 inner\nendif\n!10.0.0.0/8 outside\n"));
        Assert.Equal("inner", t.Lookup("172.16.1.5"));
        Assert.Equal("outside", t.Lookup("172.17.0.1"));
        Assert.Null(t.Lookup("10.1.2.3"));
        Assert.Null(t.Lookup("::1")); // a negated IPv4 rule does not match IPv6
    }

    [Fact]
    public void Bad_cidr_lines_warn_as_postfix_and_the_rest_loads()
    {
        using var f = new MapFixture();
        var path = f.Write("c", "1.2.3.4/33 bad\n1.2.3.x/24 a\nfoo b\n1.2.3.4/24 nonzero\n10.0.0.0/8\n[::1]/128 loop\nif 1.0.0.0/8\n");
        var t = f.Open("cidr:" + path);
        Assert.Equal("loop", t.Lookup("::1"));
        Assert.Equal(
        [
            $"cidr map {path}, line 1: bad mask length in \"1.2.3.4/33\": skipping this rule",
            $"cidr map {path}, line 2: bad network value in \"1.2.3.x/24\": skipping this rule",
            $"cidr map {path}, line 3: bad address pattern: \"foo\": skipping this rule",
            $"cidr map {path}, line 4: non-null host address bits in \"1.2.3.4/24\", perhaps you should use \"1.2.3.0/24\" instead: skipping this rule",
            $"cidr map {path}, line 5: no lookup result: skipping this rule",
            $"cidr map {path}, line 7: IF has no matching ENDIF",
        ], f.Warnings);
    }
}
