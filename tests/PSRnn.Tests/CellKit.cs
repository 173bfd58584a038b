using PSRnn.Engine.Models;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace PSRnn.Tests;

/// <summary>Shared fixtures for the cell tests: a tiny batch, a gradient check, weight mapping, reference equations.</summary>
internal static class CellKit
{
    public static ModelSpec Spec(CellType cell, Implementation implementation = Implementation.Scratch, int layers = 1, double dropout = 0, int hidden = 4) =>
        new(cell, implementation, HiddenSize: hidden, VocabularySize: 5, layers, dropout);

    public static Dictionary<string, Parameter> Parameters(RecurrentNetwork network) =>
        network.named_parameters().ToDictionary(p => p.name, p => p.parameter);

    public static (Tensor Inputs, Tensor Targets, Tensor State) Batch(RecurrentNetwork network)
    {
        // Two rows of three steps, laid out time-major ([steps, batch]) as the network reads them.
        var inputs = tensor(new long[] { 0, 3, 1, 4, 2, 2 }, new long[] { 2, 3 }).t();
        var targets = tensor(new long[] { 3, 1, 4, 2, 2, 0 }, new long[] { 2, 3 }).t().reshape(-1);
        // A non-zero initial state so that the hidden-side weights' gradients also flow through the first step.
        var state = network.InitialState(2) + 0.3;
        return (inputs, targets, state);
    }

    /// <summary>
    /// Weights of N(0, 0.01²) keep every gate near-linear; larger ones make checks meaningful. Drawn
    /// from a generator of the test's own, so tests running in parallel cannot change them.
    /// </summary>
    public static void Randomise(RecurrentNetwork network, ulong seed = 17)
    {
        using var generator = new torch.Generator(seed, CPU);
        using (no_grad()) foreach (var p in network.parameters()) p.copy_(randn(p.shape, p.dtype, CPU, generator: generator) * 0.5);
    }

    /// <summary>Compares autograd with central differences for every entry of every parameter; returns the entries checked.</summary>
    public static int AssertGradientsEqualFiniteDifferences(RecurrentNetwork network)
    {
        var (inputs, targets, state) = Batch(network);
        double Loss() => nn.functional.cross_entropy(network.call(inputs, state).Logits, targets).ToDouble();
        nn.functional.cross_entropy(network.call(inputs, state).Logits, targets).backward();
        const double eps = 1e-6;
        var checkedEntries = 0;
        foreach (var (name, parameter) in network.named_parameters())
        {
            var analytic = parameter.grad!.clone().reshape(-1);
            var flat = parameter.detach().view(-1);
            for (var i = 0; i < flat.numel(); i++)
            {
                double Nudged(double delta)
                {
                    using (no_grad()) flat[i] += delta;
                    var value = Loss();
                    using (no_grad()) flat[i] -= delta;
                    return value;
                }
                var numeric = (Nudged(eps) - Nudged(-eps)) / (2 * eps);
                var exact = analytic[i].ToDouble();
                Assert.True(Math.Abs(numeric - exact) <= 1e-7 + 1e-5 * Math.Abs(exact),
                    $"{name}[{i}]: autograd {exact}, finite difference {numeric}");
                checkedEntries++;
            }
        }
        return checkedEntries;
    }

    /// <summary>d2l's gate letters in libtorch's gate-stacking order (GRU r, z, n; LSTM i, f, g, o).</summary>
    private static string LibTorchOrder(CellType cell) => cell switch { CellType.Gru => "rzh", CellType.Lstm => "ifco", _ => "h" };

    /// <summary>
    /// Copies d2l's (in, out) per-gate weights into libtorch's (out, in) gate-stacked ones; d2l has one
    /// bias per gate, libtorch two, so bias_ih takes d2l's and bias_hh is zero.
    /// </summary>
    public static void CopyScratchToFused(RecurrentNetwork scratch, RecurrentNetwork fused)
    {
        var s = Parameters(scratch);
        var f = Parameters(fused);
        var gates = LibTorchOrder(scratch.Spec.CellType);
        using var _ = no_grad();
        for (var k = 0; k < scratch.Spec.NumLayers; k++)
        {
            var prefix = k == 0 ? "" : $"l{k}.";
            Tensor Stacked(string format) => cat(gates.Select(g => s[prefix + string.Format(format, g)]).ToArray(), -1);
            f[$"rnn.weight_ih_l{k}"].copy_(Stacked("W_x{0}").t());
            f[$"rnn.weight_hh_l{k}"].copy_(Stacked("W_h{0}").t());
            f[$"rnn.bias_ih_l{k}"].copy_(Stacked("b_{0}"));
            f[$"rnn.bias_hh_l{k}"].zero_();
        }
        f["output.weight"].copy_(s["W_hq"].t());
        f["output.bias"].copy_(s["b_q"]);
    }

    /// <summary>
    /// The cells' equations written out plainly (one-hot matmuls, one gate at a time), from the
    /// scratch network's parameters. <paramref name="resetAfterMatmul"/> gives libtorch's GRU
    /// candidate tanh(X W_xh + b_h + R ⊙ (H W_hh)) instead of d2l's tanh(X W_xh + (R ⊙ H) W_hh + b_h).
    /// </summary>
    public static (Tensor Logits, Tensor State) Reference(RecurrentNetwork scratch, Tensor inputs, Tensor state, bool resetAfterMatmul = false)
    {
        var spec = scratch.Spec;
        var p = Parameters(scratch);
        int layers = spec.NumLayers, rows = spec.StateRowsPerLayer;
        var final = new Tensor[layers * rows];
        var x = Enumerable.Range(0, (int)inputs.size(0))
            .Select(t => nn.functional.one_hot(inputs[t], spec.VocabularySize).to(state.dtype)).ToList();
        for (var k = 0; k < layers; k++)
        {
            var prefix = k == 0 ? "" : $"l{k}.";
            Tensor Gate(string g, Tensor xt, Tensor h) => xt.mm(p[$"{prefix}W_x{g}"]) + h.mm(p[$"{prefix}W_h{g}"]) + p[$"{prefix}b_{g}"];
            Tensor hidden = state[k], cell = rows == 2 ? state[layers + k] : null!;
            for (var t = 0; t < x.Count; t++)
            {
                var xt = x[t];
                switch (spec.CellType)
                {
                    case CellType.Rnn:
                        hidden = tanh(Gate("h", xt, hidden));
                        break;
                    case CellType.Gru:
                        var z = sigmoid(Gate("z", xt, hidden));
                        var r = sigmoid(Gate("r", xt, hidden));
                        var recurrent = resetAfterMatmul ? r * hidden.mm(p[$"{prefix}W_hh"]) : (r * hidden).mm(p[$"{prefix}W_hh"]);
                        var candidate = tanh(xt.mm(p[$"{prefix}W_xh"]) + recurrent + p[$"{prefix}b_h"]);
                        hidden = z * hidden + (1 - z) * candidate;
                        break;
                    case CellType.Lstm:
                        var i = sigmoid(Gate("i", xt, hidden));
                        var f = sigmoid(Gate("f", xt, hidden));
                        var o = sigmoid(Gate("o", xt, hidden));
                        var c = tanh(Gate("c", xt, hidden));
                        cell = f * cell + i * c;
                        hidden = o * tanh(cell);
                        break;
                }
                x[t] = hidden;
            }
            final[k] = hidden;
            if (rows == 2) final[layers + k] = cell;
        }
        var logits = stack(x).reshape(-1, spec.HiddenSize).mm(p["W_hq"]) + p["b_q"];
        return (logits, stack(final));
    }
}
