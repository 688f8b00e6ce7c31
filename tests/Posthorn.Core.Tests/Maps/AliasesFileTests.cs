using Posthorn.Core.Maps;

namespace Posthorn.Core.Tests.Maps;

public class AliasesFileTests
{
    [Fact]
    public void Parses_names_values_continuations_and_quoted_names()
    {
        var warnings = new List<string>();
        var text = "Root: joe, \"|/bin/x y\"\n\"Quoted Name\": :include:/etc/x\nlong: a,\n  b\nbad line\npostmaster root\n";
        var entries = AliasesFile.Parse(new StringReader(text), "aliases", warnings.Add).ToList();
        Assert.Equal(
        [
            new("root", "joe, \"|/bin/x y\"", 1),
            new("quoted name", ":include:/etc/x", 2),
            new("long", "a, b", 3),
        ], entries);
        Assert.Equal(["aliases, line 5: need name:value pair", "aliases, line 6: need name:value pair"], warnings);
    }

    [Fact]
    public void Classifies_commands_files_includes_and_addresses()
    {
        var t = AliasTarget.ParseValue("joe, \"|/usr/bin/vacation joe\", /var/log/mail.txt, :include:/etc/mail/list, owner-list@example.com");
        Assert.Equal(
        [
            new(AliasTargetKind.Address, "joe"),
            new(AliasTargetKind.Command, "/usr/bin/vacation joe"),
            new(AliasTargetKind.File, "/var/log/mail.txt"),
            new(AliasTargetKind.Include, "/etc/mail/list"),
            new(AliasTargetKind.Address, "owner-list@example.com"),
        ], t);
    }

    [Theory]
    [InlineData("a  b,   c", "a b, c")]
    [InlineData("\\joe, x\\y", "joe, xy")]
    [InlineData("\\\\joe", "\"\\\\joe\"")]
    [InlineData(",a,,b,", ", a, , b, ")]
    [InlineData("\"|cmd  x, y\"  ,/file", "\"|cmd  x, y\", /file")]
    public void Values_are_stored_as_postalias_normalizes_them(string value, string stored)
    {
        Assert.Equal(stored, AliasesFile.Normalize(value));
    }
}
