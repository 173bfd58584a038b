using PSRnn.Engine.Models;
using PSRnn.Engine.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace PSRnn.Engine.Evaluation;

/// <summary>Inference over one token stream, under eval() and no_grad, with the state carried through.</summary>
public static class Evaluator
{
    /// <summary>Steps fed to the network per call: bounds memory, the carried state keeps the context exact.</summary>
    public const int ChunkSteps = 256;

    /// <summary>Perplexity of predicting every token after the first from all the tokens before it.</summary>
    public static PerplexityResult Perplexity(RnnModel model, long[] tokens, CancellationToken cancellation = default)
    {
        if (tokens.Length < 2)
            throw new CorpusTooShortException(tokens.Length, 2, "perplexity needs at least 2: one to read and one to predict. Give more text.");
        return Run(model, "evaluation", network =>
        {
            using var stream = tensor(tokens, device: network.Device);
            return PerplexityOf(network, stream, cancellation: cancellation);
        });
    }

    /// <summary>Logit values one chunk may hold (16M floats, 64 MB): large vocabularies get shorter chunks.</summary>
    private const long ChunkLogits = 16L << 20;

    /// <summary>
    /// The perplexity loop over a 1-D token tensor, for callers that already hold the model (the
    /// trainer's validation). With <paramref name="streams"/> &gt; 1 the tokens are cut into that many
    /// equal consecutive segments run side by side (pytorch/examples' batchify: the remainder of
    /// fewer than <paramref name="streams"/> tokens is left out), each from a zero state carried
    /// across chunks. Leaves the network in eval mode.
    /// </summary>
    internal static PerplexityResult PerplexityOf(RecurrentNetwork network, Tensor tokens, int streams = 1, CancellationToken cancellation = default)
    {
        network.eval();
        using var noGrad = no_grad();
        // Every stream needs one token to read and one to predict.
        var batch = Math.Max(1, Math.Min(streams, tokens.size(0) / 2));
        var length = tokens.size(0) / batch;
        Tensor columns;
        using (NewDisposeScope()) columns = tokens.narrow(0, 0, batch * length).view(batch, length).t().contiguous().MoveToOuterDisposeScope();
        using var streamsOwner = columns;
        var predictions = length - 1;
        var chunk = Math.Clamp(ChunkLogits / (batch * network.Spec.VocabularySize), 1, ChunkSteps);
        var state = network.InitialState(batch);
        double lossSum = 0;
        try
        {
            for (long start = 0; start < predictions; start += chunk)
            {
                cancellation.ThrowIfCancellationRequested();
                var steps = Math.Min(chunk, predictions - start);
                using var scope = NewDisposeScope();
                var (logits, final) = network.call(columns.narrow(0, start, steps), state);
                var targets = columns.narrow(0, start + 1, steps).reshape(-1);
                lossSum += nn.functional.cross_entropy(logits, targets, reduction: nn.Reduction.Sum).ToDouble();
                state.Dispose();
                state = final.MoveToOuterDisposeScope();
            }
        }
        finally
        {
            state.Dispose();
        }
        var crossEntropy = lossSum / (predictions * batch);
        return new PerplexityResult(Math.Exp(crossEntropy), crossEntropy, predictions * batch);
    }

    /// <summary>The whole state (every layer; LSTM cells too) after each token, from zeros or a given state.</summary>
    public static StateTrace Trace(RnnModel model, long[] tokens, float[]? initialState = null, CancellationToken cancellation = default)
    {
        if (tokens.Length == 0) throw new ArgumentException("There are no tokens to run.", nameof(tokens));
        CheckInitialState(model.Spec, initialState);
        // Every step's whole state is kept, and a caller's objects copy it again: refuse what cannot fit.
        var stateValues = (long)model.NumLayers * model.Spec.StateRowsPerLayer * model.HiddenSize;
        Resources.MemoryBudget.Require(() => checked(tokens.Length * (stateValues * sizeof(float) * 3 + 128)),
            $"A trace of {tokens.Length:N0} tokens through {model.NumLayers} layer(s) of {model.HiddenSize}", "Give a shorter -Text.");
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
                using var stream = tensor(tokens, new long[] { tokens.Length, 1 }, device: network.Device);
                for (var t = 0; t < tokens.Length; t++)
                {
                    cancellation.ThrowIfCancellationRequested();
                    // One step at a time: the fused layers only report every step of the top layer's h.
                    using var scope = NewDisposeScope();
                    var (_, final) = network.RunLayers(stream.narrow(0, t, 1), state);
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

    private static void CheckInitialState(ModelSpec spec, float[]? initialState)
    {
        if (initialState is null) return;
        var expected = spec.NumLayers * spec.StateRowsPerLayer * spec.HiddenSize;
        if (initialState.Length != expected)
            throw new InitialStateException(
                $"-InitialState has {initialState.Length} values; this model's state has {expected} (layers x {(spec.StateRowsPerLayer == 2 ? "2 (h and c) x " : "")}hidden size). Pass an earlier step's FullState.");
        var bad = Array.FindIndex(initialState, v => !float.IsFinite(v));
        if (bad >= 0)
            throw new InitialStateException(
                $"-InitialState holds {initialState[bad]} at index {bad}: a state is made of finite numbers. Pass an earlier step's FullState, or leave -InitialState out to start from zeros.");
    }

    /// <summary>Claims the model, applies its threads, and runs <paramref name="body"/> in eval mode without gradients.</summary>
    internal static T Run<T>(RnnModel model, string operation, Func<RecurrentNetwork, T> body)
    {
        using var claim = model.Claim(operation);
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

/// <summary>An -InitialState that does not fit the model or is not made of finite numbers.</summary>
public sealed class InitialStateException(string message) : ArgumentException(message);
