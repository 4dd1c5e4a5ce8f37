using ImdbExperiments.Stages;
using Spectre.Console;

namespace ImdbExperiments.Cli;

/// <summary>
/// Spectre.Console progress bars on standard error (standard output stays for status lines and --json).
/// Each task renders on its own thread until disposed, so stage code just calls Report.
/// </summary>
sealed class TerminalProgressDisplay : IProgressDisplay
{
    readonly IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });

    public IProgressTask Start(string description, long? total, string unit) => new Task(console, description, total, unit);

    sealed class Task : IProgressTask
    {
        readonly Thread thread;
        readonly ManualResetEventSlim finished = new();
        long done;
        long total;
        volatile string? description;

        public Task(IAnsiConsole console, string description, long? total, string unit)
        {
            this.total = total ?? -1;
            ProgressColumn[] columns = unit == "B"
                ? [new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn(), new TransferSpeedColumn(), new RemainingTimeColumn()]
                : [new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn()];
            thread = new Thread(() => console.Progress().AutoClear(true).HideCompleted(true).Columns(columns).Start(context =>
            {
                var task = context.AddTask(Markup.Escape(description), maxValue: Math.Max(1, this.total));
                task.IsIndeterminate = this.total < 0;
                while (!finished.Wait(100)) Update(task);
                Update(task);
            }))
            { IsBackground = true, Name = "progress" };
            thread.Start();
        }

        void Update(ProgressTask task)
        {
            var max = Interlocked.Read(ref total);
            if (max > 0) { task.IsIndeterminate = false; task.MaxValue = max; }
            task.Value = Interlocked.Read(ref done);
            if (description is { } text) task.Description = Markup.Escape(text);
        }

        public void Report(long done, long? total = null, string? description = null)
        {
            if (description is not null) this.description = description;
            Interlocked.Exchange(ref this.done, done);
            if (total is { } t) Interlocked.Exchange(ref this.total, t);
        }

        public void Dispose()
        {
            finished.Set();
            thread.Join();
            finished.Dispose();
        }
    }
}
