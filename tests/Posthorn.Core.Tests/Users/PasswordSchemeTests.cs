using Posthorn.Core.Users;

namespace Posthorn.Core.Tests.Users;

public sealed class PasswordSchemeTests
{
    // Vectors from Ulrich Drepper's "Unix crypt using SHA-256 and SHA-512", each confirmed with
    // libxcrypt's crypt(3) (perl -e 'print crypt(...)') except the clamped-rounds ones, which
    // libxcrypt refuses but the specification defines.
    [Theory]
    [InlineData("$5$saltstring", "Hello world!", "$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5")]
    [InlineData("$5$rounds=10000$saltstringsaltstring", "Hello world!", "$5$rounds=10000$saltstringsaltst$3xv.VbSHBb41AL9AvLeujZkZRBAwqFMz2.opqey6IcA")]
    [InlineData("$5$rounds=5000$toolongsaltstring", "This is just a test", "$5$rounds=5000$toolongsaltstrin$Un/5jzAHMgOGZ5.mWJpuVolil07guHPvOW8mGRcvxa5")]
    [InlineData("$5$rounds=1400$anotherlongsaltstring", "a very much longer text to encrypt.  This one even stretches over morethan one line.", "$5$rounds=1400$anotherlongsalts$Rx.j8H.h8HjEDGomFU8bDkXm3XIUnzyxf12oP84Bnq1")]
    [InlineData("$5$rounds=10$roundstoolow", "the minimum number is still observed", "$5$rounds=1000$roundstoolow$yfvwcWrQ8l/K0DAWyuPMDNHpIVlTQebY9l/gL972bIC")]
    [InlineData("$6$saltstring", "Hello world!", "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1")]
    [InlineData("$6$rounds=10000$saltstringsaltstring", "Hello world!", "$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v.")]
    [InlineData("$6$rounds=1400$anotherlongsaltstring", "a very much longer text to encrypt.  This one even stretches over morethan one line.", "$6$rounds=1400$anotherlongsalts$POfYwTEok97VWcjxIiSOjiykti.o/pQs.wPvMxQ6Fm7I6IoYN3CmLs66x9t0oSwbtEW7o7UmJEiDwGqd8p4ur1")]
    public void ShaCrypt_matches_the_specification_vectors(string setting, string password, string expected)
    {
        Assert.Equal(expected, ShaCrypt.Crypt(System.Text.Encoding.UTF8.GetBytes(password), setting));
    }

    [Theory]
    [InlineData("{SHA256-CRYPT}$5$abcdefgh$gruCpC7VkOTspMQTTSAR8mtlO9Upms.fwqE5y16JVM.", "secret")] // openssl passwd -5 -salt abcdefgh secret
    [InlineData("{SHA512-CRYPT}$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1", "Hello world!")]
    [InlineData("{CRYPT}$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1", "Hello world!")]
    [InlineData("$5$abcdefgh$gruCpC7VkOTspMQTTSAR8mtlO9Upms.fwqE5y16JVM.", "secret")] // no prefix: CRYPT
    [InlineData("{BLF-CRYPT}$2y$05$abcdefghijklmnopqrstuuOQiyCxlgf/oeuTqixKmWdcYUh4Hjl0a", "secret")] // libxcrypt crypt(3)
    [InlineData("{BLF-CRYPT}$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", "U*U")] // OpenBSD bcrypt test vector
    [InlineData("{CRYPT}$2y$05$abcdefghijklmnopqrstuuOQiyCxlgf/oeuTqixKmWdcYUh4Hjl0a", "secret")]
    [InlineData("{ARGON2ID}$argon2id$v=19$m=4096,t=2,p=2$c29tZXNhbHRzYWx0$FUJeqnhNbdWDwnQiq2N5xvlIyXZtlSRZFq/5KlkYd50", "secret")] // argon2(1) reference tool
    [InlineData("{ARGON2ID}$argon2id$v=19$m=4096,t=3,p=1$c29tZXNhbHRzYWx0$6pVKRFxOk3UokGCeAncuGBUcjK8nGcczSAnET2sIboo", "secret")]
    [InlineData("{PLAIN}secret", "secret")]
    [InlineData("{CLEARTEXT}secret", "secret")]
    [InlineData("{plain}secret", "secret")]
    [InlineData("{SHA256}K7gNU3sdo+OL0wNhqoVWhr3g6s1xYv72ol/pe/Unols=", "secret")] // base64(sha256("secret"))
    public void Verifies_known_hashes(string stored, string password)
    {
        Assert.True(PasswordSchemes.Verify(password, stored));
        Assert.False(PasswordSchemes.Verify(password + "x", stored));
    }

    [Fact]
    public void Every_scheme_verifies_what_it_hashes_and_rejects_other_passwords()
    {
        foreach (var scheme in PasswordSchemes.All)
        {
            var encoded = PasswordSchemes.Encode(scheme, "pa:ss wörd");
            Assert.StartsWith("{" + scheme.Name + "}", encoded, StringComparison.Ordinal);
            Assert.True(PasswordSchemes.Verify("pa:ss wörd", encoded), scheme.Name);
            Assert.False(PasswordSchemes.Verify("pa:ss word", encoded), scheme.Name);
        }
    }

    [Fact]
    public void New_hashes_have_the_formats_dovecot_writes()
    {
        Assert.Matches(@"^\$5\$[./0-9A-Za-z]{16}\$[./0-9A-Za-z]{43}$", PasswordSchemes.Find("SHA256-CRYPT")!.Hash("x"));
        Assert.Matches(@"^\$6\$[./0-9A-Za-z]{16}\$[./0-9A-Za-z]{86}$", PasswordSchemes.Find("SHA512-CRYPT")!.Hash("x"));
        Assert.Matches(@"^\$2y\$05\$[./0-9A-Za-z]{53}$", PasswordSchemes.Find("BLF-CRYPT")!.Hash("x"));
        Assert.Matches(@"^\$argon2id\$v=19\$m=65536,t=3,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$", PasswordSchemes.Find("ARGON2ID")!.Hash("x"));
    }

    [Theory]
    [InlineData("{NOSUCH}secret")]
    [InlineData("{PLAIN}")]
    [InlineData("{SHA512-CRYPT}$5$abcdefgh$gruCpC7VkOTspMQTTSAR8mtlO9Upms.fwqE5y16JVM.")] // wrong crypt kind for the scheme
    [InlineData("{ARGON2ID}$argon2id$v=19$m=4096,t=2$c29tZXNhbHRzYWx0$FUJeqnhNbdWDwnQiq2N5xvlIyXZtlSRZFq/5KlkYd50")]
    [InlineData("{ARGON2ID}garbage")]
    [InlineData("{BLF-CRYPT}$2y$05$short")]
    [InlineData("abc")] // DES crypt is not supported
    public void Never_matches_unknown_or_malformed_hashes(string stored)
    {
        Assert.False(PasswordSchemes.Verify("secret", stored));
    }

    [Fact]
    public void Split_reads_the_scheme_prefix()
    {
        Assert.Equal(("SHA512-CRYPT", "$6$x"), PasswordSchemes.Split("{sha512-crypt}$6$x"));
        Assert.Equal(("CRYPT", "$6$x"), PasswordSchemes.Split("$6$x"));
    }
}
