using Posthorn.Core.Maps;

namespace Posthorn.Core.Tests.Maps;

public sealed class UnixTableTests
{
    [Fact]
    public void Passwd_byname_answers_the_passwd_line_of_root()
    {
        var t = TableTypes.OpenUncached("unix:passwd.byname", new TableOptions(Posthorn.Core.Config.MainConfig.FromText(""), _ => { }));
        var root = t.Lookup("root");
        Assert.NotNull(root);
        Assert.StartsWith("root:", root, StringComparison.Ordinal);
        Assert.Equal(7, root.Split(':').Length);
        Assert.Equal("0", root.Split(':')[2]);
        Assert.Null(t.Lookup("no-such-user-posthorn"));
    }

    [Fact]
    public void Group_byname_answers_the_group_line_of_root()
    {
        var t = TableTypes.OpenUncached("unix:group.byname", new TableOptions(Posthorn.Core.Config.MainConfig.FromText(""), _ => { }));
        var root = t.Lookup("root");
        Assert.NotNull(root);
        Assert.Equal("0", root.Split(':')[2]);
        Assert.Null(t.Lookup("no-such-group-posthorn"));
    }

    [Fact]
    public void Other_unix_maps_are_unknown_tables()
    {
        var e = Assert.Throws<TableOpenException>(() => TableTypes.OpenUncached("unix:hosts.byname", new TableOptions(Posthorn.Core.Config.MainConfig.FromText(""), _ => { })));
        Assert.Equal("unknown table: unix:hosts.byname", e.Message);
    }
}
