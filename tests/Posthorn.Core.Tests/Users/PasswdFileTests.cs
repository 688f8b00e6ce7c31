using Posthorn.Core.Config;
using Posthorn.Core.Users;

namespace Posthorn.Core.Tests.Users;

public sealed class PasswdFileTests
{
    private const string Sample = """
        # Dovecot passwd-file
        alice:{PLAIN}secret:1000:1000::/home/alice::

        bob@example.com:{PLAIN}hunter2:5000:5000:Bob B:/var/vmail/example.com/bob:/bin/false:userdb_mail=maildir:~/Maildir quota_rule=*:storage=1G nopassword
           # indented comment
        carol
        :{PLAIN}x:1:1::/x::
        dave:{PLAIN}x:abc:1::/x::
        erin:{PLAIN}x:1:-5::/x::
        ALICE:{PLAIN}other:1:1::/y::
        frank:{PLAIN}f
        """;

    [Fact]
    public void Reads_bare_names_and_addresses()
    {
        var db = PasswdFile.Parse(Sample, "/etc/posthorn/users");
        var alice = db.Find("alice")!;
        Assert.Equal(1000, alice.Uid);
        Assert.Equal("/home/alice", alice.Home);
        Assert.True(alice.VerifyPassword("secret"));
        Assert.Null(alice.Domain);
        var bob = db.Find("Bob@Example.COM")!;
        Assert.Equal("bob", bob.LocalPart);
        Assert.Equal("example.com", bob.Domain);
        Assert.Equal("Bob B", bob.Gecos);
        Assert.Equal("/bin/false", bob.Shell);
        Assert.Equal("/etc/posthorn/users:4", bob.Source);
    }

    [Fact]
    public void Reads_extra_fields_including_colons_and_bare_keys()
    {
        var bob = PasswdFile.Parse(Sample, "u").Find("bob@example.com")!;
        Assert.Equal("maildir:~/Maildir", bob.ExtraFields["userdb_mail"]);
        Assert.Equal("*:storage=1G", bob.ExtraFields["quota_rule"]);
        Assert.Equal("", bob.ExtraFields["nopassword"]);
    }

    [Fact]
    public void Trailing_fields_may_be_omitted()
    {
        var frank = PasswdFile.Parse(Sample, "u").Find("frank")!;
        Assert.Null(frank.Uid);
        Assert.Null(frank.Gid);
        Assert.Equal("", frank.Home);
        Assert.Empty(frank.ExtraFields);
    }

    [Fact]
    public void Bad_lines_are_skipped_with_file_and_line_warnings()
    {
        var db = PasswdFile.Parse(Sample, "/etc/posthorn/users");
        Assert.Equal(
        [
            "/etc/posthorn/users:6: missing ':' after user name; line ignored",
            "/etc/posthorn/users:7: missing user name; line ignored",
            "/etc/posthorn/users:8: bad uid \"abc\"; line ignored",
            "/etc/posthorn/users:9: bad gid \"-5\"; line ignored",
            "/etc/posthorn/users:10: duplicate entry for user \"ALICE\"; line ignored",
        ], db.Warnings);
        Assert.Equal(3, db.Count);
        Assert.True(db.Find("alice")!.VerifyPassword("secret"));
    }

    [Fact]
    public void FindAddress_falls_back_to_the_local_part_only_in_local_domains()
    {
        var db = PasswdFile.Parse(Sample, "u");
        Assert.Same(db.Find("alice"), db.FindAddress("alice@localhost", d => d == "localhost"));
        Assert.Null(db.FindAddress("alice@elsewhere.example", d => d == "localhost"));
        Assert.Null(db.FindAddress("alice@localhost"));
        Assert.NotNull(db.FindAddress("bob@example.com"));
    }

    [Fact]
    public void Nopassword_extra_field_accepts_any_password()
    {
        Assert.True(PasswdFile.Parse(Sample, "u").Find("bob@example.com")!.VerifyPassword("anything"));
    }

    [Fact]
    public void Handles_CRLF_line_ends()
    {
        var db = PasswdFile.Parse("alice:{PLAIN}secret:1:1::/h::\r\nbob:{PLAIN}b\r\n", "u");
        Assert.True(db.Find("alice")!.VerifyPassword("secret"));
        Assert.True(db.Find("bob")!.VerifyPassword("b"));
    }

    [Fact]
    public void Database_file_is_named_by_posthorn_user_database()
    {
        Assert.Null(UserDatabase.PathFrom(MainConfig.FromText("")));
        Assert.Equal("/etc/posthorn/users", UserDatabase.PathFrom(MainConfig.FromText("posthorn_user_database = /etc/posthorn/users\n")));
        Assert.Equal("/etc/posthorn/users", UserDatabase.PathFrom(MainConfig.FromText("posthorn_user_database = passwd-file:${config_directory}/users\n")));
        Assert.Throws<ConfigException>(() => UserDatabase.PathFrom(MainConfig.FromText("posthorn_user_database = ldap:/etc/x\n")));
        Assert.Same(UserDatabase.Empty, UserDatabase.Load(MainConfig.FromText("")));
    }
}

public sealed class UserDatabaseFileTests
{
    [Fact]
    public void Reloads_when_the_file_changes_and_reports_warnings_once()
    {
        var path = Path.Combine(Path.GetTempPath(), "posthorn-users-" + Guid.NewGuid().ToString("N"));
        var warnings = new List<string>();
        try
        {
            File.WriteAllText(path, "alice:{PLAIN}a\nbad:{PLAIN}x:zz\n");
            var file = new UserDatabaseFile(path, warnings.Add);
            Assert.NotNull(file.Current.Find("alice"));
            Assert.Same(file.Current, file.Current);
            Assert.Single(warnings);
            File.WriteAllText(path, "alice:{PLAIN}a\nbob:{PLAIN}b\n");
            File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddSeconds(5));
            Assert.NotNull(file.Current.Find("bob"));
            File.Delete(path);
            Assert.Equal(0, file.Current.Count);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
