namespace Posthorn.Commands.Tests.Postconf;

/// <summary>postconf's main.cf views, compared with Debian's postconf 3.7 on the same files.</summary>
public class PostconfMainTests
{
    private const string MainCf =
        "# comment\n" +
        "myhostname = mail.example.com\n" +
        "smtpd_banner = a$$b $nosuch ${nosuch} ${nosuch?yes} ${nosuch:no} ${myhostname?{set}:{unset}} $(myhostname)\n" +
        "relayhost = ${{abc} == {abc} ? {eq} : {ne}}\n" +
        "mydestination = one\n  two\n\tthree\n" +
        "alias_maps = x,y z\n" +
        "foo = bar\n" +
        "smtpd_restriction_classes = cls\n" +
        "cls = permit\n" +
        "myorigin = $baz\n" +
        "baz = q\n" +
        "mailbox_command = $zork\n";

    private const string MasterCf = "smtp inet n - y - - smtpd\nrelay unix - - n - - smtp\n";

    [Fact]
    public void Dash_n_prints_main_cf_settings_sorted_with_whitespace_normalized()
    {
        using var pc = new PostconfRunner(MainCf, MasterCf);
        var (status, stdout, _) = pc.Run("-n");
        Assert.Equal(0, status);
        Assert.Equal($$$"""
            alias_maps = x,y z
            baz = q
            cls = permit
            config_directory = {{{pc.Dir}}}
            mailbox_command = $zork
            mydestination = one two three
            myhostname = mail.example.com
            myorigin = $baz
            relayhost = ${{abc} == {abc} ? {eq} : {ne}}
            smtpd_banner = a$$b $nosuch ${nosuch} ${nosuch?yes} ${nosuch:no} ${myhostname?{set}:{unset}} $(myhostname)
            smtpd_restriction_classes = cls

            """, stdout);
    }

    [Fact]
    public void Unused_and_undefined_parameters_draw_postfix_warnings()
    {
        using var pc = new PostconfRunner(MainCf, MasterCf);
        var (_, _, stderr) = pc.Run("-n");
        Assert.Equal("""
            postconf: warning: DIR/main.cf: undefined parameter: nosuch
            postconf: warning: DIR/main.cf: undefined parameter: nosuch
            postconf: warning: DIR/main.cf: undefined parameter: nosuch
            postconf: warning: DIR/main.cf: undefined parameter: nosuch
            postconf: warning: DIR/main.cf: unused parameter: foo=bar

            """, stderr);
    }

    [Fact]
    public void Dash_x_expands_except_raw_parameters()
    {
        using var pc = new PostconfRunner(MainCf, MasterCf);
        var (_, stdout, _) = pc.Run("-x", "smtpd_banner", "relayhost", "mynetworks_style", "myorigin", "mailbox_command");
        Assert.Equal("""
            smtpd_banner = a$b no set mail.example.com
            relayhost = eq
            mynetworks_style = subnet
            myorigin = q
            mailbox_command = $zork

            """, stdout);
    }

    [Fact]
    public void Dash_h_and_dash_H_hide_names_and_values()
    {
        using var pc = new PostconfRunner(MainCf, MasterCf);
        Assert.Equal("mail.example.com\n", pc.Run("-h", "myhostname").Stdout);
        Assert.Equal("myhostname\n", pc.Run("-H", "myhostname").Stdout);
    }

