using PSRnn.Engine.Models;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace PSRnn.Tests;

public class ScratchRnnTests
{
    private static readonly ModelSpec Spec = new(CellType.Rnn, Implementation.Scratch, HiddenSize: 4, VocabularySize: 5);

    [Fact]
    public void GradientsEqualCentralFiniteDifferencesInFloat64()
    {
        using var network = NetworkFactory.Create(Spec, seed: 11, CPU, ScalarType.Float64);
        CellKit.Randomise(network);
        Assert.Equal(5 * 4 + 4 * 4 + 4 + 4 * 5 + 5, CellKit.AssertGradientsEqualFiniteDifferences(network));
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
        var (inputs, _, state) = CellKit.Batch(scratch);
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
