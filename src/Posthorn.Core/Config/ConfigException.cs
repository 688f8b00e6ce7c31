namespace Posthorn.Core.Config;

/// <summary>
/// A configuration error that names where it is as <c>FILE:LINE: message</c>, for main.cf and
/// master.cf alike (Posthorn's contract: every configuration error names its file:line; the
/// message text after it is Postfix's). Commands print <see cref="Exception.Message"/> after
/// "NAME: fatal: " and exit 1.
/// </summary>
public sealed class ConfigException : Exception
{
    public ConfigException(string message) : base(message) { }

    public ConfigException(string message, Exception inner) : base(message, inner) { }

    public ConfigException(string file, int line, string message)
        : this(file, line, $"{file}:{line}: {message}", true)
    {
    }

    private ConfigException(string file, int line, string fullMessage, bool _)
        : base(fullMessage)
    {
        File = file;
        Line = line;
    }

    public ConfigException() { }

    /// <summary>A master.cf error, in the same <c>FILE:LINE: message</c> form.</summary>
    public static ConfigException InMasterCf(string file, int line, string message) =>
        new(file, line, $"{file}:{line}: {message}", true);

    public string? File { get; }

    public int Line { get; }
}
