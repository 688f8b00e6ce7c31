using System.Globalization;
using System.Text;
using Posthorn.Services.Delivery;

namespace Posthorn.Services.PipeDelivery;

/// <summary>
/// The message as a pipe(8) command reads it (mail_copy(3)): optional From_, Return-Path:,
/// X-Original-To: and Delivered-To: lines (flags F R O D), then the content with each CR LF
/// line end replaced by eol=, "From " lines quoted with "&gt;" (flag &gt;), lines starting with
/// "." doubled and a final "." line (flag .).
/// </summary>
internal sealed class PipeContentWriter(PipeAttributes attrs)
{
    private readonly List<byte> _line = [];
    private readonly byte[] _eol = Encoding.UTF8.GetBytes(attrs.Eol);

    public byte[] Prepend(DeliveryRequest request)
    {
        var sb = new StringBuilder();
        var first = request.Recipients.Count > 0 ? request.Recipients[0] : null;
        if (attrs.Has('F'))
        {
            var now = DateTime.Now;
            var asctime = now.ToString("ddd MMM ", CultureInfo.InvariantCulture)
                + now.Day.ToString(CultureInfo.InvariantCulture).PadLeft(2)
                + now.ToString(" HH:mm:ss yyyy", CultureInfo.InvariantCulture);
            sb.Append("From ").Append(request.Sender.Length == 0 ? "MAILER-DAEMON" : request.Sender).Append("  ").Append(asctime).Append(attrs.Eol);
        }
        if (attrs.Has('R'))
            sb.Append("Return-Path: <").Append(request.Sender).Append('>').Append(attrs.Eol);
        if (attrs.Has('O') && first is not null)
            sb.Append("X-Original-To: ").Append(first.OriginalRecipient ?? first.Address).Append(attrs.Eol);
        if (attrs.Has('D') && first is not null)
            sb.Append("Delivered-To: ").Append(first.Address.ToLowerInvariant()).Append(attrs.Eol);
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>Converts a chunk of content; returns the complete lines it finished.</summary>
    public byte[] Convert(ReadOnlySpan<byte> chunk)
    {
        var output = new MemoryStream();
        foreach (var b in chunk)
        {
            if (b == (byte)'\n')
                EmitLine(output);
            else
                _line.Add(b);
        }
        return output.ToArray();
    }

    /// <summary>The last unterminated line, and the final "." line when flag "." is set.</summary>
    public byte[] Finish()
    {
        var output = new MemoryStream();
        if (_line.Count > 0)
            EmitLine(output);
        if (attrs.Has('.'))
        {
            output.WriteByte((byte)'.');
            output.Write(_eol);
        }
        return output.ToArray();
    }

    private void EmitLine(MemoryStream output)
    {
        ReadOnlySpan<byte> line = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_line);
        if (line.Length > 0 && line[^1] == (byte)'\r')
            line = line[..^1];
        if (attrs.Has('>') && line.StartsWith("From "u8))
            output.WriteByte((byte)'>');
        if (attrs.Has('.') && line.Length > 0 && line[0] == (byte)'.')
            output.WriteByte((byte)'.');
        output.Write(line);
        output.Write(_eol);
        _line.Clear();
    }
}
