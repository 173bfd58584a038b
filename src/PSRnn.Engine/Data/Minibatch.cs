using static TorchSharp.torch;

namespace PSRnn.Engine.Data;

public enum Sampling
{
    /// <summary>Subsequences in random order: neighbouring minibatches are unrelated.</summary>
    Random,
    /// <summary>Sequential partitioning: row i of batch k+1 continues row i of batch k.</summary>
    Sequential,
}

/// <summary>Inputs and next-token targets, both [NumSteps, BatchSize] time-major, cut from the corpus tensor.</summary>
internal sealed record Minibatch(Tensor Inputs, Tensor Targets)
{
    public long NumSteps => Inputs.size(0);
    public long BatchSize => Inputs.size(1);
}
