using Posthorn.Core.Config;
using Posthorn.Services.Master;

namespace Posthorn.Services.Tests.Master;

public class PrivilegesTests
{
    [Fact]
    public void Missing_mail_owner_is_reported_with_postfix_wording()
    {
        var config = MainConfig.FromText("mail_owner = posthorn-no-such-user\n", "/etc/posthorn");
        if (!UnixAccount.IsRoot)
        {
            Assert.Null(Privileges.MailOwner(config)); // not root: nothing to switch to
            return;
        }
        var e = Assert.Throws<ConfigException>(() => Privileges.MailOwner(config));
        Assert.Equal("file /etc/posthorn/main.cf: parameter mail_owner: unknown user name value: posthorn-no-such-user", e.Message);
    }

    [Fact]
    public void Privileged_mail_owner_is_refused()
    {
        if (!UnixAccount.IsRoot)
            return;
        var e = Assert.Throws<ConfigException>(() => Privileges.MailOwner(MainConfig.FromText("mail_owner = root\n")));
        Assert.EndsWith("parameter mail_owner: user root has privileged user ID", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Looks_up_accounts_and_groups()
    {
        var root = UnixAccount.Find("root");
        Assert.NotNull(root);
        Assert.Equal(0u, root.Uid);
        Assert.Equal("/root", root.Home);
        Assert.Equal(0u, UnixAccount.FindGroup("root"));
        Assert.Null(UnixAccount.Find("posthorn-no-such-user"));
    }
}
