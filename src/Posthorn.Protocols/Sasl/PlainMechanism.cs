using System.Text;

namespace Posthorn.Protocols.Sasl;

/// <summary>
/// The PLAIN mechanism (RFC 4616): one message "authzid NUL authcid NUL passwd" in UTF-8. An
/// empty first challenge is sent when the client gave no initial response. The authorization id
/// is handed to the caller, which must refuse one it does not allow (Dovecot allows only an
/// authzid equal to the authcid unless master users are configured).
/// </summary>
public sealed class PlainMechanism : SaslMechanism
{
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    /// <inheritdoc/>
    public override string Name => "PLAIN";

    /// <inheritdoc/>
    public override bool IsPlaintext => true;

    /// <inheritdoc/>
    protected override SaslStep Next(ReadOnlySpan<byte> response)
    {
        var first = response.IndexOf((byte)0);
        if (first < 0)
        {
            return SaslStep.Fail("PLAIN: missing NUL separators");
        }

        var rest = response[(first + 1)..];
        var second = rest.IndexOf((byte)0);
        if (second < 0)
        {
            return SaslStep.Fail("PLAIN: missing second NUL separator");
        }

        var passwordBytes = rest[(second + 1)..];
        if (passwordBytes.IndexOf((byte)0) >= 0)
        {
            return SaslStep.Fail("PLAIN: NUL in password");
        }

        string authzid, authcid, password;
        try
        {
            authzid = StrictUtf8.GetString(response[..first]);
            authcid = StrictUtf8.GetString(rest[..second]);
            password = StrictUtf8.GetString(passwordBytes);
        }
        catch (DecoderFallbackException)
        {
            return SaslStep.Fail("PLAIN: invalid UTF-8");
        }

        if (authcid.Length == 0)
        {
            return SaslStep.Fail("PLAIN: empty authentication identity");
        }

        AuthenticationId = authcid;
        AuthorizationId = authzid;
        return new SaslStep(SaslStatus.VerifyPassword, Credentials: new SaslCredentials(authzid, authcid, password));
    }
}
