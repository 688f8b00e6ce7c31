namespace Posthorn.Core.Config;

/// <summary>
/// A configuration error that names where it is: <c>file:line: message</c>, as Postfix reports
/// main.cf and master.cf problems. Commands print <see cref="Exception.Message"/> after
/// "NAME: fatal: " and exit 1.
/// </summary>
public sealed class ConfigException : Exception
{
    public ConfigException(string message) : base(message) { }

    public ConfigException(string message, Exception inner) : base(message, inner) { }

    public ConfigException(string file, int line, string message)
        : base($"{file}:{line}: {message}")
    {
        File = file;
        Line = line;
    }

    public ConfigException() { }

    public string? File { get; }

    public int Line { get; }
}
