using System.Text;
using Posthorn.Core.Config;
using Posthorn.Services.Lmtpd;
using Posthorn.Services.Tests.MailStore;

namespace Posthorn.Services.Tests.Lmtpd;

public class LfContentSinkTests
{
    [Fact]
    public void CRLF_becomes_LF_even_when_split_across_writes()
    {
        var sink = new LfContentSink(0);
        sink.Write("a\r"u8);
        sink.Write("\nb\r\n"u8);
        sink.Write("c\rd\r"u8);
        sink.Complete();
        Assert.Equal("a\nb\nc\rd\r", Encoding.ASCII.GetString(sink.Buffer, 0, sink.Length));
    }

    [Fact]
    public void Nothing_past_the_size_limit_is_kept()
    {
        var sink = new LfContentSink(4);
        sink.Write("abcdefgh"u8);
        Assert.Equal(4, sink.Length);
    }
}

public class LmtpRecipientTests
{
    private static LmtpdSettings Settings(TempDir dir)
    {
        File.WriteAllText(dir["users"], "al:{PLAIN}x::::/home/al::\nbob@example.com:{PLAIN}x::::::\n");
        return LmtpdSettings.FromConfig(MainConfig.FromText($"posthorn_user_database = {dir["users"]}\nmydestination = localhost\nrecipient_delimiter = +\n"));
    }

    [Theory]
    [InlineData("bob@example.com", "bob@example.com")]
    [InlineData("BOB@Example.COM", "bob@example.com")]
    [InlineData("bob+lists@example.com", "bob@example.com")]
    [InlineData("al@localhost", "al")]
    [InlineData("al+x@localhost", "al")]
    [InlineData("al@example.com", null)]
    [InlineData("nobody@example.com", null)]
    [InlineData("+@example.com", null)]
    public void Finds_users_by_address_extension_and_local_domain(string address, string? user)
    {
        using var dir = new TempDir();
        Assert.Equal(user, LmtpRecipients.Find(Settings(dir), address)?.User);
    }
}

public class LmtpDeliveryTests
{
    [Theory]
    [InlineData("maildir:{0}/box/")]
    [InlineData("mbox:{0}/mbox")]
    public void Adds_Return_Path_and_Delivered_To_and_saves(string location)
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["users"], $"al:{{PLAIN}}x::::::mail={string.Format(System.Globalization.CultureInfo.InvariantCulture, location, dir.Path)}\n");
        var settings = LmtpdSettings.FromConfig(MainConfig.FromText($"posthorn_user_database = {dir["users"]}\n"));
        var body = Encoding.ASCII.GetBytes("Subject: t\n\nhello\n");
        var reply = LmtpDelivery.Deliver(settings, settings.Users.Find("al")!, "s@example.org", "al@localhost", body, body.Length, "SID");
        Assert.Equal("250 2.0.0 <al@localhost> SID Saved\r\n", reply.ToString());
        string stored = location.StartsWith("maildir", StringComparison.Ordinal)
            ? File.ReadAllText(Directory.GetFiles(dir["box/new"]).Single())
            : File.ReadAllText(dir["mbox"]);
        Assert.Contains("Return-Path: <s@example.org>\nDelivered-To: al@localhost\nSubject: t\n\nhello\n", stored, StringComparison.Ordinal);
    }

    [Fact]
    public void A_locked_mbox_gets_a_temporary_failure_for_that_recipient()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["users"], $"al:{{PLAIN}}x::::::mail=mbox:{dir["mbox"]}\n");
        File.WriteAllText(dir["mbox.lock"], "");
        var settings = LmtpdSettings.FromConfig(MainConfig.FromText($"posthorn_user_database = {dir["users"]}\nmailbox_delivery_lock = dotlock\ndeliver_lock_attempts = 1\ndeliver_lock_delay = 1s\n"));
        var body = Encoding.ASCII.GetBytes("Subject: t\n\nhello\n");
        var reply = LmtpDelivery.Deliver(settings, settings.Users.Find("al")!, "s@example.org", "al@localhost", body, body.Length, "SID");
        Assert.Equal("451 4.2.0 <al@localhost> Mailbox is locked, try again later\r\n", reply.ToString());
        Assert.False(File.Exists(dir["mbox"]) && new FileInfo(dir["mbox"]).Length > 0);
    }

    [Fact]
    public void A_user_without_a_mailbox_gets_a_temporary_failure()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["users"], "x@nowhere.example:{PLAIN}x::::::\n");
        var settings = LmtpdSettings.FromConfig(MainConfig.FromText($"posthorn_user_database = {dir["users"]}\n"));
        var reply = LmtpDelivery.Deliver(settings, settings.Users.Find("x@nowhere.example")!, "", "x@nowhere.example", [], 0, "SID");
        Assert.Equal(451, reply.Code);
        Assert.Equal("4.3.0", reply.EnhancedStatus);
    }

    [Theory]
    [InlineData("lmtp", "y", "/q/private/lmtp")]
    [InlineData("lmtp", "-", "/q/private/lmtp")]
    [InlineData("dovecot-lmtp", "n", "/q/public/dovecot-lmtp")]
    public void A_unix_service_socket_lives_under_private_or_public(string name, string isPrivate, string expected)
    {
        var entry = new MasterService(name, "unix", isPrivate, "-", "n", "-", "-", "lmtpd", [], [], [], 1);
        Assert.Equal(expected, LmtpdService.SocketPath(MainConfig.FromText("queue_directory = /q\n"), entry));
    }

    [Fact]
    public void Binding_replaces_a_stale_socket_file()
    {
        using var dir = new TempDir();
        var path = dir["private/lmtp"];
        Directory.CreateDirectory(dir["private"]);
        File.WriteAllText(path, "stale");
        using var socket = LmtpdService.BindUnix(path);
        using var client = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        client.Connect(new System.Net.Sockets.UnixDomainSocketEndPoint(path));
        Assert.True(client.Connected);
    }
}
