namespace ImdbExperiments.Modeling.Hub;

/// <summary>A download body that stopped short; retried, and the retry resumes from what is on disk.</summary>
internal sealed class TransferInterruptedException(string message, Exception? innerException = null)
    : IOException(message, innerException);
