using System.Text;

namespace ImdbExperiments.Sweeps;

/// <summary>
/// The log of one of several trials that run at once: text is held until a line ends, then the whole line, prefixed with the
/// trial's name, goes to the shared output, so lines of parallel trials never interleave mid-line.
/// </summary>
public sealed class TrialLogWriter(string prefix, Action<string> output) : TextWriter
{
    private readonly StringBuilder _line = new();
    private readonly Lock _lock = new();

    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value)
    {
        string? complete = null;
        lock (_lock)
        {
            if (value == '\n')
            {
                complete = _line.ToString().TrimEnd('\r');
                _line.Clear();
            }
            else
            {
                _line.Append(value);
            }
        }

        if (complete is not null)
        {
            output(prefix + complete);
        }
    }

    public override void Write(string? value)
    {
        foreach (var c in value ?? "")
        {
            Write(c);
        }
    }

    public override void WriteLine(string? value) => Write((value ?? "") + "\n");

    public override void Flush()
    {
        string? rest;
        lock (_lock)
        {
            rest = _line.Length > 0 ? _line.ToString() : null;
            _line.Clear();
        }

        if (rest is not null)
        {
            output(prefix + rest);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Flush();
        }

        base.Dispose(disposing);
    }
}
