namespace Posthorn.Core.Config;

/// <summary>How a parameter's value is read: postconf(5) types.</summary>
public enum ParameterKind
{
    String,
    Integer,
    Long,
    Boolean,
    Time,
    Size,
    List,
}

/// <summary>
/// A main.cf parameter that Posthorn knows: its Postfix name, its default as
/// <c>postconf -d</c> prints it (unexpanded), its kind and, for times, the unit a bare number has.
/// A computed default (myhostname, mydomain, mynetworks ...) is given by <see cref="Compute"/>.
/// </summary>
public sealed record ParameterDefinition(
    string Name,
    string Default,
    ParameterKind Kind = ParameterKind.String,
    char TimeUnit = 's',
    Func<MainConfig, string>? Compute = null);
