namespace Posthorn.Commands.Tests.Postconf;

/// <summary>postconf -M, -F and -P, and their edits, compared with Debian's postconf 3.7.</summary>
public class PostconfMasterTests
{
    private const string MasterCf =
        "# services\n" +
        "smtp      inet  n       -       y       -       -       smtpd\n" +
        "submission inet n       -       y       -       -       smtpd\n" +
        "  -o syslog_name=postfix/$service_name\n" +
        "  -o { smtpd_banner = a   b }  -o{x=y}\n" +
        "  -o smtpd_client_restrictions=$mua_client_restrictions\n" +
        "# between\n" +
        "foo unix - - n 60? 3 pipe flags=R user=x argv=/bin/cat { -a b } ${recipient}\n";

    private const string MainCf = "mua_client_restrictions = permit_sasl_authenticated, reject\n";

    [Fact]
    public void Dash_M_prints_entries_in_postfix_columns()
    {
        using var pc = new PostconfRunner(MainCf, MasterCf);
        Assert.Equal(
            "smtp       inet  n       -       y       -       -       smtpd\n" +
            "submission inet  n       -       y       -       -       smtpd -o syslog_name=postfix/$service_name -o {smtpd_banner=a   b} -o x=y -o smtpd_client_restrictions=$mua_client_restrictions\n" +
            "foo        unix  -       -       n       60?     3       pipe flags=R user=x argv=/bin/cat {-a b} ${recipient}\n",
            pc.Run("-M").Stdout);
    }

    [Fact]
    public void Dash_Mf_folds_and_puts_each_dash_o_on_its_own_line()
    {
        using var pc = new PostconfRunner(MainCf, MasterCf);
        Assert.Equal(
            "submission inet  n       -       y       -       -       smtpd\n" +
            "    -o syslog_name=postfix/$service_name\n" +
            "    -o {smtpd_banner=a   b}\n" +
            "    -o x=y\n" +
            "    -o smtpd_client_restrictions=$mua_client_restrictions\n",
            pc.Run("-Mf", "submission/inet").Stdout);
    }

    [Fact]
    public void Dash_Mx_expands_dash_o_values_with_the_service_name()
    {
        using var pc = new PostconfRunner(MainCf, MasterCf);
        var stdout = pc.Run("-Mx", "submission").Stdout;
        Assert.Contains("-o syslog_name=postfix/submission ", stdout, StringComparison.Ordinal);
        Assert.Contains("-o {smtpd_client_restrictions=permit_sasl_authenticated, reject}", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Unmatched_selector_is_warned_about()
    {
        using var pc = new PostconfRunner(MainCf, MasterCf);
        var (status, stdout, stderr) = pc.Run("-M", "nosuch/unix");
        Assert.Equal(0, status);
        Assert.Equal("", stdout);
        Assert.Contains("postconf: warning: unmatched request: \"nosuch/unix\"", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Dash_F_prints_fields()
    {
        using var pc = new PostconfRunner(MainCf, MasterCf);
        Assert.Equal("""
            foo/unix/service = foo
            foo/unix/type = unix
            foo/unix/private = -
            foo/unix/unprivileged = -
            foo/unix/chroot = n
            foo/unix/wakeup = 60?
            foo/unix/process_limit = 3
            foo/unix/command = pipe flags=R user=x argv=/bin/cat {-a b} ${recipient}

            """, pc.Run("-F", "foo").Stdout);
        Assert.Equal("y\ny\n", pc.Run("-Fh", "*/inet/chroot").Stdout);
    }

    [Fact]
    public void Dash_P_prints_overrides_sorted_with_whitespace_normalized()
    {
        using var pc = new PostconfRunner(MainCf, MasterCf);
        Assert.Equal("""
            submission/inet/smtpd_banner = a b
            submission/inet/smtpd_client_restrictions = $mua_client_restrictions
            submission/inet/syslog_name = postfix/$service_name
            submission/inet/x = y

            """, pc.Run("-P").Stdout);
    }

    [Fact]
    public void Unused_dash_o_parameter_draws_a_master_cf_warning()
    {
        using var pc = new PostconfRunner(MainCf, MasterCf);
        var stderr = pc.Run("-P").Stderr;
        Assert.Equal("postconf: warning: DIR/master.cf: unused parameter: x=y\n", stderr);
    }

    [Fact]
    public void Dash_M_replaces_an_entry_in_place_and_appends_a_new_one()
    {
        using var pc = new PostconfRunner(MainCf, MasterCf);
        Assert.Equal(0, pc.Run("-M", "smtp/inet=smtp inet n - n - 5 smtpd").Status);
        Assert.Equal(0, pc.Run("-M", "bar/unix = bar unix - - n - - pipe flags=R argv=/bin/x").Status);
        var text = File.ReadAllText(pc.MasterCf);
        Assert.StartsWith("# services\nsmtp       inet  n       -       n       -       5       smtpd\nsubmission inet n", text, StringComparison.Ordinal);
        Assert.EndsWith("bar        unix  -       -       n       -       -       pipe flags=R\n    argv=/bin/x\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Dash_MX_removes_and_dash_M_hash_comments_out_keeping_comments()
    {
        using var pc = new PostconfRunner(MainCf, MasterCf);
        pc.Run("-MX", "submission/inet");
        Assert.Equal(
            "# services\nsmtp      inet  n       -       y       -       -       smtpd\n# between\nfoo unix - - n 60? 3 pipe flags=R user=x argv=/bin/cat { -a b } ${recipient}\n",
            File.ReadAllText(pc.MasterCf));
        pc.Run("-M#", "foo/unix");
        Assert.EndsWith("# between\n#foo unix - - n 60? 3 pipe flags=R user=x argv=/bin/cat { -a b } ${recipient}\n", File.ReadAllText(pc.MasterCf), StringComparison.Ordinal);
    }

    [Fact]
    public void Dash_F_and_dash_P_edit_fields_and_overrides()
    {
        using var pc = new PostconfRunner(MainCf, MasterCf);
        pc.Run("-F", "smtp/inet/chroot=n");
        pc.Run("-P", "smtp/inet/smtpd_tls_security_level=may");
        pc.Run("-PX", "submission/inet/x");
        Assert.Equal("smtp       inet  n       -       n       -       -       smtpd\n    -o smtpd_tls_security_level=may\n", pc.Run("-Mf", "smtp").Stdout);
        Assert.DoesNotContain("x=y", File.ReadAllText(pc.MasterCf), StringComparison.Ordinal);
    }

    [Fact]
    public void Dash_P_rejects_whitespace_in_a_value()
    {
        using var pc = new PostconfRunner(MainCf, MasterCf);
        var (status, _, stderr) = pc.Run("-P", "smtp/inet/a=b c");
        Assert.Equal(1, status);
        Assert.Equal("postconf: fatal: -Pe does not accept whitespace in parameter value\n", stderr);
    }

    [Fact]
    public void Bad_master_cf_entry_is_fatal_naming_file_and_line()
    {
        using var pc = new PostconfRunner(MainCf, "smtp inet n - y - - smtpd\nbar unix - - n x - pipe\n");
        var (status, _, stderr) = pc.Run("-M");
        Assert.Equal(1, status);
        Assert.Equal("postconf: fatal: DIR/master.cf:2: invalid wakeup field \"x\" in \"bar unix - - n x - pipe\"\n", stderr);
    }
}
