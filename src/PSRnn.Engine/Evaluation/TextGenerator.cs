using PSRnn.Engine.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace PSRnn.Engine.Evaluation;

/// <summary>How the next token is chosen from the model's logits.</summary>
/// <param name="Temperature">0 takes the most likely token (d2l's predict); above 0 samples from softmax(logits / T).</param>
/// <param name="TopK">When sampling, only the K most likely tokens are candidates (0: all).</param>
public sealed record Sampler(double Temperature = 0, int TopK = 0, int Seed = 0)
{
    public void Validate()
    {
        if (!(Temperature >= 0) || double.IsInfinity(Temperature))
            throw new ArgumentOutOfRangeException(nameof(Temperature), Temperature, "Temperature must be 0 (greedy) or a positive finite number (e.g. 0.8).");
        if (TopK < 0)
            throw new ArgumentOutOfRangeException(nameof(TopK), TopK, "TopK must be 0 (all tokens) or positive.");
    }
}

public static class TextGenerator
{
    /// <summary>Reads the prefix, then appends <paramref name="length"/> tokens chosen by <paramref name="sampler"/>.</summary>
    public static long[] Continue(RnnModel model, long[] prefix, int length, Sampler sampler)
    {
        if (prefix.Length == 0) throw new ArgumentException("The prefix has no tokens.", nameof(prefix));
        if (length < 0) throw new ArgumentOutOfRangeException(nameof(length), length, "Length must be 0 or more.");
        sampler.Validate();
        var random = new Random(sampler.Seed);
        return Evaluator.Run(model, "prediction", network =>
        {
            var generated = new long[length];
            Tensor? last = null, state = null;
            try
            {
                // A scope per step frees its temporaries as it goes; only the last logits and the state live on.
                void Advance(long[] tokens, int start, int count)
                {
                    using var scope = NewDisposeScope();
                    var (logits, final) = network.call(network.Row(tokens, start, count), state ?? network.InitialState(1));
                    last?.Dispose();
                    state?.Dispose();
                    last = logits.MoveToOuterDisposeScope();
                    state = final.MoveToOuterDisposeScope();
                }
                Advance(prefix, 0, prefix.Length);
                for (var i = 0; i < length; i++)
                {
                    using (NewDisposeScope()) generated[i] = Choose(last![-1], sampler, random);
                    Advance(generated, i, 1);
                }
                return generated;
            }
            finally
            {
                last?.Dispose();
                state?.Dispose();
            }
        });
    }

    private static long Choose(Tensor logits, Sampler sampler, Random random)
    {
        if (sampler.Temperature == 0) return logits.argmax().item<long>();
        var scaled = (logits.to(ScalarType.Float64) / sampler.Temperature).cpu();
        if (sampler.TopK > 0 && sampler.TopK < scaled.shape[0])
        {
            var kth = scaled.topk(sampler.TopK).values[-1];
            scaled = scaled.masked_fill(scaled.lt(kth), double.NegativeInfinity);
        }
        // Sample on the host with the caller's seed, so generation is reproducible whatever else runs.
        var probabilities = scaled.softmax(0).data<double>().ToArray();
        var u = random.NextDouble();
        for (var i = 0; i < probabilities.Length; i++)
        {
            u -= probabilities[i];
            if (u < 0) return i;
        }
        return Array.FindLastIndex(probabilities, p => p > 0);
    }
}
