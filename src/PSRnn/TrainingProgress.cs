using System.Diagnostics;
using System.Management.Automation;
using PSRnn.Engine.Training;

namespace PSRnn;

/// <summary>
/// Progress of a training run as two bars: "Epoch k of N" with a percentage and time remaining,
/// estimated from the run's wall-clock time so far, and under it the minibatches of the epoch in
/// flight. Minibatch updates are throttled (the first of every epoch, then at most a few a second),
/// so that even epochs of thousands of tiny minibatches pay nothing measurable for them. Every
/// record goes through <c>write</c>, which the cmdlet calls on its pipeline thread; each is a new
/// ProgressRecord, since a host or a Progress stream may keep the ones it was given.
/// </summary>
internal sealed class TrainingProgress
{
    internal const int RunActivityId = 1;
    internal const int EpochActivityId = 2;
    internal static readonly TimeSpan MinibatchInterval = TimeSpan.FromMilliseconds(250);

    private readonly Action<ProgressRecord> write;
    private readonly int epochs;
    private readonly string activity;
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private TimeSpan epochStarted, lastMinibatchWrite = TimeSpan.MinValue;
    private int done;
    private bool finished;
    private string? lastResult;
    private int runPercent, runSeconds = -1;

    /// <param name="model">What is trained, e.g. "Fused Rnn, 256 hidden".</param>
    public TrainingProgress(Action<ProgressRecord> write, string model, int epochs)
    {
        this.write = write;
        this.epochs = epochs;
        activity = $"Training {model}";
        WriteRun();
    }

    /// <summary>Heard from the engine after every minibatch; writes only when the throttle allows.</summary>
    public void Minibatch(MinibatchProgress step)
    {
        var now = clock.Elapsed;
        if (step.Done != 1 && now - lastMinibatchWrite < MinibatchInterval) return;
        lastMinibatchWrite = now;
        var fraction = (double)step.Done / step.Count;
        write(new ProgressRecord(EpochActivityId, EpochActivity(), $"Minibatch {step.Done} of {step.Count}")
        {
            ParentActivityId = RunActivityId,
            PercentComplete = Percent(fraction),
            SecondsRemaining = Seconds(step.Elapsed.TotalSeconds / fraction * (1 - fraction)),
        });
        Estimate(fraction);
        WriteRun();
    }

    /// <summary>An epoch's record has arrived: the run bar moves on to the next epoch.</summary>
    public void EpochDone(EpochRecord record)
    {
        done++;
        epochStarted = clock.Elapsed;
        lastResult = $"perplexity {record.Perplexity:F3}" +
                     (record.ValidationPerplexity is { } validation ? $", validation {validation:F3}" : "") +
                     $", {record.TokensPerSecond:N0} tokens/s";
        Estimate(0);
        WriteRun();
    }

    /// <summary>Takes both bars down (the run ended, or stopped).</summary>
    public void Complete()
    {
        finished = true; // also after an early stop (-Patience), before -Epochs
        Estimate(0);
        write(new ProgressRecord(EpochActivityId, EpochActivity(), "Done") { ParentActivityId = RunActivityId, RecordType = ProgressRecordType.Completed });
        WriteRun(ProgressRecordType.Completed);
    }

    private void WriteRun(ProgressRecordType type = ProgressRecordType.Processing) =>
        write(new ProgressRecord(RunActivityId, activity, Status()) { PercentComplete = runPercent, SecondsRemaining = runSeconds, RecordType = type });

    private string EpochActivity() => $"Epoch {Math.Min(done + 1, epochs)} of {epochs}";

    private string Status() =>
        done >= epochs || finished ? $"{done} of {epochs} epochs done: {lastResult}"
        : $"Epoch {done + 1} of {epochs}" + (lastResult is null ? "" : $" (epoch {done}: {lastResult})");

    /// <summary>
    /// Percentage and seconds remaining with <paramref name="fraction"/> of the current epoch done: a
    /// completed epoch takes what the completed ones took on average (validation, checkpoints and the
    /// caller's pipeline included); before the first completes, the current one's pace stands in.
    /// </summary>
    private void Estimate(double fraction)
    {
        var progressed = done + fraction;
        runPercent = Percent(progressed / epochs);
        double? perEpoch = done > 0 ? epochStarted.TotalSeconds / done
            : fraction > 0 ? (clock.Elapsed - epochStarted).TotalSeconds / fraction : null;
        runSeconds = perEpoch is { } seconds ? Seconds(seconds * (epochs - progressed)) : -1;
    }

    private static int Percent(double fraction) => (int)Math.Clamp(Math.Floor(100 * fraction), 0, 100);

    private static int Seconds(double seconds) => double.IsFinite(seconds) ? (int)Math.Max(0, Math.Ceiling(seconds)) : -1;
}
