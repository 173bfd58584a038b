using PSRnn.Engine.Models;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static PSRnn.Tests.CellKit;
using static TorchSharp.torch;

namespace PSRnn.Tests;

/// <summary>
/// The RNN and GRU sequence kernels (custom autograd) against libtorch's own layers and against the
/// d2l equations run through plain autograd: outputs, final state, and the gradient of every
/// parameter, of the initial state and (through the projections) of the inputs, in float64 and float32,
/// for one and two layers, from a carried (non-zero) or a fresh (zero) state.
/// </summary>
public class SequenceKernelTests
{
    private const long Steps = 4, Batch = 3;

    public static TheoryData<CellType, int, ScalarType, bool> FusedCases() => Cases(CellType.Rnn, CellType.Gru);

    public static TheoryData<CellType, int, ScalarType, bool> ScratchCases() => Cases(CellType.Rnn, CellType.Gru, CellType.Lstm);

    private static TheoryData<CellType, int, ScalarType, bool> Cases(params CellType[] cells)
    {
        var data = new TheoryData<CellType, int, ScalarType, bool>();
        foreach (var cell in cells)
        foreach (var layers in new[] { 1, 2 })
        foreach (var dtype in new[] { ScalarType.Float64, ScalarType.Float32 })
        foreach (var carried in new[] { true, false })
            data.Add(cell, layers, dtype, carried);
        return data;
    }

    private static double Tolerance(ScalarType dtype) => dtype == ScalarType.Float64 ? 1e-10 : 1e-5;

    private static void AssertClose(Tensor expected, Tensor actual, ScalarType dtype, string what)
    {
        Assert.Equal(expected.shape, actual.shape);
        var scale = 1 + expected.abs().max().ToDouble();
        var difference = (expected - actual).abs().max().ToDouble();
        Assert.True(difference <= Tolerance(dtype) * scale, $"{what}: largest difference {difference} (scale {scale})");
    }

    /// <summary>Tokens [steps, batch], a state that takes gradients, and fixed weights that turn outputs and final state into one scalar.</summary>
    private static (Tensor Inputs, Tensor State, Func<Tensor, Tensor, Tensor> Loss) Problem(RecurrentNetwork network, bool carried)
    {
        using var generator = new torch.Generator(23, CPU);
        var spec = network.Spec;
        var inputs = randint(spec.VocabularySize, new[] { Steps, Batch }, generator: generator);
        var state = (carried ? randn(network.InitialState(Batch).shape, network.DType, generator: generator) : network.InitialState(Batch)).requires_grad_();
        var outputWeights = randn(new[] { Steps, Batch, spec.HiddenSize }, network.DType, generator: generator);
        var stateWeights = randn(state.shape, network.DType, generator: generator);
        return (inputs, state, (outputs, final) => (outputs * outputWeights).sum() + (final * stateWeights).sum());
    }

    private static nn.Module<Tensor, Tensor?, (Tensor, Tensor)> LibTorchLayer(RecurrentNetwork fused)
    {
        var spec = fused.Spec;
        nn.Module<Tensor, Tensor?, (Tensor, Tensor)> layer = spec.CellType == CellType.Rnn
            ? nn.RNN(spec.VocabularySize, spec.HiddenSize, numLayers: spec.NumLayers, dtype: fused.DType)
            : nn.GRU(spec.VocabularySize, spec.HiddenSize, numLayers: spec.NumLayers, dtype: fused.DType);
        var weights = Parameters(fused);
        using var _ = no_grad();
        foreach (var (name, parameter) in layer.named_parameters()) parameter.copy_(weights["rnn." + name]);
        return layer;
    }

