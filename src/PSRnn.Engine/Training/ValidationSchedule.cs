namespace PSRnn.Engine.Training;

/// <summary>
/// What a run does with each epoch's validation loss, as pytorch/examples' word_language_model does:
/// a new best is remembered (and -BestModelPath written by the run); an epoch no better than the
/// best multiplies the rate by -LearningRateDecay and counts towards -Patience, which ends the run
/// once reached. The best is this run's: a continued run starts looking afresh.
/// </summary>
internal sealed class ValidationSchedule(TrainingOptions options)
{
    private State state = new(options.LearningRate, null, null, 0, false);
    private State? beforeLast;

    private readonly record struct State(double LearningRate, double? BestLoss, int? BestEpoch, int WithoutImprovement, bool Stopped);

    /// <summary>The rate the next epoch trains with.</summary>
    public double LearningRate => state.LearningRate;
    public int? BestEpoch => state.BestEpoch;
    public bool Stopped => state.Stopped;

    public Verdict Judge(int epoch, double validationLoss)
    {
        beforeLast = state;
        // A NaN loss is never an improvement (every comparison with it is false).
        var improved = !double.IsNaN(validationLoss) && (state.BestLoss is not { } best || validationLoss < best);
        var without = improved ? 0 : state.WithoutImprovement + 1;
        var rate = improved ? state.LearningRate : state.LearningRate * options.LearningRateDecay;
        var stopped = options.Patience > 0 && without >= options.Patience;
        state = new State(rate, improved ? validationLoss : state.BestLoss, improved ? epoch : state.BestEpoch, without, stopped);
        var reason = stopped
            ? $"Stopped early: {without} epoch(s) in a row without a better validation loss (-Patience {options.Patience}); " +
              (state.BestEpoch is { } at ? $"the best was after epoch {at}." : "no epoch of this run had a finite one.")
            : null;
        return new Verdict(improved, without, reason);
    }

    /// <summary>Takes back the last judgement (its epoch was undone).</summary>
    public void Forget()
    {
        if (beforeLast is { } previous) state = previous;
        beforeLast = null;
    }
}

/// <summary>One epoch's validation judgement.</summary>
internal sealed record Verdict(bool Improved, int EpochsWithoutImprovement, string? StopReason);
