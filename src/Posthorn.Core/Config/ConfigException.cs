namespace Posthorn.Core.Config;

/// <summary>
/// A configuration error that names where it is, in Postfix's words: <c>FILE, line N: message</c>
/// for main.cf (and table files), <c>file FILE: line N: message</c> for master.cf
/// (<see cref="InMasterCf"/>). Commands print <see cref="Exception.Message"/> after
/// "NAME: fatal: " and exit 1.
/// </summary>
public sealed class ConfigException : Exception
{
    public ConfigException(string message) : base(message) { }

    public ConfigException(string message, Exception inner) : base(message, inner) { }

    public ConfigException(string file, int line, string message)
        : this(file, line, $"{file}, line {line}: {message}", true)
    {
    }

    private ConfigException(string file, int line, string fullMessage, bool _)
        : base(fullMessage)
    {
        File = file;
        Line = line;
    }

    public ConfigException() { }

    /// <summary>A master.cf error: <c>file FILE: line N: message</c>, as Postfix's master reports it.</summary>
    public static ConfigException InMasterCf(string file, int line, string message) =>
        new(file, line, $"file {file}: line {line}: {message}", true);

    public string? File { get; }

    public int Line { get; }
}
