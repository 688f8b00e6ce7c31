using Posthorn.Commands.Common;
using Posthorn.Commands.Pw;
using Posthorn.Core.Users;

namespace Posthorn.Commands.Tests.Pw;

public sealed class PwCommandTests
{
    private static (int Status, string Out, string Err) Run(string stdin, params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int status = PwCommand.Run(new CommandContext("posthorn pw", args, new StringReader(stdin), o, e));
        return (status, o.ToString(), e.ToString());
    }

    [Fact]
    public void Lists_schemes_with_l()
    {
        var (status, output, _) = Run("", "-l");
        Assert.Equal(0, status);
        foreach (var name in new[] { "PLAIN", "CLEARTEXT", "CRYPT", "SHA256-CRYPT", "SHA512-CRYPT", "BLF-CRYPT", "ARGON2ID" })
            Assert.Contains(name, output.Split(' ', '\n'));
    }

    [Fact]
    public void Hashes_with_the_given_scheme_and_password()
    {
        var (status, output, _) = Run("", "-s", "sha256-crypt", "-p", "secret");
        Assert.Equal(0, status);
        Assert.StartsWith("{SHA256-CRYPT}$5$", output, StringComparison.Ordinal);
        Assert.True(PasswordSchemes.Verify("secret", output.Trim()));
    }

    [Fact]
    public void Default_scheme_is_CRYPT()
    {
        var (_, output, _) = Run("", "-p", "secret");
        Assert.StartsWith("{CRYPT}$6$", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Reads_the_password_from_standard_input()
    {
        var (status, output, _) = Run("secret\n", "-s", "PLAIN");
        Assert.Equal(0, status);
        Assert.Equal("{PLAIN}secret\n", output.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Tests_a_hash_and_prints_verified()
    {
        const string hash = "{SHA256-CRYPT}$5$abcdefgh$gruCpC7VkOTspMQTTSAR8mtlO9Upms.fwqE5y16JVM.";
        var (status, output, _) = Run("", "-t", hash, "-p", "secret");
        Assert.Equal(0, status);
        Assert.Equal(hash + " (verified)", output.Trim());
    }

    [Fact]
    public void Testing_a_wrong_password_fails()
    {
        var (status, _, err) = Run("", "-t", "{PLAIN}secret", "-p", "wrong");
        Assert.Equal(1, status);
        Assert.Contains("Password mismatch", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Rejects_an_unknown_scheme()
    {
        var (status, _, err) = Run("", "-s", "MD4", "-p", "x");
        Assert.Equal(1, status);
        Assert.Contains("Unknown scheme: MD4", err, StringComparison.Ordinal);
    }

    [Fact]
    public void V_verifies_the_new_hash()
    {
        var (status, output, _) = Run("", "-s", "BLF-CRYPT", "-p", "secret", "-V");
        Assert.Equal(0, status);
        Assert.EndsWith(" (verified)", output.Trim(), StringComparison.Ordinal);
    }

    [Fact]
    public void R_sets_the_rounds()
    {
        var (status, output, _) = Run("", "-s", "SHA512-CRYPT", "-r", "6000", "-p", "secret");
        Assert.Equal(0, status);
        Assert.StartsWith("{SHA512-CRYPT}$6$rounds=6000$", output, StringComparison.Ordinal);
        Assert.True(PasswordSchemes.Verify("secret", output.Trim()));
        Assert.StartsWith("{BLF-CRYPT}$2y$06$", Run("", "-s", "BLF-CRYPT", "-r", "6", "-p", "x").Out, StringComparison.Ordinal);
        Assert.Equal(1, Run("", "-s", "SHA512-CRYPT", "-r", "10", "-p", "x").Status);
        Assert.Equal(1, Run("", "-s", "PLAIN", "-r", "10", "-p", "x").Status);
    }
}
