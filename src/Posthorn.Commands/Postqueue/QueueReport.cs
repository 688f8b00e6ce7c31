using System.Globalization;
using System.Text;
using Posthorn.Core.Queue;

namespace Posthorn.Commands.Postqueue;

/// <summary>
/// The two queue listing formats of postqueue(1), as Postfix's showq_compat.c and
/// showq_json.c print them. -p (mailq): a heading, then per message "ID[*!] SIZE ARRIVAL
/// SENDER" ('*' active, '!' on hold), each recipient indented, a right-aligned "(reason)" line
/// before recipients whose reason differs from the one before, a blank line between messages,
/// and "-- N Kbytes in M Requests." or "Mail queue is empty". Long queue ids use the wider
/// layout. -j: one JSON object per line.
/// </summary>
internal static class QueueReport
{
    private const string ShortFormat = "{0,-11} {1,7} {2,-20} {3}";
    private const string LongFormat = "{0,-17} {1,8} {2,-19} {3}";

    public static void WriteMailq(IEnumerable<ListedMessage> messages, TextWriter output, bool longIds, TimeZoneInfo? zone = null)
    {
        zone ??= TimeZoneInfo.Local;
        var format = longIds ? LongFormat : ShortFormat;
        int arrivalWidth = longIds ? 19 : 20;
        long count = 0, bytes = 0;
        foreach (var m in messages)
        {
            if (count > 0)
                output.Write('\n');
            else if (longIds)
                Line(output, format, "----Queue ID-----", "--Size--", "---Arrival Time----", "--Sender/Recipient------");
            else
                Line(output, format, "-Queue ID-", "--Size--", "----Arrival Time----", "-Sender/Recipient-------");
            var id = m.QueueId + (m.QueueName == QueueNames.Active ? "*" : m.QueueName == QueueNames.Hold ? "!" : "") + (m.ForcedExpire ? "#" : "");
            var arrival = AscTime(TimeZoneInfo.ConvertTime(m.ArrivalTime, zone).DateTime);
            if (arrival.Length > arrivalWidth)
                arrival = arrival[..arrivalWidth];
            Line(output, format, id, m.MessageSize.ToString(CultureInfo.InvariantCulture), arrival, Printable(m.Sender));
            string saved = "";
            foreach (var r in m.Recipients)
            {
                if (r.Reason != saved)
                {
                    saved = r.Reason;
                    var show = saved.Length > 0 ? Printable(saved) : "reason unavailable";
                    output.Write(new string(' ', Math.Max(0, 76 - show.Length)) + "(" + show + ")\n");
                }
                Line(output, format, "", "", "", Printable(r.Address));
            }
            count++;
            bytes += m.MessageSize;
        }
        if (count == 0)
            output.Write("Mail queue is empty\n");
        else
            output.Write(string.Create(CultureInfo.InvariantCulture, $"\n-- {bytes / 1024} Kbytes in {count} Request{(count == 1 ? "" : "s")}.\n"));
    }

    public static void WriteJson(IEnumerable<ListedMessage> messages, TextWriter output)
    {
        foreach (var m in messages)
        {
            var sb = new StringBuilder("{");
            sb.Append("\"queue_name\": \"").Append(Json(m.QueueName)).Append("\", ");
            sb.Append("\"queue_id\": \"").Append(Json(m.QueueId)).Append("\", ");
            sb.Append(CultureInfo.InvariantCulture, $"\"arrival_time\": {m.ArrivalTime.ToUnixTimeSeconds()}, ");
            sb.Append(CultureInfo.InvariantCulture, $"\"message_size\": {m.MessageSize}, ");
            sb.Append("\"forced_expire\": ").Append(m.ForcedExpire ? "true" : "false").Append(", ");
            sb.Append("\"sender\": \"").Append(Json(m.Sender)).Append("\", ");
            sb.Append("\"recipients\": [");
            for (int i = 0; i < m.Recipients.Count; i++)
            {
                var r = m.Recipients[i];
                if (i > 0)
                    sb.Append(", ");
                sb.Append("{\"address\": \"").Append(Json(r.Address)).Append('"');
                if (r.Reason.Length > 0)
                {
                    var key = r.LogClass == QueueNames.Defer ? "delay_reason" : r.LogClass == QueueNames.Bounce ? "bounce_reason" : "other_reason";
                    sb.Append(", \"").Append(key).Append("\": \"").Append(Json(r.Reason)).Append('"');
                }
                sb.Append('}');
            }
            sb.Append("]}\n");
            output.Write(sb.ToString());
        }
    }

    /// <summary>asctime(3) without the newline: "Wed Nov  5 09:03:01 2026".</summary>
    internal static string AscTime(DateTime t) =>
        t.ToString("ddd MMM ", CultureInfo.InvariantCulture) + t.Day.ToString(CultureInfo.InvariantCulture).PadLeft(2)
        + t.ToString(" HH:mm:ss yyyy", CultureInfo.InvariantCulture);

    private static void Line(TextWriter output, string format, string a, string b, string c, string d) =>
        output.Write(string.Format(CultureInfo.InvariantCulture, format, a, b, c, d) + "\n");

    private static string Printable(string s) => new(s.Select(c => char.IsControl(c) ? '?' : c).ToArray());

    /// <summary>quote_for_json, then printable(): control characters become '?'.</summary>
    private static string Json(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (char c in s)
        {
            if (c == '"' || c == '\\')
                sb.Append('\\').Append(c);
            else
                sb.Append(char.IsControl(c) ? '?' : c);
        }
        return sb.ToString();
    }
}
