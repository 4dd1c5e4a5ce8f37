namespace ImdbExperiments;

/// <summary>A path the user gave is not what it must be (see <see cref="UserFile"/>); the message is the one line to show.</summary>
public sealed class UserFileException(string message) : IOException(message);
