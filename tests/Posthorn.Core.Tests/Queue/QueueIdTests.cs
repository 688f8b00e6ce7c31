using Posthorn.Core.Queue;

namespace Posthorn.Core.Tests.Queue;

public class QueueIdTests
{
    private static readonly DateTimeOffset T = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000).AddTicks(123_456 * 10);

    [Fact]
    public void Short_id_is_five_hex_microsecond_digits_then_the_inode_in_hex()
    {
        Assert.Equal("1E240" + "ABCDEF", QueueId.Create(T, 0xABCDEF, longForm: false));
        Assert.Equal("00000" + "1", QueueId.Create(DateTimeOffset.FromUnixTimeSeconds(5), 1, false));
    }

    [Fact]
    public void Long_id_is_base52_seconds_and_microseconds_then_z_and_the_base51_inode()
    {
        var id = QueueId.Create(T, 12345, longForm: true);
        Assert.True(QueueId.IsLong(id));
        int z = id.LastIndexOf('z');
        Assert.True(z >= 10);
        Assert.Equal(QueueId.Encode(12345, 51, 0), id[(z + 1)..]);
        Assert.DoesNotContain('z', id[(z + 1)..]);
        Assert.Equal(T, QueueId.ArrivalTime(id));
        Assert.DoesNotContain(id, c => "AEIOUaeiou".Contains(c));
    }

    [Fact]
    public void Long_id_hashes_by_its_microseconds_like_a_short_id()
    {
        var longId = QueueId.Create(T, 99, true);
        var shortId = QueueId.Create(T, 99, false);
        Assert.Equal("1E240", QueueId.HashKey(longId));
        Assert.StartsWith(QueueId.HashKey(longId), shortId);
        Assert.Equal(shortId, QueueId.HashKey(shortId));
    }

    [Fact]
    public void Short_id_has_no_arrival_time() => Assert.Null(QueueId.ArrivalTime("1E240ABCDEF"));

    [Theory]
    [InlineData("3F2A11B2C4", true)]
    [InlineData("4Vx9hK0Qxz1bT", true)]
    [InlineData("example_com", true)]
    [InlineData("", false)]
    [InlineData("../etc", false)]
    [InlineData("a.b", false)]
    [InlineData("a/b", false)]
    public void Validates_ids_as_Postfix_does(string id, bool ok) => Assert.Equal(ok, QueueId.IsValid(id));

    [Fact]
    public void Safe_alphabet_round_trips()
    {
        foreach (ulong v in new ulong[] { 0, 1, 50, 51, 52, 123456789, ulong.MaxValue })
        {
            Assert.True(QueueId.TryDecode(QueueId.Encode(v, 52, 0), 52, out var back));
            Assert.Equal(v, back);
        }
        Assert.Equal("0000", QueueId.Encode(0, 52, 4));
    }
}
