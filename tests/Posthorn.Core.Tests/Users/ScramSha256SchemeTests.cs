using Posthorn.Core.Users;

namespace Posthorn.Core.Tests.Users;

public sealed class ScramSha256SchemeTests
{
    // Made by Dovecot 2.3's `doveadm pw -s SCRAM-SHA-256 -p PASSWORD` on this machine.
    [Theory]
    [InlineData("secret", "{SCRAM-SHA-256}4096,L0OvKhmv4XjM6IuRD3B9+g==,w08O95qB+C1yE1jwF0QcLYUM4rXnh3/dsJh8JNf+Qjs=,/fsAih86qHZNqd2dK/qB8gX0rFI1Dftn6B90fORDZho=")]
    [InlineData("pa:ss wörd", "{SCRAM-SHA-256}4096,WB9NJvPp6HPwSmf44I5FDg==,CZwp1kbmlbAhmJXaQcxzclcb/CW6o3A6ixRSU9XXA/4=,MT+U6yJO4DqW8yRy6vrM8m5cZwewqZO4DtFy4w20gtM=")]
    public void Verifies_hashes_made_by_doveadm_pw(string password, string stored)
    {
        Assert.True(PasswordSchemes.Verify(password, stored));
        Assert.False(PasswordSchemes.Verify(password + "x", stored));
    }

    [Fact]
    public void New_hashes_have_dovecots_format_with_4096_iterations()
    {
        var hash = PasswordSchemes.Find("scram-sha-256")!.Hash("x");
        Assert.Matches(@"^4096,[A-Za-z0-9+/]{22}==,[A-Za-z0-9+/]{43}=,[A-Za-z0-9+/]{43}=$", hash);
    }

    [Fact]
    public void Rounds_set_the_iteration_count()
    {
        var hash = PasswordSchemes.Find("SCRAM-SHA-256")!.Hash("x", 5000);
        Assert.StartsWith("5000,", hash, StringComparison.Ordinal);
        Assert.True(PasswordSchemes.Verify("x", "{SCRAM-SHA-256}" + hash));
    }

    [Theory]
    [InlineData("")]
    [InlineData("4096,abc")]
    [InlineData("x,AAAA,AAAA,AAAA")]
    [InlineData("4096,AAAA,AAAA,AAAA")]
    [InlineData("4096,!!!!,w08O95qB+C1yE1jwF0QcLYUM4rXnh3/dsJh8JNf+Qjs=,/fsAih86qHZNqd2dK/qB8gX0rFI1Dftn6B90fORDZho=")]
    [InlineData("0,L0OvKhmv4XjM6IuRD3B9+g==,w08O95qB+C1yE1jwF0QcLYUM4rXnh3/dsJh8JNf+Qjs=,/fsAih86qHZNqd2dK/qB8gX0rFI1Dftn6B90fORDZho=")]
    public void Malformed_stored_keys_never_match(string hash)
    {
        Assert.Null(ScramSha256Scheme.Parse(hash));
        Assert.False(PasswordSchemes.Verify("secret", "{SCRAM-SHA-256}" + hash));
    }

    [Fact]
    public void Keys_come_from_a_SCRAM_hash_or_a_PLAIN_password_but_not_from_one_way_hashes()
    {
        var fromScram = ScramSha256Scheme.KeysFor("{SCRAM-SHA-256}4096,L0OvKhmv4XjM6IuRD3B9+g==,w08O95qB+C1yE1jwF0QcLYUM4rXnh3/dsJh8JNf+Qjs=,/fsAih86qHZNqd2dK/qB8gX0rFI1Dftn6B90fORDZho=");
        Assert.NotNull(fromScram);
        Assert.Equal(fromScram.StoredKey, ScramKeys.FromPassword("secret", fromScram.Salt, 4096).StoredKey);
        var fromPlain = ScramSha256Scheme.KeysFor("{PLAIN}secret");
        Assert.NotNull(fromPlain);
        Assert.Equal(fromPlain.ServerKey, ScramKeys.FromPassword("secret", fromPlain.Salt, fromPlain.Iterations).ServerKey);
        Assert.Null(ScramSha256Scheme.KeysFor(PasswordSchemes.Encode(PasswordSchemes.Find("SHA512-CRYPT")!, "secret")));
        Assert.Null(ScramSha256Scheme.KeysFor("{PLAIN}"));
    }
}
