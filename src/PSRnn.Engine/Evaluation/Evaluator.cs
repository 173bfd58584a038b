using PSRnn.Engine.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace PSRnn.Engine.Evaluation;

/// <summary>Inference over one token stream, under eval() and no_grad, with the state carried through.</summary>
public static class Evaluator
{
    /// <summary>Steps fed to the network per call: bounds memory, the carried state keeps the context exact.</summary>
    public const int ChunkSteps = 256;

    /// <summary>Perplexity of predicting every token after the first from all the tokens before it.</summary>
    public static PerplexityResult Perplexity(RnnModel model, long[] tokens)
    {
        if (tokens.Length < 2)
            throw new ArgumentException("Perplexity needs at least two tokens: one to read and one to predict.", nameof(tokens));
        return Run(model, "evaluation", network => PerplexityOf(network, tokens));
    }

    /// <summary>
    /// The perplexity loop itself, for callers that already hold the model (the trainer's validation).
    /// Leaves the network in eval mode.
    /// </summary>
    internal static PerplexityResult PerplexityOf(RecurrentNetwork network, long[] tokens)
    {
        network.eval();
        using var noGrad = no_grad();
        var state = network.InitialState(1);
        double lossSum = 0;
        for (var start = 0; start < tokens.Length - 1; start += ChunkSteps)
        {
            var length = Math.Min(ChunkSteps, tokens.Length - 1 - start);
            using var scope = NewDisposeScope();
            var targets = network.Row(tokens, start + 1, length).reshape(-1);
            var (logits, final) = network.call(network.Row(tokens, start, length), state);
            lossSum += nn.functional.cross_entropy(logits, targets, reduction: nn.Reduction.Sum).ToDouble();
            state.Dispose();
            state = final.MoveToOuterDisposeScope();
        }
        state.Dispose();
        var predictions = tokens.Length - 1;
        var crossEntropy = lossSum / predictions;
        return new PerplexityResult(Math.Exp(crossEntropy), crossEntropy, predictions);
    }

    /// <summary>The whole state (every layer; LSTM cells too) after each token, from zeros or a given state.</summary>
    public static StateTrace Trace(RnnModel model, long[] tokens, float[]? initialState = null)
    {
        if (tokens.Length == 0) throw new ArgumentException("There are no tokens to run.", nameof(tokens));
        return Run(model, "a hidden-state trace", network =>
        {
            Tensor state;
            using (NewDisposeScope())
            {
                var zeros = network.InitialState(1);
                state = (initialState is null ? zeros : tensor(initialState, zeros.shape, device: network.Device).to(network.DType))
                    .MoveToOuterDisposeScope();
            }
            var steps = new float[tokens.Length][];
            try
            {
                for (var t = 0; t < tokens.Length; t++)
                {
                    // One step at a time: the fused layers only report every step of the top layer's h.
                    using var scope = NewDisposeScope();
                    var (_, final) = network.Encode(network.Row(tokens, t, 1), state);
                    steps[t] = final.to(ScalarType.Float32).cpu().data<float>().ToArray();
                    state.Dispose();
                    state = final.MoveToOuterDisposeScope();
                }
            }
            finally
            {
                state.Dispose();
            }
            return new StateTrace(network.Spec, steps);
        });
    }

    /// <summary>Claims the model, applies its threads, and runs <paramref name="body"/> in eval mode without gradients.</summary>
    internal static T Run<T>(RnnModel model, string operation, Func<RecurrentNetwork, T> body)
    {
        using var claim = model.Acquire(operation);
        model.ApplyThreads();
        var network = model.Network;
        var wasTraining = network.training;
        network.eval();
        try
        {
            using var noGrad = no_grad();
            return body(network);
        }
        finally
        {
            if (wasTraining) network.train();
        }
    }
}
