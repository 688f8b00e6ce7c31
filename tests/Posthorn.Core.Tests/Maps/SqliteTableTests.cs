using Microsoft.Data.Sqlite;
using Posthorn.Core.Maps;

namespace Posthorn.Core.Tests.Maps;

public class SqliteTableTests
{
    private static string MakeDb(MapFixture f)
    {
        var db = Path.Combine(f.Dir, "mail.sqlite");
        using var c = new SqliteConnection($"Data Source={db};Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = """
            CREATE TABLE aliases (alias TEXT, address TEXT, domain TEXT);
            INSERT INTO aliases VALUES ('info@example.com', 'joe@example.com', 'example.com');
            INSERT INTO aliases VALUES ('sales@example.com', 'ann', 'example.com');
            INSERT INTO aliases VALUES ('sales@example.com', 'bob', 'example.com');
            INSERT INTO aliases VALUES ('o''brien@example.com', 'ob', 'example.com');
            """;
        cmd.ExecuteNonQuery();
        return db;
    }

    [Fact]
    public void Query_with_percent_s_and_multiple_rows()
    {
        using var f = new MapFixture();
        var db = MakeDb(f);
        var cf = f.Write("sql.cf", $"dbpath = {db}\nquery = SELECT address FROM aliases WHERE alias = '%s'\n");
        var t = f.Open("sqlite:" + cf);
        Assert.Equal("joe@example.com", t.Lookup("Info@Example.com"));
        Assert.Equal("ann,bob", t.Lookup("sales@example.com"));
        Assert.Equal("ob", t.Lookup("o'brien@example.com"));
        Assert.Null(t.Lookup("nobody@example.com"));
    }

    [Fact]
    public void Percent_u_d_and_labels_and_result_format()
    {
        using var f = new MapFixture();
        var db = MakeDb(f);
        var cf = f.Write("sql.cf", $"dbpath = {db}\nquery = SELECT address FROM aliases WHERE alias = '%u@%2.%1' AND domain = '%d'\nresult_format = smtp:[%s]\n");
        var t = f.Open("sqlite:" + cf);
        Assert.Equal("smtp:[joe@example.com]", t.Lookup("info@example.com"));
        Assert.Null(t.Lookup("info")); // no domain: %d suppresses the query
    }

    [Fact]
    public void Domain_restricts_keys_and_expansion_limit_fails_the_lookup()
    {
        using var f = new MapFixture();
        var db = MakeDb(f);
        var cf = f.Write("sql.cf", $"dbpath = {db}\nquery = SELECT address FROM aliases WHERE alias = '%s'\ndomain = example.org\n");
        Assert.Null(f.Open("sqlite:" + cf).Lookup("info@example.com"));
        var cf2 = f.Write("sql2.cf", $"dbpath = {db}\nquery = SELECT address FROM aliases WHERE alias = '%s'\nexpansion_limit = 1\n");
        Assert.Throws<TableLookupException>(() => f.Open("sqlite:" + cf2).Lookup("sales@example.com"));
    }

    [Fact]
    public void Missing_config_or_database_is_a_clear_error()
    {
        using var f = new MapFixture();
        Assert.Equal($"open {f.Dir}/none.cf: No such file or directory", Assert.Throws<TableOpenException>(() => f.Open($"sqlite:{f.Dir}/none.cf")).Message);
        var cf = f.Write("sql.cf", $"dbpath = {f.Dir}/none.sqlite\nquery = SELECT 1\n");
        Assert.Contains("No such file or directory", Assert.Throws<TableOpenException>(() => f.Open("sqlite:" + cf)).Message, StringComparison.Ordinal);
    }
}
