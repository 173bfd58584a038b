namespace PSRnn.Engine.Evaluation;

/// <summary>How the next token is chosen from the model's logits.</summary>
/// <param name="Temperature">0 takes the most likely token (d2l's predict); above 0 samples from softmax(logits / T).</param>
/// <param name="TopK">When sampling, only the K most likely tokens are candidates (0: all).</param>
/// <param name="Seed">Seeds the sampling, so a sampled continuation can be repeated.</param>
public sealed record GenerationOptions(double Temperature = 0, int TopK = 0, int Seed = 0)
{
    public void Validate()
    {
        if (!(Temperature >= 0) || double.IsInfinity(Temperature))
            throw new ArgumentOutOfRangeException(nameof(Temperature), Temperature, "Temperature must be 0 (greedy) or a positive finite number (e.g. 0.8).");
        if (TopK < 0)
            throw new ArgumentOutOfRangeException(nameof(TopK), TopK, "TopK must be 0 (all tokens) or positive.");
    }

    /// <summary>
    /// The token to take after <paramref name="logits"/>. Sampling works on (logit − max) / T, so every
    /// weight is exp of a value ≤ 0 and the most likely token's is 1: no temperature, however small or
    /// large, can overflow it into NaN (a subnormal T makes it greedy, a huge one uniform).
    /// </summary>
    internal long Choose(double[] logits, Random random)
    {
        var top = double.NegativeInfinity;
        foreach (var value in logits)
        {
            if (double.IsNaN(value)) throw new NonFiniteOutputException();
            top = Math.Max(top, value);
        }
        if (double.IsNegativeInfinity(top)) throw new NonFiniteOutputException();
        if (Temperature == 0 || double.IsPositiveInfinity(top)) return Array.IndexOf(logits, top);
        // Top-k keeps every token at least as likely as the k-th (ties at the edge stay in).
        var floor = TopK > 0 && TopK < logits.Length ? KthLargest(logits, TopK) : double.NegativeInfinity;
        var weights = new double[logits.Length];
        double total = 0;
        for (var i = 0; i < logits.Length; i++)
            total += weights[i] = logits[i] >= floor ? Math.Exp((logits[i] - top) / Temperature) : 0;
        var u = random.NextDouble() * total;
        for (var i = 0; i < weights.Length; i++)
        {
            u -= weights[i];
            if (u < 0) return i;
        }
        return Array.FindLastIndex(weights, w => w > 0);
    }

    /// <summary>The k-th largest value, with a min-heap of the k largest so far: O(n log k), not a sort of a 33k-word vocabulary per token.</summary>
    internal static double KthLargest(double[] values, int k)
    {
        var heap = new PriorityQueue<double, double>(k);
        foreach (var value in values)
        {
            if (heap.Count < k) heap.Enqueue(value, value);
            else if (value > heap.Peek()) heap.EnqueueDequeue(value, value);
        }
        return heap.Peek();
    }
}

/// <summary>The model's outputs are NaN or all −∞: its weights are broken.</summary>
public sealed class NonFiniteOutputException()
    : ArithmeticException("The model's outputs are not numbers (NaN): its weights are broken, e.g. by a run that diverged. " +
                          "Load a good checkpoint with Import-RnnModel, or train the model again.");
