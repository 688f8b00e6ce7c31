using System.Text;

namespace Posthorn.Protocols.Sasl;

/// <summary>
/// The obsolete but widely used LOGIN mechanism (draft-murchison-sasl-login): the server asks
/// "Username:" then "Password:", each answered with one response. An initial response, when
/// given, is the user name.
/// </summary>
public sealed class LoginMechanism : SaslMechanism
{
    private static readonly byte[] UsernamePrompt = "Username:"u8.ToArray();
    private static readonly byte[] PasswordPrompt = "Password:"u8.ToArray();
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    private string? _user;

    /// <inheritdoc/>
    public override string Name => "LOGIN";

    /// <inheritdoc/>
    public override bool IsPlaintext => true;

    /// <inheritdoc/>
    protected override SaslStep FirstChallenge() => SaslStep.Ask(UsernamePrompt);

    /// <inheritdoc/>
    protected override SaslStep Next(ReadOnlySpan<byte> response)
    {
        string text;
        try
        {
            text = StrictUtf8.GetString(response);
        }
        catch (DecoderFallbackException)
        {
            return SaslStep.Fail("LOGIN: invalid UTF-8");
        }

        if (text.Contains('\0', StringComparison.Ordinal))
        {
            return SaslStep.Fail("LOGIN: NUL in response");
        }

        if (_user is null)
        {
            if (text.Length == 0)
            {
                return SaslStep.Fail("LOGIN: empty user name");
            }

            _user = text;
            AuthenticationId = text;
            return SaslStep.Ask(PasswordPrompt);
        }

        return new SaslStep(SaslStatus.VerifyPassword, Credentials: new SaslCredentials("", _user, text));
    }
}
