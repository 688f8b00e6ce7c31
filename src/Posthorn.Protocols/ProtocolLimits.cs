namespace Posthorn.Protocols;

/// <summary>Limits every protocol parser enforces, filled from main.cf by the service that owns the parser.</summary>
public sealed record ProtocolLimits(int LineLengthLimit = 2048);
