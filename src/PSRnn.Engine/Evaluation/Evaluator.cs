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
        return Run(model, network =>
        {
            var state = network.InitialState(1);
            double lossSum = 0;
            for (var start = 0; start < tokens.Length - 1; start += ChunkSteps)
            {
                var length = Math.Min(ChunkSteps, tokens.Length - 1 - start);
                using var scope = NewDisposeScope();
                var inputs = Slice(tokens, start, length, model.TorchDevice);
                var targets = Slice(tokens, start + 1, length, model.TorchDevice).reshape(-1);
                var (logits, final) = network.call(inputs, state);
                lossSum += nn.functional.cross_entropy(logits, targets, reduction: nn.Reduction.Sum).ToDouble();
                state.Dispose();
                state = final.MoveToOuterDisposeScope();
            }
            state.Dispose();
            var predictions = tokens.Length - 1;
            var crossEntropy = lossSum / predictions;
            return new PerplexityResult(Math.Exp(crossEntropy), crossEntropy, predictions);
        });
    }

    /// <summary>Top-layer hidden state after each token, optionally starting from a given state.</summary>
    public static float[][] HiddenStates(RnnModel model, long[] tokens, float[]? initialState = null)
    {
        if (tokens.Length == 0) throw new ArgumentException("There are no tokens to run.", nameof(tokens));
        return Run(model, network =>
        {
            using var scope = NewDisposeScope();
            var state = initialState is null
                ? network.InitialState(1)
                : tensor(initialState, device: model.TorchDevice).view(network.InitialState(1).shape).to(network.parameters().First().dtype);
            var (outputs, _) = network.Encode(Slice(tokens, 0, tokens.Length, model.TorchDevice), state);
            var hidden = outputs.squeeze(1).to(ScalarType.Float32).cpu();
            var rows = new float[tokens.Length][];
            for (var t = 0; t < rows.Length; t++) rows[t] = hidden[t].data<float>().ToArray();
            return rows;
        });
    }

    /// <summary>d2l's predict: read the prefix, then append the most likely next token <paramref name="length"/> times.</summary>
    public static long[] Greedy(RnnModel model, long[] prefix, int length)
    {
        if (prefix.Length == 0) throw new ArgumentException("The prefix has no tokens.", nameof(prefix));
        return Run(model, network =>
        {
            var generated = new long[length];
            using var scope = NewDisposeScope();
            var (logits, state) = network.call(Slice(prefix, 0, prefix.Length, model.TorchDevice), network.InitialState(1));
            for (var i = 0; i < length; i++)
            {
                generated[i] = logits[-1].argmax().item<long>();
                (logits, state) = network.call(tensor(new[] { generated[i] }, device: model.TorchDevice).view(1, 1), state);
            }
            return generated;
        });
    }

    private static T Run<T>(RnnModel model, Func<RecurrentNetwork, T> body)
    {
        using var claim = model.Acquire("evaluation");
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

    private static Tensor Slice(long[] tokens, int start, int length, Device device) =>
        tensor(tokens.AsSpan(start, length).ToArray(), new long[] { 1, length }, device: device);
}