    [Fact]
    public void Unknown_name_is_a_warning_and_exit_0()
    {
        using var pc = new PostconfRunner(MainCf, MasterCf);
        var (status, stdout, stderr) = pc.Run("nosuch", "myhostname");
        Assert.Equal(0, status);
        Assert.Equal("myhostname = mail.example.com\n", stdout);
        Assert.Contains("postconf: warning: nosuch: unknown parameter\n", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_setting_only_main_cf_uses_is_not_a_known_parameter()
    {
        using var pc = new PostconfRunner(MainCf, MasterCf);
        var (_, stdout, stderr) = pc.Run("cls", "baz", "foo");
        Assert.Equal("cls = permit\nbaz = q\n", stdout);
        Assert.Contains("postconf: warning: foo: unknown parameter", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Dash_o_overrides_for_this_run_only()
    {
        using var pc = new PostconfRunner("myorigin = x\n", MasterCf);
        var (_, stdout, stderr) = pc.Run("-o", "myorigin=over", "-o", "new=1", "myorigin");
        Assert.Equal("myorigin = over\n", stdout);
        Assert.Contains("DIR/main.cf: unused parameter: new=1", stderr, StringComparison.Ordinal);
        Assert.Equal("myorigin = x\n", File.ReadAllText(pc.MainCf));
    }

    [Fact]
    public void Dash_f_folds_long_values_at_80_columns()
    {
        var words = string.Join(' ', Enumerable.Repeat("word", 30));
        using var pc = new PostconfRunner($"smtpd_banner = {words}\n", MasterCf);
        Assert.Equal("""
            smtpd_banner = word word word word word word word word word word word word word
                word word word word word word word word word word word word word word word
                word word

            """, pc.Run("-f", "smtpd_banner").Stdout);
    }

    [Fact]
    public void Without_flags_prints_every_parameter_including_per_service_ones()
    {
        using var pc = new PostconfRunner("", MasterCf);
        var stdout = pc.Run().Stdout;
        Assert.Contains("\nrelay_destination_concurrency_limit = $default_destination_concurrency_limit\n", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("\nuucp_", stdout, StringComparison.Ordinal);
        var names = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(" =")[0]).ToList();
        Assert.Equal(names.Order(StringComparer.Ordinal), names);
    }

    [Fact]
    public void Per_service_parameters_are_not_unused()
    {
        using var pc = new PostconfRunner("relay_destination_concurrency_limit = 5\nrelay_destination_rate_delay = 1s\n", MasterCf);
        var (_, stdout, stderr) = pc.Run("-n");
        Assert.Equal("", stderr);
        Assert.Contains("relay_destination_concurrency_limit = 5", stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "-n", "-d" }, "postconf: fatal: specify one of -d -n\n")]
    [InlineData(new[] { "-M", "-n" }, "postconf: fatal: with option -M, do not specify -n\n")]
    [InlineData(new[] { "-e" }, "postconf: fatal: -e requires name=value argument\n")]
    [InlineData(new[] { "-o", "bad", "-n" }, "postconf: fatal: invalid parameter override: bad: missing '=' after attribute name\n")]
    public void Incompatible_options_are_fatal_with_postfix_words(string[] args, string message)
    {
        using var pc = new PostconfRunner("", MasterCf);
        var (status, _, stderr) = pc.Run(args);
        Assert.Equal(1, status);
        Assert.Equal(message, stderr);
    }

    [Fact]
    public void Unknown_flag_is_a_usage_error_with_status_64()
    {
        using var pc = new PostconfRunner("", MasterCf);
        Assert.Equal(64, pc.Run("-Z").Status);
    }

    [Fact]
    public void Malformed_main_cf_line_is_fatal_naming_file_and_line()
    {
        using var pc = new PostconfRunner("a = b\n\njunk\n  more\n", MasterCf);
        var (status, _, stderr) = pc.Run("-n");
        Assert.Equal(1, status);
        Assert.Equal("postconf: fatal: DIR/main.cf:3: missing '=' after attribute name: \"junk  more\"\n", stderr);
    }

    [Fact]
    public void Dollar_loop_under_dash_x_is_fatal_naming_the_parameter()
    {
        using var pc = new PostconfRunner("myorigin = $relayhost\nrelayhost = ${myorigin}\n", MasterCf);
        var (status, _, stderr) = pc.Run("-x", "myorigin");
        Assert.Equal(1, status);
        Assert.Equal("postconf: fatal: parameter myorigin: recursive definition: $myorigin -> $relayhost -> $myorigin\n", stderr);
    }

    [Fact]
    public void Missing_main_cf_is_fatal()
    {
        using var pc = new PostconfRunner("", MasterCf);
        File.Delete(pc.MainCf);
        var (status, _, stderr) = pc.Run("-n");
        Assert.Equal(1, status);
        Assert.Equal("postconf: fatal: open DIR/main.cf: No such file or directory\n", stderr);
    }

    [Fact]
    public void Missing_master_cf_is_a_warning_for_main_cf_views()
    {
        using var pc = new PostconfRunner("myorigin = x\n");
        var (status, stdout, stderr) = pc.Run("-h", "myorigin");
        Assert.Equal(0, status);
        Assert.Equal("x\n", stdout);
        Assert.Equal("postconf: warning: open DIR/master.cf: No such file or directory\n", stderr);
    }

    [Theory]
    [InlineData("-l", "flock\nfcntl\ndotlock\n")]
    [InlineData("-a", "dovecot\n")]
    [InlineData("-A", "internal\n")]
    public void Lists(string flag, string expected)
    {
        using var pc = new PostconfRunner("", MasterCf);
        Assert.Equal(expected, pc.Run(flag).Stdout);
    }

    [Fact]
    public void Dash_m_lists_table_types_sorted()
    {
        using var pc = new PostconfRunner("", MasterCf);
        var lines = pc.Run("-m").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("hash", lines);
        Assert.Equal(lines.Order(StringComparer.Ordinal), lines);
    }
}

/// <summary>Legacy database client parameters (ldap_table(5) and friends), as Debian's postconf treats them.</summary>
public class PostconfDbmsTests
{
    [Fact]
    public void Ldap_table_parameters_are_known_when_a_known_parameter_names_the_table()
    {
        using var pc = new PostconfRunner(
            "alias_maps = proxy:ldap:foo\nfoo_server_host = x\nfoo_bogus = y\nfoo_query_filter = q\n", "");
        var (_, stdout, stderr) = pc.Run("-n");
        Assert.Equal($"alias_maps = proxy:ldap:foo\nconfig_directory = {pc.Dir}\nfoo_query_filter = q\nfoo_server_host = x\n", stdout);
        Assert.Equal("postconf: warning: DIR/main.cf: unused parameter: foo_bogus=y\n", stderr);
    }
}
