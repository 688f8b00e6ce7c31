using System.Runtime.Versioning;

using Posthorn.Core.Queue;

namespace Posthorn.Commands.Tests.Sendmail;

/// <summary>sendmail(1): each flag, run in memory against a temporary queue.</summary>
[UnsupportedOSPlatform("windows")]
public sealed class SendmailCommandTests : IDisposable
{
    private readonly QueueTestConfig _q = new();

    public void Dispose() => _q.Dispose();

    [Fact]
    public void Writes_command_line_recipients_into_maildrop_and_exits_0()
    {
        var r = _q.Sendmail("Subject: hi\n\nhello\n", "alice@example.com", "bob");
        Assert.Equal(0, r.Code);
        var f = _q.MaildropFile();
        Assert.Equal(["alice@example.com", "bob"], f.Recipients.Select(x => x.Address));
        Assert.Equal("Subject: hi\r\n\r\nhello\r\n", QueueTestConfig.Content(f));
        Assert.Equal("local", f.Attributes[QueueAttributes.RewriteContext]);
    }

    [Fact]
    public void Maildrop_file_is_0744_so_pickup_can_read_it()
    {
        _q.Sendmail("x\n", "a@b");
        var id = Assert.Single(_q.Queue.Enumerate(QueueNames.Maildrop));
        Assert.Equal(MaildropFile.ReadyMode, File.GetUnixFileMode(_q.Queue.PathOf(QueueNames.Maildrop, id)));
    }

    [Fact]
    public void Comma_separated_and_display_name_recipients_are_parsed_as_headers()
    {
        _q.Sendmail("x\n", "a@example.com, Bob <b@example.com>");
        Assert.Equal(["a@example.com", "b@example.com"], _q.MaildropFile().Recipients.Select(x => x.Address));
    }

    [Fact]
    public void Single_dot_line_ends_the_message_without_i()
    {
        _q.Sendmail("one\n.\ntwo\n", "a@b");
        Assert.Equal("one\r\n", QueueTestConfig.Content(_q.MaildropFile()));
    }

    [Theory]
    [InlineData("-i")]
    [InlineData("-oi")]
    public void Dot_line_is_content_with_i(string flag)
    {
        _q.Sendmail("one\n.\ntwo\n", flag, "a@b");
        Assert.Equal("one\r\n.\r\ntwo\r\n", QueueTestConfig.Content(_q.MaildropFile()));
    }

    [Fact]
    public void Leading_From_lines_are_dropped_and_CR_stripped()
    {
        _q.Sendmail("From someone Mon Jan 1\r\n>From x\r\nSubject: s\r\n\r\nb\r\n", "a@b");
        Assert.Equal("Subject: s\r\n\r\nb\r\n", QueueTestConfig.Content(_q.MaildropFile()));
    }

    [Fact]
    public void Extracts_recipients_from_To_Cc_Bcc_with_t()
    {
        var r = _q.Sendmail("To: a@example.com\nCc: B <b@example.com>,\n c@example.com\nBcc: d@example.com\nSubject: s\n\nbody To: x@y\n", "-t");
        Assert.Equal(0, r.Code);
        var f = _q.MaildropFile();
        Assert.Equal(["a@example.com", "b@example.com", "c@example.com", "d@example.com"], f.Recipients.Select(x => x.Address));
        Assert.All(f.Recipients, x => Assert.True(x.Extracted));
    }

    [Fact]
    public void With_t_command_line_recipients_are_added_to_extracted_ones()
    {
        _q.Sendmail("To: a@example.com\n\nb\n", "-t", "z@example.com");
        var f = _q.MaildropFile();
        Assert.Equal(["z@example.com", "a@example.com"], f.Recipients.Select(x => x.Address));
    }

    [Fact]
    public void Resent_headers_win_over_plain_ones_with_t()
    {
        _q.Sendmail("To: a@example.com\nResent-To: r@example.com\n\nb\n", "-t");
        Assert.Equal(["r@example.com"], _q.MaildropFile().Recipients.Select(x => x.Address));
    }

