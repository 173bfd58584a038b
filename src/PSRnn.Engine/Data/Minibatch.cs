namespace PSRnn.Engine.Data;

public enum Sampling
{
    /// <summary>Subsequences in random order: neighbouring minibatches are unrelated.</summary>
    Random,
    /// <summary>Sequential partitioning: row i of batch k+1 continues row i of batch k.</summary>
    Sequential,
}

/// <summary>Inputs and next-token targets, both [BatchSize, NumSteps] row-major.</summary>
public sealed record Minibatch(long[] Inputs, long[] Targets, int BatchSize, int NumSteps);
