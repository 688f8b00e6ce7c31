using Posthorn.Core.Config;

namespace Posthorn.Core.Tests.Config;

/// <summary>master.cf syntax from master(5), checked against Postfix 3.7's postconf -M/-F/-P.</summary>
public class MasterCfFileTests
{
    private const string Sample = """
        # comment
        smtp      inet  n       -       y       -       -       smtpd
          -o smtpd_sasl_auth_enable=yes
           -o { smtpd_banner = a   b }  -o{x=y}
          -o smtpd_tls_security_level=$foo
        pickup    unix  n       -       y       60      1       pickup
        foo unix - - n 60? 3 pipe flags=R user=x argv=/bin/cat { -a b } -o z=1
        """;

    private static MasterCfFile Parse(string text) => MasterCfFile.Parse("master.cf", text);

    [Fact]
    public void Reads_the_eight_fields_and_continuation_lines()
    {
        var f = Parse(Sample);
        Assert.Equal(3, f.Services.Count);
        var smtp = f.Services[0];
        Assert.Equal(["smtp", "inet", "n", "-", "y", "-", "-", "smtpd"], smtp.Fields);
        Assert.Equal(2, smtp.Line);
        Assert.Equal(5, smtp.LastLine);
        Assert.True(smtp.IsPrivate is false && smtp.IsUnprivileged && smtp.IsChroot);
    }

    [Fact]
    public void Dash_o_overrides_in_all_three_forms()
    {
        var smtp = Parse(Sample).Services[0];
        Assert.Equal(
            [new("smtpd_sasl_auth_enable", "yes"), new("smtpd_banner", "a   b"), new("x", "y"), new("smtpd_tls_security_level", "$foo")],
            smtp.Overrides);
        Assert.Equal(["-o", "smtpd_sasl_auth_enable=yes", "-o", "smtpd_banner=a   b", "-o", "x=y", "-o", "smtpd_tls_security_level=$foo"], smtp.RawArguments);
    }

    [Fact]
    public void Options_end_at_the_first_non_option_argument()
    {
        var foo = Parse(Sample).Services[2];
        Assert.Empty(foo.Overrides);
        Assert.Equal(["flags=R", "user=x", "argv=/bin/cat", "-a b", "-o", "z=1"], foo.Arguments);
        Assert.Equal(60, foo.WakeupSeconds);
        Assert.Equal(3, foo.ProcessLimit);
    }

    [Fact]
    public void A_service_sees_main_cf_with_its_overrides()
    {
        var main = MainConfig.FromText("foo = secure\nsmtpd_banner = main\n");
        var smtp = Parse(Sample).Services[0].ConfigFor(main);
        Assert.Equal("a   b", smtp.Get("smtpd_banner"));
        Assert.Equal("secure", smtp.Get("smtpd_tls_security_level"));
        Assert.Equal("main", main.Get("smtpd_banner"));
    }

    [Theory]
    [InlineData("bad unix\n", "master.cf:1: bad field count")]
    [InlineData("a b - - - - - x\n", "master.cf:1: invalid type field \"b\" in \"a b - - - - - x\"")]
    [InlineData("\n\na unix x - - - - x\n", "master.cf:3: invalid private field \"x\" in \"a unix x - - - - x\"")]
    [InlineData("a unix - - - x - x\n", "master.cf:1: invalid wakeup field \"x\" in \"a unix - - - x - x\"")]
    [InlineData("a unix - - - - 1x x\n", "master.cf:1: invalid process_limit field \"1x\" in \"a unix - - - - 1x x\"")]
    [InlineData("a unix - - - - - x -o {y=1\n", "master.cf:1: missing '}' in \"{y=1\"")]
    [InlineData("a unix - - - - - x {a b}c\n", "master.cf:1: syntax error after '}' in \"{a b}c\"")]
    public void Bad_entries_name_file_and_line(string text, string message)
    {
        var e = Assert.Throws<ConfigException>(() => Parse(text));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void Delivery_agents_get_per_transport_parameters()
    {
        var f = Parse("relay unix - - n - - smtp\nuucp unix - n n - - pipe flags=F\nshowq unix n - n - - showq\n");
        var names = f.Services.SelectMany(ServiceParameters.For).Select(p => p.Name).ToList();
        Assert.Contains("relay_destination_concurrency_limit", names);
        Assert.Contains("uucp_time_limit", names);
        Assert.DoesNotContain("relay_time_limit", names);
        Assert.DoesNotContain(names, n => n.StartsWith("showq_", StringComparison.Ordinal));
        Assert.Equal(33, names.Count);
    }

    [Fact]
    public void Duplicate_service_last_entry_wins_for_the_master()
    {
        var f = Parse("smtp inet n - y - - smtpd\npickup unix n - y 60 1 pickup\nsmtp inet n - y - 5 smtpd\n");
        Assert.Equal(3, f.Services.Count);
        Assert.Equal(["smtp/inet"], f.DuplicateIds);
        Assert.Equal(["pickup/unix", "smtp/inet"], f.EffectiveServices.Select(s => s.Id));
        Assert.Equal(5, f.EffectiveServices[1].ProcessLimit);
    }

    [Fact]
    public void Bundled_daemon_options_are_split()
    {
        var s = Parse("a unix - - n - - smtpd -vo x=1 -D\n").Services[0];
        Assert.Equal(["-v", "-o", "x=1", "-D"], s.RawArguments);
        Assert.Equal([new("x", "1")], s.Overrides);
    }

    [Fact]
    public void A_brace_inside_a_word_is_literal()
    {
        var s = Parse("b unix - - n - - pipe argv=/x ${recipient} a{b\n").Services[0];
        Assert.Equal(["argv=/x", "${recipient}", "a{b"], s.Arguments);
    }
}
