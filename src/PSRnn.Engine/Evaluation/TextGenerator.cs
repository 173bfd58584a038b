using PSRnn.Engine.Models;
using PSRnn.Engine.Resources;
using TorchSharp;
using static TorchSharp.torch;

namespace PSRnn.Engine.Evaluation;

public static class TextGenerator
{
    /// <summary>Memory a caller keeps per generated token (its index, a reference, a few characters): bounds -Length up front.</summary>
    private const int BytesPerToken = 32;

    /// <summary>
    /// Reads the prefix, then chooses <paramref name="length"/> tokens one at a time, handing each to
    /// <paramref name="onToken"/> as it comes (nothing is preallocated for the whole length), and
    /// checks <paramref name="cancellation"/> before each.
    /// </summary>
    public static void Generate(RnnModel model, long[] prefix, int length, GenerationOptions options, Action<long> onToken,
                                CancellationToken cancellation = default)
    {
        if (prefix.Length == 0) throw new ArgumentException("The prefix has no tokens.", nameof(prefix));
        if (length < 0) throw new ArgumentOutOfRangeException(nameof(length), length, "Length must be 0 or more.");
        options.Validate();
        MemoryBudget.Require(() => checked((long)length * BytesPerToken), $"Generating {length:N0} tokens", "Lower -Length.");
        var random = new Random(options.Seed);
        Evaluator.Run(model, "prediction", network =>
        {
            Tensor? last = null, state = null;
            try
            {
                // A scope per step frees its temporaries as it goes; only the last logits and the state live on.
                void Advance(long[] tokens)
                {
                    using var scope = NewDisposeScope();
                    using var inputs = tensor(tokens, new long[] { tokens.Length, 1 }, device: network.Device);
                    var (logits, final) = network.call(inputs, state ?? network.InitialState(1));
                    last?.Dispose();
                    state?.Dispose();
                    last = logits[-1].to(ScalarType.Float64).cpu().MoveToOuterDisposeScope();
                    state = final.MoveToOuterDisposeScope();
                }
                Advance(prefix);
                var next = new long[1];
                for (var i = 0; i < length; i++)
                {
                    cancellation.ThrowIfCancellationRequested();
                    next[0] = options.Choose(last!.data<double>().ToArray(), random);
                    onToken(next[0]);
                    if (i < length - 1) Advance(next);
                }
                return 0;
            }
            finally
            {
                last?.Dispose();
                state?.Dispose();
            }
        });
    }

    /// <summary><see cref="Generate"/>, collected.</summary>
    public static long[] Continue(RnnModel model, long[] prefix, int length, GenerationOptions options, CancellationToken cancellation = default)
    {
        var generated = new List<long>();
        Generate(model, prefix, length, options, generated.Add, cancellation);
        return generated.ToArray();
    }
}