    [Theory]
    [MemberData(nameof(FusedCases))]
    public void FusedKernelEqualsLibTorchLayerWithEveryGradient(CellType cell, int layers, ScalarType dtype, bool carried)
    {
        using var fused = NetworkFactory.Create(Spec(cell, Implementation.Fused, layers), seed: 3, CPU, dtype);
        Randomise(fused);
        using var layer = LibTorchLayer(fused);
        var (inputs, state, loss) = Problem(fused, carried);

        var (outputs, final) = fused.RunLayers(inputs, state);
        loss(outputs, final).backward();
        var stateGradient = state.grad!.clone();
        state.grad!.zero_();

        // libtorch's layer reads one-hot rows; their gradient is the input gradient the kernel's projection receives.
        var oneHot = nn.functional.one_hot(inputs, fused.Spec.VocabularySize).to(dtype).requires_grad_();
        var (expectedOutputs, expectedFinal) = layer.call(oneHot, state);
        loss(expectedOutputs, expectedFinal).backward();

        AssertClose(expectedOutputs, outputs, dtype, "outputs");
        AssertClose(expectedFinal, final, dtype, "final state");
        AssertClose(state.grad!, stateGradient, dtype, "state gradient");
        var kernelGradients = Parameters(fused);
        var checkedParameters = 0;
        foreach (var (name, parameter) in layer.named_parameters())
        {
            AssertClose(parameter.grad!, kernelGradients["rnn." + name].grad!, dtype, name);
            checkedParameters++;
        }
        Assert.Equal(4 * layers, checkedParameters);
    }

    [Theory]
    [MemberData(nameof(ScratchCases))]
    public void ScratchKernelEqualsD2lEquationsThroughAutogradWithEveryGradient(CellType cell, int layers, ScalarType dtype, bool carried)
    {
        using var scratch = NetworkFactory.Create(Spec(cell, layers: layers), seed: 3, CPU, dtype);
        Randomise(scratch);
        var (inputs, state, _) = Problem(scratch, carried);
        using var generator = new torch.Generator(29, CPU);
        var logitWeights = randn(new[] { Steps * Batch, scratch.Spec.VocabularySize }, dtype, generator: generator);
        var stateWeights = randn(state.shape, dtype, generator: generator);
        Tensor Loss((Tensor Logits, Tensor State) result) => (result.Logits * logitWeights).sum() + (result.State * stateWeights).sum();

        var kernel = scratch.call(inputs, state);
        Loss(kernel).backward();
        var kernelGradients = scratch.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!.clone());
        var stateGradient = state.grad!.clone();
        scratch.zero_grad();
        state.grad!.zero_();

        var reference = Reference(scratch, inputs, state);
        Loss(reference).backward();

        AssertClose(reference.Logits, kernel.Logits, dtype, "logits");
        AssertClose(reference.State, kernel.State, dtype, "final state");
        AssertClose(state.grad!, stateGradient, dtype, "state gradient");
        foreach (var (name, parameter) in scratch.named_parameters())
            AssertClose(parameter.grad!, kernelGradients[name], dtype, name);
        Assert.Equal(layers * 3 * (cell == CellType.Rnn ? 1 : cell == CellType.Gru ? 3 : 4) + 2, kernelGradients.Count);
    }

    [Theory]
    [InlineData(CellType.Rnn, 1)]
    [InlineData(CellType.Gru, 1)]
    [InlineData(CellType.Rnn, 2)]
    [InlineData(CellType.Gru, 2)]
    public void FusedKernelGradientsEqualCentralFiniteDifferencesInFloat64(CellType cell, int layers)
    {
        using var network = NetworkFactory.Create(Spec(cell, Implementation.Fused, layers), seed: 13, CPU, ScalarType.Float64);
        Randomise(network);
        var gates = cell == CellType.Rnn ? 1 : 3;
        // weight_ih, weight_hh, both biases per layer, then the output layer (5 x 4 weights, 5 biases).
        var perLayer = (long k) => gates * 4 * ((k == 0 ? 5 : 4) + 4 + 2);
        Assert.Equal(perLayer(0) + (layers == 2 ? perLayer(1) : 0) + 25, AssertGradientsEqualFiniteDifferences(network));
    }

    [Theory]
    [InlineData(CellType.Rnn)]
    [InlineData(CellType.Gru)]
    [InlineData(CellType.Lstm)]
    public void KernelsGiveTheSameResultWithoutGradients(CellType cell)
    {
        foreach (var implementation in new[] { Implementation.Scratch, Implementation.Fused })
        {
            using var network = NetworkFactory.Create(Spec(cell, implementation, layers: 2), seed: 7, CPU, ScalarType.Float64);
            Randomise(network);
            var (inputs, _, state) = Batch(network);
            var (withGradients, stateWith) = network.call(inputs, state);
            using var _ = no_grad();
            var (without, stateWithout) = network.call(inputs, state);
            Assert.False(without.requires_grad);
            AssertClose(withGradients.detach(), without, ScalarType.Float64, $"{implementation} logits");
            AssertClose(stateWith.detach(), stateWithout, ScalarType.Float64, $"{implementation} state");
        }
    }
}
