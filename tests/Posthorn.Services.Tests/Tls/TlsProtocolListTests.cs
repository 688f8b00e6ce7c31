using System.Security.Authentication;
using Posthorn.Services.Tls;

namespace Posthorn.Services.Tests.Tls;

public class TlsProtocolListTests
{
    [Theory]
    [InlineData(">=TLSv1", SslProtocols.Tls12 | SslProtocols.Tls13)]
    [InlineData(">=TLSv1.2", SslProtocols.Tls12 | SslProtocols.Tls13)]
    [InlineData(">=TLSv1.3", SslProtocols.Tls13)]
    [InlineData("!SSLv2, !SSLv3", SslProtocols.Tls12 | SslProtocols.Tls13)]
    [InlineData("!SSLv2 !SSLv3 !TLSv1 !TLSv1.1 !TLSv1.3", SslProtocols.Tls12)]
    [InlineData("TLSv1.2:TLSv1.3", SslProtocols.Tls12 | SslProtocols.Tls13)]
    [InlineData("tlsv1.3", SslProtocols.Tls13)]
    [InlineData(">=TLSv1, <=TLSv1.2", SslProtocols.Tls12)]
    [InlineData("", SslProtocols.Tls12 | SslProtocols.Tls13)]
    public void Parses_Postfix_protocol_lists(string value, SslProtocols expected) =>
        Assert.Equal(expected, TlsProtocolList.Parse(value));

    [Theory]
    [InlineData("<=TLSv1.1")]
    [InlineData("SSLv3")]
    [InlineData("TLSv9")]
    [InlineData(">=bogus")]
    public void Rejects_lists_that_name_nothing_usable(string value) =>
        Assert.Throws<FormatException>(() => TlsProtocolList.Parse(value));
}
