using Posthorn.Services.MailStore;

namespace Posthorn.Services.Tests.MailStore;

public class MaildirOrderTests
{
    [Fact]
    public void New_messages_in_one_second_sort_by_numeric_microseconds_not_by_text()
    {
        string[] names = ["1700000000.M123P7Q2R1.host,S=1,W=1", "1700000000.M99P7Q1R1.host,S=1,W=1", "1699999999.M5P7Q0R1.host,S=1,W=1"];
        var ordered = names.OrderBy(MaildirFileName.TimePrefix).ThenBy(MaildirFileName.MicrosecondPrefix).ThenBy(n => n, StringComparer.Ordinal).ToArray();
        Assert.Equal(["1699999999.M5P7Q0R1.host,S=1,W=1", "1700000000.M99P7Q1R1.host,S=1,W=1", "1700000000.M123P7Q2R1.host,S=1,W=1"], ordered);
        Assert.Equal(0, MaildirFileName.MicrosecondPrefix("1700000000.12345_1.otherhost"));
    }
}
