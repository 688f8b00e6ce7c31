namespace Posthorn.Core.Queue;

/// <summary>One record as stored: where it starts, its type byte and its data.</summary>
public readonly record struct QueueRecord(long Offset, byte Type, ReadOnlyMemory<byte> Data)
{
    public RecordType RecordType => (RecordType)Type;

    public string Text => System.Text.Encoding.UTF8.GetString(Data.Span);
}
