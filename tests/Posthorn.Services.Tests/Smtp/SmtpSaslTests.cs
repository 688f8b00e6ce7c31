using System.Text;
using Posthorn.Core.Config;
using Posthorn.Services.SmtpClient;

namespace Posthorn.Services.Tests.SmtpClient;

/// <summary>SMTP client AUTH rules (SASL_README, smtp(8) smtp_sasl_* parameters).</summary>
public sealed class SmtpSaslTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("smtp-sasl").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private SmtpSasl Sasl(string extra = "", string passwd = "")
    {
        File.WriteAllText(Path.Combine(_dir, "passwd"), passwd);
        return new SmtpSasl(MainConfig.FromText($"smtp_sasl_auth_enable = yes\nsmtp_sasl_password_maps = texthash:{_dir}/passwd\n" + extra), false);
    }

    [Fact]
    public void Reads_mechanisms_from_the_AUTH_line_and_the_old_AUTH_equals_form()
    {
        Assert.Equal(["PLAIN", "LOGIN", "CRAM-MD5"], SmtpSasl.OfferedMechanisms(["PIPELINING", "AUTH PLAIN LOGIN", "AUTH=LOGIN CRAM-MD5", "AUTHX FOO"]));
        Assert.Empty(SmtpSasl.OfferedMechanisms(["PIPELINING", "SIZE 100"]));
    }

    [Fact]
    public void Password_maps_are_searched_by_host_then_by_destination()
    {
        var sasl = Sasl(passwd: "[mail.isp.example]:587 user1:pw1\nmx.example.com user2:pw:with:colons\nexample.com user3:pw3\n");
        Assert.Equal(("user1", "pw1"), sasl.PasswordFor("mail.isp.example", "[mail.isp.example]:587"));
        Assert.Equal(("user2", "pw:with:colons"), sasl.PasswordFor("MX.example.com", "example.com"));
        Assert.Equal(("user3", "pw3"), sasl.PasswordFor("mx2.example.com", "example.com"));
        Assert.Null(sasl.PasswordFor("mail.isp.example", "[mail.isp.example]"));
    }

    [Fact]
    public void Plaintext_mechanisms_need_options_without_noplaintext()
    {
        var byDefault = Sasl();
        Assert.Null(byDefault.Choose(["PLAIN", "LOGIN"], tls: false, verified: false));
        Assert.Null(byDefault.Choose(["PLAIN", "LOGIN"], tls: true, verified: false)); // tls options default to the same
        var readme = Sasl("smtp_sasl_tls_security_options = noanonymous\n");
        Assert.Null(readme.Choose(["PLAIN"], tls: false, verified: false));
        Assert.Equal("PLAIN", readme.Choose(["LOGIN", "PLAIN"], tls: true, verified: false));
        Assert.Equal("PLAIN", readme.Choose(["PLAIN"], tls: true, verified: true)); // verified options default to the TLS ones
        Assert.Equal("LOGIN", Sasl("smtp_sasl_security_options = noanonymous\n").Choose(["LOGIN", "CRAM-MD5"], false, false));
        Assert.Null(Sasl("smtp_sasl_security_options = noanonymous, nodictionary\n").Choose(["PLAIN"], false, false));
        Assert.Null(Sasl("smtp_sasl_security_options =\n").Choose(["CRAM-MD5"], false, false));
    }

    [Fact]
    public void Mechanism_filter_keeps_listed_mechanisms_and_drops_negated_ones()
    {
        Assert.Equal(["LOGIN"], Sasl("smtp_sasl_mechanism_filter = login\n").Filter(["PLAIN", "LOGIN"]));
        Assert.Equal(["LOGIN", "CRAM-MD5"], Sasl("smtp_sasl_mechanism_filter = !plain, login, cram-md5\n").Filter(["PLAIN", "LOGIN", "CRAM-MD5"]));
        Assert.Equal(["PLAIN", "LOGIN"], Sasl().Filter(["PLAIN", "LOGIN"]));
    }

    [Fact]
    public void PLAIN_initial_response_is_empty_authzid_user_and_password()
    {
        var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(SmtpSasl.PlainResponse("alice@example.com", "secret")));
        Assert.Equal("\0alice@example.com\0secret", decoded);
    }

    [Fact]
    public void Enabled_without_a_password_table_is_a_configuration_error()
    {
        var e = Assert.Throws<ConfigException>(() => new SmtpSasl(MainConfig.FromText("smtp_sasl_auth_enable = yes\n"), false));
        Assert.Contains("specify a password table via the `smtp_sasl_password_maps' configuration parameter", e.Message, StringComparison.Ordinal);
        Assert.False(new SmtpSasl(MainConfig.FromText(""), false).Enabled);
    }
}
