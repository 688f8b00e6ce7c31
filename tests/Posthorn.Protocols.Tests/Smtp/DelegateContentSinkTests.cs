using Posthorn.Protocols.Smtp;

namespace Posthorn.Protocols.Tests.Smtp;

public class DelegateContentSinkTests
{
    [Fact]
    public void Passes_content_to_the_method()
    {
        var got = new List<byte>();
        var sink = new DelegateContentSink(span => got.AddRange(span.ToArray()));
        var reader = new SmtpDataReader(0);
        reader.Read("hi\r\n.\r\n"u8, sink);
        Assert.Equal("hi\r\n"u8.ToArray(), got.ToArray());
    }
}