    [Fact]
    public void No_recipients_is_EX_USAGE()
    {
        var r = _q.Sendmail("x\n");
        Assert.Equal(64, r.Code);
        Assert.Contains("Recipient addresses must be specified on the command line or via the -t option", r.Err, StringComparison.Ordinal);
        Assert.Empty(_q.Queue.Enumerate(QueueNames.Maildrop));
        var t = _q.Sendmail("Subject: x\n\n", "-t");
        Assert.Equal(64, t.Code);
        Assert.Contains("No recipient addresses found in message header", t.Err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-f")]
    [InlineData("-r")]
    public void Sender_from_f_or_r(string flag)
    {
        _q.Sendmail("x\n", flag, "Joe <joe@example.com>", "a@b");
        Assert.Equal("joe@example.com", _q.MaildropFile().Sender);
    }

    [Fact]
    public void Null_sender_with_f_empty_brackets()
    {
        _q.Sendmail("x\n", "-f", "<>", "a@b");
        Assert.Equal("", _q.MaildropFile().Sender);
    }

    [Fact]
    public void Full_name_from_F()
    {
        _q.Sendmail("x\n", "-F", "Joe Sixpack", "a@b");
        Assert.Equal("Joe Sixpack", _q.MaildropFile().Attributes[MaildropFile.FullNameAttribute]);
    }

    [Fact]
    public void Dsn_options_N_R_V_are_recorded()
    {
        _q.Sendmail("x\n", "-N", "success,delay", "-R", "hdrs", "-V", "envid-1", "a@b");
        var f = _q.MaildropFile();
        Assert.Equal("SUCCESS,DELAY", f.Recipients[0].DsnNotify);
        Assert.Equal("HDRS", f.DsnRet);
        Assert.Equal("envid-1", f.DsnEnvid);
    }

    [Fact]
    public void Bad_N_value_is_a_warning_and_ignored()
    {
        var r = _q.Sendmail("x\n", "-N", "sometimes", "a@b");
        Assert.Equal(0, r.Code);
        Assert.Contains("bad -N option value: 'sometimes' -- ignored", r.Err, StringComparison.Ordinal);
        Assert.Null(_q.MaildropFile().Recipients[0].DsnNotify);
    }

    [Fact]
    public void B_sets_encoding_and_rejects_other_values()
    {
        _q.Sendmail("x\n", "-B", "8BITMIME", "a@b");
        Assert.Equal("8bit", _q.MaildropFile().Attributes[QueueAttributes.Encoding]);
        var r = _q.Sendmail("x\n", "-B", "9BIT", "a@b");
        Assert.Equal(64, r.Code);
        Assert.Contains("-B option needs 8BITMIME or 7BIT", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Ignored_options_are_accepted_as_postfix_does()
    {
        var r = _q.Sendmail("x\n", "-om", "-oee", "-m", "-x", "-U", "-L", "tag", "a@b");
        Assert.Equal(0, r.Code);
        Assert.Single(_q.Queue.Enumerate(QueueNames.Maildrop));
    }

    [Fact]
    public void Unknown_option_is_EX_USAGE()
    {
        var r = _q.Sendmail("x\n", "-k", "a@b");
        Assert.Equal(64, r.Code);
        Assert.Contains("usage: sendmail [options]", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void N_alone_is_not_supported()
    {
        Assert.Equal(64, _q.Sendmail("x\n", "-n", "a@b").Code);
    }

    [Fact]
    public void T_is_only_for_delivery_mode()
    {
        var r = _q.Sendmail("", "-t", "-bp");
        Assert.Equal(64, r.Code);
        Assert.Contains("-t can be used only in delivery mode", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Bp_lists_the_queue_like_mailq()
    {
        var r = _q.Sendmail("", "-bp");
        Assert.Equal((0, "Mail queue is empty\n"), (r.Code, r.Out));
        var m = QueueTestConfig.Run("mailq", "", "-C", _q.Dir);
        Assert.Equal((0, "Mail queue is empty\n"), (m.Code, m.Out));
    }

    [Fact]
    public void Bi_without_alias_database_does_nothing()
    {
        File.AppendAllText(Path.Combine(_q.Dir, "main.cf"), "alias_database =\n");
        Assert.Equal(0, _q.Sendmail("", "-bi").Code);
    }

    [Fact]
    public void Q_without_master_says_mail_system_is_down()
    {
        var r = _q.Sendmail("", "-q");
        Assert.Equal(69, r.Code);
        Assert.Contains("Cannot flush mail queue - mail system is down", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Q_with_interval_outside_daemon_mode_exits_0()
    {
        Assert.Equal(0, _q.Sendmail("", "-q30m").Code);
    }

    [Fact]
    public void Message_bigger_than_message_size_limit_is_EX_DATAERR()
    {
        File.AppendAllText(Path.Combine(_q.Dir, "main.cf"), "message_size_limit = 100\n");
        var r = _q.Sendmail(new string('x', 200) + "\n", "a@b");
        Assert.Equal(65, r.Code);
        Assert.Contains("message file too big", r.Err, StringComparison.Ordinal);
        Assert.Empty(_q.Queue.Enumerate(QueueNames.Maildrop));
    }

    [Fact]
    public void Missing_queue_directory_is_EX_UNAVAILABLE()
    {
        Directory.Delete(_q.QueueRoot, true);
        Assert.Equal(69, _q.Sendmail("x\n", "a@b").Code);
    }

    [Fact]
    public void Maildrop_is_created_world_writable_and_sticky_when_missing()
    {
        Directory.Delete(Path.Combine(_q.QueueRoot, "maildrop"));
        Assert.Equal(0, _q.Sendmail("x\n", "a@b").Code);
        Assert.Equal(MaildropFile.DirectoryMode, File.GetUnixFileMode(Path.Combine(_q.QueueRoot, "maildrop")));
    }

    [Fact]
    public void Bs_runs_an_smtp_dialogue_into_maildrop()
    {
        var r = _q.Sendmail("EHLO me\r\nMAIL FROM:<s@example.com>\r\nRCPT TO:<r@example.com>\r\nDATA\r\nSubject: x\r\n\r\n..dot\r\n.\r\nQUIT\r\n", "-bs");
        Assert.Equal(0, r.Code);
        Assert.StartsWith("220 ", r.Out, StringComparison.Ordinal);
        Assert.Contains("250 2.0.0 Ok: queued as ", r.Out, StringComparison.Ordinal);
        Assert.EndsWith("221 2.0.0 Bye\r\n", r.Out, StringComparison.Ordinal);
        var f = _q.MaildropFile();
        Assert.Equal("s@example.com", f.Sender);
        Assert.Equal("r@example.com", Assert.Single(f.Recipients).Address);
        Assert.Equal("Subject: x\r\n\r\n.dot\r\n", QueueTestConfig.Content(f));
    }

    [Fact]
    public void Bs_refuses_a_message_over_message_size_limit()
    {
        File.AppendAllText(Path.Combine(_q.Dir, "main.cf"), "message_size_limit = 50\n");
        var r = _q.Sendmail("HELO me\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n" + new string('x', 100) + "\r\n.\r\nQUIT\r\n", "-bs");
        Assert.Contains("552 5.3.4 Error: message file too big", r.Out, StringComparison.Ordinal);
        Assert.Contains("221 2.0.0 Bye", r.Out, StringComparison.Ordinal);
        Assert.Empty(_q.Queue.Enumerate(QueueNames.Maildrop));
    }

    [Fact]
    public void Bs_refuses_out_of_order_commands()
    {
        var r = _q.Sendmail("MAIL FROM:<a@b>\r\nHELO x\r\nRCPT TO:<a@b>\r\nDATA\r\nQUIT\r\n", "-bs");
        Assert.Contains("503 5.5.1 Error: send HELO/EHLO first", r.Out, StringComparison.Ordinal);
        Assert.Contains("503 5.5.1 Error: need MAIL command", r.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("never", "NEVER")]
    [InlineData("FAILURE", "FAILURE")]
    [InlineData("never,success", null)]
    [InlineData("", null)]
    public void Notify_mask_follows_rfc_3461(string value, string? expected) =>
        Assert.Equal(expected, Commands.Sendmail.SendmailOptions.NotifyMask(value));
}
