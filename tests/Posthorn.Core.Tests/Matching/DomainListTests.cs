using Posthorn.Core.Matching;

namespace Posthorn.Core.Tests.Matching;

public class DomainListTests
{
    [Fact]
    public void Exact_domain_matches_case_insensitively()
    {
        var l = DomainList.Create("example.com, other.org", parentStyle: false, domainSemantics: true, NoMaps.Instance);
        Assert.True(l.Matches("EXAMPLE.com"));
        Assert.False(l.Matches("sub.example.com"));
    }

    [Fact]
    public void Parent_style_matches_subdomains()
    {
        var l = DomainList.Create("example.com", parentStyle: true, domainSemantics: true, NoMaps.Instance);
        Assert.True(l.Matches("a.b.example.com"));
        Assert.False(l.Matches("badexample.com"));
    }

    [Fact]
    public void Leading_dot_matches_only_subdomains()
    {
        var l = DomainList.Create(".example.com", parentStyle: false, domainSemantics: true, NoMaps.Instance);
        Assert.True(l.Matches("sub.example.com"));
        Assert.False(l.Matches("example.com"));
    }

    [Fact]
    public void Negation_stops_at_first_match()
    {
        var l = DomainList.Create("!bad.example.com, example.com", parentStyle: true, domainSemantics: true, NoMaps.Instance);
        Assert.False(l.Matches("bad.example.com"));
        Assert.True(l.Matches("good.example.com"));
    }

    [Fact]
    public void Table_pattern_looks_up_the_name_then_parents()
    {
        var maps = new FakeMaps().Add("hash:/etc/relay", ".example.com", "OK");
        var l = DomainList.Create("hash:/etc/relay", parentStyle: false, domainSemantics: true, maps);
        Assert.True(l.Matches("sub.example.com"));
        Assert.False(l.Matches("example.com"));
    }

    [Fact]
    public void String_list_has_no_subdomain_semantics()
    {
        var l = DomainList.Create("example.com", parentStyle: true, domainSemantics: false, NoMaps.Instance);
        Assert.True(l.Matches("example.com"));
        Assert.False(l.Matches("sub.example.com"));
    }

    [Fact]
    public void File_pattern_reads_patterns_from_the_file()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "# domains\nexample.com other.org\n");
            var l = DomainList.Create(path, parentStyle: false, domainSemantics: true, NoMaps.Instance);
            Assert.True(l.Matches("other.org"));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
