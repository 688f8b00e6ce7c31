using Posthorn.EndToEnd.Tests.Support;

namespace Posthorn.EndToEnd.Tests.Postconf;

/// <summary>out/bin/postconf on temporary configuration directories.</summary>
public class PostconfEndToEndTests
{
    private const string MainCf =
        "# Posthorn test main.cf\n" +
        "myhostname = mail.example.com\n" +
        "\n" +
        "# where mail comes from\n" +
        "myorigin = $mydomain\n" +
        "mydestination = $myhostname,\n" +
        "    localhost\n" +
        "typo_parameter = 1\n";

    private const string MasterCf =
        "# service type private unpriv chroot wakeup maxproc command\n" +
        "smtp      inet  n       -       y       -       -       smtpd\n" +
        "submission inet n       -       y       -       -       smtpd\n" +
        "  -o syslog_name=postfix/$service_name\n" +
        "  -o smtpd_tls_security_level=encrypt\n" +
        "relay     unix  -       -       n       -       -       smtp\n";

    private static CommandResult Postconf(TempConfig cfg, params string[] args) =>
        PosthornBin.Run("postconf", ["-c", cfg.Dir, .. args]);

    [Fact]
    public void Dash_e_round_trip_keeps_comments_and_order()
    {
        using var cfg = new TempConfig(MainCf, MasterCf);
        var r = Postconf(cfg, "-e", "myorigin = example.com", "relayhost=[smtp.example.net]:587");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(
            "# Posthorn test main.cf\nmyhostname = mail.example.com\n\n# where mail comes from\nmyorigin = example.com\n" +
            "mydestination = $myhostname,\n    localhost\ntypo_parameter = 1\nrelayhost = [smtp.example.net]:587\n",
            File.ReadAllText(cfg.MainCf));
        var read = Postconf(cfg, "-h", "myorigin", "relayhost");
        Assert.Equal("example.com\n[smtp.example.net]:587\n", read.Stdout);
    }

    [Fact]
    public void Dash_X_and_dash_hash_remove_and_comment_out()
    {
        using var cfg = new TempConfig(MainCf, MasterCf);
        Assert.Equal(0, Postconf(cfg, "-X", "typo_parameter").ExitCode);
        Assert.Equal(0, Postconf(cfg, "-#", "mydestination").ExitCode);
        Assert.Equal(
            "# Posthorn test main.cf\nmyhostname = mail.example.com\n\n# where mail comes from\nmyorigin = $mydomain\n" +
            "#mydestination = $myhostname,\n#    localhost\n",
            File.ReadAllText(cfg.MainCf));
    }

    [Fact]
    public void Dash_n_and_dash_x_print_postfix_format_and_warn_about_unused()
    {
        using var cfg = new TempConfig(MainCf, MasterCf);
        var r = Postconf(cfg, "-nx");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(
            $"config_directory = {cfg.Dir}\nmydestination = mail.example.com, localhost\nmyhostname = mail.example.com\nmyorigin = example.com\n",
            r.Stdout);
        Assert.Equal($"postconf: warning: {cfg.Dir}/main.cf: unused parameter: typo_parameter=1\n", r.Stderr);
    }

    [Fact]
    public void Mail_config_environment_names_the_directory()
    {
        using var cfg = new TempConfig(MainCf, MasterCf);
        var r = PosthornBin.Run("postconf", ["-h", "myhostname"], env: new Dictionary<string, string> { ["MAIL_CONFIG"] = cfg.Dir });
        Assert.Equal("mail.example.com\n", r.Stdout);
    }

    [Fact]
    public void Dash_M_F_P_show_master_cf()
    {
        using var cfg = new TempConfig(MainCf, MasterCf);
        Assert.Equal(
            "smtp       inet  n       -       y       -       -       smtpd\n" +
            "submission inet  n       -       y       -       -       smtpd -o syslog_name=postfix/$service_name -o smtpd_tls_security_level=encrypt\n" +
            "relay      unix  -       -       n       -       -       smtp\n",
            Postconf(cfg, "-M").Stdout);
        Assert.Equal(
            "submission inet  n       -       y       -       -       smtpd\n    -o syslog_name=postfix/submission\n    -o smtpd_tls_security_level=encrypt\n",
            Postconf(cfg, "-Mfx", "submission/inet").Stdout);
        Assert.Equal("submission/inet/chroot = y\n", Postconf(cfg, "-F", "submission/inet/chroot").Stdout);
        Assert.Equal(
            "submission/inet/smtpd_tls_security_level = encrypt\nsubmission/inet/syslog_name = postfix/$service_name\n",
            Postconf(cfg, "-P").Stdout);
    }

    [Fact]
    public void Master_cf_edits_round_trip()
    {
        using var cfg = new TempConfig(MainCf, MasterCf);
        Assert.Equal(0, Postconf(cfg, "-M", "pickup/unix=pickup unix n - y 60 1 pickup").ExitCode);
        Assert.Equal(0, Postconf(cfg, "-P", "smtp/inet/smtpd_sasl_auth_enable=no").ExitCode);
        Assert.Equal(0, Postconf(cfg, "-MX", "relay/unix").ExitCode);
        Assert.Equal(
            "# service type private unpriv chroot wakeup maxproc command\n" +
            "smtp       inet  n       -       y       -       -       smtpd\n" +
            "    -o smtpd_sasl_auth_enable=no\n" +
            "submission inet n       -       y       -       -       smtpd\n" +
            "  -o syslog_name=postfix/$service_name\n" +
            "  -o smtpd_tls_security_level=encrypt\n" +
            "pickup     unix  n       -       y       60      1       pickup\n",
            File.ReadAllText(Path.Combine(cfg.Dir, "master.cf")));
    }

    [Fact]
    public void Per_service_parameters_from_master_cf_are_known()
    {
        using var cfg = new TempConfig("relay_destination_concurrency_limit = 2\n", MasterCf);
        var r = Postconf(cfg, "relay_destination_concurrency_limit", "relay_time_limit");
        Assert.Equal("relay_destination_concurrency_limit = 2\n", r.Stdout);
        Assert.Equal("postconf: warning: relay_time_limit: unknown parameter\n", r.Stderr);
    }

    [Fact]
    public void Malformed_line_names_file_and_line()
    {
        using var cfg = new TempConfig("myhostname = a\nthis is wrong\n", MasterCf);
        var r = Postconf(cfg, "-n");
        Assert.Equal(1, r.ExitCode);
        Assert.Equal($"postconf: fatal: {cfg.Dir}/main.cf:2: missing '=' after attribute name: \"this is wrong\"\n", r.Stderr);
    }

    [Fact]
    public void Dollar_loop_is_reported_naming_the_parameter()
    {
        using var cfg = new TempConfig("myorigin = $mydomain\nmydomain = $myorigin\n", MasterCf);
        var r = Postconf(cfg, "-x", "myorigin");
        Assert.Equal(1, r.ExitCode);
        Assert.Single(r.Stderr.Trim().Split('\n'));
        Assert.Contains("parameter myorigin", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("$myorigin -> $mydomain -> $myorigin", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_config_directory_is_a_one_line_error()
    {
        var r = PosthornBin.Run("postconf", ["-c", "/nonexistent/posthorn", "-n"]);
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("postconf: fatal: open /nonexistent/posthorn/main.cf: No such file or directory\n", r.Stderr);
    }

    [Fact]
    public void Unknown_flag_is_a_usage_error_with_status_64()
    {
        using var cfg = new TempConfig(MainCf, MasterCf);
        var r = Postconf(cfg, "-Z");
        Assert.Equal(64, r.ExitCode);
    }
}
