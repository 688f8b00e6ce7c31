using Posthorn.Core.Maps;

namespace Posthorn.Core.Tests.Maps;

public class DbExpansionTests
{
    [Theory]
    [InlineData("%s", "user@mail.example.com", "user@mail.example.com")]
    [InlineData("%u", "user@mail.example.com", "user")]
    [InlineData("%d", "user@mail.example.com", "mail.example.com")]
    [InlineData("%1.%2.%3", "user@mail.example.com", "com.example.mail")]
    [InlineData("100%%", "x", "100%")]
    [InlineData("%u", "plainkey", "plainkey")]
    [InlineData("'%s'", "o'brien", "'o''brien'")]
    public void Expands_sqlite_table_patterns(string format, string key, string expected)
    {
        Assert.Equal(expected, DbExpansion.Expand(format, key, null, DbExpansion.QuoteSql));
    }

    [Theory]
    [InlineData("%d", "plainkey")]
    [InlineData("%u", "@example.com")]
    [InlineData("%4", "user@example.com")]
    public void Missing_parts_suppress_the_query(string format, string key)
    {
        Assert.Null(DbExpansion.Expand(format, key, null, DbExpansion.QuoteSql));
    }

    [Fact]
    public void Upper_case_in_result_format_refers_to_the_input_key()
    {
        Assert.Equal("relay:[joe] for user", DbExpansion.Expand("relay:[%s] for %U", "joe", "user@example.com", s => s));
    }
}
