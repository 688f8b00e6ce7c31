using Posthorn.Core.Maps;

namespace Posthorn.Core.Tests.Maps;

public sealed class UnixTableTests
{
    private static ILookupTable Open(string name) => TableTypes.OpenUncached("unix:" + name, TableOptions.Quiet(Posthorn.Core.Config.MainConfig.FromText("")));

    [Fact]
    public void Passwd_byname_answers_a_passwd_line_for_root()
    {
        var value = Open("passwd.byname").Lookup("root");
        Assert.NotNull(value);
        var fields = value!.Split(':');
        Assert.Equal(7, fields.Length);
        Assert.Equal("root", fields[0]);
        Assert.Equal("0", fields[2]);
        Assert.Equal("0", fields[3]);
    }

    [Fact]
    public void Keys_are_folded_to_lower_case() => Assert.NotNull(Open("passwd.byname").Lookup("ROOT"));

    [Fact]
    public void Unknown_user_is_not_found() => Assert.Null(Open("passwd.byname").Lookup("no-such-user-xyzzy"));

    [Fact]
    public void Group_byname_answers_name_passwd_gid_members()
    {
        var value = Open("group.byname").Lookup("root");
        Assert.NotNull(value);
        Assert.StartsWith("root:", value, StringComparison.Ordinal);
        Assert.Equal("0", value!.Split(':')[2]);
    }

    [Fact]
    public void Other_names_are_an_open_error() => Assert.Throws<TableOpenException>(() => Open("shadow.byname"));

    [Fact]
    public void Proxy_prefix_opens_the_same_table() =>
        Assert.NotNull(TableTypes.OpenUncached("proxy:unix:passwd.byname", TableOptions.Quiet(Posthorn.Core.Config.MainConfig.FromText(""))).Lookup("root"));
}
