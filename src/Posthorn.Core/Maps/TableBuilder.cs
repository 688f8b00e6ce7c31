namespace Posthorn.Core.Maps;

/// <summary>
/// Builds the indexed file of a <c>hash:</c>, <c>btree:</c>, <c>lmdb:</c> or <c>cdb:</c>
/// table (postmap(1), postalias(1)): the entries are written to a temporary file beside the
/// target (<c>name.db.tmp.PID</c>), flushed to disk, then renamed over the target, so a
/// running reader sees either the old table or the new one, never a half-written one.
/// </summary>
public static class TableBuilder
{
    /// <summary>The file postmap writes for a table type and source path, or null when the type cannot be built.</summary>
    public static string? OutputFile(string type, string source) =>
        TableTypes.Find(type) is { Creatable: true, Suffix: { } suffix } ? source + suffix : null;

    /// <summary>
    /// Writes <paramref name="entries"/> (unique keys, in order) as the table's file.
    /// <paramref name="mode"/> sets the new file's permission bits (Unix), e.g. copied from the source file.
    /// </summary>
    public static void Write(string type, string source, IReadOnlyList<KeyValuePair<string, string>> entries, UnixFileMode? mode = null)
    {
        var target = OutputFile(type, source) ?? throw new TableOpenException($"unsupported map type for this operation: {type}");
        var temp = $"{target}.tmp.{Environment.ProcessId}";
        try
        {
            if (File.Exists(temp))
                File.Delete(temp);
            if (type == "cdb")
                CdbFormat.Write(temp, entries);
            else
                IndexedFormat.Write(temp, entries);
            if (mode is { } m && !OperatingSystem.IsWindows())
                File.SetUnixFileMode(temp, m);
            File.Move(temp, target, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try
            {
                File.Delete(temp);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
            throw new TableOpenException($"open database {target}: {Errors.Describe(e)}");
        }
    }
}
