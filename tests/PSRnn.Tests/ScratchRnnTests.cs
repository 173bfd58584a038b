using PSRnn.Engine.Models;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace PSRnn.Tests;

public class ScratchRnnTests
{
    private static readonly ModelSpec Spec = new(CellType.Rnn, Implementation.Scratch, HiddenSize: 4, VocabularySize: 5);

    private static (Tensor Inputs, Tensor Targets, Tensor State) Batch(RecurrentNetwork network)
    {
        var inputs = tensor(new long[] { 0, 3, 1, 4, 2, 2 }, new long[] { 2, 3 });
        var targets = tensor(new long[] { 3, 1, 4, 2, 2, 0 }, new long[] { 2, 3 }).t().reshape(-1);
        // A non-zero initial state so that W_hh's gradient also flows through the first step.
        var state = network.InitialState(2) + 0.3;
        return (inputs, targets, state);
    }

    private static double Loss(RecurrentNetwork network)
    {
        var (inputs, targets, state) = Batch(network);
        return nn.functional.cross_entropy(network.call(inputs, state).Logits, targets).ToDouble();
    }

    [Fact]
    public void GradientsEqualCentralFiniteDifferencesInFloat64()
    {
        using var network = NetworkFactory.Create(Spec, seed: 11, CPU, ScalarType.Float64);
        // Weights of N(0, 0.01^2) give near-linear tanh; larger ones make the check meaningful.
        using (no_grad()) foreach (var p in network.parameters()) p.copy_(randn_like(p) * 0.5);
        var (inputs, targets, state) = Batch(network);
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
                    var value = Loss(network);
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
        Assert.Equal(5 * 4 + 4 * 4 + 4 + 4 * 5 + 5, checkedEntries);
    }

    [Fact]
    public void InitialisesWeightsFromNormalWithStdOneHundredthAndZeroBiases()
    {
        var spec = Spec with { HiddenSize = 256, VocabularySize = 28 };
        using var network = NetworkFactory.Create(spec, seed: 5, CPU);
        var parameters = network.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        Assert.Equal(new[] { "W_xh", "W_hh", "b_h", "W_hq", "b_q" }, parameters.Keys);
        Assert.InRange(parameters["W_hh"].std().ToDouble(), 0.0095, 0.0105);
        Assert.InRange(parameters["W_hh"].mean().ToDouble(), -0.001, 0.001);
        Assert.Equal(0, parameters["b_h"].abs().sum().ToDouble());
        Assert.Equal(0, parameters["b_q"].abs().sum().ToDouble());
    }

    [Fact]
    public void ScratchAndFusedGiveTheSameOutputsOnTheSameWeights()
    {
        var fusedSpec = Spec with { Implementation = Implementation.Fused };
        using var scratch = NetworkFactory.Create(Spec, seed: 1, CPU, ScalarType.Float64);
        using var fused = NetworkFactory.Create(fusedSpec, seed: 2, CPU, ScalarType.Float64);
        var s = scratch.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var f = fused.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        using (no_grad())
        {
            foreach (var p in s.Values) p.copy_(randn_like(p) * 0.5);
            // libtorch keeps (out, in) weights and two biases; d2l keeps (in, out) and one.
            f["rnn.weight_ih_l0"].copy_(s["W_xh"].t());
            f["rnn.weight_hh_l0"].copy_(s["W_hh"].t());
            f["rnn.bias_ih_l0"].copy_(s["b_h"]);
            f["rnn.bias_hh_l0"].zero_();
            f["output.weight"].copy_(s["W_hq"].t());
            f["output.bias"].copy_(s["b_q"]);
        }
        var (inputs, _, state) = Batch(scratch);
        var (scratchLogits, scratchState) = scratch.call(inputs, state);
        var (fusedLogits, fusedState) = fused.call(inputs, state);
        Assert.Equal(new long[] { 6, 5 }, scratchLogits.shape);
        Assert.True(scratchLogits.allclose(fusedLogits, rtol: 1e-12, atol: 1e-12));
        Assert.True(scratchState.allclose(fusedState, rtol: 1e-12, atol: 1e-12));
    }

    [Fact]
    public void TheSameSeedGivesTheSameWeights()
    {
        using var a = NetworkFactory.Create(Spec with { Implementation = Implementation.Fused }, seed: 9, CPU);
        using var b = NetworkFactory.Create(Spec with { Implementation = Implementation.Fused }, seed: 9, CPU);
        using var c = NetworkFactory.Create(Spec with { Implementation = Implementation.Fused }, seed: 10, CPU);
        var pairs = a.parameters().Zip(b.parameters(), c.parameters()).ToList();
        Assert.All(pairs, p => Assert.True(p.First.allclose(p.Second, rtol: 0, atol: 0)));
        Assert.Contains(pairs, p => !p.First.allclose(p.Third, rtol: 0, atol: 0));
    }
}
