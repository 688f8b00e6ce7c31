namespace Posthorn.EndToEnd.Tests.Imapd;

/// <summary>STARTTLS (RFC 3501 6.2.1) and port 993 (imapd_tls_wrappermode, RFC 8314) with imaplib.</summary>
[Collection("imapd")]
public sealed class ImapdTlsTests
{
    [Fact]
    public void Starttls_and_imaps_carry_a_login()
    {
        using var imap = new ImapdSystem(tls: true);
        imap.Deliver("alice", "Subject: over tls\n\nsecret\n");
        var output = imap.PythonOk($$"""
            import ssl
            ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
            m = imaplib.IMAP4('127.0.0.1', PORT)
            assert 'STARTTLS' in m.capabilities, m.capabilities
            typ, data = m.starttls(ssl_context=ctx)
            assert typ == 'OK', data
            assert 'STARTTLS' not in m.capabilities, m.capabilities
            m.login('alice@example.com', 'secret')
            typ, data = m.select('INBOX')
            assert data == [b'1'], data
            m.logout()
            s = imaplib.IMAP4_SSL('127.0.0.1', {{imap.ImapsPort}}, ssl_context=ctx)
            assert 'STARTTLS' not in s.capabilities, s.capabilities
            s.login('alice@example.com', 'secret')
            typ, data = s.fetch('1', '(BODY[HEADER.FIELDS (SUBJECT)])') if s.select('INBOX')[0] == 'OK' else (None, None)
            print(data[0][1].decode().strip())
            s.logout()
            """);
        Assert.Contains("Subject: over tls", output, StringComparison.Ordinal);
        Assert.Contains("login: user=<alice@example.com>, method=LOGIN, rip=127.0.0.1, lip=127.0.0.1, TLS", imap.System.Log, StringComparison.Ordinal);
    }
}
